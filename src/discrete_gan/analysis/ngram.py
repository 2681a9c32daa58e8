"""Reference points of the methods comparison: n-gram models and the training names, scored.

Both are computed from the split and scored on the held-out names, so no number is typed in.

`discrete-gan ngram --train .../train.txt --heldout .../heldout.txt
--out results/comparison/reference.csv`

- Character n-gram models (uniform, unigram, bigram, trigram) are fitted to every line of the
  training split, as the generators are trained, and scored on the held-out names in nats per
  character with the generators' convention (`metrics.nll_per_char`): every letter and the end
  symbol `$` is scored, as a distribution over the generator's outputs (the alphabet's letters
  and `$`: 27 with the paper's a-z); the start symbol `.`
  is only ever context, padding the start of a name. Smoothing is interpolated Witten-Bell,
  which has nothing to tune: P(w|h) = (c(h, w) + T(h) P(w|h')) / (c(h) + T(h)), with T(h) the
  number of distinct symbols seen after h and h' the context h without its oldest symbol; the
  unigram interpolates with the uniform distribution, and an unseen context leaves
  P(w|h) = P(w|h').
- The training names, used as if they were a generator's samples, give the floor of the sample
  metrics that compare with the held-out names (bigram JSD, length TV): what a generator that
  reproduces the training distribution exactly would score. The held-out names' mean length is
  the target of the mean-length metric.

The table is long: reference, metric, value, with metrics named as in `metrics.csv`.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence

import pandas as pd

from discrete_gan.analysis import metrics
from discrete_gan.data.vocab import END, PAPER, START

OUTPUTS = PAPER.outputs  # the 27 symbols a generator of the paper's a-z can emit
ORDERS = {"uniform": 0, "unigram": 1, "bigram": 2, "trigram": 3}
NLL = "heldout_nll_per_char"
COLUMNS = ["reference", "metric", "value"]

Counts = dict[str, Counter[str]]  # context -> count of each symbol seen after it


def events(name: str, order: int) -> Iterator[tuple[str, str]]:
    """(context, symbol) for each output of `name`: its letters, then `$`; the context is the
    `order - 1` symbols before, the start padded with `.` (empty for orders 0 and 1)."""
    width = max(order - 1, 0)
    padded = START * width + name + END
    for i in range(len(name) + 1):
        yield padded[i : i + width], padded[i + width]


def count_ngrams(names: Sequence[str], order: int) -> Counts:
    """Counts of every context of length 0 to `order - 1` (none for order 0, the uniform)."""
    if order < 0:
        raise ValueError(f"the order of an n-gram model is at least 0, not {order}.")
    counts: Counts = {}
    if order == 0:
        return counts
    for name in names:
        for context, symbol in events(name, order):
            for start in range(len(context) + 1):  # the context and each shorter one
                counts.setdefault(context[start:], Counter())[symbol] += 1
    return counts


def probability(counts: Counts, context: str, symbol: str, outputs: str = OUTPUTS) -> float:
    """Interpolated Witten-Bell P(symbol | context), down to the uniform over `outputs`."""
    if symbol not in outputs:
        raise ValueError(f"{symbol!r} is not an output symbol ({outputs[:-1]} or {END}).")
    lower = probability(counts, context[1:], symbol, outputs) if context else 1 / len(outputs)
    seen = counts.get(context)
    if not seen:
        return lower
    types = len(seen)
    return (seen[symbol] + types * lower) / (sum(seen.values()) + types)


def log_likelihood(counts: Counts, name: str, order: int, outputs: str = OUTPUTS) -> float:
    """Natural-log probability of the whole name, end symbol included."""
    return sum(math.log(probability(counts, c, s, outputs)) for c, s in events(name, order))


def ngram_nll(
    train: Sequence[str], heldout: Sequence[str], order: int, outputs: str = OUTPUTS
) -> float:
    """Held-out NLL in nats per character of the order-`order` model fitted to `train`, over
    the symbols `outputs` (the alphabet's letters and `$`)."""
    counts = count_ngrams(train, order)
    log_p = [log_likelihood(counts, name, order, outputs) for name in heldout]
    return metrics.nll_per_char(log_p, heldout)


# Orders the benchmark's reference model chooses among (`reference_model`).
REFERENCE_ORDERS = (2, 3, 4, 5, 6)


def scorer(names: Sequence[str], order: int, outputs: str = OUTPUTS) -> Callable[[str], float]:
    """log P(name) under the order-`order` model fitted to `names`, memoised per name (samples
    repeat names often)."""
    counts = count_ngrams(names, order)

    def score(name: str) -> float:
        return log_likelihood(counts, name, order, outputs)

    return functools.lru_cache(maxsize=None)(score)


def reference_model(
    train: Sequence[str],
    validation: Sequence[str],
    orders: Sequence[int] = REFERENCE_ORDERS,
    outputs: str = OUTPUTS,
) -> tuple[int, dict[int, float], Callable[[str], float]]:
    """The benchmark's judge of sample quality, stronger than any model it judges on this data:
    of `orders`, the n-gram order whose model fitted to `train` has the lowest validation NLL per
    character, refitted to train + validation. Returns that order, every order's validation NLL
    and the refitted model's log P(name)."""
    nll = {order: ngram_nll(train, validation, order, outputs) for order in orders}
    best = min(nll, key=nll.get)
    return best, nll, scorer([*train, *validation], best, outputs)


def name_references(train: Sequence[str], heldout: Sequence[str]) -> list[tuple[str, str, float]]:
    """The sample metrics of the training names as samples, and the held-out mean length."""
    max_len = max(len(name) for name in [*train, *heldout])
    return [
        ("train_names", "bigram_jsd", metrics.bigram_jsd(train, heldout)),
        ("train_names", "length_tv", metrics.length_tv(train, heldout, max_len)),
        ("train_names", "mean_length", metrics.mean_length(train)),
        ("heldout_names", "mean_length", metrics.mean_length(heldout)),
    ]


def reference_points(
    train: Sequence[str], heldout: Sequence[str], outputs: str = OUTPUTS
) -> pd.DataFrame:
    """Every reference point as a (reference, metric, value) table."""
    rows = [
        (model, NLL, ngram_nll(train, heldout, order, outputs)) for model, order in ORDERS.items()
    ]
    return pd.DataFrame(rows + name_references(train, heldout), columns=COLUMNS)
