"""`discrete-gan verify`: the command line of `analysis.verify`."""

from __future__ import annotations

import argparse
from pathlib import Path

from discrete_gan.analysis import verify as verify_module
from discrete_gan.analysis.verify import load_tables, verify
from discrete_gan.fileio import UserError, parse_named, run_cli, write_text


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="discrete-gan verify",
        description=verify_module.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--expectations", type=Path, required=True, help="expectations YAML")
    parser.add_argument("--paper-units", type=Path, required=True, help="paper_units.csv")
    parser.add_argument("--claims", type=Path, required=True, help="claims.csv")
    parser.add_argument(
        "--lengths", nargs="+", required=True, help="variant=path of each lengths.csv"
    )
    parser.add_argument("--signatures", type=Path, help="signatures.csv of the run")
    parser.add_argument("--provenance", type=Path, help="provenance.json of the run")
    parser.add_argument("--out", type=Path, required=True, help="report, written if all pass")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    lengths = dict(parse_named(item, "variant=path") for item in args.lengths)
    tables = load_tables(args.paper_units, args.claims, lengths, args.signatures)
    report, passed = verify(args.expectations, tables, args.provenance)
    print(report, end="", flush=True)
    if not passed:
        raise UserError(
            f"the run's numbers fail checks in {args.expectations} (the FAIL lines above); "
            "a change altered the science, or the run is not the config those bands are for."
        )
    write_text(args.out, report)


if __name__ == "__main__":
    run_cli(main)
