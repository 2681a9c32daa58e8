"""`discrete-gan paper-units`: the command line of `analysis.paper_units`."""

from __future__ import annotations

import argparse
from pathlib import Path

from discrete_gan.analysis import paper_units
from discrete_gan.analysis.aggregate import (
    LENGTH_COLUMNS,
    SUMMARY_COLUMNS,
    write_csv,
)
from discrete_gan.analysis.paper_units import (
    LENGTH_CHECK_COLUMNS,
    closest_sentence,
    comparison_markdown,
    comparison_table,
    paper_reference,
    plot_paper_units,
    read_paper_values,
)
from discrete_gan.fileio import UserError, run_cli, write_text
from discrete_gan.plots.figures import read_table, variant_tables


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="discrete-gan paper-units", description=paper_units.__doc__.splitlines()[0]
    )
    parser.add_argument("--summaries", nargs="+", required=True, help="variant=losses_summary")
    parser.add_argument("--lengths", nargs="+", required=True, help="variant=lengths.csv")
    parser.add_argument("--paper", type=Path, required=True, help="paper_figure_values.csv")
    parser.add_argument("--length-check", type=Path, help="length_check.csv (optional)")
    parser.add_argument("--out-csv", type=Path, required=True, help="comparison table CSV")
    parser.add_argument("--out-md", type=Path, required=True, help="comparison table Markdown")
    parser.add_argument("--png", type=Path, required=True, help="figure PNG to write")
    parser.add_argument("--pdf", type=Path, required=True, help="figure PDF to write")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    summaries = variant_tables(args.summaries, SUMMARY_COLUMNS)
    lengths = variant_tables(args.lengths, LENGTH_COLUMNS)
    if list(summaries) != list(lengths):
        raise UserError(
            f"--summaries name variants {list(summaries)} but --lengths {list(lengths)}; "
            "give both the same variants in the same order."
        )
    paper = paper_reference(read_paper_values(args.paper))
    check = read_table(args.length_check, LENGTH_CHECK_COLUMNS) if args.length_check else None
    table = comparison_table(summaries, lengths, paper, check)
    write_csv(table, args.out_csv)
    write_text(args.out_md, comparison_markdown(table, paper))
    plot_paper_units(summaries, lengths, paper, args.png, args.pdf, check)
    print(closest_sentence(table, paper))
    print(f"wrote {args.out_csv}, {args.out_md}, {args.png} and {args.pdf}")


if __name__ == "__main__":
    run_cli(main)
