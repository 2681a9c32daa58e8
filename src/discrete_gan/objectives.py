"""Training objectives as pure functions of tensors.

Every function works on any leading batch dimensions (e.g. `(runs, batch)`) and reduces only
over the last one, so the single-run and the many-runs trainers share them.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

# Below this logit, log(softplus(x)) equals x to float64 precision: softplus(x) = e^x + O(e^2x).
_LOG_SOFTPLUS_LINEAR_BELOW = -37.0


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """`-(1/N) sum_i [log D(x_i) + log(1 - D(G(z_i)))]` from logits; shape (..., N) -> (...)."""
    # log D(x) = -softplus(-x) and log(1 - D(x)) = -softplus(x), exact for large |x|.
    return F.softplus(-real_logits).mean(-1) + F.softplus(fake_logits).mean(-1)


def log_neg_log_one_minus_d(logits: torch.Tensor) -> torch.Tensor:
    """`log(-log(1 - sigmoid(x)))` = `log(softplus(x))`, finite for every finite logit."""
    safe = logits.clamp(min=_LOG_SOFTPLUS_LINEAR_BELOW)
    return torch.where(logits < _LOG_SOFTPLUS_LINEAR_BELOW, logits, torch.log(F.softplus(safe)))


def is_gan_log_weights(real_logits: torch.Tensor, log_p: torch.Tensor) -> torch.Tensor:
    """Log of each real name's term in `-L`: `log(-log(1 - D(x_i))) + log P_G(x_i)`; (..., N)."""
    return log_neg_log_one_minus_d(real_logits) + log_p


def is_gan_generator_loss(real_logits: torch.Tensor, log_p: torch.Tensor) -> torch.Tensor:
    """The paper's generator loss `-log(-L)`, `L = (1/N) sum_i log(1 - D(x_i)) P_G(x_i)`.

    Computed in log space: `-L = exp(logsumexp_i(log w_i + log P_G(x_i)) - log N)` with
    `w_i = -log(1 - D(x_i))`, so it stays finite when every `P_G(x_i)` underflows.
    `real_logits` and `log_p` have shape (..., N); the result has shape (...).
    """
    n = real_logits.shape[-1]
    return math.log(n) - torch.logsumexp(is_gan_log_weights(real_logits, log_p), dim=-1)


def is_gan_generator_loss_direct(real_logits: torch.Tensor, log_p: torch.Tensor) -> torch.Tensor:
    """The same loss by the paper's formula, term by term; only for checking the log-space one."""
    log_one_minus_d = torch.log1p(-torch.sigmoid(real_logits))
    big_l = (log_one_minus_d * torch.exp(log_p)).mean(-1)
    return -torch.log(-big_l)


GENERATOR_OBJECTIVES = {
    "is_gan": is_gan_generator_loss,
}


def generator_objective(name: str):
    """Look up a generator objective by its config name."""
    try:
        return GENERATOR_OBJECTIVES[name]
    except KeyError:
        known = ", ".join(sorted(GENERATOR_OBJECTIVES))
        raise ValueError(f"unknown generator objective {name!r}; choose one of: {known}") from None
