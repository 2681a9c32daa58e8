"""Whether the reference run's three findings hold on another corpus, decided from that corpus's
own numbers (`make generality`, docs/generality.md).

1. **The published generator ignores the discriminator.** `signatures.d_dependence`: for each
   trained run, the generator's loss gradient on a batch of real names with its own final
   discriminator, and with a freshly initialised one in its place; the relative change
   |g(D) - g(D')| / |g(D)|. It holds if every `paper_code` run's change is below D_FREE_MAX
   (float64 rounding) while `corrected`'s median is above D_USED_MIN (the measure sees a
   discriminator that reaches its generator; below it, the finding is not shown).
2. **The discriminator measures length.** It holds if a discriminator that sees only the padding
   difference (the length check) and `paper_code`'s final discriminator are both "extremely
   good", claim 3's mean accuracy of at least ACCURACY_STRONG; partly if one is.
3. **The text's method is worse than maximum likelihood.** The held-out NLL per character of the
   comparison's `is_gan` minus `mle` at temperature 1, paired by seed, with its percentile
   bootstrap interval: it holds if the interval lies above 0, does not hold if below, and is
   not shown if it holds 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from discrete_gan.analysis.benchmark_report import BOOTSTRAP_SEED, bootstrap_ci
from discrete_gan.analysis.claim_rules import ACCURACY_STRONG, FAILS, HOLDS, NA, PARTLY
from discrete_gan.analysis.signatures import D_FREE_MAX

NOT_SHOWN = "not shown"
D_USED_MIN = 1e-2
NGRAMS = ("uniform", "unigram", "bigram", "trigram")
FINDINGS = {
    "ignores_d": "the published generator ignores the discriminator",
    "measures_length": "the discriminator measures length",
    "worse_than_mle": "the text's method is worse than maximum likelihood",
}


def finding(key: str, verdict: str, sentence: str) -> dict:
    return {"finding": FINDINGS[key], "key": key, "verdict": verdict, "sentence": sentence}


def ignores_d(dependence: pd.DataFrame) -> dict:
    """Finding 1 from the d_dependence table (paper_code and corrected runs)."""
    changes = dependence.groupby("variant")["relative_change"]
    if not {"paper_code", "corrected"} <= set(changes.groups):
        return finding("ignores_d", NA, "n/a: train both corrected and paper_code to decide it.")
    code, text = changes.max()["paper_code"], changes.median()["corrected"]
    verdict = FAILS if code >= D_FREE_MAX else HOLDS if text > D_USED_MIN else NOT_SHOWN
    sentence = (
        f"swapping the discriminator for a fresh one changes paper_code's generator gradient "
        f"by a relative {code:.2g} at most, corrected's by a median {text:.2g}"
    )
    if verdict == NOT_SHOWN:
        sentence += ", too little for the measure to tell (its discriminator learnt too little)"
    return finding("ignores_d", verdict, sentence)


def claim_value(claims: pd.DataFrame, variant: str, number: int) -> float:
    row = claims[(claims["variant"] == variant) & (claims["number"] == number)]
    return float(row["value"].iloc[0]) if len(row) else math.nan


def measures_length(length_check: Mapping, claims: pd.DataFrame) -> dict:
    """Finding 2 from the length check's summary and the claims table's claim 3."""
    alone = float(length_check["mean_accuracy"])
    code, text = claim_value(claims, "paper_code", 3), claim_value(claims, "corrected", 3)
    if math.isnan(code):
        return finding("measures_length", NA, "n/a: train paper_code to decide it.")
    good = [alone >= ACCURACY_STRONG, code >= ACCURACY_STRONG]
    verdict = HOLDS if all(good) else PARTLY if any(good) else FAILS
    sentence = (
        f"a discriminator told only the padding difference reaches accuracy {alone:.3g} "
        f"(final D loss {length_check['mean_final_d_loss']:.2g}); paper_code's discriminator "
        f"{code:.3g}, corrected's (equal lengths) {text:.3g}"
    )
    return finding("measures_length", verdict, sentence)


def heldout_at(metrics: pd.DataFrame, target: float = 1.0) -> pd.DataFrame:
    """The held-out NLL rows (method, seed, value) at the temperature closest to `target`."""
    nll = metrics[metrics["metric"] == "heldout_nll_per_char"]
    closest = nll["temperature"].iloc[(nll["temperature"] - target).abs().argmin()]
    return nll[nll["temperature"] == closest][["method", "seed", "value"]]


def worse_than_mle(metrics: pd.DataFrame) -> dict:
    """Finding 3 from the comparison's metrics table (is_gan and mle runs)."""
    nll = heldout_at(metrics).pivot(index="seed", columns="method", values="value")
    if not {"is_gan", "mle"} <= set(nll.columns):
        return finding("worse_than_mle", NA, "n/a: compare is_gan and mle to decide it.")
    gap = (nll["is_gan"] - nll["mle"]).dropna()
    mean, low, high = bootstrap_ci(gap, BOOTSTRAP_SEED)
    verdict = HOLDS if low > 0 else FAILS if high < 0 else NOT_SHOWN
    sentence = (
        f"the text's method (is_gan) scores {mean:+.3g} nats per character of held-out NLL "
        f"against MLE [{low:+.3g}, {high:+.3g}], paired over {len(gap)} seeds"
    )
    return finding("worse_than_mle", verdict, sentence)


def heldout_table(metrics: pd.DataFrame, reference: pd.DataFrame) -> list[dict]:
    """Held-out NLL per character at temperature 1 of each compared method (mean and bootstrap
    interval over seeds) and of the n-gram reference models."""
    rows = []
    for method, group in heldout_at(metrics).groupby("method", sort=False):
        mean, low, high = bootstrap_ci(group["value"], BOOTSTRAP_SEED)
        rows.append({"model": method, "mean": mean, "low": low, "high": high, "n": len(group)})
    points = reference[reference["metric"] == "heldout_nll_per_char"]
    for model in NGRAMS:
        value = points.loc[points["reference"] == model, "value"]
        if len(value):
            rows.append({"model": f"{model} (n-gram)", "mean": float(value.iloc[0])})
    return rows


def summary(
    counts: Mapping, alphabet: str, config: Mapping, tables: Mapping[str, pd.DataFrame]
) -> dict:
    """The corpus's numbers and the three findings' verdicts, from its run's tables: claims,
    d_dependence, metrics and reference (the comparison's), and its length check's JSON."""
    length_check = tables["length_check"]
    findings = [
        ignores_d(tables["d_dependence"]),
        measures_length(length_check, tables["claims"]),
        worse_than_mle(tables["metrics"]),
    ]
    keys = ("n_runs", "epochs", "comparison_seeds", "length_check_runs", "length_check_epochs")
    return {
        "corpus": {
            "items": counts["written"],
            "lines_read": counts["lines_read"],
            "dropped": {k: counts[k] for k in ("undecodable", "empty", "non_letter", "too_long")},
            "alphabet": alphabet,
            "alphabet_size": len(alphabet),
        },
        "settings": {key: config[key] for key in keys},
        "findings": findings,
        "d_dependence": {
            variant: {"median": float(np.median(group)), "max": float(np.max(group))}
            for variant, group in tables["d_dependence"].groupby("variant")["relative_change"]
        },
        "heldout": heldout_table(tables["metrics"], tables["reference"]),
    }
