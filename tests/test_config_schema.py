"""The workflow's config schema lists exactly what the package knows: every variant of the
ladder and every generator objective, so the schema can neither refuse a real one nor let an
unknown one through to the training step."""

from __future__ import annotations

from pathlib import Path

import yaml

from discrete_gan.config import VARIANTS
from discrete_gan.model.objectives import GENERATOR_OBJECTIVES

ROOT = Path(__file__).resolve().parents[1]


def schema() -> dict:
    return yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())


def test_schema_enums_equal_the_registries() -> None:
    properties = schema()["properties"]
    assert properties["variants"]["items"]["enum"] == list(VARIANTS)
    assert properties["objective"]["enum"] == list(GENERATOR_OBJECTIVES)
    assert properties["comparison_methods"]["items"]["enum"] == list(GENERATOR_OBJECTIVES)


def test_default_config_trains_the_whole_ladder() -> None:
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    assert config["variants"] == list(VARIANTS)
