"""Real runs behind `verify`: the CI config against its bands, a run of one variant alone,
and deliberate breakages of the code that the bands must catch (scripts/breakages.py)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest
from workflow_helpers import (
    PER_VARIANT_FILES,
    PROJECT,
    copy_workflow,
    read_csv,
    run_make,
    snakemake,
    succeed,
)


@pytest.fixture(scope="module")
def single_variant_run(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Path:
    """A copy of the workflow after a smoke run of the paper_code variant alone."""
    workdir = copy_workflow(tmp_path_factory.mktemp("single"))
    result = snakemake(workdir, corpus_dir, "--cores", "2", config=("variants=[paper_code]",))
    succeed(result, workdir)
    return workdir


def test_a_single_variant_builds_every_target(single_variant_run: Path) -> None:
    expected = [
        name.format(variant="paper_code")
        for name in (*PER_VARIANT_FILES, "results/claims.csv", "results/paper_units.csv")
    ]
    expected += ["figures/figure5_variants.png", "figures/diagnostics.png"]
    expected += ["results/length_check.csv", "results/provenance.json"]
    missing = [name for name in expected if not (single_variant_run / name).is_file()]
    assert not missing, f"missing outputs: {missing}"
    claims = read_csv(single_variant_run / "results/claims.csv")
    assert {row["variant"] for row in claims} == {"paper_code"} and len(claims) == 5
    assert not (single_variant_run / "results/corrected").exists()


@pytest.fixture(scope="module")
def ci_run(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> tuple[Path, str]:
    """A copy of the workflow after `make verify CONFIG=config/ci.yaml`, and its output."""
    workdir = copy_workflow(tmp_path_factory.mktemp("ci"))
    done = run_make(workdir, "verify", "CONFIG=config/ci.yaml", f"CORPUS={corpus_dir}", "CORES=2")
    return workdir, done.stdout + done.stderr


def test_ci_config_passes_verify(ci_run: tuple[Path, str]) -> None:
    """The CI config's numbers lie in the bands measured for it (config/expectations/ci.yaml)."""
    workdir, output = ci_run
    report = workdir / "results/verify.txt"
    assert report.is_file(), output[-5000:]
    text = report.read_text()
    checks = [line for line in text.splitlines() if line.startswith(("PASS", "FAIL"))]
    assert checks and all(line.startswith("PASS") for line in checks), text
    assert f"{len(checks)} of {len(checks)} checks passed" in text
    assert "expectations: bands of config/ci.yaml measured by" in text
    assert all(line in output for line in checks)  # printed on the terminal too


def test_verify_fails_outside_a_band(ci_run: tuple[Path, str], tmp_path: Path) -> None:
    """A band the run misses fails the step, names the check, and writes no report."""
    workdir = tmp_path / "copy"
    shutil.copytree(ci_run[0], workdir)
    expectations = workdir / "config/expectations/ci.yaml"
    text = expectations.read_text()
    assert "generated_minus_real" in text
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if "generated_minus_real" in line)
    band = next(i for i in range(at, len(lines)) if lines[i].strip() == "band:")
    lines[band + 1], lines[band + 2] = "  - 50.0", "  - 60.0"
    expectations.write_text("\n".join(lines) + "\n")
    (workdir / "results/verify.txt").unlink()
    done = run_make(workdir, "verify", "CONFIG=config/ci.yaml", "CORES=1")
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "in [50, 60]" in output and "FAIL  lengths[" in output, output[-3000:]
    assert "the run's numbers fail checks in" in output and "expectations/ci.yaml" in output
    assert not (workdir / "results/verify.txt").exists()


def load_breakages():
    """scripts/breakages.py as a module (its breakages and its runner)."""
    spec = importlib.util.spec_from_file_location("breakages", PROJECT / "scripts/breakages.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


BREAKAGES = load_breakages()


@pytest.mark.parametrize("breakage", BREAKAGES.BREAKAGES, ids=lambda b: b.name)
def test_every_breakage_is_one_line_of_the_code(breakage, tmp_path: Path) -> None:
    """Each breakage's line is in its file exactly once, so the table in docs/verify.md can be
    rerun on the current code (scripts/breakages.py stops on a breakage that has drifted)."""
    text = (PROJECT / breakage.path).read_text(encoding="utf-8")
    assert text.split("\n").count(breakage.before) == 1
    copy = tmp_path / breakage.path
    copy.parent.mkdir(parents=True)
    shutil.copy2(PROJECT / breakage.path, copy)
    BREAKAGES.break_line(breakage, tmp_path)
    changed = [
        (old, new)
        for old, new in zip(text.split("\n"), copy.read_text(encoding="utf-8").split("\n"))
        if old != new
    ]
    assert changed == [(breakage.before, breakage.after)]


# Two of the breakages in docs/verify.md's table, run for real: each must fail verify's checks
# on the CI config (neither touches the numba kernels, whose cache the broken copy reuses).
@pytest.mark.parametrize("name", ["filter_8", "no_lr_drop"])
def test_the_bands_catch_a_breakage(name: str, corpus_dir: Path, tmp_path: Path) -> None:
    breakage = next(b for b in BREAKAGES.BREAKAGES if b.name == name)
    outcome = BREAKAGES.run_breakage(breakage, str(corpus_dir), tmp_path)
    assert outcome.error is None, outcome.error
    assert outcome.checks > 10 and outcome.failed, f"{name} passed all {outcome.checks} checks"
