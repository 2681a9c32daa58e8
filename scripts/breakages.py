"""Prove that verify's bands catch real changes: the CI config under deliberate breakages.

Each breakage is a one-line change to the project's code (`BREAKAGES`: the file, the line as
it is, the line broken). For each, this copies the project into a scratch folder, breaks the
line there, runs `snakemake verify --configfile config/ci.yaml` in the copy with the copy's
package first on PYTHONPATH, and records which of verify's checks fail. The table of
breakages and failed checks replaces the part of docs/verify.md between its breakage markers.

    python scripts/breakages.py --corpus ../shared/data/names-corpus            # all, docs
    python scripts/breakages.py --corpus ../shared/data/names-corpus --only filter_8

A breakage whose line is no longer in its file stops the script: update the breakage with
the code.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
# What a run of the workflow needs; src/ with its __pycache__, so that the numba kernels of
# files left unchanged load from their cache instead of compiling again.
COPIED = ("Snakefile", "workflow", "config", "profiles", "src")
DOCS = PROJECT / "docs/verify.md"
MARKERS = ("<!-- breakages: start -->", "<!-- breakages: end -->")
FAIL_LINE = re.compile(r"^FAIL\s+(.+?) = (.+?) (in \[[^\]]*\]|== .+?)  \(")


@dataclass(frozen=True)
class Breakage:
    """A one-line change: in `path`, the line `before` becomes `after`."""

    name: str
    what: str
    path: str
    before: str
    after: str


KERNELS, CONFIG = "src/discrete_gan/backends/kernels.py", "src/discrete_gan/config.py"
IS_GAN_TERM = "            terms[i] = log_w + log_p[r, i]"
BREAKAGES = (
    Breakage(
        "no_broadcast",
        "the broadcast removed from `paper_code`'s generator loss",
        CONFIG,
        "        broadcast_loss=True,",
        "        broadcast_loss=False,",
    ),
    Breakage(
        "start_banned",
        "'.' banned in `paper_code`'s softmax",
        CONFIG,
        "        start_output=True,",
        "        start_output=False,",
    ),
    Breakage(
        "constant_d",
        "`corrected`'s generator given a constant discriminator (equal importance weights)",
        KERNELS,
        IS_GAN_TERM,
        "            terms[i] = log_p[r, i]",
    ),
    Breakage(
        "no_lr_drop",
        "the learning-rate drop removed",
        CONFIG,
        "        return self.lr if epoch < self.lr_decay_epoch else self.lr_after",
        "        return self.lr",
    ),
    Breakage(
        "filter_8",
        "the name filter at 8 letters",
        "src/discrete_gan/data/filter.py",
        "    if len(name) > max_len:",
        "    if len(name) > min(max_len, 8):",
    ),
    Breakage(
        "flipped_weight",
        "a flipped sign in the `is_gan` weight",
        KERNELS,
        IS_GAN_TERM,
        "            terms[i] = -log_w + log_p[r, i]",
    ),
)


@dataclass(frozen=True)
class Outcome:
    """What verify made of a broken run: the failed checks (key, value) and every check's count,
    or the workflow's error where it failed before verify could judge."""

    breakage: Breakage
    failed: list[tuple[str, str, str]]  # (check, value, what it should have been)
    checks: int
    error: str | None
    seconds: float

    @property
    def caught(self) -> bool:
        return bool(self.failed) or self.error is not None


def break_line(breakage: Breakage, root: Path) -> None:
    """Apply the breakage to the copy in `root`; stop if its line is not there exactly once."""
    path = root / breakage.path
    lines = path.read_text(encoding="utf-8").split("\n")
    found = [i for i, line in enumerate(lines) if line == breakage.before]
    if len(found) != 1:
        sys.exit(
            f"error: breakage {breakage.name}: {breakage.path} holds the line "
            f"{breakage.before.strip()!r} {len(found)} times, not once; update the breakage."
        )
    lines[found[0]] = breakage.after
    path.write_text("\n".join(lines), encoding="utf-8")


def copy_project(root: Path) -> None:
    for name in COPIED:
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("*.egg-info"))
        else:
            shutil.copy2(source, root / name)


def verify_outcome(breakage: Breakage, root: Path, done, seconds: float) -> Outcome:
    """Read verify's log in the copy: its FAIL lines and its count of checks."""
    log = root / "logs/verify/verify.log"
    text = log.read_text(encoding="utf-8") if log.is_file() else ""
    failed = [m.groups() for m in map(FAIL_LINE.match, text.splitlines()) if m]
    checks = sum(line.startswith(("PASS", "FAIL")) for line in text.splitlines())
    error = None
    if not checks:
        tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
        error = "the workflow failed before verify: " + " / ".join(tail)
    return Outcome(breakage, failed, checks, error, seconds)


def run_breakage(breakage: Breakage, corpus: str, workdir: Path, cores: int = 2) -> Outcome:
    """The CI config's verify in a broken copy of the project under `workdir`."""
    root = workdir / breakage.name
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    copy_project(root)
    break_line(breakage, root)
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, PYTHONPATH=str(root / "src"))
    env["PATH"] = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    command = [sys.executable, "-m", "snakemake", "--cores", str(cores), "verify"]
    command += ["--configfile", "config/ci.yaml", "--config", f"corpus_source={corpus}"]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    return verify_outcome(breakage, root, done, time.perf_counter() - start)


def cell(outcome: Outcome) -> str:
    if outcome.error is not None:
        return outcome.error.replace("|", "\\|")
    shown = (f"`{key}` = {value}, not {wanted}" for key, value, wanted in outcome.failed)
    return "<br>".join(shown) or "none"


def table(outcomes: list[Outcome]) -> str:
    """Markdown: one row per breakage, the change, the checks that failed, caught or not."""
    lines = ["| breakage | the line changed | failed checks | caught |", "|---|---|---|---|"]
    for outcome in outcomes:
        b = outcome.breakage
        change = f"`{b.path}`: `{b.before.strip()}` → `{b.after.strip()}`"
        count = f"{len(outcome.failed)} of {outcome.checks}: " if outcome.checks else ""
        caught = "yes" if outcome.caught else "**no**"
        lines.append(f"| {b.what} | {change} | {count}{cell(outcome)} | {caught} |")
    return "\n".join(lines)


def write_docs(outcomes: list[Outcome], stamp: str) -> None:
    """Replace the breakage table in docs/verify.md."""
    text = DOCS.read_text(encoding="utf-8")
    start, end = (text.index(marker) for marker in MARKERS)
    block = f"{MARKERS[0]}\n{stamp}\n\n{table(outcomes)}\n"
    DOCS.write_text(text[:start] + block + text[end:], encoding="utf-8")
    print(f"wrote the table into {DOCS}")


def main() -> None:
    names = [b.name for b in BREAKAGES]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, help="corpus source for the runs")
    parser.add_argument("--only", nargs="+", choices=names, help="these breakages alone")
    parser.add_argument("--cores", type=int, default=2, help="cores of each run")
    parser.add_argument("--workdir", type=Path, help="keep the broken copies here")
    parser.add_argument("--no-docs", action="store_true", help="print the table only")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    corpus = str(corpus.resolve()) if corpus.exists() else args.corpus
    chosen = [b for b in BREAKAGES if not args.only or b.name in args.only]
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="breakages-") as tmp:
        workdir = args.workdir.resolve() if args.workdir else Path(tmp)
        for breakage in chosen:
            outcome = run_breakage(breakage, corpus, workdir, args.cores)
            verdict = "caught" if outcome.caught else "NOT CAUGHT"
            print(f"{breakage.name}: {verdict}, {len(outcome.failed)} checks failed "
                  f"({outcome.seconds:.0f} s)", flush=True)  # fmt: skip
            outcomes.append(outcome)
    print(table(outcomes))
    if not args.no_docs and not args.only:
        from discrete_gan.analysis.provenance import cpu_model, git_state

        git = git_state(PROJECT)
        dirty = " (uncommitted changes)" if git["dirty"] else ""
        stamp = (
            f"Measured by `python scripts/breakages.py --corpus ...` on "
            f"{datetime.now(UTC).date()} at commit `{(git['commit'] or 'none')[:7]}`{dirty}, "
            f"{cpu_model()}, against the bands of `config/expectations/ci.yaml`."
        )
        write_docs(outcomes, stamp)
    if not all(outcome.caught for outcome in outcomes):
        sys.exit("error: a breakage passed every check; the bands are too wide to catch it.")


if __name__ == "__main__":
    main()
