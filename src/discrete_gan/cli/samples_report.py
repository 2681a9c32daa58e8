"""`discrete-gan samples-report`: the command line of `analysis.samples_report`."""

from __future__ import annotations

import argparse
from pathlib import Path

from discrete_gan.analysis import samples_report
from discrete_gan.analysis.samples_report import render_samples
from discrete_gan.data.names import read_sample_names
from discrete_gan.fileio import run_cli, write_text


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="discrete-gan samples-report", description=samples_report.__doc__
    )
    parser.add_argument("--samples", type=Path, required=True, help="samples.txt of one run")
    parser.add_argument("--forced", type=Path, required=True, help="forced.txt of the same run")
    parser.add_argument("--run-seed", type=int, required=True, help="seed of the training run")
    parser.add_argument("--seed", type=int, required=True, help="seed for picking names to show")
    parser.add_argument("--n-show", type=int, default=5, help="names per short list")
    parser.add_argument("--out", type=Path, required=True, help="Markdown file to write")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    samples, forced = read_sample_names(args.samples), read_sample_names(args.forced)
    write_text(args.out, render_samples(samples, forced, args.seed, args.run_seed, args.n_show))
    print(f"wrote {args.out} ({len(samples)} generated, {len(forced)} forced names)")


if __name__ == "__main__":
    run_cli(main)
