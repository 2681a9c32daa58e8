"""`make lint` checks the GitHub Actions workflow against the workflow schema that
check-jsonschema ships, installed from requirements.txt into the environment like every other
tool: it must pass the project's workflow and catch a broken one, with no toolchain but
Python's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
LINTER = Path(sys.executable).parent / "check-jsonschema"  # the environment's, as make runs it


def lint(*files: Path) -> subprocess.CompletedProcess:
    if not LINTER.is_file():
        pytest.fail(f"check-jsonschema is not installed at {LINTER}; run `make setup` first.")
    command = [str(LINTER), "--builtin-schema", "vendor.github-workflows", *map(str, files)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_project_workflows_are_clean() -> None:
    done = lint(*sorted((PROJECT / ".github/workflows").glob("*.yml")))
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_broken_workflow_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    stepz:\n      - run: echo hi\n"
    )
    done = lint(broken)
    assert done.returncode == 1
    assert "'stepz' was unexpected" in done.stdout


def test_make_lint_needs_no_node() -> None:
    """The toolchain is Python's: `make lint` and `make test` call neither npm nor node."""
    makefile = (PROJECT / "Makefile").read_text(encoding="utf-8")
    recipes = [line.split() for line in makefile.splitlines() if line.startswith("\t")]
    assert not [words for words in recipes if {"npm", "node", "npx"} & set(words)]
    assert not list((PROJECT / "scripts").glob("*.cjs")) + list((PROJECT / "scripts").glob("*.js"))
