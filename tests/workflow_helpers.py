"""What the workflow tests share: running `snakemake` and `make` on a copy of the project's
workflow files, reading what they wrote, and the smoke config's expected outputs."""

from __future__ import annotations

import csv
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


WORKFLOW_FILES = ("Snakefile", "workflow", "config", "profiles")


N_RUNS = 2  # config/smoke.yaml


EPOCHS = 3  # config/smoke.yaml


N_SAMPLES = 200  # config/config.yaml, as the paper


N_SHOW = 5


FORCED_LETTERS = 10  # max_steps


N_FILTERED_NAMES = 7769  # the paper's filter on the names corpus


VARIANTS = ("corrected", "code_data", "code_loss", "code_softmax", "code_sigmoid", "paper_code")


RUN_FILES = ("losses.csv", "checkpoint.pt", "samples.txt", "forced.txt", "final.json")


PER_VARIANT_RULES = (
    "run_settings",
    "variant_provenance",
    "aggregate_losses",
    "aggregate_diagnostics",
    "aggregate_lengths",
    "samples_report",
    "figure5",
    "figure6",
)


RULE_LOGS = (
    "logs/download/download.log",
    "logs/filter_names/filter_names.log",
    *(f"logs/train/{variant}_seeds_0_1.log" for variant in VARIANTS),
    *(f"logs/{rule}/{variant}.log" for rule in PER_VARIANT_RULES for variant in VARIANTS),
    "logs/figure5_variants/figure5_variants.log",
    "logs/figure6_variants/figure6_variants.log",
    "logs/diagnostics_figure/diagnostics_figure.log",
    "logs/claims/claims.log",
    "logs/length_check/length_check.log",
    "logs/paper_units/paper_units.log",
    "logs/provenance/provenance.log",
)


PER_VARIANT_FILES = (
    "results/{variant}/losses_summary.csv",
    "results/{variant}/diagnostics_summary.csv",
    "results/{variant}/lengths.csv",
    "results/{variant}/samples.md",
    "figures/{variant}/figure5.png",
    "figures/{variant}/figure5.pdf",
    "figures/{variant}/figure6.png",
    "figures/{variant}/figure6.pdf",
    "results/benchmarks/train_{variant}_seeds_0_1.tsv",
    "results/{variant}/provenance.json",
    "results/{variant}/runs/settings.json",
)


EXPECTED_FILES = (
    "data/raw/female.txt",
    "data/raw/male.txt",
    "data/raw/README",
    "data/processed/names.txt",
    "data/processed/counts.json",
    "data/processed/dropped.tsv",
    *(
        f"results/{variant}/runs/seed{seed}/{name}"
        for variant in VARIANTS
        for seed in range(N_RUNS)
        for name in RUN_FILES
    ),
    *(pattern.format(variant=variant) for pattern in PER_VARIANT_FILES for variant in VARIANTS),
    "figures/figure5_variants.png",
    "figures/figure5_variants.pdf",
    "figures/figure6_variants.png",
    "figures/figure6_variants.pdf",
    "figures/diagnostics.png",
    "figures/diagnostics.pdf",
    "results/claims.csv",
    "results/claims.md",
    "results/length_check.csv",
    "results/length_check.json",
    "results/paper_units.csv",
    "results/paper_units.md",
    "figures/paper_units.png",
    "figures/paper_units.pdf",
    "results/provenance.json",
    *RULE_LOGS,
)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


RAW = "data/raw"


CORPUS_FILES = ("female.txt", "male.txt", "README")


def copy_workflow(dest: Path) -> Path:
    """Copy the files Snakemake needs (not data, results or logs) into `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(source, dest / name)
        else:
            shutil.copy2(source, dest / name)
    return dest


def snakemake(
    workdir: Path, corpus: Path, *args: str, config: tuple[str, ...] = (), timeout: float = 600
) -> subprocess.CompletedProcess:
    """Run `snakemake ARGS --configfile config/smoke.yaml --config corpus_source=... CONFIG`.

    Targets go in `args`: --configfile and --config take several values, so they come last.
    The rules call the `discrete-gan` console script, so this interpreter's folder leads PATH.
    Raises subprocess.TimeoutExpired after `timeout` seconds.
    """
    command = [sys.executable, "-m", "snakemake", *args, "--configfile", "config/smoke.yaml"]
    command += ["--config", f"corpus_source={corpus}", *config]
    return subprocess.run(
        command, cwd=workdir, env=venv_env(), capture_output=True, text=True, timeout=timeout
    )


def venv_env() -> dict[str, str]:
    """The environment with this interpreter's folder (its `discrete-gan`, which the rules
    call) first on PATH, as an activated virtual environment has it."""
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def failure_report(result: subprocess.CompletedProcess, workdir: Path) -> str:
    """The command, the tail of its output and every rule log, for an assertion message."""
    parts = [f"{' '.join(result.args)} exited with {result.returncode}"]
    parts += [
        f"--- stdout (tail)\n{result.stdout[-3000:]}",
        f"--- stderr (tail)\n{result.stderr[-5000:]}",
    ]
    for log in sorted((workdir / "logs").rglob("*.log")):
        parts.append(f"--- {log.relative_to(workdir)}\n{log.read_text()[-2000:]}")
    return "\n".join(parts)


def succeed(result: subprocess.CompletedProcess, workdir: Path) -> str:
    """Assert the command succeeded; return its stdout and stderr together."""
    assert result.returncode == 0, failure_report(result, workdir)
    return result.stdout + result.stderr


def job_counts(output: str) -> dict[str, int]:
    """The 'Job stats' table Snakemake prints before running: {rule: jobs}, without 'total'."""
    table = output.split("Job stats:", 1)[1]
    rows = re.findall(r"^(\w+)\s+(\d+)\s*$", table, flags=re.MULTILINE)
    counts = {}
    for rule, count in rows:
        if rule == "total":
            break
        counts[rule] = int(count)
    return counts


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def read_lines(path: Path) -> list[str]:
    """One entry per line; an empty line is a zero-length name."""
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n"), f"{path} does not end with a newline"
    return text[:-1].split("\n")


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk, after checking the signature."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert head[12:16] == b"IHDR", f"{path} has no IHDR chunk first"
    return struct.unpack(">II", head[16:24])


# the smoke benchmark (config/smoke.yaml): its methods and regimes, two configurations each
BENCHMARK_PAIRS = [("mle", "scratch"), ("bgan", "scratch"), ("bgan", "pretrained")]


SEARCH_JOBS = {f"search_{m}_{r}_c{k}" for m, r in BENCHMARK_PAIRS for k in (0, 1)}


FINAL_JOBS = {f"final_{m}_{r}" for m, r in BENCHMARK_PAIRS}


def run_make(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """`make ARGS` in a copy of the workflow with the project's Makefile, using this test
    run's environment (already set up, so `make setup` has nothing to do)."""
    shutil.copy2(PROJECT / "Makefile", workdir / "Makefile")
    for name in ("requirements.txt", "pyproject.toml"):
        shutil.copy2(PROJECT / name, workdir / name)
    venv = Path(sys.executable).parent.parent
    # -o: never remake this environment from the copy, even where its stamp is older
    command = ["make", "-C", str(workdir), f"VENV={venv}", "-o", f"{venv}/.installed"]
    command += ["CONFIG=config/smoke.yaml", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)
