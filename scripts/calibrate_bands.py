"""Measure the CI config's bands: run it under several numerical perturbations, record ranges.

The numba kernels are compiled for the host CPU with fast-math, so another kind of machine
rounds differently and the chaotic GAN trajectories drift apart. This script stands in for
other machines by running the same config with other arithmetic (numba float32, PyTorch
float32, PyTorch float64), each in a fresh copy of the workflow, and writes
config/expectations/ci.yaml: for every checked value, the band is the measured [min, max]
widened on each side by the larger of its width and 5 % of the largest magnitude measured;
a claim verdict is expected only where every run gave the same one.

    python scripts/calibrate_bands.py --corpus ../shared/data/names-corpus

With --reference DIR (a finished full run's paper_units.csv and claims.csv, such as docs/) it
writes config/expectations/full.yaml instead: the paper's Figure 5 and 6 values for
`paper_code` with the tolerance they were read with, every variant's final ln(D loss) mean
within the reference run's range over its runs, and the reference run's claim verdicts.

    python scripts/calibrate_bands.py --reference docs --describe "full run at ..."
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

import yaml

from discrete_gan.analysis.provenance import cpu_model, git_state
from discrete_gan.analysis.verify import load_tables, plain

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


def reference_checks(reference: Path, describe: str) -> list[dict]:
    """Expectations of the full config from the paper and a reference full run."""
    lengths: dict[str, Path] = {}
    tables = load_tables(reference / "paper_units.csv", reference / "claims.csv", lengths)
    paper = "the paper, values read off with their tolerance (config/paper_figure_values.csv)"
    entries = [{"table": "paper_units", "row": "paper_code", "column": column,
                "expect": True, "source": f"{paper}: {what}"}
               for column, what in PAPER_CHECKS.items()]  # fmt: skip
    units = tables["paper_units"]
    for row in units.index.drop("paper"):
        low, high = (float(units.at[row, key]) for key in ("ln_d_min", "ln_d_max"))
        source = f"range over the runs of the reference run ({describe})"
        entries.append({"table": "paper_units", "row": row, "column": "ln_d_mean",
                        "band": [round(low, 4), round(high, 4)], "source": source})  # fmt: skip
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
