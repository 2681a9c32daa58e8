"""The benchmark of generator objectives: its search grid, its selection, its test scores.

The protocol (`workflow/rules/benchmark.smk` runs it; `docs/benchmark.md` reports it): the
distinct names are split, seeded, into train, validation and test. Every method gets the same
tuning budget: the same number of configurations (its grid in `benchmark_grid`: the learning
rate and its own knob), each trained for the same epochs on the same search seeds. Adversarial
methods are tuned and trained in two regimes, from scratch and from a generator pre-trained by
maximum likelihood for `benchmark_pretrain_epochs` of those epochs (the non-adversarial ones,
`mle` included, train from scratch for the same total). Each method and regime keeps the
configuration with the lowest mean validation NLL per character at the end of training; that
configuration is trained again on fresh seeds and scored once on the test names, at every
sampling temperature: the test NLL per character (coverage) and the samples' NLL per character
under a reference n-gram model fitted to train + validation (quality), with the name metrics.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from discrete_gan.analysis import ngram
from discrete_gan.analysis.evaluate import evaluate_generator, read_curve, sampling_seed
from discrete_gan.config import RunSettings
from discrete_gan.fileio import UserError, read_table
from discrete_gan.model.objectives import GENERATOR_OBJECTIVES
from discrete_gan.training.runs import load_checkpoint, run_dir

REGIMES = ("scratch", "pretrained")
# Settings the protocol fixes for every method, so that no grid may vary them.
FIXED = ("variant", "objective", "epochs", "pretrain_epochs", "eval_every")
SELECTION_COLUMNS = [
    "method",
    "regime",
    "config",
    "seed",
    "validation_nll_per_char",
    "selected",
    "settings",
]
METRIC_COLUMNS = ["method", "regime", "seed", "temperature", "metric", "value"]
CURVE_COLUMNS = ["method", "regime", "seed", "epoch", "validation_nll_per_char"]


def regimes(method: str) -> tuple[str, ...]:
    """The regimes a method is trained in: both if its loss reads a discriminator."""
    return REGIMES if GENERATOR_OBJECTIVES[method].adversarial else REGIMES[:1]


def grid_points(grid: Mapping[str, Sequence]) -> list[dict]:
    """Every configuration of a grid {setting: [values]}: the product, in the grid's order."""
    keys = list(grid)
    return [dict(zip(keys, values)) for values in itertools.product(*grid.values())]


def check_grids(grids: Mapping[str, Mapping[str, Sequence]], methods: Sequence[str]) -> None:
    """Every method has a grid of settings it may vary, and every grid the same size (the
    equal tuning budget); one sentence naming the problem otherwise."""
    allowed = set(RunSettings.keys()) - set(FIXED)
    sizes = {}
    for method in methods:
        if method not in grids:
            raise UserError(f"benchmark_grid has no entry for method {method}; add its grid")
        unknown = sorted(set(grids[method]) - allowed)
        if unknown:
            raise UserError(
                f"benchmark_grid of {method} varies {', '.join(unknown)}, which are not "
                f"settings a grid may vary; use some of {', '.join(sorted(allowed))}"
            )
        sizes[method] = len(grid_points(grids[method]))
    if len(set(sizes.values())) > 1:
        listed = ", ".join(f"{method} {size}" for method, size in sizes.items())
        raise UserError(
            f"the methods' grids differ in size ({listed}); give every method as many "
            "configurations, the equal tuning budget"
        )


def parse_item(item: str) -> tuple[list[str], Path]:
    """`a/b/...=folder` as ([a, b, ...], folder)."""
    key, sep, folder = item.partition("=")
    if not sep or not key or not folder:
        raise UserError(f"{item!r} is not of the form method/regime[/config]=folder")
    return key.split("/"), Path(folder)


def final_validation_nll(folder: Path, seed: int) -> float:
    """A run's validation NLL per character at the end of training."""
    curve = read_curve(run_dir(folder, seed) / "heldout_nll.csv")
    return float(curve["heldout_nll_per_char"].iloc[-1])


def read_settings_text(folder: Path) -> dict:
    path = folder / "settings.json"
    if not path.is_file():
        raise UserError(f"{path} does not exist; rerun the benchmark's search")
    return json.loads(path.read_text(encoding="utf-8"))


def select(items: list[str], seeds: list[int]) -> tuple[pd.DataFrame, dict[tuple, dict]]:
    """The selection table (one row per search run) and, per (method, regime), the settings of
    its configuration with the lowest mean final validation NLL (ties: the lowest index).
    `items` are `method/regime/config=folder` of every searched configuration."""
    searched: dict[tuple[str, str], dict[int, Path]] = {}
    for item in items:
        (method, regime, config), folder = parse_item(item)
        searched.setdefault((method, regime), {})[int(config)] = folder
    rows, chosen = [], {}
    for (method, regime), configs in searched.items():
        settings = {k: read_settings_text(folder) for k, folder in sorted(configs.items())}
        varied = sorted(
            key
            for key in settings[min(settings)]
            if len({str(s[key]) for s in settings.values()}) > 1
        )
        scores = {
            k: [final_validation_nll(folder, seed) for seed in seeds]
            for k, folder in sorted(configs.items())
        }
        best = min(scores, key=lambda k: (sum(scores[k]) / len(seeds), k))
        chosen[method, regime] = settings[best]
        for k, values in scores.items():
            changes = json.dumps({key: settings[k][key] for key in varied}, sort_keys=True)
            rows.extend(
                (method, regime, k, seed, value, k == best, changes)
                for seed, value in zip(seeds, values)
            )
    return pd.DataFrame(rows, columns=SELECTION_COLUMNS), chosen


def evaluate_final(
    item: str,
    seeds: list[int],
    splits: tuple[list[str], list[str], list[str]],
    reference: Callable[[str], float],
    temperatures: list[float],
    n_samples: int,
    eval_seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The test metrics and validation curves of one method and regime's final runs
    (`method/regime=folder`); splits are (train, validation, test) names."""
    (method, regime), folder = parse_item(item)
    train, _, test = splits
    train_set = set(train)
    rows, curves = [], []
    for seed in seeds:
        _, generator, _ = load_checkpoint(run_dir(folder, seed) / "checkpoint.pt")
        scores = evaluate_generator(
            generator,
            train_set,
            test,
            temperatures,
            n_samples,
            sampling_seed(eval_seed, seed),
            reference,
        )
        for temperature, metric, value in scores:
            metric = "test_nll_per_char" if metric == "heldout_nll_per_char" else metric
            rows.append((method, regime, seed, temperature, metric, value))
        curve = read_curve(run_dir(folder, seed) / "heldout_nll.csv")
        curve = curve.rename(columns={"heldout_nll_per_char": "validation_nll_per_char"})
        curves.append(curve.assign(method=method, regime=regime, seed=seed)[CURVE_COLUMNS])
        print(f"evaluated {method} ({regime}) seed {seed}", flush=True)
    return pd.DataFrame(rows, columns=METRIC_COLUMNS), pd.concat(curves, ignore_index=True)


def reference_table(
    train: list[str], validation: list[str], test: list[str], outputs: str = ngram.OUTPUTS
) -> tuple[pd.DataFrame, Callable[[str], float]]:
    """The benchmark's reference points on the test names, and its quality judge: the n-gram
    models fitted to train (uniform to trigram), the reference model (its order chosen on
    validation, fitted to train + validation) with the test names' NLL under it (the quality
    of real names), and the training names as samples; the models are distributions over
    `outputs` (the alphabet's letters and `$`)."""
    order, _, judge = ngram.reference_model(train, validation, outputs=outputs)
    points = ngram.reference_points(train, test, outputs)
    points["metric"] = points["metric"].replace({ngram.NLL: "test_nll_per_char"})
    points["reference"] = points["reference"].replace({"heldout_names": "test_names"})
    real_quality = -sum(map(judge, test)) / sum(len(name) + 1 for name in test)
    extra = pd.DataFrame(
        [
            (f"{order}-gram reference model", "test_nll_per_char", real_quality),
            ("test_names", "reference_nll_per_char", real_quality),
        ],
        columns=ngram.COLUMNS,
    )
    return pd.concat([points, extra], ignore_index=True), judge


def collect(paths: list[Path], columns: list[str], what: str) -> pd.DataFrame:
    """The part tables of every method and regime, one after another."""
    fix = "rerun the benchmark's evaluation"
    return pd.concat([read_table(path, columns, what, fix) for path in paths], ignore_index=True)


def protocol_markdown(config: Mapping) -> str:
    """The protocol as run, from the resolved config (provenance.json's `config`)."""
    methods = config["benchmark_methods"]
    epochs, pretrain = config["benchmark_epochs"], config["benchmark_pretrain_epochs"]
    search, final = config["benchmark_search_seeds"], config["benchmark_final_seeds"]
    n_configs = len(grid_points(config["benchmark_grid"][methods[0]]))
    adversarial = [m for m in methods if len(regimes(m)) == 2]
    plain = [m for m in methods if len(regimes(m)) == 1]
    grid_rows = "".join(
        f"| `{method}` | "
        + ", ".join(f"`{key}` {values}" for key, values in config["benchmark_grid"][method].items())
        + " |\n"
        for method in methods
    )
    fractions = (config["benchmark_validation_fraction"], config["benchmark_test_fraction"])
    return (
        "## Protocol\n\n"
        f"- **Split**: the distinct names are shuffled with seed {config['benchmark_split_seed']}"
        f" into validation ({fractions[0]:.0%}), test ({fractions[1]:.0%}) and train (the "
        "rest, every corpus line of its names). Settings are chosen on validation only; test "
        "is scored once, at the end.\n"
        f"- **Equal budget**: every method searches {n_configs} configurations, each trained "
        f"on {search} seed(s) for {epochs} epochs (the grids below).\n"
        f"- **Regimes**: {', '.join(f'`{m}`' for m in adversarial) or 'no method'} (their loss "
        f"reads the discriminator) are tuned and trained from scratch and from a generator "
        f"pre-trained by maximum likelihood for the first {pretrain} of the {epochs} epochs "
        "(the discriminator waits for the method's own epochs); "
        f"{', '.join(f'`{m}`' for m in plain) or 'none'} train from scratch for the same "
        f"{epochs} epochs.\n"
        "- **Selection**: per method and regime, the configuration with the lowest mean "
        "validation NLL per character at the end of training (ties: the first).\n"
        f"- **Final runs**: the selected configuration trained on {final} fresh seeds, scored "
        "on the test names at every sampling temperature "
        f"({', '.join(map(str, config['eval_temperatures']))}; {config['eval_samples']} samples "
        "each): test NLL per character (coverage and diversity), the samples' NLL per "
        "character under a reference n-gram model (its order chosen on validation, fitted to "
        "train + validation: quality), and the name metrics. Means with 95 % percentile "
        "bootstrap intervals over seeds; differences to `mle` paired by seed.\n"
        "- **Reading quality**: the reference model has seen the training names, so a "
        "generator that repeats them, or repeats a few names often, scores well on quality; "
        "read it beside novelty (share of samples not in train) and uniqueness (share of "
        "distinct samples).\n\n"
        "| method | grid |\n| --- | --- |\n" + grid_rows
    )
