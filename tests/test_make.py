"""The Makefile's targets, run as a user runs them, on copies of the workflow."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from workflow_helpers import (
    PROJECT,
    copy_workflow,
    job_counts,
    run_make,
)


@pytest.mark.parametrize("target", ["figure5", "figure6", "comparison"])
def test_make_targets_with_corpus_and_settings(
    tmp_path: Path, corpus_dir: Path, target: str
) -> None:
    """Targets come before `--config k=v`, where Snakemake would read them as config entries."""
    workdir = copy_workflow(tmp_path / "copy")
    done = run_make(workdir, target, f"CORPUS={corpus_dir}", "SET=epochs=2", "SNAKEMAKE_ARGS=-n")
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert "Traceback" not in done.stdout + done.stderr


def test_make_keeps_its_targets_after_an_option_of_several_values(
    tmp_path: Path, corpus_dir: Path
) -> None:
    """SNAKEMAKE_ARGS ending in an option that takes several values (--forcerun) must not read
    the make target's rules as its own values: `make figure6` still plans Figure 6 only."""
    workdir = copy_workflow(tmp_path / "copy")
    args = "SNAKEMAKE_ARGS=-n --forcerun filter_names"
    done = run_make(workdir, "figure6", f"CORPUS={corpus_dir}", args)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    counts = job_counts(output)
    assert "figure6_all" in counts and "figure5" not in counts and "claims" not in counts


def test_make_shows_a_failed_steps_own_message(tmp_path: Path) -> None:
    """The download step's one-sentence error reaches the terminal, not only its log file."""
    workdir = copy_workflow(tmp_path / "copy")
    done = run_make(workdir, "replicate", f"CORPUS={tmp_path / 'nowhere'}", "CORES=1")
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert f"error: corpus source {tmp_path / 'nowhere'} does not exist" in output, output[-3000:]


def test_make_setup_in_a_path_with_a_space(tmp_path: Path) -> None:
    """A real `make setup` (venv, pip, editable install) in a checkout path with a space.

    The requirements file is emptied: the Makefile's quoting is under test, not the packages.
    """
    workdir = tmp_path / "my checkout"
    shutil.copytree(PROJECT / "src", workdir / "src", ignore=shutil.ignore_patterns("*.egg-info"))
    for name in ("Makefile", "pyproject.toml", "README.md"):
        shutil.copy2(PROJECT / name, workdir / name)
    (workdir / "requirements.txt").write_text("")
    command = ["make", "-C", str(workdir), "setup", f"PYTHON={sys.executable}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    probe = [
        str(workdir / ".venv/bin/python"),
        "-c",
        "import discrete_gan; print(discrete_gan.__file__)",
    ]
    located = subprocess.run(probe, capture_output=True, text=True, check=True).stdout
    assert located.startswith(str(workdir / "src"))


def test_make_runs_the_workflow_in_a_path_with_a_space(tmp_path: Path, corpus_dir: Path) -> None:
    workdir = copy_workflow(tmp_path / "my checkout")
    done = run_make(workdir, "replicate", f"CORPUS={corpus_dir}", "SNAKEMAKE_ARGS=-n")
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert "Job stats" in done.stdout + done.stderr


def test_make_smoke_writes_into_its_own_folder(tmp_path: Path, corpus_dir: Path) -> None:
    """The smoke config never writes over a full run's outputs: it runs in smoke/."""
    workdir = copy_workflow(tmp_path / "copy")
    (workdir / "results").mkdir()
    (workdir / "results/mine.txt").write_text("a full run's table\n")
    done = run_make(workdir, "smoke", f"CORPUS={corpus_dir}", "CORES=2", "SET=variants=[corrected]")
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    smoke = workdir / "smoke"
    assert (smoke / "results/corrected/losses_summary.csv").is_file()
    assert (smoke / "figures/corrected/figure5.png").is_file()
    assert (smoke / "results/provenance.json").is_file()
    assert sorted(p.name for p in (workdir / "results").iterdir()) == ["mine.txt"]
    assert not (workdir / "figures").exists() and not (workdir / "data").exists()
