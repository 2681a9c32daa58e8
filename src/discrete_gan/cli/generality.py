"""`discrete-gan generality <task>`: the command line of `analysis.generality`.

- `summary --counts --alphabet --provenance --claims --d-dependence --metrics --reference
  --length-check --out JSON`: one corpus's numbers and the findings' verdicts
  (`--d-dependence`: the per-run signatures table, `discrete-gan signatures`).
- `page --corpus NAME=FOLDER ... [--manifests DIR] --out PAGE`: docs/generality.md from every
  corpus's finished run, its provenance and paper-units figure copied beside it.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from discrete_gan.analysis import generality
from discrete_gan.analysis.docs import read_json, write_page
from discrete_gan.analysis.generality_page import CorpusRun, generality_page
from discrete_gan.analysis.signatures import DEPENDENCE_COLUMNS
from discrete_gan.data.vocab import read_alphabet
from discrete_gan.fileio import parse_named, read_table, run_cli, write_text

FIX = "rerun the corpus's workflow"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="discrete-gan generality", description=generality.__doc__.splitlines()[0]
    )
    tasks = parser.add_subparsers(dest="task", required=True)
    summary = tasks.add_parser("summary", help="one corpus's numbers and verdicts")
    for flag in ("counts", "alphabet", "provenance", "claims", "d-dependence", "metrics"):
        summary.add_argument(f"--{flag}", type=Path, required=True)
    for flag in ("reference", "length-check", "out"):
        summary.add_argument(f"--{flag}", type=Path, required=True)
    page = tasks.add_parser("page", help="docs/generality.md")
    page.add_argument("--corpus", nargs="+", required=True, help="NAME=FOLDER of each run")
    page.add_argument("--manifests", type=Path, help="folder of the built corpora's NAME.json")
    page.add_argument("--out", type=Path, required=True)
    return parser.parse_args(argv)


def summary(args: argparse.Namespace) -> None:
    tables = {
        "claims": read_table(args.claims, ["variant", "number", "value"], "claims table", FIX),
        "d_dependence": read_table(args.d_dependence, DEPENDENCE_COLUMNS, "signatures table", FIX),
        "metrics": read_table(args.metrics, ["method", "seed", "metric"], "metrics table", FIX),
        "reference": read_table(args.reference, ["reference", "metric"], "reference table", FIX),
        "length_check": read_json(args.length_check),
    }
    config = read_json(args.provenance)["config"]
    result = generality.summary(
        read_json(args.counts), read_alphabet(args.alphabet), config, tables
    )
    write_text(args.out, json.dumps(result, indent=2) + "\n")
    for found in result["findings"]:
        print(f"{found['finding']}: {found['verdict']} ({found['sentence']})")


PATH_KEYS = ("corpus_source", "corpus_file")


def portable(value, root: Path):
    """A provenance record with every corpus path under `root`'s parent written relative to
    `root` (the runs get absolute paths, as each runs in its own folder), so that a copy in
    docs/ names no folder of the machine that made it."""
    if isinstance(value, dict):
        return {
            key: (
                os.path.relpath(item, root)
                if key in PATH_KEYS and isinstance(item, str) and os.path.isabs(item)
                else portable(item, root)
            )
            for key, item in value.items()
        }
    return value


def page(args: argparse.Namespace) -> None:
    runs, copies, root = [], [], Path.cwd()
    for name, folder in (parse_named(item, "NAME=FOLDER") for item in args.corpus):
        manifest = args.manifests / f"{name}.json" if args.manifests else None
        found = manifest is not None and manifest.is_file()
        run = CorpusRun(name, folder, read_json(manifest) if found else None)
        runs.append((run, read_json(run.file("results/generality.json"))))
        beside = args.out.parent / "generality" / name
        record = portable(read_json(run.file("results/provenance.json")), root)
        write_text(beside / "provenance.json", json.dumps(record, indent=2) + "\n")
        copies.append((run.file("figures/paper_units.png"), beside / "paper_units.png"))
    write_page(args.out, generality_page(runs), copies)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    {"summary": summary, "page": page}[args.task](args)


if __name__ == "__main__":
    run_cli(main)
