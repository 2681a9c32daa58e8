"""`discrete-gan filter`: the command line of `data.filter`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from discrete_gan.data import filter
from discrete_gan.data.filter import (
    check_alphabet,
    dropped_tsv,
    filter_files,
    resolve_alphabet,
    summary,
)
from discrete_gan.data.vocab import PAPER_LETTERS
from discrete_gan.fileio import UserError, run_cli, write_lines, write_text

# What to do about a corpus file that keeps too few items.
CORPUS_FILE_FIX = (
    "check that corpus_file (copied there) holds one item per line, or set alphabet: auto or "
    "a larger max_len"
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=filter.__doc__.splitlines()[0])
    parser.add_argument("--female", type=Path, help="female.txt of the corpus")
    parser.add_argument("--male", type=Path, help="male.txt of the corpus")
    parser.add_argument(
        "--corpus", type=Path, help="one list of items instead of --female and --male"
    )
    parser.add_argument("--max-len", type=int, default=9, help="longest name kept (letters)")
    parser.add_argument("--deduplicate", action="store_true", help="keep each name once")
    parser.add_argument(
        "--alphabet", default=PAPER_LETTERS, help="the letters a name may hold, or auto"
    )
    parser.add_argument(
        "--max-alphabet", type=int, default=64, help="most letters --alphabet auto may find"
    )
    parser.add_argument("--out", type=Path, required=True, help="names, one per line")
    parser.add_argument("--counts", type=Path, required=True, help="counts as JSON")
    parser.add_argument("--dropped", type=Path, help="every dropped line with its reason, TSV")
    parser.add_argument("--alphabet-out", type=Path, help="the names' letters, one line")
    args = parser.parse_args(argv)
    if (args.corpus is None) == (args.female is None and args.male is None):
        raise UserError("give either --corpus or both --female and --male, not both or neither.")
    if args.corpus is None and (args.female is None or args.male is None):
        raise UserError("--female and --male go together; give both, or --corpus instead.")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    check_alphabet(args.alphabet)
    dropped: list = []
    lists = [args.corpus] if args.corpus else [args.female, args.male]
    fix = {"fix": CORPUS_FILE_FIX} if args.corpus else {}
    names, counts = filter_files(
        lists, args.max_len, args.deduplicate, dropped=dropped, alphabet=args.alphabet, **fix
    )
    letters = resolve_alphabet(names, args.alphabet, args.max_alphabet)
    write_lines(args.out, names)
    write_text(args.counts, json.dumps(counts, indent=2) + "\n")
    if args.dropped:
        write_text(args.dropped, dropped_tsv(dropped))
    if args.alphabet_out:
        write_text(args.alphabet_out, letters + "\n")
    print(summary(counts))
    print(f"alphabet ({len(letters)} letters): {letters}")
    print(f"wrote {len(names)} names to {args.out} and counts to {args.counts}")


if __name__ == "__main__":
    run_cli(main)
