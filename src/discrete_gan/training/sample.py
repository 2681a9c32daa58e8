"""Sample names from a trained generator checkpoint.

`discrete-gan sample --checkpoint results/corrected/runs/seed0/checkpoint.pt -n 20`
prints one name per line. Sampling is seeded (`--seed`, default 0), so the same command prints
the same names; `--length L` forces every name to exactly L letters by giving the end symbol
probability zero for the first L steps. A generator trained with the paper code's data
(variants code_data to paper_code) samples as it was trained: all max_steps symbols, going on
after `$`, printed raw; one whose outputs include the start symbol (code_softmax, paper_code)
keeps its `.` symbols.
"""

from __future__ import annotations

import argparse

import torch

from discrete_gan.data.vocab import decode_batch, decode_raw
from discrete_gan.fileio import UserError, run_cli
from discrete_gan.model.networks import Generator
from discrete_gan.training.runs import load_checkpoint


@torch.no_grad()
def sample_names(generator: Generator, n: int, seed: int, length: int | None = None) -> list[str]:
    """n names from `generator`; with `length`, every name has exactly that many letters."""
    rng = torch.Generator().manual_seed(seed)
    model = generator.config
    if length is None:
        uniforms = torch.rand(n, model.free_draws, generator=rng, dtype=torch.float64).float()
        ids = generator.sample(uniforms, stop=not model.code_data)
        return decode_raw(ids) if model.code_data or not model.ban_start else decode_batch(ids)
    if length < 1:
        raise UserError(f"--length must be at least 1, not {length}")
    uniforms = torch.rand(n, length, generator=rng, dtype=torch.float64)
    ids = generator.sample(uniforms.float(), forced=True)  # (n, length), never `$`
    return decode_batch(ids) if model.ban_start else decode_raw(ids)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
