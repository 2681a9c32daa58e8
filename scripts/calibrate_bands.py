"""Measure verify's bands from the sampling distribution of every checked value.

Another kind of CPU rounds differently, and the chaotic GAN trajectories then diverge as if
the seeds had changed; so a band must hold for another seed set, not only for repeats of one.

CI mode (the default) runs config/ci.yaml on --sets disjoint seed sets (first_seed 0, s, 2s, ...,
s the most seeds any part of a set uses: runs, length check, comparison) under each backend
(numba and PyTorch, float32), each in its own copy of the workflow under --workdir, and writes
config/expectations/ci.yaml:

- a band per value (each variant's final ln D and ln G loss means, the length check's ln D
  mean, each variant's generated minus real mean length, the real names' mean length): the
  normal prediction interval of `analysis.bands.prediction_band` over all sets, at a per-check
  false-alarm rate of --false-alarm x --band-share / (number of bands);
- a verdict check per claim, and a check of each signature of the published code (does the
  generator's gradient move with D; do forced names hold the start symbol), only where every
  set gave the same answer and, in --draws sets
  resampled from the pooled runs, the 95 % bound on how often it changes stays within its
  share of the budget, --false-alarm x (1 - --band-share) / (number of verdicts).

Each set's values, recomputed from its runs by `analysis.calibration`, must equal its workflow
tables; the resampled sets are drawn from those runs.

    python scripts/calibrate_bands.py --corpus ../shared/data/names-corpus

Full mode (--reference, a finished full run's results/ folder with its run folders) writes
config/expectations/full.yaml; see `calibrate_full.py`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import yaml

from discrete_gan.analysis.bands import prediction_band
from discrete_gan.analysis.calibration import (
    Pool,
    SetShape,
    read_set,
    resample,
    set_values,
)
from discrete_gan.analysis.claim_rules import WINDOW
from discrete_gan.analysis.expectations import (
    EXPECTED_TABLES,
    band_check,
    check_recomputed,
    expect_check,
    outside,
    table_values,
    verdict_changes,
)
from discrete_gan.analysis.provenance import cpu_model, git_state
from discrete_gan.analysis.verify import write_expectations
from discrete_gan.fileio import UserError, run_cli

PROJECT = Path(__file__).resolve().parents[1]

WORKFLOW_FILES = ("Snakefile", "workflow", "config", "profiles")
BACKENDS = ("numba", "torch")
# A value the data alone fixes (the real names' mean length) has no spread; its band still
# leaves room for the last digits.
FIXED_FLOOR = 1e-6


def merged_config(config: str) -> dict:
    """config/config.yaml with `config` laid over it, as Snakemake reads them."""
    merged = yaml.safe_load((PROJECT / "config/config.yaml").read_text(encoding="utf-8"))
    merged.update(yaml.safe_load((PROJECT / config).read_text(encoding="utf-8")) or {})
    return merged


def heldout_groups(config: dict, seeds: list[int]) -> dict[str, list[str]]:
    """{variant: held-out curve files} that the claims step gives each variant."""
    if "is_gan" not in config["comparison_methods"] or "corrected" not in config["variants"]:
        return {}
    files = [f"results/comparison/runs/is_gan/seed{s}/heldout_nll.csv" for s in seeds]
    return {"corrected": files}


def run_set(config: str, corpus: str, backend: str, first: int, workdir: Path, cores: int):
    """Run one seed set's tables in its copy of the workflow (nothing reruns if it is done)."""
    workdir.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        source, copy = PROJECT / name, workdir / name
        if copy.exists():
            shutil.rmtree(copy) if copy.is_dir() else copy.unlink()
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, copy)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    targets = ["results/paper_units.csv", "results/claims.csv", "results/length_check.json"]
    targets += ["results/signatures.csv"]
    command = [sys.executable, "-m", "snakemake", "--cores", str(cores), *targets, "--quiet"]
    command += ["--configfile", config, "--config", f"corpus_source={corpus}"]
    command += [f"backend={backend}", "dtype=float32", f"first_seed={first}"]
    command += [f"figure_run={first}"]
    with open(workdir / "calibrate.log", "w", encoding="utf-8") as log:
        done = subprocess.run(command, cwd=workdir, env=env, stdout=log, stderr=log)
    if done.returncode != 0:
        raise UserError(f"the set in {workdir} failed; see {workdir / 'calibrate.log'}.")


def measure_sets(args, config: dict, shape: SetShape, root: Path) -> tuple[pd.DataFrame, Pool]:
    """Every set's checked values (one row per set) and the pool of all their runs."""
    stride = max(shape.runs, shape.heldout, shape.length_check)
    variants, rows, pool = list(config["variants"]), [], None
    for backend in args.backends:
        for s in range(args.sets):
            first, start = s * stride, time.perf_counter()
            workdir = root / backend / f"set{s}"
            run_set(args.config, args.corpus, backend, first, workdir, args.cores)
            seeds = list(range(first, first + shape.runs))
            tables = table_values(workdir / "results", variants)
            real_mean = tables[f"lengths[{variants[0]}].real_mean"]
            held = heldout_groups(config, list(range(first, first + shape.heldout)))
            one = read_set(workdir, variants, seeds, held, real_mean, config["n_lengths"], WINDOW)
            recomputed = set_values(one, one.runs, one.heldout, one.length_check)
            check_recomputed(tables, recomputed, workdir)
            rows.append({"backend": backend, "first_seed": first, **tables})
            pool = one if pool is None else (pool.extend(one) or pool)
            took = time.perf_counter() - start
            print(f"set {s + 1}/{args.sets} ({backend}, seeds {first}..{seeds[-1]}): {took:.0f} s")
    return pd.DataFrame(rows), pool


def resample_parallel(pool: Pool, shape: SetShape, draws: int, workers: int) -> pd.DataFrame:
    """`draws` resampled sets, drawn in `workers` processes from fixed seeds."""
    chunks = [draws // workers + (k < draws % workers) for k in range(workers)]
    with ProcessPoolExecutor(max_workers=workers) as executor:
        parts = executor.map(resample, [pool] * workers, [shape] * workers, chunks, range(workers))
        return pd.concat(list(parts), ignore_index=True)


def band_entry(key: str, sets: pd.DataFrame, draws: pd.DataFrame, alpha: float) -> dict:
    """The check of one value: its prediction band over the sets, and where it came from."""
    values = sets[key].astype(float)
    floor = FIXED_FLOOR if key.endswith("real_mean") else 0.0
    band = prediction_band(values.to_numpy(), alpha, floor)
    resampled = draws[key] if key in draws else pd.Series(dtype=float)
    by_backend = ", ".join(
        f"{b} {values[sets['backend'] == b].mean():.4g}" for b in sets["backend"].unique()
    )
    source = (
        f"{band.n} seed sets: mean {band.centre:.4g}, sd {band.sd:.3g} ({by_backend}), range "
        f"[{values.min():.4g}, {values.max():.4g}]; band mean +- {band.k:.2f} sd sqrt(1 + "
        f"1/{band.n}), false-alarm rate {alpha:.1e} if normal; {outside(resampled, band)} of "
        f"{len(draws)} "
        "resampled sets outside"
    )
    return band_check(key, band, source)


def verdict_entry(key: str, sets: pd.DataFrame, draws: pd.DataFrame, alpha: float):
    """(the check of one verdict, its change-rate bound), or (None, why it is not checked)."""
    seen = sets[key].value_counts()  # the most frequent verdict first
    flips, bound = verdict_changes(seen.index[0], draws[key])
    if len(seen) > 1 or bound > alpha:
        counts = ", ".join(f"{v} {n}" for v, n in seen.items())
        return None, (
            f"{key}: {counts} in the seed sets; {flips} of {len(draws)} resampled sets differ "
            f"from {seen.index[0]!r}"
        )
    source = (
        f"the same in all {len(sets)} seed sets and in {len(draws) - flips} of {len(draws)} "
        f"resampled sets: it changes in under {bound:.1e} of sets (95 %)"
    )
    return expect_check(key, seen.index[0], source), bound


def ci_checks(sets: pd.DataFrame, draws: pd.DataFrame, alpha_total: float, band_share: float):
    """The checks, and the design: (entries, dropped verdicts, rates, per-check rates)."""
    keys = [key for key in sets.columns if "[" in key]
    banded = [k for k in keys if k.startswith("paper_units[") or k.endswith("minus_real")]
    banded.append(next(k for k in keys if k.endswith("].real_mean")))
    verdicts = [k for k in keys if k.startswith(EXPECTED_TABLES)]
    alpha_band = alpha_total * band_share / len(banded)
    alpha_verdict = alpha_total * (1 - band_share) / len(verdicts)
    entries = [band_entry(key, sets, draws, alpha_band) for key in banded]
    dropped, verdict_rate = [], 0.0
    for key in verdicts:
        entry, bound = verdict_entry(key, sets, draws, alpha_verdict)
        if entry is None:
            dropped.append(bound)
        else:
            entries.append(entry)
            verdict_rate += bound
    rates = {"bands": alpha_band * len(banded), "verdicts": verdict_rate}
    return entries, dropped, rates, alpha_band, alpha_verdict


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, help="corpus source for the runs")
    parser.add_argument("--config", default="config/ci.yaml", help="config file to measure")
    parser.add_argument("--sets", type=int, default=16, help="disjoint seed sets per backend")
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--draws", type=int, default=60000, help="resampled sets")
    parser.add_argument("--false-alarm", type=float, default=1e-3, help="budget of the file")
    parser.add_argument("--band-share", type=float, default=0.1, help="budget share of bands")
    parser.add_argument("--cores", type=int, default=2, help="cores of each set's run")
    parser.add_argument("--workdir", type=Path, help="keep (and reuse) the sets' runs here")
    parser.add_argument("--out", type=Path, default=PROJECT / "config/expectations/ci.yaml")
    args = parser.parse_args(argv)
    corpus = Path(args.corpus)
    args.corpus = str(corpus.resolve()) if corpus.exists() else args.corpus
    config = merged_config(args.config)
    heldout = config["comparison_seeds"] if heldout_groups(config, [0]) else 0
    shape = SetShape(config["n_runs"], heldout, config["length_check_runs"])
    start, git = time.perf_counter(), git_state(PROJECT)  # the code the sets run on
    with tempfile.TemporaryDirectory(prefix="calibrate-") as tmp:
        root = args.workdir.resolve() if args.workdir else Path(tmp)
        sets, pool = measure_sets(args, config, shape, root)
    print(f"{len(sets)} sets in {time.perf_counter() - start:.0f} s; resampling {args.draws}")
    draws = resample_parallel(pool, shape, args.draws, max(1, args.cores))
    entries, dropped, rates, alpha_band, alpha_verdict = ci_checks(
        sets, draws, args.false_alarm, args.band_share
    )
    stride = max(shape.runs, shape.heldout, shape.length_check)
    origin = (
        f"bands of {args.config} measured by `python scripts/calibrate_bands.py --sets "
        f"{args.sets} --draws {args.draws}` on {datetime.now(UTC).date()} at commit "
        f"{git['commit']}{' (uncommitted changes)' if git['dirty'] else ''}, {cpu_model()}: "
        f"{args.sets} disjoint seed sets (first_seed 0, {stride}, ..., "
        f"{(args.sets - 1) * stride}) under each of {', '.join(args.backends)} (float32)"
    )
    design = [
        f"False alarms, designed: {rates['bands'] + rates['verdicts']:.1e} of correct runs fail "
        f"a check of this file (bands {rates['bands']:.1e}, verdicts {rates['verdicts']:.1e}).",
        f"Each band: normal prediction interval over the {len(sets)} seed sets (Student's t, "
        f"{len(sets) - 1} df) at a false-alarm rate of {alpha_band:.1e}.",
        f"Each verdict: the same in every seed set, and changing in under {alpha_verdict:.1e} "
        f"of {args.draws} sets resampled from the pooled runs (95 % bound).",
        *(f"Not checked (verdict not stable): {line}" for line in dropped),
    ]
    write_expectations(args.out, origin, entries, design, "scripts/calibrate_bands.py")


if __name__ == "__main__":
    run_cli(main)
