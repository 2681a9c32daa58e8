"""`discrete-gan filter`: the command line of `data.filter`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from discrete_gan.data import filter
from discrete_gan.data.filter import dropped_tsv, filter_files, summary
from discrete_gan.fileio import run_cli, write_lines, write_text


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=filter.__doc__.splitlines()[0])
    parser.add_argument("--female", type=Path, required=True, help="female.txt of the corpus")
    parser.add_argument("--male", type=Path, required=True, help="male.txt of the corpus")
    parser.add_argument("--max-len", type=int, default=9, help="longest name kept (letters)")
    parser.add_argument("--deduplicate", action="store_true", help="keep each name once")
    parser.add_argument("--out", type=Path, required=True, help="names, one per line")
    parser.add_argument("--counts", type=Path, required=True, help="counts as JSON")
    parser.add_argument("--dropped", type=Path, help="every dropped line with its reason, TSV")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    dropped: list = []
    names, counts = filter_files(
        [args.female, args.male], args.max_len, args.deduplicate, dropped=dropped
    )
    write_lines(args.out, names)
    write_text(args.counts, json.dumps(counts, indent=2) + "\n")
    if args.dropped:
        write_text(args.dropped, dropped_tsv(dropped))
    print(summary(counts))
    print(f"wrote {len(names)} names to {args.out} and counts to {args.counts}")


if __name__ == "__main__":
    run_cli(main)
