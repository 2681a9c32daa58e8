"""Training objectives as pure functions of tensors.

Every function works on any leading batch dimensions (e.g. `(runs, batch)`) and reduces only
over the last one, so the single-run and the many-runs trainers share them.

Generator objectives share one interface, `loss(logits, log_p, baseline) -> (...)`: `logits` are
the updated discriminator's logits of N names, `log_p` the generator's log-likelihoods of the
same names (the only input gradients flow through) and `baseline` a running mean reward (...)
that only REINFORCE uses. Which names they are is part of the method: real names (the paper's
importance sampling, MLE) or the generator's own samples (policy gradients). Adding a method
means adding a loss function and one `GENERATOR_OBJECTIVES` entry; the straight-through
Gumbel-softmax method, which differentiates through sampling instead, lives in
`backends/gumbel_softmax.py`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

# Below this logit, log(softplus(x)) equals x to float64 precision: softplus(x) = e^x + O(e^2x).
_LOG_SOFTPLUS_LINEAR_BELOW = -37.0


def discriminator_loss(
    real_logits: torch.Tensor, fake_logits: torch.Tensor, divisor: int | None = None
) -> torch.Tensor:
    """`-(1/N) sum_i [log D(x_i) + log(1 - D(G(z_i)))]` from logits; shape (..., N) -> (...).
    With a `divisor`, the sums are divided by it instead of by N (the paper's code divides by
    its padded sequence length)."""
    # log D(x) = -softplus(-x) and log(1 - D(x)) = -softplus(x), exact for large |x|.
    real_term, fake_term = F.softplus(-real_logits), F.softplus(fake_logits)
    if divisor is not None:
        return (real_term + fake_term).sum(-1) / divisor
    return real_term.mean(-1) + fake_term.mean(-1)


def discriminator_loss_log_sigmoid(
    real_logits: torch.Tensor, fake_logits: torch.Tensor, divisor: int | None = None
) -> torch.Tensor:
    """The same loss as the paper's code computes it: `log(sigmoid(l))` in the logits' dtype,
    divided by N, or by `divisor` as the code's `log(D(x)) / N + log(1 - D(G(z))) / N` with its
    N = len(real_data), the 15 padded steps of its step-major tensors.

    In float32 `sigmoid(l)` rounds to 1 for logits above about 16.6, so such a real name adds
    exactly 0 to the loss and gets no gradient (autograd through `log(sigmoid)` multiplies by
    `1 - sigmoid(l)` = 0); near 1 the loss is quantised in steps of 2^-24.
    """
    real_term = torch.log(torch.sigmoid(real_logits))
    fake_term = torch.log(1 - torch.sigmoid(fake_logits))
    if divisor is not None:
        return -(real_term / divisor + fake_term / divisor).sum(-1)
    return -(real_term + fake_term).mean(-1)


def log_neg_log_one_minus_d(logits: torch.Tensor) -> torch.Tensor:
    """`log(-log(1 - sigmoid(x)))` = `log(softplus(x))`, finite for every finite logit."""
    safe = logits.clamp(min=_LOG_SOFTPLUS_LINEAR_BELOW)
    return torch.where(logits < _LOG_SOFTPLUS_LINEAR_BELOW, logits, torch.log(F.softplus(safe)))


def is_gan_log_weights(real_logits: torch.Tensor, log_p: torch.Tensor) -> torch.Tensor:
    """Log of each real name's term in `-L`: `log(-log(1 - D(x_i))) + log P_G(x_i)`; (..., N)."""
    return log_neg_log_one_minus_d(real_logits) + log_p


def is_gan_generator_loss(
    real_logits: torch.Tensor, log_p: torch.Tensor, baseline: torch.Tensor | None = None
) -> torch.Tensor:
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


def is_gan_value_and_grad(
    real_logits: torch.Tensor, log_p: torch.Tensor, baseline: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The paper's loss and its gradient with respect to `log_p`, in closed form (no autograd).

    `d(-log(-L)) / d log P_G(x_i) = -softmax_i(log w_i + log P_G(x_i))`: the generator's gradient
    is a self-normalised weighted log-likelihood gradient whose weights follow both the
    discriminator (`w_i = -log(1 - D(x_i))`) and the generator's own likelihood.
    """
    log_terms = is_gan_log_weights(real_logits, log_p)
    total = torch.logsumexp(log_terms, dim=-1, keepdim=True)
    loss = math.log(log_terms.shape[-1]) - total.squeeze(-1)
    return loss, -(log_terms - total).exp()


def broadcast_d_factor(real_logits: torch.Tensor, log_sigmoid: bool = False) -> torch.Tensor:
    """`-mean_i log(1 - D(x_i))` over the real batch (...): from the logits (softplus, finite for
    any logit), or as the paper's code computes it, from `sigmoid` in the logits' dtype, which
    is +inf once any D(x_i) rounds to 1."""
    if log_sigmoid:
        return -torch.log(1 - torch.sigmoid(real_logits)).mean(-1)
    return F.softplus(real_logits).mean(-1)


def batch_likelihood_loss(logits, log_p: torch.Tensor, baseline=None) -> torch.Tensor:
    """`-log(mean_j P_G(x_j))` over the real batch, with no discriminator at all: the part of
    the broadcast loss that the generator's gradient comes from."""
    return math.log(log_p.shape[-1]) - torch.logsumexp(log_p, dim=-1)


def batch_likelihood_value_and_grad(logits, log_p: torch.Tensor, baseline=None):
    """`batch_likelihood_loss` and its gradient `-softmax_j(log P_G(x_j))` in closed form."""
    total = torch.logsumexp(log_p, dim=-1, keepdim=True)
    return math.log(log_p.shape[-1]) - total.squeeze(-1), -(log_p - total).exp()


def is_gan_broadcast_loss(
    real_logits: torch.Tensor,
    log_p: torch.Tensor,
    baseline: torch.Tensor | None = None,
    log_sigmoid: bool = False,
) -> torch.Tensor:
    """The paper's generator loss as its published code computes it (the `broadcast_loss`
    switch): `log(1 - D)` of shape (N, 1) times `P_G` of shape (N,) broadcasts to (N, N), so

        -log(-mean_ij log(1 - D(x_i)) P_G(x_j))
            = -log(-mean_i log(1 - D(x_i))) - log(mean_j P_G(x_j)).

    The first term does not depend on the generator: its gradient is that of
    `batch_likelihood_loss`, whatever the discriminator says. The second term is computed in
    log space, equal to the code's product wherever that is representable; the first as
    `broadcast_d_factor` computes it. Shapes (..., N) -> (...).
    """
    d_term = -torch.log(broadcast_d_factor(real_logits, log_sigmoid))
    return d_term + batch_likelihood_loss(real_logits, log_p)


def is_gan_broadcast_value_and_grad(
    real_logits: torch.Tensor,
    log_p: torch.Tensor,
    baseline: torch.Tensor | None = None,
    log_sigmoid: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """`is_gan_broadcast_loss` and its gradient with respect to `log_p` in closed form: that of
    `batch_likelihood_loss`, the normalised likelihoods of the batch, with no discriminator in
    it."""
    loss, grad = batch_likelihood_value_and_grad(real_logits, log_p)
    return loss - torch.log(broadcast_d_factor(real_logits, log_sigmoid)), grad


def is_gan_weight_diagnostics(
    weights: torch.Tensor, lengths: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """What the paper's gradient rests on, from its normalised weights (..., N) (the softmax of
    `log w_i + log P_G(x_i)`, which sums to one) and the names' lengths (..., N).

    Returns the effective sample size `1 / sum_i v_i^2` (N when every name counts equally, 1
    when one name carries all the weight) and the mean length of the fewest names that carry
    half the weight, both (...).
    """
    ess = 1.0 / weights.square().sum(-1)
    sorted_weights, order = weights.sort(-1, descending=True)
    carried_before = sorted_weights.cumsum(-1) - sorted_weights
    in_half = (carried_before < 0.5).to(weights.dtype)  # up to the name that crosses one half
    sorted_lengths = lengths.gather(-1, order).to(weights.dtype)
    return ess, (in_half * sorted_lengths).sum(-1) / in_half.sum(-1)


def mle_loss(logits, log_p: torch.Tensor, baseline=None) -> torch.Tensor:
    """Maximum likelihood (teacher forcing): the mean negative log-likelihood of real names;
    the discriminator is ignored."""
    return -log_p.mean(-1)


def weighted_mle_loss(real_logits: torch.Tensor, log_p: torch.Tensor, baseline=None):
    """The paper's importance weights without the `P_G(x_i)` factor: `-sum_i v_i log P_G(x_i)`
    with `v_i = w_i / sum_j w_j`, `w_i = -log(1 - D(x_i))`, the weights held constant."""
    weights = log_neg_log_one_minus_d(real_logits).softmax(-1).detach()
    return -(weights * log_p).sum(-1)


def maligan_weights(fake_logits: torch.Tensor) -> torch.Tensor:
    """MaliGAN's normalised weights `r_i / sum_j r_j` with `r_i = D(x_i) / (1 - D(x_i))`, which is
    `e^logit_i`: a softmax of the logits over the samples (last dimension); they sum to one."""
    return fake_logits.softmax(-1)


def maligan_loss(fake_logits: torch.Tensor, log_p: torch.Tensor, baseline=None) -> torch.Tensor:
    """MaliGAN (Che et al. 2017) on the generator's samples: `-sum_i (v_i - 1/N) log P_G(x_i)`
    with `v_i` the normalised weights, held constant; the baseline `1/N` (the weight of a
    discriminator that cannot tell samples apart) makes the weights sum to zero."""
    n = fake_logits.shape[-1]
    advantage = (maligan_weights(fake_logits) - 1.0 / n).detach()
    return -(advantage * log_p).sum(-1)


def bgan_loss(fake_logits: torch.Tensor, log_p: torch.Tensor, baseline=None) -> torch.Tensor:
    """Boundary-seeking GAN for discrete data (Hjelm et al. 2018) on the generator's samples:
    `-sum_i v_i log P_G(x_i)` with the self-normalised importance weights `v_i` of
    `D(x_i) / (1 - D(x_i))` (as `maligan_weights`), held constant: maximum likelihood on the
    samples, reweighted towards the data distribution that the discriminator implies."""
    return -(maligan_weights(fake_logits).detach() * log_p).sum(-1)


def reinforce_rewards(fake_logits: torch.Tensor) -> torch.Tensor:
    """Each sample's whole-sequence reward: the discriminator's probability `D(x)`."""
    return torch.sigmoid(fake_logits)


def update_baseline(
    baseline: torch.Tensor | None, fake_logits: torch.Tensor, decay: float
) -> torch.Tensor:
    """The moving average of the mean reward (...) after one more batch of samples (..., N);
    it starts at the first batch's mean reward."""
    reward = reinforce_rewards(fake_logits).mean(-1).detach()
    return reward if baseline is None else decay * baseline + (1 - decay) * reward


def reinforce_loss(fake_logits: torch.Tensor, log_p: torch.Tensor, baseline: torch.Tensor):
    """SeqGAN-style policy gradient on the generator's samples: `-(1/N) sum_i (D(x_i) - b) log
    P_G(x_i)` with the whole-sequence reward `D(x_i)` and the moving-average baseline `b` (...)."""
    advantage = (reinforce_rewards(fake_logits) - baseline.unsqueeze(-1)).detach()
    return -(advantage * log_p).mean(-1)


def gumbel_loss(relaxed_logits: torch.Tensor, log_p=None, baseline=None) -> torch.Tensor:
    """The non-saturating GAN loss `-(1/N) sum_i log D(x_i)` on relaxed (straight-through
    Gumbel-softmax) samples, whose logits are differentiable in the generator's parameters
    (Kusner & Hernandez-Lobato 2016); `log_p` is not used."""
    return F.softplus(-relaxed_logits).mean(-1)


@dataclass(frozen=True)
class GeneratorObjective:
    """A generator objective: its loss, which names it scores (`real` corpus names, `fake`
    generator samples, or `relaxed` for the Gumbel-softmax method), optionally its loss and
    gradient with respect to `log_p` in closed form, which saves the trainer an autograd pass,
    whether training has a discriminator at all, and whether the generator's loss reads it
    (`adversarial`; `mle` trains a discriminator beside it that its loss ignores)."""

    loss: Callable[..., torch.Tensor]
    names: str
    value_and_grad: Callable[..., tuple[torch.Tensor, torch.Tensor]] | None = None
    discriminator: bool = True
    adversarial: bool = True


GENERATOR_OBJECTIVES = {
    "is_gan": GeneratorObjective(is_gan_generator_loss, "real", is_gan_value_and_grad),
    "mle": GeneratorObjective(mle_loss, "real", adversarial=False),
    "weighted_mle": GeneratorObjective(weighted_mle_loss, "real"),
    "reinforce": GeneratorObjective(reinforce_loss, "fake"),
    "maligan": GeneratorObjective(maligan_loss, "fake"),
    "bgan": GeneratorObjective(bgan_loss, "fake"),
    "gumbel": GeneratorObjective(gumbel_loss, "relaxed"),
    "batch_likelihood": GeneratorObjective(
        batch_likelihood_loss,
        "real",
        batch_likelihood_value_and_grad,
        discriminator=False,
        adversarial=False,
    ),
}

# The paper's objective with the published code's broadcast (the `broadcast_loss` switch); its
# discriminator factor from the logits, or from a float32 sigmoid (with the `log_sigmoid` switch).
IS_GAN_BROADCAST = GeneratorObjective(
    is_gan_broadcast_loss, "real", is_gan_broadcast_value_and_grad
)
IS_GAN_BROADCAST_LOG_SIGMOID = GeneratorObjective(
    functools.partial(is_gan_broadcast_loss, log_sigmoid=True),
    "real",
    functools.partial(is_gan_broadcast_value_and_grad, log_sigmoid=True),
)


def generator_objective(name: str) -> GeneratorObjective:
    """Look up a generator objective by its config name."""
    try:
        return GENERATOR_OBJECTIVES[name]
    except KeyError:
        known = ", ".join(sorted(GENERATOR_OBJECTIVES))
        raise ValueError(f"unknown generator objective {name!r}; choose one of: {known}") from None
