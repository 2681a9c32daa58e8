"""`discrete-gan signatures`: the command line of `analysis.signatures`."""

from __future__ import annotations

import argparse
from pathlib import Path

from discrete_gan.analysis import signatures
from discrete_gan.analysis.aggregate import write_csv
from discrete_gan.data.names import read_corpus_names
from discrete_gan.data.vocab import read_alphabet
from discrete_gan.fileio import parse_named, run_cli


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="discrete-gan signatures", description=signatures.__doc__.splitlines()[0]
    )
    parser.add_argument("--variant", nargs="+", required=True, help="NAME=RUNS_DIR of each")
    parser.add_argument("--seeds", type=int, nargs="+", required=True, help="seeds of every run")
    parser.add_argument("--names", type=Path, required=True, help="filtered names")
    parser.add_argument("--alphabet", type=Path, required=True, help="the filter's alphabet.txt")
    parser.add_argument("--batch", type=int, required=True, help="real names per gradient")
    parser.add_argument("--out-runs", type=Path, required=True, help="one row per run (CSV)")
    parser.add_argument("--out", type=Path, required=True, help="one row per variant (CSV)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    folders = dict(parse_named(item, "NAME=RUNS_DIR") for item in args.variant)
    names = read_corpus_names(args.names, read_alphabet(args.alphabet))
    runs = signatures.run_signatures(folders, args.seeds, names, args.batch)
    summary = signatures.summarise(runs)
    write_csv(runs, args.out_runs)
    write_csv(summary, args.out)
    print(summary.to_string(index=False))


if __name__ == "__main__":
    run_cli(main)
