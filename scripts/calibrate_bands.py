"""Measure the CI config's bands: run it under several numerical perturbations, record ranges.

The numba kernels are compiled for the host CPU with fast-math, so another kind of machine
rounds differently and the chaotic GAN trajectories drift apart. This script stands in for
other machines by running the same config with other arithmetic (numba float32, PyTorch
float32, PyTorch float64), each in a fresh copy of the workflow, and writes
config/expectations/ci.yaml: for every checked value, the band is the measured [min, max]
widened on each side by the larger of its width and 5 % of the largest magnitude measured;
a claim verdict is expected only where every run gave the same one.

    python scripts/calibrate_bands.py --corpus ../shared/data/names-corpus

With --reference DIR (a finished full run's results/ folder) it writes
config/expectations/full.yaml instead: the paper's Figure 5 and 6 values for `paper_code` with
the tolerance they were read with; every variant's final ln(D loss) and ln(G loss) means within
the reference run's range over its runs, and its generated minus real mean name length within
the range of its runs' mean generated lengths; and the reference run's claim verdicts.

    python scripts/calibrate_bands.py --reference results --describe "full run at ..."
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from discrete_gan.analysis.aggregate import mean_lengths
from discrete_gan.analysis.provenance import cpu_model, git_state
from discrete_gan.analysis.verify import load_tables, plain
from discrete_gan.data.names import read_sample_names
from discrete_gan.data.vocab import name_length

PROJECT = Path(__file__).resolve().parents[1]
WORKFLOW_FILES = ("Snakefile", "workflow", "config", "profiles")
PERTURBATIONS = {
    "numba float32": ("backend=numba", "dtype=float32"),
    "torch float32": ("backend=torch", "dtype=float32"),
    "torch float64": ("backend=torch", "dtype=float64"),
}
VARIANTS = ("corrected", "paper_code")
BANDED = [("paper_units", variant, column) for variant in VARIANTS
          for column in ("ln_d_mean", "ln_g_mean")]  # fmt: skip
BANDED += [("paper_units", "length only", "ln_d_mean")]
BANDED += [("lengths", variant, "generated_minus_real") for variant in VARIANTS]
CLAIMS = [f"{variant}/{number}" for variant in VARIANTS for number in range(1, 6)]


def run_config(config: str, corpus: str, settings: tuple[str, ...], workdir: Path) -> dict:
    """Run the config's tables in a fresh copy of the workflow; return verify's tables."""
    for name in WORKFLOW_FILES:
        source = PROJECT / name
        copy = shutil.copytree if source.is_dir() else shutil.copy2
        copy(source, workdir / name)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    targets = ["results/paper_units.csv", "results/claims.csv"]
    command = [sys.executable, "-m", "snakemake", "--cores", "2", *targets, "--configfile", config]
    command += ["--config", f"corpus_source={corpus}", *settings]
    subprocess.run(command, cwd=workdir, env=env, check=True)
    lengths = {v: workdir / f"results/{v}/lengths.csv" for v in VARIANTS}
    return load_tables(workdir / "results/paper_units.csv", workdir / "results/claims.csv", lengths)


def band(values: list[float]) -> list[float]:
    """[min, max] widened on each side by max(width, 5 % of the largest magnitude)."""
    low, high = min(values), max(values)
    margin = max(high - low, 0.05 * max(abs(low), abs(high)))
    return [round(low - margin, 4), round(high + margin, 4)]


def checks_of(measured: dict[str, dict]) -> list[dict]:
    """Expectation entries from the tables of every perturbed run."""
    runs = ", ".join(measured)
    entries = []
    for table, row, column in BANDED:
        values = [float(plain(t[table].at[row, column])) for t in measured.values()]
        shown = ", ".join(f"{v:.4g}" for v in values)
        source = f"measured {shown} ({runs}); widened"
        entries.append({"table": table, "row": row, "column": column,
                        "band": band(values), "source": source})  # fmt: skip
    for row in CLAIMS:
        verdicts = {plain(t["claims"].at[row, "verdict"]) for t in measured.values()}
        if len(verdicts) == 1:
            entries.append({"table": "claims", "row": row, "column": "verdict",
                            "expect": verdicts.pop(), "source": f"every run ({runs})"})  # fmt: skip
    return entries


PAPER_CHECKS = {
    "ln_d_in_paper_range": "Figure 5a's min..max of ln(D loss) at epoch 199",
    "ln_g_within": "Figure 5b's mean ln(G loss) at epoch 199, within its reading tolerance",
    "length_within": "Figure 6's mean generated length, within its reading tolerance",
}


def run_length_band(reference: Path, variant: str) -> list[float] | None:
    """[min, max] over a variant's runs of (mean generated length - mean real length), the real
    mean from its lengths.csv; None where the run folders are not there (as in docs/)."""
    runs = sorted((reference / variant / "runs").glob("seed*/samples.txt"))
    lengths = reference / variant / "lengths.csv"
    if not runs or not lengths.is_file():
        return None
    real = mean_lengths(pd.read_csv(lengths))["real"]
    means = [np.mean([name_length(n) for n in read_sample_names(path)]) for path in runs]
    return [round(float(min(means)) - real, 4), round(float(max(means)) - real, 4)]


def reference_checks(reference: Path, describe: str) -> list[dict]:
    """Expectations of the full config from the paper and a reference full run: the ranges
    over its runs of each variant's final losses (and generated lengths, where its run folders
    are there), and its claim verdicts."""
    lengths: dict[str, Path] = {}
    tables = load_tables(reference / "paper_units.csv", reference / "claims.csv", lengths)
    paper = "the paper, values read off with their tolerance (config/paper_figure_values.csv)"
    entries = [{"table": "paper_units", "row": "paper_code", "column": column,
                "expect": True, "source": f"{paper}: {what}"}
               for column, what in PAPER_CHECKS.items()]  # fmt: skip
    units = tables["paper_units"]
    source = f"range over the runs of the reference run ({describe})"
    for row in units.index.drop("paper"):
        bands = {"ln_d_mean": [float(units.at[row, k]) for k in ("ln_d_min", "ln_d_max")]}
        summary = reference / row / "losses_summary.csv"
        if summary.is_file():
            final = pd.read_csv(summary).iloc[-1]
            bands["ln_g_mean"] = [float(np.log(final[k])) for k in ("g_min", "g_max")]
        for column, (low, high) in bands.items():
            entries.append({"table": "paper_units", "row": row, "column": column,
                            "band": [round(low, 4), round(high, 4)], "source": source})  # fmt: skip
        length_band = run_length_band(reference, row)
        if length_band is not None:
            entries.append({"table": "lengths", "row": row, "column": "generated_minus_real",
                            "band": length_band, "source": source})  # fmt: skip
    for row in tables["claims"].index:
        verdict = plain(tables["claims"].at[row, "verdict"])
        entries.append({"table": "claims", "row": row, "column": "verdict", "expect": verdict,
                        "source": f"verdict of the reference run ({describe})"})  # fmt: skip
    return entries


def write_expectations(out: Path, origin: str, entries: list[dict]) -> None:
    text = yaml.safe_dump({"origin": origin, "checks": entries}, sort_keys=False, width=100)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"# Written by scripts/calibrate_bands.py; rerun it, never edit.\n{text}")
    print(f"wrote {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="corpus source for the runs")
    parser.add_argument("--reference", type=Path, help="a full run's tables: write full.yaml")
    parser.add_argument("--describe", default="", help="what the reference run was")
    parser.add_argument("--config", default="config/ci.yaml", help="config file to measure")
    parser.add_argument("--out", type=Path, default=PROJECT / "config/expectations/ci.yaml")
    args = parser.parse_args()
    if args.reference is not None:
        out = PROJECT / "config/expectations/full.yaml"
        origin = f"the paper and a reference full run of config/config.yaml ({args.describe})"
        write_expectations(out, origin, reference_checks(args.reference, args.describe))
        return
    if args.corpus is None:
        parser.error("give --corpus (to measure the CI config) or --reference")
    corpus = str(Path(args.corpus).resolve()) if Path(args.corpus).exists() else args.corpus
    measured = {}
    with tempfile.TemporaryDirectory(prefix="calibrate-") as tmp:
        for name, settings in PERTURBATIONS.items():
            workdir = Path(tmp) / name.replace(" ", "_")
            workdir.mkdir()
            print(f"running {args.config} with {name}", flush=True)
            measured[name] = run_config(args.config, corpus, settings, workdir)
    git = git_state(PROJECT)
    origin = (
        f"bands of {args.config} measured by `python scripts/calibrate_bands.py` on "
        f"{datetime.now(UTC).date()} at commit {git['commit']}"
        f"{' (uncommitted changes)' if git['dirty'] else ''}, {cpu_model()}, "
        f"{platform.system()}, under {', '.join(PERTURBATIONS)}"
    )
    write_expectations(args.out, origin, checks_of(measured))


if __name__ == "__main__":
    main()
