"""The run folder: its layout (`seed{N}/`), and writing and reading a run's outputs (losses,
checkpoint, samples) atomically."""

from __future__ import annotations

import io
import json
from pathlib import Path

import torch

from discrete_gan.config import ModelConfig, TrainConfig, as_dict
from discrete_gan.data.vocab import PAPER_LETTERS
from discrete_gan.fileio import UserError, atomic_path, write_lines, write_text
from discrete_gan.model.networks import Discriminator, Generator

CHECKPOINT_FORMAT = 1


def run_dir(out_dir: str | Path, seed: int) -> Path:
    """The folder of one run's outputs."""
    return Path(out_dir) / f"seed{seed}"


def losses_csv(d_loss: list[float], g_loss: list[float], **extra: list[float]) -> str:
    """CSV text with columns epoch, d_loss, g_loss and any non-empty `extra` columns."""
    columns = {"d_loss": d_loss, "g_loss": g_loss}
    columns.update((name, values) for name, values in extra.items() if values)
    header = ",".join(["epoch", *columns])
    rows = zip(*columns.values(), strict=True)
    return (
        header
        + "\n"
        + "".join(
            f"{epoch}," + ",".join(repr(v) for v in row) + "\n" for epoch, row in enumerate(rows)
        )
    )


def write_run(result, out_dir: str | Path, model: ModelConfig, train: TrainConfig) -> Path:
    """Write losses.csv (with the is_gan weight diagnostics `ess` and `half_weight_length`, and
    the generator's own loss term `g_own`, when they were logged), final.json (the final
    discriminator's accuracy), checkpoint.pt, samples.txt and forced.txt of one run, and
    heldout_nll.csv (epochs trained, held-out NLL per character) when it was measured."""
    folder = run_dir(out_dir, result.seed)
    losses = losses_csv(
        result.d_loss,
        result.g_loss,
        ess=result.ess,
        half_weight_length=result.half_weight_length,
        g_own=result.g_own,
    )
    write_text(folder / "losses.csv", losses)
    write_text(folder / "final.json", json.dumps(result.final, indent=2) + "\n")
    checkpoint = {
        "format": CHECKPOINT_FORMAT,
        "seed": result.seed,
        "model": as_dict(model),
        "train": as_dict(train),
        "generator": result.generator,
        "discriminator": result.discriminator,
    }
    # saved through a buffer: saved to a file, the archive's inner folder would be named after
    # the temporary file, and the same run's checkpoint would differ from byte to byte
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    with atomic_path(folder / "checkpoint.pt") as tmp:
        tmp.write_bytes(buffer.getvalue())
    write_lines(folder / "samples.txt", result.samples)
    write_lines(folder / "forced.txt", result.forced)
    if result.heldout_nll:
        rows = "".join(f"{epoch},{nll!r}\n" for epoch, nll in result.heldout_nll)
        write_text(folder / "heldout_nll.csv", "epoch,heldout_nll_per_char\n" + rows)
    return folder


def load_checkpoint(path: str | Path) -> tuple[dict, Generator, Discriminator]:
    """Rebuild a run's generator and discriminator from its checkpoint file alone."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"checkpoint {path} does not exist; train the run first")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        raise UserError(f"checkpoint {path} cannot be read ({err}); re-run its training") from None
    if checkpoint.get("format") != CHECKPOINT_FORMAT:
        raise UserError(f"checkpoint {path} has an unknown format; re-run its training")
    # a checkpoint without an alphabet (see `config.as_dict`) holds the paper's a-z
    model = ModelConfig(**{"alphabet": PAPER_LETTERS, **checkpoint["model"]})
    gen, disc = Generator(model), Discriminator(model)
    gen.load_state_dict(checkpoint["generator"])
    disc.load_state_dict(checkpoint["discriminator"])
    return checkpoint, gen.eval(), disc.eval()
