"""The workflow's config and the package agree: the schema lists every variant of the ladder
and every generator objective, so it can neither refuse a real one nor let an unknown one
through to the training step; the settings dataclasses accept exactly config keys, and take
their defaults from config.yaml alone."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import yaml

from discrete_gan.config import VARIANTS, RunSettings, read_settings, run_settings
from discrete_gan.fileio import UserError
from discrete_gan.model.objectives import GENERATOR_OBJECTIVES

ROOT = Path(__file__).resolve().parents[1]


def schema() -> dict:
    return yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())


def test_schema_enums_equal_the_registries() -> None:
    properties = schema()["properties"]
    assert properties["variants"]["items"]["enum"] == list(VARIANTS)
    assert properties["objective"]["enum"] == list(GENERATOR_OBJECTIVES)
    assert properties["comparison_methods"]["items"]["enum"] == list(GENERATOR_OBJECTIVES)
    assert properties["benchmark_methods"]["items"]["enum"] == list(GENERATOR_OBJECTIVES)


def test_default_config_trains_the_whole_ladder() -> None:
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    assert config["variants"] == list(VARIANTS)


def test_settings_are_exactly_config_keys_without_defaults() -> None:
    """Every setting is a key of config.yaml (the one home of the defaults) and of the schema,
    no dataclass field has a default of its own, and the workflow's one builder gives exactly
    the keys the dataclasses accept."""
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    keys = RunSettings.keys()
    assert len(keys) == len(set(keys))
    # `variant` is the folder's own (config.yaml lists the `variants` to train)
    assert set(keys) - {"variant"} <= set(config)
    assert set(keys) - {"variant"} <= set(schema()["required"])
    for part in RunSettings.PARTS:
        for field in dataclasses.fields(part):
            assert field.default is dataclasses.MISSING, f"{part.__name__}.{field.name}"
    built = run_settings(config, "paper_code", "mle")
    assert sorted(built) == sorted(keys)
    settings = RunSettings.from_mapping(built)
    assert (settings.model.variant, settings.train.objective) == ("paper_code", "mle")
    assert settings.as_mapping() == built
    for key in set(keys) - {"variant", "objective"}:  # config values land unchanged
        assert settings.as_mapping()[key] == config[key]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"drop": "lr_after"}, "lack lr_after"),
        ({"add": "learning_rate"}, "unknown keys learning_rate"),
    ],
)
def test_settings_refuse_a_missing_or_unknown_key(change, message) -> None:
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    mapping = run_settings(config, "corrected", "is_gan")
    mapping.pop(change.get("drop", ""), None)
    if "add" in change:
        mapping[change["add"]] = 0.1
    with pytest.raises(UserError, match=message):
        RunSettings.from_mapping(mapping)


def test_read_settings_from_a_file_or_text(tmp_path) -> None:
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    text = json.dumps(run_settings(config, "code_data", "is_gan", epochs=3))
    path = tmp_path / "settings.json"
    path.write_text(text + "\n")
    assert read_settings(path) == read_settings(text)
    assert read_settings(path).train.epochs == 3
    with pytest.raises(UserError, match="does not exist"):
        read_settings(tmp_path / "missing.json")
    path.write_text(text[:-5])
    with pytest.raises(UserError, match="is not valid JSON"):
        read_settings(path)
    with pytest.raises(UserError, match="device must be one of"):
        read_settings(json.dumps(run_settings(config, "corrected", "is_gan", device="gpu")))
