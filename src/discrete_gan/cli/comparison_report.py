"""`discrete-gan comparison-report`: the command line of `analysis.comparison_report`."""

from __future__ import annotations

import argparse
from pathlib import Path

from discrete_gan.analysis import comparison_report
from discrete_gan.analysis.aggregate import write_csv
from discrete_gan.analysis.comparison_report import (
    draw_curves,
    draw_metrics,
    draw_tradeoff,
    read_curves,
    read_metrics,
    read_reference,
    summarise,
    summary_markdown,
    summary_table,
)
from discrete_gan.fileio import run_cli, write_text


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="discrete-gan comparison-report",
        description=comparison_report.__doc__.splitlines()[0],
    )
    for flag, help_text in (
        ("--metrics", "metrics CSV: method,seed,temperature,metric,value"),
        ("--curves", "curves CSV: method,seed,epoch,heldout_nll_per_char"),
        ("--reference", "reference points CSV: reference,metric,value"),
        ("--summary-csv", "summary CSV to write"),
        ("--summary-md", "Markdown report to write"),
        ("--figure-metrics", "PNG of every seed's metrics at temperature ~1.0 to write"),
        ("--figure-curves", "PNG of held-out NLL over training to write"),
        ("--figure-tradeoff", "PNG of the quality-diversity trade-off to write"),
    ):
        parser.add_argument(flag, type=Path, required=True, help=help_text)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    metrics, curves = read_metrics(args.metrics), read_curves(args.curves)
    reference = read_reference(args.reference)
    summary = summarise(metrics)
    draw_tradeoff(summary, reference, args.figure_tradeoff)
    draw_metrics(metrics, reference, args.figure_metrics)
    draw_curves(curves, reference, args.figure_curves)
    write_csv(summary_table(summary, reference), args.summary_csv)
    write_text(args.summary_md, summary_markdown(summary, reference))
    print(
        f"summarised {metrics['method'].nunique()} methods at "
        f"{metrics['temperature'].nunique()} temperatures and {len(reference)} reference "
        f"points into {args.summary_csv} and "
        f"{args.summary_md}; drew {args.figure_metrics}, {args.figure_curves} and "
        f"{args.figure_tradeoff}"
    )


if __name__ == "__main__":
    run_cli(main)
