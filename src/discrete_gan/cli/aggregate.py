"""`discrete-gan aggregate`: the command line of `analysis.aggregate`."""

from __future__ import annotations

import argparse
from pathlib import Path

from discrete_gan.analysis import aggregate
from discrete_gan.analysis.aggregate import (
    length_table,
    mean_lengths,
    summarise_diagnostics,
    summarise_losses,
    write_csv,
)
from discrete_gan.data.names import read_corpus_names, read_sample_names
from discrete_gan.fileio import run_cli


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="discrete-gan aggregate", description=aggregate.__doc__)
    steps = parser.add_subparsers(dest="step", required=True)
    losses = steps.add_parser("losses", help="min/mean/max of epoch losses over runs")
    losses.add_argument("--runs", type=Path, nargs="+", required=True, help="losses.csv per run")
    losses.add_argument("--out", type=Path, required=True, help="summary CSV to write")
    diagnostics = steps.add_parser("diagnostics", help="min/mean/max of is_gan diagnostics")
    diagnostics.add_argument("--runs", type=Path, nargs="+", required=True, help="losses.csv")
    diagnostics.add_argument("--out", type=Path, required=True, help="summary CSV to write")
    lengths = steps.add_parser("lengths", help="name-length counts, generated vs real")
    lengths.add_argument("--generated", type=Path, required=True, help="samples.txt of one run")
    lengths.add_argument("--real", type=Path, required=True, help="filtered corpus, one per line")
    lengths.add_argument("-n", type=int, required=True, help="names per source")
    lengths.add_argument("--seed", type=int, required=True, help="seed for the real-name draw")
    lengths.add_argument("--out", type=Path, required=True, help="length table CSV to write")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.step in ("losses", "diagnostics"):
        summarise = summarise_losses if args.step == "losses" else summarise_diagnostics
        summary = summarise(args.runs)
        write_csv(summary, args.out)
        print(f"summarised {len(args.runs)} runs over {len(summary)} epochs into {args.out}")
        return
    table = length_table(
        read_sample_names(args.generated), read_corpus_names(args.real), args.n, args.seed
    )
    write_csv(table, args.out)
    means = mean_lengths(table)
    print(
        f"mean length of {args.n} names: generated {means['generated']:.2f}, "
        f"real {means['real']:.2f}; wrote {args.out}"
    )


if __name__ == "__main__":
    run_cli(main)
