"""`discrete-gan figures`: the command line of `plots.figures`."""

from __future__ import annotations

import argparse
from pathlib import Path

from discrete_gan.analysis.aggregate import (
    DIAGNOSTICS_SUMMARY_COLUMNS,
    LENGTH_COLUMNS,
    SUMMARY_COLUMNS,
)
from discrete_gan.fileio import run_cli
from discrete_gan.plots import figures as figures_module
from discrete_gan.plots.figures import (
    plot_diagnostics,
    plot_figure5,
    plot_figure5_variants,
    plot_figure6,
    plot_figure6_variants,
    read_table,
    variant_tables,
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="discrete-gan figures", description=figures_module.__doc__
    )
    figures = parser.add_subparsers(dest="figure", required=True)
    for name, table_flag, help_text in (
        ("figure5", "--summary", "loss summary CSV from `aggregate losses`"),
        ("figure6", "--lengths", "length table CSV from `aggregate lengths`"),
    ):
        sub = figures.add_parser(name, help=f"draw {name}")
        sub.add_argument(table_flag, type=Path, required=True, help=help_text)
        sub.add_argument("--variant", default="", help="the variant, named in the titles")
        sub.add_argument("--png", type=Path, required=True, help="PNG file to write")
        sub.add_argument("--pdf", type=Path, required=True, help="PDF file to write")
    for name, table_flag, help_text in (
        ("figure5-variants", "--summaries", "variant=loss summary CSV, per variant"),
        ("figure6-variants", "--lengths", "variant=length table CSV, per variant"),
        ("diagnostics", "--summaries", "variant=diagnostics summary CSV, per variant"),
    ):
        sub = figures.add_parser(name, help=f"draw {name}")
        sub.add_argument(table_flag, nargs="+", required=True, help=help_text)
        sub.add_argument("--png", type=Path, required=True, help="PNG file to write")
        sub.add_argument("--pdf", type=Path, required=True, help="PDF file to write")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.figure == "figure5":
        plot_figure5(read_table(args.summary, SUMMARY_COLUMNS), args.png, args.pdf, args.variant)
    elif args.figure == "figure6":
        plot_figure6(read_table(args.lengths, LENGTH_COLUMNS), args.png, args.pdf, args.variant)
    elif args.figure == "figure5-variants":
        summaries = variant_tables(args.summaries, SUMMARY_COLUMNS)
        plot_figure5_variants(summaries, args.png, args.pdf)
    elif args.figure == "figure6-variants":
        plot_figure6_variants(variant_tables(args.lengths, LENGTH_COLUMNS), args.png, args.pdf)
    else:
        summaries = variant_tables(args.summaries, DIAGNOSTICS_SUMMARY_COLUMNS)
        plot_diagnostics(summaries, args.png, args.pdf)
    print(f"wrote {args.png} and {args.pdf}")


if __name__ == "__main__":
    run_cli(main)
