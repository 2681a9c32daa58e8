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

import torch

from discrete_gan.fileio import UserError
from discrete_gan.model.networks import Generator


@torch.no_grad()
def sample_names(generator: Generator, n: int, seed: int, length: int | None = None) -> list[str]:
    """n names from `generator`; with `length`, every name has exactly that many letters."""
    rng = torch.Generator().manual_seed(seed)
    model, vocab = generator.config, generator.vocab
    if length is None:
        uniforms = torch.rand(n, model.free_draws, generator=rng, dtype=torch.float64).float()
        ids = generator.sample(uniforms, stop=not model.code_data)
        raw = model.code_data or not model.ban_start
        return vocab.decode_raw(ids) if raw else vocab.decode_batch(ids)
    if length < 1:
        raise UserError(f"--length must be at least 1, not {length}")
    uniforms = torch.rand(n, length, generator=rng, dtype=torch.float64)
    ids = generator.sample(uniforms.float(), forced=True)  # (n, length), never `$`
    return vocab.decode_batch(ids) if model.ban_start else vocab.decode_raw(ids)
