"""Score sampled names against reference name sets: likelihood, quality and diversity.

The evaluation follows "Language GANs Falling Short" (Caccia et al., 2018): a GAN that only looks
better at one sampling temperature may simply trade diversity for quality, so models are compared
on both kinds of measure at matched temperature. Held-out names are real names never used in
training, so matching them is evidence of generalisation rather than memorisation.

- `nll_per_char`: held-out negative log-likelihood in nats per character, the end symbol counted
  as a character, so models are compared on the same footing whatever the name lengths.
- `length_tv`: total variation distance between the name-length distributions of samples and
  real names (0 = identical, 1 = disjoint); `mean_length` is its one-number summary.
- `novelty`: share of samples not in the training set; low novelty means copying.
- `uniqueness`: distinct samples over all samples; low uniqueness means mode collapse.
- `heldout_share`: share of samples that are real held-out names, a quality measure that a model
  cannot reach by memorising the training set.
- `bigram_jsd`: Jensen-Shannon divergence in bits between the character-bigram distributions of
  samples and real names, word boundaries included (0 = identical, 1 = disjoint supports).

Names are compared as whole strings; an empty string is a real, zero-length name. Sample-based
shares count samples with repetition.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence, Set

import numpy as np

SAMPLE_METRICS = (
    "length_tv",
    "mean_length",
    "novelty",
    "uniqueness",
    "heldout_share",
    "bigram_jsd",
)

START, END = "^", "$"


def _require_names(names: Sequence[str], what: str) -> None:
    """Raise ValueError if `names` is empty: every metric below is a share or mean over it."""
    if len(names) == 0:
        raise ValueError(f"{what} is empty; pass at least one name.")


def nll_per_char(log_p: Sequence[float], names: Sequence[str]) -> float:
    """Negative log-likelihood in nats per character, counting each name's end symbol.

    `log_p[i]` is the natural-log probability of the whole name `names[i]`, end symbol included.
    """
    if len(log_p) != len(names):
        raise ValueError(f"got {len(log_p)} log-probabilities for {len(names)} names.")
    _require_names(names, "the list of names to score")
    n_chars = sum(len(name) + 1 for name in names)
    return -float(np.sum(np.asarray(log_p, dtype=float))) / n_chars


def length_distribution(names: Sequence[str], max_len: int) -> np.ndarray:
    """Share of names of each length 0..max_len, as an array of size max_len + 1 summing to 1."""
    _require_names(names, "the list of names")
    if max_len < 0:
        raise ValueError(f"max_len must be at least 0, got {max_len}.")
    lengths = np.array([len(name) for name in names])
    if lengths.max() > max_len:
        raise ValueError(f"a name has {lengths.max()} letters, more than max_len={max_len}.")
    counts = np.bincount(lengths, minlength=max_len + 1)
    return counts / counts.sum()


def length_tv(samples: Sequence[str], reference: Sequence[str], max_len: int) -> float:
    """Total variation distance between the length distributions of samples and reference."""
    p = length_distribution(samples, max_len)
    q = length_distribution(reference, max_len)
    return 0.5 * float(np.abs(p - q).sum())


def mean_length(names: Sequence[str]) -> float:
    """Mean number of letters per name."""
    _require_names(names, "the list of names")
    return float(np.mean([len(name) for name in names]))


def novelty(samples: Sequence[str], train: Set[str]) -> float:
    """Share of samples, counted with repetition, that are not training names."""
    _require_names(samples, "the list of samples")
    return sum(name not in train for name in samples) / len(samples)


def uniqueness(samples: Sequence[str]) -> float:
    """Number of distinct samples over the number of samples."""
    _require_names(samples, "the list of samples")
    return len(set(samples)) / len(samples)


def heldout_share(samples: Sequence[str], heldout: Set[str]) -> float:
    """Share of samples, counted with repetition, that are held-out real names."""
    _require_names(samples, "the list of samples")
    return sum(name in heldout for name in samples) / len(samples)


def bigram_distribution(names: Sequence[str]) -> dict[str, float]:
    """Distribution of character bigrams of "^" + name + "$" over all names, summing to 1.

    The boundary markers make first and last letters count, and give an empty name the bigram "^$".
    """
    _require_names(names, "the list of names")
    counts: Counter[str] = Counter()
    for name in names:
        padded = f"{START}{name}{END}"
        counts.update(padded[i : i + 2] for i in range(len(padded) - 1))
    total = sum(counts.values())
    return {bigram: count / total for bigram, count in counts.items()}


def _kl_bits(p: np.ndarray, m: np.ndarray) -> float:
    """KL(p || m) in bits, with 0 log 0 = 0; m must be positive wherever p is."""
    support = p > 0
    return float(np.sum(p[support] * np.log2(p[support] / m[support])))


def bigram_jsd(samples: Sequence[str], reference: Sequence[str]) -> float:
    """Jensen-Shannon divergence in bits (in [0, 1]) between the two bigram distributions."""
    p_dist, q_dist = bigram_distribution(samples), bigram_distribution(reference)
    bigrams = sorted(p_dist.keys() | q_dist.keys())
    p = np.array([p_dist.get(bigram, 0.0) for bigram in bigrams])
    q = np.array([q_dist.get(bigram, 0.0) for bigram in bigrams])
    m = 0.5 * (p + q)
    return 0.5 * _kl_bits(p, m) + 0.5 * _kl_bits(q, m)


def sample_metrics(
    samples: Sequence[str],
    train: Set[str],
    heldout: Set[str],
    heldout_names: Sequence[str],
    max_len: int,
) -> dict[str, float]:
    """Every sample-based metric, keyed as in SAMPLE_METRICS.

    Length and bigram distributions are compared with `heldout_names`, the list of held-out real
    names, so that the reference is data the model never saw.
    """
    return {
        "length_tv": length_tv(samples, heldout_names, max_len),
        "mean_length": mean_length(samples),
        "novelty": novelty(samples, train),
        "uniqueness": uniqueness(samples),
        "heldout_share": heldout_share(samples, heldout),
        "bigram_jsd": bigram_jsd(samples, heldout_names),
    }
