"""`make lint` lints the GitHub Actions workflow with actionlint, installed from requirements.txt
into the environment like every other tool: it must pass the project's workflow and catch a
broken one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
ACTIONLINT = Path(sys.executable).parent / "actionlint"  # the environment's, as `make lint` runs it


def actionlint(*files: Path) -> subprocess.CompletedProcess:
    if not ACTIONLINT.is_file():
        pytest.fail(f"actionlint is not installed at {ACTIONLINT}; run `make setup` first.")
    command = [str(ACTIONLINT), "-no-color", *map(str, files)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_project_workflows_are_clean() -> None:
    done = actionlint(*sorted((PROJECT / ".github/workflows").glob("*.yml")))
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_broken_workflow_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ matrix.nope }}\n"
    )
    done = actionlint(broken)
    assert done.returncode == 1
    assert 'broken.yml:6:23: property "nope" is not defined' in done.stdout


def test_make_lint_needs_no_node() -> None:
    """The toolchain is Python's: `make lint` and `make test` call neither npm nor node."""
    makefile = (PROJECT / "Makefile").read_text(encoding="utf-8")
    recipes = [line.split() for line in makefile.splitlines() if line.startswith("\t")]
    assert not [words for words in recipes if {"npm", "node", "npx"} & set(words)]
    assert not list((PROJECT / "scripts").glob("*.cjs")) + list((PROJECT / "scripts").glob("*.js"))
