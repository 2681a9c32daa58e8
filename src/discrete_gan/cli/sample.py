"""`discrete-gan sample`: the command line of `training.sample`."""

from __future__ import annotations

import argparse

from discrete_gan.fileio import UserError, run_cli
from discrete_gan.training import sample
from discrete_gan.training.runs import load_checkpoint
from discrete_gan.training.sample import sample_names


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=sample.__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("-n", type=int, default=20, help="number of names")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--length", type=int, default=None, help="force names of this length")
    args = parser.parse_args(argv)
    if args.n < 1:
        raise UserError(f"-n must be at least 1, not {args.n}")
    _, generator, _ = load_checkpoint(args.checkpoint)
    for name in sample_names(generator, args.n, args.seed, args.length):
        print(name)


if __name__ == "__main__":
    run_cli(main)
