"""`discrete-gan split`: the command line of `data.split`."""

from __future__ import annotations

import argparse

from discrete_gan.data import split
from discrete_gan.data.names import read_corpus_names
from discrete_gan.data.split import split_parts
from discrete_gan.fileio import UserError, run_cli, write_lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=split.__doc__.splitlines()[0])
    parser.add_argument("--names", required=True, help="filtered names, one per line")
    parser.add_argument(
        "--heldout-fraction",
        type=float,
        nargs="+",
        default=[0.1],
        help="share of the distinct names in each held-out part",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-out", required=True)
    parser.add_argument("--heldout-out", nargs="+", required=True, help="one file per part")
    args = parser.parse_args(argv)
    if len(args.heldout_out) != len(args.heldout_fraction):
        raise UserError(
            f"{len(args.heldout_fraction)} held-out fractions but {len(args.heldout_out)} "
            "--heldout-out files; give one file per fraction"
        )
    names = read_corpus_names(args.names)
    train, parts = split_parts(names, args.heldout_fraction, args.seed)
    write_lines(args.train_out, train)
    for path, part in zip(args.heldout_out, parts):
        write_lines(path, part)
    outs = zip(args.heldout_out, parts)
    held = ", ".join(f"{len(part)} held out to {path}" for path, part in outs)
    print(f"{len(set(train))} distinct names ({len(train)} lines) to {args.train_out}, {held}")


if __name__ == "__main__":
    run_cli(main)
