"""`discrete-gan train`: the command line of `training.train`."""

from __future__ import annotations

import argparse
import functools

import torch

from discrete_gan.backends import fused
from discrete_gan.config import read_settings
from discrete_gan.data.names import read_corpus_names
from discrete_gan.data.vocab import read_alphabet
from discrete_gan.fileio import run_cli
from discrete_gan.training import train as train_module
from discrete_gan.training.runs import write_run
from discrete_gan.training.train import choose_backend, resolve_device, set_threads, train_runs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=train_module.__doc__.splitlines()[0])
    parser.add_argument(
        "--settings",
        required=True,
        help="the runs' settings.json (every config key that shapes them), or its JSON text",
    )
    parser.add_argument("--names", required=True, help="filtered names, one per line")
    parser.add_argument(
        "--alphabet",
        help="the filter's alphabet.txt: the letters of the names (resolves alphabet auto)",
    )
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--out-dir", required=True, help="writes seed{N}/... under this folder")
    parser.add_argument(
        "--heldout", help="held-out names, one per line: log their NLL during training"
    )
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (runs in parallel)")
    args = parser.parse_args(argv)
    settings = read_settings(args.settings, read_alphabet(args.alphabet) if args.alphabet else None)
    model, train, compute = settings.model, settings.train, settings.compute
    device = resolve_device(compute.device)
    dtype = getattr(torch, compute.dtype)
    backend = choose_backend(compute.backend, device, dtype)
    set_threads(args.threads, backend)
    names = read_corpus_names(args.names, model.alphabet)
    heldout = read_corpus_names(args.heldout, model.alphabet) if args.heldout else None
    kernels = f", {fused.describe()}" if backend.name == "numba" else ""
    print(
        f"training seeds {args.seeds} on {len(names)} names, "
        f"device {device}, {args.threads} threads, backend {backend.name}{kernels}"
    )
    print(f"model {model}\ntrain {train}", flush=True)
    log = functools.partial(print, flush=True)
    results = train_runs(
        names, args.seeds, model, train, device, dtype, compute.backend, log, heldout
    )
    for result in results:
        write_run(result, args.out_dir, model, train)
    print(f"wrote {len(results)} runs under {args.out_dir}")


if __name__ == "__main__":
    run_cli(main)
