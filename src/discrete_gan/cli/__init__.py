"""`discrete-gan <step> ...`: one console script for every step of the workflow.

Each step is a module here with a thin `main(argv)`: it parses the command line and calls the
library (`data`, `training`, `analysis`, `plots`), which has no command-line code. The rules
call `discrete-gan <step> ... > {log} 2>&1`, and a person at a shell can do the same
(`discrete-gan <step> --help`).
"""

from __future__ import annotations

import importlib
import sys

from discrete_gan.fileio import run_cli

STEPS = {
    "download": ("discrete_gan.cli.download", "fetch the names corpus, checksum verified"),
    "corpus-file": ("discrete_gan.cli.corpus_file", "copy your own list, checksum verified"),
    "filter": ("discrete_gan.cli.filter", "the paper's name filter"),
    "corpora": ("discrete_gan.cli.corpora", "build make generality's word lists"),
    "split": ("discrete_gan.cli.split", "the comparison's seeded train/held-out split"),
    "train": ("discrete_gan.cli.train", "train runs (one per seed) as one batched model"),
    "sample": ("discrete_gan.cli.sample", "sample names from a checkpoint"),
    "aggregate": ("discrete_gan.cli.aggregate", "tables behind Figures 5 and 6"),
    "samples-report": ("discrete_gan.cli.samples_report", "a run's names as Markdown"),
    "claims": ("discrete_gan.cli.claims", "the paper's five observations, per variant"),
    "paper-units": ("discrete_gan.cli.paper_units", "every variant in the paper's units"),
    "length-check": ("discrete_gan.cli.length_check", "a discriminator told only lengths"),
    "evaluate": ("discrete_gan.cli.evaluate", "score the comparison's generators"),
    "ngram": ("discrete_gan.cli.ngram", "the comparison's n-gram reference points"),
    "comparison-report": ("discrete_gan.cli.comparison_report", "the comparison's report"),
    "benchmark": ("discrete_gan.cli.benchmark", "the benchmark: select, reference, evaluate"),
    "benchmark-report": ("discrete_gan.cli.benchmark_report", "the benchmark's report"),
    "signatures": ("discrete_gan.cli.signatures", "the published code's signatures in runs"),
    "verify": ("discrete_gan.cli.verify", "check a run's numbers against expectations"),
    "provenance": ("discrete_gan.cli.provenance", "record where a results folder came from"),
    "figures": ("discrete_gan.cli.figures", "draw Figures 5 and 6 and the diagnostics"),
    "docs": ("discrete_gan.cli.docs", "the docs/ pages of a finished run, stamped"),
    "generality": ("discrete_gan.cli.generality", "the findings on other corpora"),
}


def usage() -> str:
    width = max(map(len, STEPS))
    lines = ["usage: discrete-gan <step> [options]   (discrete-gan <step> --help)", "", "steps:"]
    lines += [f"  {step:<{width}}  {about}" for step, (_, about) in STEPS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run one step: `discrete-gan <step> ARGS` calls that step's `main(ARGS)`."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return
    step, *rest = argv
    if step not in STEPS:
        print(f"error: no step {step!r}; run `discrete-gan --help` for the steps.", file=sys.stderr)
        raise SystemExit(2)
    module = importlib.import_module(STEPS[step][0])
    sys.argv[0] = f"discrete-gan {step}"
    run_cli(module.main, rest)
