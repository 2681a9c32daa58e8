"""Evaluate trained generators on held-out names: the tables of the methods comparison.

`discrete-gan evaluate --runs is_gan=results/comparison/runs/is_gan mle=... --seeds 0 1
--train train.txt --heldout heldout.txt --metrics-out metrics.csv --curves-out heldout_nll.csv`

For each method's run (its `seed{N}/checkpoint.pt`) and each sampling temperature, it draws
`n_samples` names and scores them (`metrics.py`) together with the exact held-out NLL per
character at that temperature. Sampling is seeded by `seed` and the run's seed, and the same
uniforms serve every method and temperature, so differences between them are not sampling noise.
The metrics table is long: method, seed, temperature, metric, value. The curves table gathers the
held-out NLL that training logged every few epochs: method, seed, epoch, heldout_nll_per_char.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import torch

from discrete_gan.analysis import metrics
from discrete_gan.data.names import read_corpus_names
from discrete_gan.fileio import UserError, parse_named, read_table
from discrete_gan.model.networks import Generator
from discrete_gan.training.runs import load_checkpoint, run_dir

CURVE_COLUMNS = ["method", "seed", "epoch", "heldout_nll_per_char"]
# Floats of the evaluation's tables: ten significant digits, the same on every machine's pandas.
TABLE_FLOATS = "%.10g"


@torch.no_grad()
def evaluate_generator(
    generator: Generator,
    train: set[str],
    heldout: list[str],
    temperatures: list[float],
    n_samples: int,
    seed: int,
    reference: Callable[[str], float] | None = None,
) -> list[tuple[float, str, float]]:
    """(temperature, metric, value) rows for one generator, in float64; with a `reference` model
    (log P(name), `ngram.reference_model`), also the samples' NLL per character under it, the
    benchmark's measure of sample quality."""
    generator = generator.double()
    max_letters = generator.config.max_steps - 1
    vocab = generator.vocab
    heldout_ids = vocab.encode_batch(heldout, generator.config.max_steps)
    rng = torch.Generator().manual_seed(seed)
    uniforms = torch.rand(n_samples, max_letters, generator=rng, dtype=torch.float64)
    rows = []
    for temperature in temperatures:
        log_p = generator.log_likelihood(heldout_ids, temperature).tolist()
        rows.append((temperature, "heldout_nll_per_char", metrics.nll_per_char(log_p, heldout)))
        samples = vocab.decode_batch(generator.sample(uniforms, temperature=temperature))
        scores = metrics.sample_metrics(samples, train, set(heldout), heldout, max_letters)
        if reference is not None:
            quality = metrics.nll_per_char([reference(name) for name in samples], samples)
            scores["reference_nll_per_char"] = quality
        rows.extend((temperature, name, value) for name, value in scores.items())
    return rows


def sampling_seed(seed: int, run_seed: int) -> int:
    """The seed of one run's evaluation samples: the evaluation seed and the run's seed."""
    return seed * 1_000_003 + run_seed


def read_curve(path: Path) -> pd.DataFrame:
    """One run's heldout_nll.csv (epoch, heldout_nll_per_char)."""
    fix = "rerun the run's training"
    table = read_table(path, CURVE_COLUMNS[2:], "held-out NLL log", fix, CURVE_COLUMNS[2:])
    if list(table.columns) != CURVE_COLUMNS[2:]:
        raise UserError(f"{path} is not a held-out NLL log; {fix}.")
    return table


def parse_runs(items: list[str]) -> dict[str, Path]:
    """`method=folder` items as {method: folder}."""
    return dict(parse_named(item, "method=folder") for item in items)


def evaluate_all(args: argparse.Namespace) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The metrics and curves tables of every method's runs."""
    train, heldout = set(read_corpus_names(args.train)), read_corpus_names(args.heldout)
    rows, curves = [], []
    for method, folder in parse_runs(args.runs).items():
        for seed in args.seeds:
            _, generator, _ = load_checkpoint(run_dir(folder, seed) / "checkpoint.pt")
            scores = evaluate_generator(
                generator,
                train,
                heldout,
                args.temperatures,
                args.n_samples,
                sampling_seed(args.seed, seed),
            )
            rows.extend((method, seed, *row) for row in scores)
            curve = read_curve(run_dir(folder, seed) / "heldout_nll.csv")
            curves.append(curve.assign(method=method, seed=seed)[CURVE_COLUMNS])
            print(f"evaluated {method} seed {seed}", flush=True)
    table = pd.DataFrame(rows, columns=["method", "seed", "temperature", "metric", "value"])
    return table, pd.concat(curves, ignore_index=True)
