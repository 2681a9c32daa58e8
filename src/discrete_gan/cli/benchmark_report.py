"""`discrete-gan benchmark-report`: the command line of `analysis.benchmark_report`."""

from __future__ import annotations

import argparse
from pathlib import Path

from discrete_gan.analysis import benchmark_report
from discrete_gan.analysis.benchmark_report import write_report
from discrete_gan.fileio import run_cli


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="discrete-gan benchmark-report",
        description=benchmark_report.__doc__.splitlines()[0],
    )
    for flag, help_text in (
        (
            "--selection",
            "search CSV: method,regime,config,seed,validation_nll_per_char,selected,settings",
        ),
        ("--metrics", "final runs' metrics CSV: method,regime,seed,temperature,metric,value"),
        ("--curves", "final runs' curves CSV: method,regime,seed,epoch,validation_nll_per_char"),
        ("--reference", "reference points CSV: reference,metric,value"),
        ("--summary-csv", "summary CSV to write (mean and bootstrap CI over seeds)"),
        ("--report-md", "Markdown report to write"),
        ("--figure-quality-diversity", "PNG of the quality-diversity plane to write"),
        ("--figure-curves", "PNG of validation NLL over the final runs to write"),
    ):
        parser.add_argument(flag, type=Path, required=True, help=help_text)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    write_report(
        args.selection,
        args.metrics,
        args.curves,
        args.reference,
        args.summary_csv,
        args.report_md,
        args.figure_quality_diversity,
        args.figure_curves,
    )
    print(
        f"wrote {args.summary_csv} and {args.report_md}; drew {args.figure_quality_diversity} "
        f"and {args.figure_curves}"
    )


if __name__ == "__main__":
    run_cli(main)
