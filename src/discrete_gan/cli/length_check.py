"""`discrete-gan length-check`: the command line of `analysis.length_check`."""

from __future__ import annotations

import argparse
import functools
from pathlib import Path

import numpy as np
import torch

from discrete_gan.analysis import length_check
from discrete_gan.analysis.aggregate import write_csv
from discrete_gan.analysis.length_check import LossForm, run_length_check, summary_json
from discrete_gan.config import PAPER_CODE_REAL_STEPS, read_settings
from discrete_gan.data.names import read_corpus_names
from discrete_gan.data.vocab import read_alphabet
from discrete_gan.fileio import run_cli, write_text
from discrete_gan.training.train import (
    choose_backend,
    set_threads,
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="discrete-gan length-check", description=length_check.__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--settings",
        required=True,
        help="settings.json of the runs whose training it copies (or its JSON text): the "
        "discriminator's size, batches, learning rates, epochs, backend; fake names get "
        "max_steps symbols",
    )
    parser.add_argument("--names", type=Path, required=True, help="filtered names, one per line")
    parser.add_argument(
        "--alphabet", type=Path, help="the filter's alphabet.txt (resolves alphabet auto)"
    )
    parser.add_argument("--runs", type=int, required=True, help="discriminators trained")
    parser.add_argument(
        "--first-seed", type=int, default=0, help="seed of the first; seeds follow it in order"
    )
    parser.add_argument(
        "--real-steps", type=int, default=PAPER_CODE_REAL_STEPS, help="symbols of a real name"
    )
    parser.add_argument(
        "--log-sigmoid",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the loss as the paper's code computes it, float32 log(sigmoid)",
    )
    parser.add_argument(
        "--length-divisor",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="divide the loss's sums by the real steps, as the paper's code, not the batch size",
    )
    parser.add_argument("--threads", type=int, default=1, help="CPU threads")
    parser.add_argument("--out-csv", type=Path, required=True, help="per-epoch loss table")
    parser.add_argument("--out-json", type=Path, required=True, help="final accuracy per run")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    settings = read_settings(args.settings, read_alphabet(args.alphabet) if args.alphabet else None)
    model, train, backend = settings.model, settings.train, settings.compute.backend
    set_threads(args.threads, choose_backend(backend, "cpu", torch.float32))
    names = read_corpus_names(args.names, model.alphabet)
    steps = (args.real_steps, model.max_steps)
    print(f"length check: {args.runs} runs on {len(names)} names, {steps[0]} vs {steps[1]} symbols")
    log = functools.partial(print, flush=True)
    loss = LossForm(args.log_sigmoid, args.length_divisor)
    table, final = run_length_check(
        names, args.runs, model, train, steps, backend, loss, log, args.first_seed
    )
    summary = {
        "n_runs": args.runs,
        "first_seed": args.first_seed,
        "epochs": train.epochs,
        "real_steps": steps[0],
        "fake_steps": steps[1],
        "log_sigmoid": args.log_sigmoid,
        "length_divisor": args.length_divisor,
    }
    write_csv(table, args.out_csv)
    write_text(args.out_json, summary_json(final, summary))
    last = table.iloc[-1]
    accuracy = np.mean([run["accuracy"] for run in final])
    print(
        f"final ln mean d_loss {last['ln_d_mean']:.3f}, mean accuracy {accuracy:.4f}; "
        f"wrote {args.out_csv} and {args.out_json}"
    )


if __name__ == "__main__":
    run_cli(main)
