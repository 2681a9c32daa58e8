"""Frozen configuration objects, and the one path from the workflow's config to them.

`config/config.yaml` holds every default; the dataclasses here have none. The workflow turns
its config into one flat mapping per folder of runs with `run_settings` (written to that
folder's `settings.json`), and a step turns the mapping back into frozen dataclasses with
`RunSettings.from_mapping`, which accepts exactly the keys the dataclasses declare.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from discrete_gan.data.vocab import AUTO, PAPER_LETTERS, Vocab
from discrete_gan.fileio import UserError


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise UserError(message)


# Symbols of a real name in the variants with the paper code's data: its code pads names to 15.
PAPER_CODE_REAL_STEPS = 15


@dataclass(frozen=True)
class Variant:
    """Where a variant follows the paper's published code instead of its text; one switch each.

    code_data: real names are padded with `$` to 15 symbols, the generator samples max_steps
        symbols without stopping at `$` (the discriminator sees letters after a `$`), and a real
        name's likelihood runs over all 15 padded positions.
    broadcast_loss: the generator loss is the code's `log(1 - D(x)) * P_G(x)` with D of shape
        (N, 1) and P_G of shape (N,), which broadcasts to (N, N): `-log(-mean_i log(1 - D(x_i)))
        - log(mean_j P_G(x_j))`, whose gradient does not depend on the discriminator.
    start_output: the generator's output softmax includes the start symbol `.` (the text's
        generator only ever reads it), so samples can contain `.`.
    log_sigmoid: both losses take the log of a float32 sigmoid, as the code computes them: the
        discriminator loss `-mean[log(sigmoid(l_real)) + log(1 - sigmoid(l_fake))]`, which
        saturates (a real name whose sigmoid rounds to 1 adds nothing and gets no gradient), and
        the generator loss's factor `log(1 - D(x_i))`, which is -inf once a D(x_i) rounds to 1.
        Otherwise both are computed from the logits (softplus), exact and finite for any logit.
    length_divisor: the discriminator loss divides its sums by `len(real_data)`, which in the
        code is the number of padded steps (15: its tensors are step-major), not the batch
        size: the loss and its gradient are 128 / 15 = 8.53 times the mean over the batch.
    """

    code_data: bool = False
    broadcast_loss: bool = False
    start_output: bool = False
    log_sigmoid: bool = False
    length_divisor: bool = False


# The ladder from the paper's text (`corrected`) to its published code (`paper_code`): each
# variant adds one switch to the one before it.
VARIANTS = {
    "corrected": Variant(),
    "code_data": Variant(code_data=True),
    "code_loss": Variant(code_data=True, broadcast_loss=True),
    "code_softmax": Variant(code_data=True, broadcast_loss=True, start_output=True),
    "code_sigmoid": Variant(
        code_data=True, broadcast_loss=True, start_output=True, log_sigmoid=True
    ),
    "paper_code": Variant(
        code_data=True,
        broadcast_loss=True,
        start_output=True,
        log_sigmoid=True,
        length_divisor=True,
    ),
}


@dataclass(frozen=True)
class ModelConfig:
    """Architecture shared by generator and discriminator (paper Section 4), and the variant:
    its switches (`Variant`, looked up in `VARIANTS`) say where it follows the paper's code."""

    hidden_size: int
    max_steps: int  # symbols per generated sequence: max_steps - 1 letters + `$`
    variant: str
    alphabet: str  # the letters (`vocab`); the config's `auto` is resolved from the data first

    def __post_init__(self):
        _require(
            self.alphabet != AUTO,
            "alphabet auto is taken from the data by the filter step; pass the filter's "
            "alphabet.txt (discrete-gan train --alphabet) to resolve it",
        )
        self.vocab  # noqa: B018 - refuses an alphabet that is not one
        _require(self.hidden_size >= 1, f"hidden_size must be at least 1, not {self.hidden_size}")
        _require(self.max_steps >= 2, f"max_steps must be at least 2, not {self.max_steps}")
        _require(
            self.variant in VARIANTS,
            f"unknown variant {self.variant!r}; choose one of: {', '.join(VARIANTS)}",
        )
        _require(
            self.real_steps >= self.max_steps,
            f"the {self.variant} variant pads names to {PAPER_CODE_REAL_STEPS} symbols, so "
            f"max_steps must be at most {PAPER_CODE_REAL_STEPS}",
        )

    @functools.cached_property
    def vocab(self) -> Vocab:
        """The model's symbols: `.`, the alphabet's letters, `$`."""
        return Vocab(self.alphabet)

    @property
    def switches(self) -> Variant:
        return VARIANTS[self.variant]

    @property
    def code_data(self) -> bool:
        """Padded real names, free-running samples and whole-sequence likelihoods."""
        return self.switches.code_data

    @property
    def d_loss_divisor(self) -> int | None:
        """What the discriminator loss's sums are divided by instead of the batch size: the
        padded steps of a real name under `length_divisor`, else None (a mean)."""
        return self.real_steps if self.switches.length_divisor else None

    @property
    def ban_start(self) -> bool:
        """Whether the start symbol has output probability zero (the text's generator)."""
        return not self.switches.start_output

    @property
    def real_steps(self) -> int:
        """Symbols of a real name as the discriminator and the likelihood see it."""
        return PAPER_CODE_REAL_STEPS if self.code_data else self.max_steps

    @property
    def free_draws(self) -> int:
        """Symbols drawn per generated sequence: all of them with the code's data; else all but
        the final `$`, which is appended."""
        return self.max_steps if self.code_data else self.max_steps - 1


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings (paper Section 5 and the paper's code); see config.yaml."""

    epochs: int
    batch_size: int
    lr: float
    lr_after: float
    lr_decay_epoch: int  # epochs before this one use `lr`, later ones `lr_after`
    objective: str
    n_samples: int  # names sampled (and forced to max_steps letters) after training
    baseline_decay: float  # reinforce: weight of the old baseline in its moving average
    gumbel_tau_start: float  # gumbel: softmax temperature in the first epoch ...
    gumbel_tau_end: float  # ... falling geometrically to this one in the last
    d_steps: int  # discriminator steps per generator step
    pretrain_epochs: int  # the first epochs train the generator by maximum likelihood
    eval_every: int  # held-out NLL every this many epochs (when held-out names are given)

    def __post_init__(self):
        for key in ("epochs", "batch_size", "n_samples", "eval_every"):
            value = getattr(self, key)
            _require(value >= 1, f"{key} must be at least 1, not {value}")
        _require(self.lr > 0 and self.lr_after > 0, "learning rates must be positive")
        _require(self.lr_decay_epoch >= 0, "lr_decay_epoch must be at least 0")
        _require(0 <= self.baseline_decay < 1, "baseline_decay must lie in [0, 1)")
        _require(self.d_steps >= 1, f"d_steps must be at least 1, not {self.d_steps}")
        _require(
            0 <= self.pretrain_epochs <= self.epochs,
            f"pretrain_epochs must lie in 0..epochs={self.epochs}, not {self.pretrain_epochs}",
        )
        _require(
            self.gumbel_tau_start > 0 and self.gumbel_tau_end > 0,
            "gumbel_tau_start and gumbel_tau_end must be positive",
        )
        from discrete_gan.model.objectives import GENERATOR_OBJECTIVES

        known = ", ".join(sorted(GENERATOR_OBJECTIVES))
        _require(
            self.objective in GENERATOR_OBJECTIVES,
            f"unknown objective {self.objective!r}; choose one of: {known}",
        )

    def lr_at(self, epoch: int) -> float:
        """Learning rate of both optimisers in `epoch` (0-based)."""
        return self.lr if epoch < self.lr_decay_epoch else self.lr_after


@dataclass(frozen=True)
class ComputeConfig:
    """Where and in which arithmetic the runs are computed (`auto` picks, see `training`)."""

    device: str  # auto, cpu or cuda
    dtype: str  # float32 or float64
    backend: str  # auto, numba or torch

    def __post_init__(self):
        for key, allowed in (
            ("device", ("auto", "cpu", "cuda")),
            ("dtype", ("float32", "float64")),
            ("backend", ("auto", "numba", "torch")),
        ):
            value = getattr(self, key)
            _require(value in allowed, f"{key} must be one of {', '.join(allowed)}, not {value!r}")


@dataclass(frozen=True)
class RunSettings:
    """Everything that shapes a folder of runs besides their seeds: one flat mapping of
    config keys (a folder's `settings.json`) on the outside, three frozen parts inside."""

    model: ModelConfig
    train: TrainConfig
    compute: ComputeConfig

    PARTS = (ModelConfig, TrainConfig, ComputeConfig)

    @classmethod
    def keys(cls) -> list[str]:
        """The config keys the settings consist of, in the parts' field order."""
        return [field.name for part in cls.PARTS for field in fields(part)]

    @classmethod
    def from_mapping(cls, mapping: Mapping, source: str = "the settings") -> RunSettings:
        """Settings from a flat mapping with exactly the keys of `keys()`."""
        missing = [key for key in cls.keys() if key not in mapping]
        unknown = sorted(set(mapping) - set(cls.keys()))
        _require(not missing, f"{source} lack {', '.join(missing)}; regenerate them")
        _require(not unknown, f"{source} have unknown keys {', '.join(unknown)}; remove them")
        model, train, compute = (
            part(**{field.name: mapping[field.name] for field in fields(part)})
            for part in cls.PARTS
        )
        return cls(model, train, compute)

    def as_mapping(self) -> dict:
        return {**asdict(self.model), **asdict(self.train), **asdict(self.compute)}

    def replace(self, **changes) -> RunSettings:
        """A copy with some keys changed, whichever part they belong to."""
        return RunSettings.from_mapping({**self.as_mapping(), **changes})


def run_settings(config: Mapping, variant: str, objective: str, **changes) -> dict:
    """The one builder of a folder's settings: the workflow config's values of the settings'
    keys, with the folder's variant and objective and any `changes`, as a plain dict."""
    own = {"variant": variant, "objective": objective}
    chosen = {key: config[key] for key in RunSettings.keys() if key not in own}
    return {**chosen, **own, **changes}


def read_settings(source: str | Path, alphabet: str | None = None) -> RunSettings:
    """Settings from a `settings.json` file, or from the JSON text itself. `alphabet`, the
    letters the names were filtered with (the filter's alphabet.txt), replaces `auto` and must
    equal an explicit alphabet."""
    text, name = str(source), "the settings given"
    if not text.lstrip().startswith("{"):
        path = Path(source)
        _require(path.is_file(), f"settings file {path} does not exist; check the path")
        text, name = path.read_text(encoding="utf-8"), f"settings file {path}"
    try:
        mapping = json.loads(text)
    except json.JSONDecodeError as err:
        raise UserError(f"{name} is not valid JSON ({err}); regenerate it") from None
    _require(isinstance(mapping, dict), f"{name} is not a JSON object; regenerate it")
    given = mapping.get("alphabet")
    if alphabet is not None and given == AUTO:
        mapping = {**mapping, "alphabet": alphabet}
    elif alphabet is not None and given is not None:
        _require(
            given == alphabet,
            f"{name} have alphabet {given!r} but the names were filtered with {alphabet!r}; "
            "rerun the filter step",
        )
    return RunSettings.from_mapping(mapping, name)


def as_dict(config) -> dict:
    """A plain dict of a config, for checkpoints and logs. A model's alphabet is in it only
    where it is not the paper's a-z, so that an a-z checkpoint is byte for byte the one written
    before the alphabet was a setting; a record without one means a-z."""
    record = asdict(config)
    if record.get("alphabet") == PAPER_LETTERS:
        del record["alphabet"]
    return record
