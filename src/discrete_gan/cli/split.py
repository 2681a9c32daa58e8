"""`discrete-gan split`: the command line of `data.split`."""

from __future__ import annotations

import argparse

from discrete_gan.data import split
from discrete_gan.data.names import read_corpus_names
from discrete_gan.data.split import split_names
from discrete_gan.fileio import run_cli, write_lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=split.__doc__.splitlines()[0])
    parser.add_argument("--names", required=True, help="filtered names, one per line")
    parser.add_argument("--heldout-fraction", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-out", required=True)
    parser.add_argument("--heldout-out", required=True)
    args = parser.parse_args(argv)
    train, heldout = split_names(read_corpus_names(args.names), args.heldout_fraction, args.seed)
    write_lines(args.train_out, train)
    write_lines(args.heldout_out, heldout)
    print(
        f"{len(set(train))} distinct names ({len(train)} lines) to {args.train_out}, "
        f"{len(heldout)} held out to {args.heldout_out}"
    )


if __name__ == "__main__":
    run_cli(main)
