"""The project's defaults for tests: the configs of `config/config.yaml`, the one place where
defaults live (the package's dataclasses have none), with any keys changed."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from discrete_gan.config import ModelConfig, RunSettings, TrainConfig, run_settings

PROJECT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((PROJECT / "config" / "config.yaml").read_text(encoding="utf-8"))


def settings(**changes) -> RunSettings:
    """The default config's settings (variant corrected, its objective), keys changed."""
    own = {"variant": "corrected", "objective": CONFIG["objective"]}
    return RunSettings.from_mapping(run_settings(CONFIG, **{**own, **changes}))


def model_config(**changes) -> ModelConfig:
    """`ModelConfig` of the default config, keys changed."""
    return settings(**changes).model


def train_config(**changes) -> TrainConfig:
    """`TrainConfig` of the default config, keys changed."""
    return settings(**changes).train


def settings_json(**changes) -> str:
    """The JSON text of the default settings, keys changed, as a settings.json holds it."""
    return json.dumps(settings(**changes).as_mapping(), sort_keys=True)
