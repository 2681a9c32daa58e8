"""Compile the numba kernels once, before many processes need them: `make test` runs it first.

numba keeps each compiled kernel in a cache beside its source (`cache=True`), and a process
that finds no cache compiles the kernel for itself. On a fresh checkout, `make test`'s workers
and the training jobs of the workflows they start would each compile the same kernels side by
side, on the same two cores. This script trains every generator objective for one batch, under
both ends of the variant ladder, on two runs of made-up names, so that every kernel is compiled
(or, when the cache is there, loaded) for the argument types that training passes it. Where
the fused C++ kernels run (`backends/fused.py`), the numba kernels they stand in for are
compiled too, by training both ends of the ladder on them once more: the tests run every
kernel test on both sets. Two processes share the work. It prints how long each took; with the
cache in place, a few seconds.

    python scripts/compile_kernels.py
"""

from __future__ import annotations

import random
import string
import subprocess
import sys
import time
from pathlib import Path

import torch
import yaml

from discrete_gan.backends import fused, kernels, numba_runs
from discrete_gan.config import RunSettings, run_settings
from discrete_gan.training.train import train_runs

ROOT = Path(__file__).resolve().parents[1]
# (variant, objective) pairs per process: the Gumbel-softmax kernels are the largest, so they
# get a process of their own; the kernels every objective shares compile in both.
NUMBA = "numba kernels"  # a share's pair trained on the numba kernels, not the fused ones
SHARES = (
    (
        ("corrected", "is_gan"),
        ("paper_code", "is_gan"),
        ("corrected", "mle"),
        ("corrected", "is_gan", NUMBA),
        ("paper_code", "is_gan", NUMBA),
        ("corrected", "mle", NUMBA),
    ),
    (
        ("corrected", "gumbel"),
        ("corrected", "weighted_mle"),
        ("corrected", "reinforce"),
        ("corrected", "maligan"),
        ("corrected", "bgan"),
        ("corrected", "batch_likelihood"),
    ),
)


def made_up_names(count: int = 64) -> list[str]:
    """`count` names of 2-9 random letters of a-z, the same every time."""
    rng = random.Random(0)
    return ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9))) for _ in range(count)]


def compile_share(pairs: tuple[tuple[str, ...], ...]) -> None:
    """Train each (variant, objective) for one epoch of one batch on the numba backend; with a
    third item, NUMBA, on its numba kernels (skipped where those run anyway)."""
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    names = made_up_names()
    changes = {"epochs": 1, "batch_size": len(names), "n_samples": 4, "pretrain_epochs": 0}
    chooser = numba_runs._kernels
    for variant, objective, *numba_kernels in pairs:
        if numba_kernels and fused.library() is None:
            continue  # the pairs above already ran on the numba kernels
        numba_runs._kernels = (lambda *_: kernels) if numba_kernels else chooser
        settings = RunSettings.from_mapping(run_settings(config, variant, objective, **changes))
        heldout = names[:8] if objective == "mle" else None
        train_runs(names, [0, 1], settings.model, settings.train, "cpu", torch.float32,
                   "numba", lambda *_: None, heldout)  # fmt: skip
    numba_runs._kernels = chooser


def main(argv: list[str]) -> None:
    if argv:  # a worker: the index of its share
        compile_share(SHARES[int(argv[0])])
        return
    start = time.perf_counter()
    workers = [
        subprocess.Popen([sys.executable, __file__, str(i)], cwd=ROOT) for i in range(len(SHARES))
    ]
    if any([worker.wait() != 0 for worker in workers]):  # waits for every worker
        sys.exit(
            "error: compiling the numba kernels failed (above); rerun `make setup`, then this."
        )
    print(f"numba kernels compiled or loaded in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
