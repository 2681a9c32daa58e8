"""`discrete-gan docs`: the command line of `analysis.docs`."""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from discrete_gan.analysis import docs, findings
from discrete_gan.analysis.docs import (
    benchmark_page,
    comparison_page,
    configuration_page,
    performance_page,
    read_benchmark,
    read_json,
    results_page,
    write_page,
)
from discrete_gan.fileio import UserError, run_cli


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="discrete-gan docs", description=docs.__doc__)
    pages = parser.add_subparsers(dest="page", required=True)
    results = pages.add_parser("results", help="docs/results.md")
    results.add_argument("--paper-units", type=Path, required=True, help="paper_units.md")
    results.add_argument("--claims", type=Path, required=True, help="claims.md")
    results.add_argument("--length-check", type=Path, required=True, help="length_check.json")
    results.add_argument("--variants", nargs="+", required=True, help="the run's variants")
    comparison = pages.add_parser("comparison", help="docs/comparison.md")
    comparison.add_argument("--summary", type=Path, required=True, help="summary.md")
    comparison.add_argument("--benchmarks", type=Path, nargs="*", default=[], help="*.tsv")
    bench = pages.add_parser("benchmark", help="docs/benchmark.md")
    bench.add_argument("--report", type=Path, required=True, help="the benchmark's report.md")
    bench.add_argument("--benchmarks", type=Path, nargs="*", default=[], help="*.tsv")
    configuration = pages.add_parser("configuration", help="docs/configuration.md")
    configuration.add_argument("--config", type=Path, required=True, help="config/config.yaml")
    configuration.add_argument("--schema", type=Path, required=True, help="the config schema")
    configuration.add_argument("--others", type=Path, nargs="*", default=[], help="*.yaml")
    performance = pages.add_parser("performance", help="docs/performance.md")
    performance.add_argument("--benchmarks", type=Path, nargs="+", required=True, help="*.tsv")
    found = pages.add_parser("findings", help="docs/findings.md")
    found.add_argument("--template", type=Path, required=True, help="the page's prose")
    found.add_argument("--results", type=Path, required=True, help="the run's results/")
    found.add_argument("--comparison", type=Path, required=True, help="its comparison folder")
    found.add_argument("--variants", nargs="+", required=True, help="the run's variants")
    found.add_argument(
        "--comparison-provenance", type=Path, required=True, help="the comparison's record"
    )
    for page in (results, comparison, bench, configuration, performance, found):
        page.add_argument("--provenance", type=Path, required=True, help="provenance.json")
        page.add_argument("--copy-from", type=Path, nargs="*", default=[], help="files to copy")
        page.add_argument("--copy-to", type=Path, nargs="*", default=[], help="their copies")
        page.add_argument("--out", type=Path, required=True, help="the page to write")
    return parser.parse_args(argv)


def render(args: argparse.Namespace, record: dict) -> str:
    """The page that `args` asks for."""
    if args.page == "results":
        read = Path.read_text
        check = read_json(args.length_check)
        return results_page(record, read(args.paper_units), read(args.claims), check, args.variants)
    if args.page == "comparison":
        benchmarks = [read_benchmark(path) for path in args.benchmarks]
        return comparison_page(record, args.summary.read_text(encoding="utf-8"), benchmarks)
    if args.page == "benchmark":
        benchmarks = [read_benchmark(path) for path in args.benchmarks]
        return benchmark_page(record, args.report.read_text(encoding="utf-8"), benchmarks)
    if args.page == "configuration":
        others = {
            f"config/{path.name}": yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for path in args.others
        }
        schema = yaml.safe_load(args.schema.read_text(encoding="utf-8"))
        return configuration_page(record, args.config.read_text(encoding="utf-8"), schema, others)
    if args.page == "findings":
        values = findings.facts(args.results, args.comparison, args.variants)
        template = args.template.read_text(encoding="utf-8")
        return findings.render(template, values, record, read_json(args.comparison_provenance))
    return performance_page(record, [read_benchmark(path) for path in args.benchmarks])


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if len(args.copy_from) != len(args.copy_to):
        raise UserError(
            f"{len(args.copy_from)} files to copy but {len(args.copy_to)} destinations; "
            "give --copy-from and --copy-to the same number of paths."
        )
    copies = list(zip(args.copy_from, args.copy_to, strict=True))
    write_page(args.out, render(args, read_json(args.provenance)), copies)


if __name__ == "__main__":
    run_cli(main)
