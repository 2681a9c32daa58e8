"""`discrete-gan evaluate`: the command line of `analysis.evaluate`."""

from __future__ import annotations

import argparse

from discrete_gan.analysis import evaluate
from discrete_gan.analysis.aggregate import write_csv
from discrete_gan.analysis.evaluate import TABLE_FLOATS, evaluate_all
from discrete_gan.fileio import UserError, run_cli


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=evaluate.__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="+", required=True, help="method=folder of its runs")
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--train", required=True, help="training names (for novelty)")
    parser.add_argument("--heldout", required=True, help="held-out names")
    parser.add_argument("--temperatures", type=float, nargs="+", default=[0.5, 0.7, 1.0, 1.3])
    parser.add_argument("--n-samples", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0, help="seed of the evaluation samples")
    parser.add_argument("--metrics-out", required=True)
    parser.add_argument("--curves-out", required=True)
    args = parser.parse_args(argv)
    if args.n_samples < 1 or min(args.temperatures) <= 0:
        raise UserError("n_samples must be at least 1 and every temperature positive")
    table, curves = evaluate_all(args)
    for frame, path in ((table, args.metrics_out), (curves, args.curves_out)):
        write_csv(frame, path, TABLE_FLOATS)
    print(f"wrote {len(table)} metric values to {args.metrics_out}, curves to {args.curves_out}")


if __name__ == "__main__":
    run_cli(main)
