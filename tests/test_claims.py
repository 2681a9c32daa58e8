"""Tests for the claims table: each claim's statistic and verdict, reading runs, and the CLI."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from discrete_gan.analysis.claim_rules import (
    D_SPREAD_MAX,
    FAILS,
    HOLDS,
    NA,
    PARTLY,
    RATIO_MIN,
    Claim,
    claim_discriminator,
    claim_long_names_letters,
    claim_shorter,
    claim_still_improving,
    claim_variance,
)
from discrete_gan.analysis.claims import (
    claims_frame,
    claims_markdown,
    read_heldout_curves,
    read_variant,
    variant_claims,
)
from discrete_gan.cli.claims import main
from discrete_gan.data.vocab import name_length
from discrete_gan.fileio import UserError


def losses_frame(
    d: dict[int, list[float]], g: dict[int, list[float]], own: dict | None = None
) -> pd.DataFrame:
    """Long losses table from per-seed D and G curves (epochs 0, 1, ...) and the generator's
    own term of G (by default all of it: a D term that never moves)."""
    own = own or g
    rows = [
        (seed, epoch, *values)
        for seed in d
        for epoch, values in enumerate(zip(d[seed], g[seed], own[seed], strict=True))
    ]
    return pd.DataFrame(rows, columns=["seed", "epoch", "d_loss", "g_loss", "g_own"])


def curve(epochs: list[int], nll: list[float]) -> pd.DataFrame:
    """One run's held-out NLL curve."""
    return pd.DataFrame({"epoch": epochs, "heldout_nll_per_char": nll})


def accuracy(value: float, real: float = 1.0, fake: float = 0.9, n_fake: int = 100) -> dict:
    return {
        "d_accuracy": value,
        "d_accuracy_real": real,
        "d_accuracy_fake": fake,
        "n_real": 100,
        "n_fake": n_fake,
    }


def is_na(claim: Claim) -> bool:
    return claim.verdict == NA and math.isnan(claim.value)


# --- claim 1 ---------------------------------------------------------------------------------


def test_variance_d_spread_on_log_scale():
    # D losses 1e-6 and 4e-6: spread ln 4 on the paper's log scale (the old relative spread
    # (max - min) / mean would have been 1.2)
    losses = losses_frame({1: [1.0, 1e-6], 2: [1.0, 4e-6]}, {1: [9.0, 7.0], 2: [9.0, 7.5]})
    claim = claim_variance(losses)
    assert claim.number == 1
    assert claim.value == pytest.approx(math.log(4))
    assert claim.verdict == HOLDS
    assert "G spread 0.5 nats" in claim.detail and "2 runs" in claim.detail
    assert math.isnan(claim.low) and math.isnan(claim.high)
    assert "ln 10 = 2.30" in claim.rule and "< 1 nat" in claim.rule


@pytest.mark.parametrize(
    ("d_last", "g_last", "verdict"),
    [
        ((1e-6, 9e-6), (2.0, 2.9), HOLDS),  # ln 9 = 2.20 < 2.30, G 0.9 nats
        ((1e-6, 1.1e-5), (2.0, 2.1), PARTLY),  # ln 11 = 2.40: the value misses its threshold
        ((0.5, 0.6), (2.0, 3.2), PARTLY),  # D fine, G spread 1.2 nats
        ((1e-6, 1e-4), (2.0, 4.0), FAILS),  # ln 100, 2 nats
    ],
)
def test_variance_verdicts_use_final_epoch(d_last, g_last, verdict):
    # epoch 0 is wildly different between runs; only the last epoch counts
    losses = losses_frame(
        {1: [9.0, d_last[0]], 2: [0.1, d_last[1]]}, {1: [50, g_last[0]], 2: [1, g_last[1]]}
    )
    claim = claim_variance(losses.sample(frac=1, random_state=0))
    assert claim.value == pytest.approx(math.log(d_last[1] / d_last[0]))
    assert claim.verdict == verdict
    assert (claim.value < D_SPREAD_MAX) or claim.verdict != HOLDS


def test_variance_na_for_one_run_or_non_positive_d_loss():
    one = claim_variance(losses_frame({3: [1.0, 0.5]}, {3: [5.0, 4.0]}))
    assert is_na(one) and "only one run" in one.detail
    zero = claim_variance(losses_frame({1: [1.0, 0.0], 2: [1.0, 0.5]}, {1: [5, 4], 2: [5, 4]}))
    assert is_na(zero) and "no log" in zero.detail


# --- claim 2 ---------------------------------------------------------------------------------


def test_still_improving_hand_computed():
    # window 2: epochs 1 -> 3; G falls 0.2 and 0.04 nats (median 0.12); D falls ln 2 and ln 4
    losses = losses_frame(
        {1: [1.0, 1.0, 0.8, 0.5], 2: [2.0, 2.0, 1.0, 0.5]},
        {1: [12.0, 10.0, 9.9, 9.8], 2: [11.0, 10.0, 10.0, 9.96]},
    )
    claim = claim_still_improving(losses, window=2)
    assert claim.value == pytest.approx(0.12)
    assert (claim.low, claim.high) == (pytest.approx(0.04), pytest.approx(0.2))
    assert claim.verdict == HOLDS
    assert "epochs 1->3" in claim.detail
    assert "generator's own term 0.12 nats, D term 0 nats, 0% of it (G loss 0.12" in claim.detail
    assert f"ln D {np.median([math.log(2), math.log(4)]):.3g}" in claim.detail
    assert "held-out NLL n/a: no held-out curve given" in claim.detail


def test_still_improving_judges_the_generator_on_its_own_term():
    """The published code's case: the G loss falls 0.082 nats, but 0.046 of that is its D term
    (-log(-mean log(1 - D)), which moves with the discriminator alone), and the generator's own
    term falls 0.036, below the rule's 0.05: the claim cannot hold, whatever D does."""
    d = {1: [1.0, 1.0, 0.5], 2: [1.0, 1.0, 0.5]}  # ln D falls ln 2 = 0.69 in both runs
    g = {1: [10.0, 10.0, 9.918], 2: [10.0, 10.0, 9.918]}
    own = {1: [7.0, 7.0, 6.964], 2: [7.0, 7.0, 6.964]}
    claim = claim_still_improving(losses_frame(d, g, own), window=2)
    assert claim.value == pytest.approx(0.036)
    assert claim.verdict == PARTLY  # the discriminator still improves; the generator does not
    assert "generator's own term 0.036 nats, D term 0.046 nats, 56% of it" in claim.detail
    assert "(G loss 0.082 nats)" in claim.detail
    flat_d = {seed: [1.0, 1.0, 0.95] for seed in d}
    assert claim_still_improving(losses_frame(flat_d, g, own), window=2).verdict == FAILS
    # the same G loss, all of its fall the generator's own: the claim holds
    assert claim_still_improving(losses_frame(d, g), window=2).verdict == HOLDS


def test_still_improving_needs_the_generators_own_term():
    losses = losses_frame({1: [1.0, 1.0, 0.5]}, {1: [10.0, 10.0, 9.0]}).drop(columns="g_own")
    claim = claim_still_improving(losses, window=2)
    assert is_na(claim) and "no generator's own loss term (g_own)" in claim.detail


@pytest.mark.parametrize(
    ("g_end", "d_end", "verdict"),
    [
        (9.94, 0.7, HOLDS),  # G (all of it the generator's own term) fell 0.06 nats, ln D 0.36
        (9.94, 1.0, PARTLY),  # D flat
        (9.96, 0.1, PARTLY),  # G fell 0.04 < 0.05: the value misses, D alone gives partly
        (9.99, 0.9, FAILS),  # G 0.01 nats, ln D 0.105
        (10.5, 1.2, FAILS),  # both rose
    ],
)
def test_still_improving_verdicts(g_end, d_end, verdict):
    losses = losses_frame({1: [1.0, 1.0, d_end]}, {1: [10.0, 10.0, g_end]})
    claim = claim_still_improving(losses, window=2)
    assert claim.value == pytest.approx(10.0 - g_end)
    assert claim.verdict == verdict


def test_still_improving_heldout_trend():
    losses = losses_frame(
        {1: [1.0, 1.0, 0.5], 2: [1.0, 1.0, 0.5]}, {1: [10, 10, 9], 2: [10, 10, 9]}
    )
    epochs = [0, 1, 2]
    falling = [
        curve(epochs, [3.0, 2.9, 2.8]),
        curve(epochs, [3.0, 2.9, 2.7]),
        curve(epochs, [3, 3, 3.1]),
    ]
    claim = claim_still_improving(losses, window=2, heldout=falling)
    assert "held-out NLL -0.2 nats/char (median of 3 runs, after 0->2 epochs)" in claim.detail
    assert claim.verdict == HOLDS
    rising = [curve(epochs, [3.0, 3.0, 3.05])]
    claim = claim_still_improving(losses, window=2, heldout=rising)
    assert "held-out NLL +0.05" in claim.detail
    assert claim.verdict == PARTLY  # the losses fell, the held-out NLL rose
    claim = claim_still_improving(losses, window=2, heldout_missing="only corrected has one")
    assert "held-out NLL n/a: only corrected has one" in claim.detail
    assert claim.verdict == HOLDS


def test_still_improving_heldout_uses_the_window_of_epochs_trained():
    losses = losses_frame({1: [1.0] * 21 + [0.1]}, {1: [10.0] * 21 + [9.0]})
    epochs = list(range(0, 35, 5))  # 0, 5, ..., 30: window 20 runs from 10 to 30
    claim = claim_still_improving(losses, window=20, heldout=[curve(epochs, list(range(7)))])
    assert "held-out NLL +4 nats/char" in claim.detail and "after 10->30 epochs" in claim.detail
    assert claim.verdict == PARTLY  # the losses fell, the held-out NLL rose
    short = claim_still_improving(losses, window=20, heldout=[curve([0, 5, 10], [3, 2, 1])])
    assert "held-out NLL n/a" in short.detail
    assert short.verdict == HOLDS


def test_still_improving_na_for_short_history_and_zero_d_loss():
    short = claim_still_improving(losses_frame({1: [1.0, 0.5, 0.1]}, {1: [10.0, 9, 5]}), window=20)
    assert is_na(short)
    assert "epochs 0->2: fewer than the 20-epoch window" in short.detail
    zero = claim_still_improving(losses_frame({1: [1.0, 1.0, 0.0]}, {1: [10.0, 9, 5]}), window=2)
    assert is_na(zero) and "no log" in zero.detail


def test_still_improving_ignores_one_run_spike():
    """One run whose tiny D loss jumps from 1e-6 to 1e-3 does not move the median run's fall."""
    d = {1: [0.5, 0.5, 0.5], 2: [0.4, 0.4, 0.4], 3: [1e-6, 1e-6, 1e-3]}
    g = {seed: [10.0, 10.0, 10.0] for seed in d}
    claim = claim_still_improving(losses_frame(d, g), window=2)
    assert "ln D 0;" in claim.detail
    assert claim.verdict == FAILS


@pytest.mark.parametrize("offset", [50.0, -30.0, math.log(128)])
def test_generator_measures_ignore_the_loss_offset(offset):
    """The G loss is -log of a mean: adding a constant (log N) to every value changes nothing."""
    d = {1: [1.0, 0.9, 0.5], 2: [1.0, 0.8, 0.4], 3: [1.0, 0.9, 0.6]}
    g = {1: [10.0, 9.9, 9.0], 2: [10.0, 9.5, 9.3], 3: [10.0, 10.0, 9.96]}
    shifted = losses_frame(d, {seed: [v + offset for v in values] for seed, values in g.items()})
    before, after = claim_variance(losses_frame(d, g)), claim_variance(shifted)
    assert after.value == pytest.approx(before.value) and after.verdict == before.verdict == HOLDS
    assert "G spread 0.96 nats" in before.detail and "G spread 0.96 nats" in after.detail
    before, after = (
        claim_still_improving(losses, window=1) for losses in (losses_frame(d, g), shifted)
    )
    assert (after.value, after.low, after.high) == pytest.approx(
        (before.value, before.low, before.high)
    )
    assert after.value == pytest.approx(0.2)  # falls 0.9, 0.2, 0.04 nats: median 0.2
    assert (after.detail, after.verdict) == (before.detail, before.verdict)


# --- claim 3 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accuracies", "verdict"),
    [((0.96, 0.98), HOLDS), ((0.93, 0.96), PARTLY), ((0.8, 0.9), PARTLY), ((0.5, 0.6), FAILS)],
)
def test_discriminator_value_is_the_accuracy_the_verdict_uses(accuracies, verdict):
    claim = claim_discriminator([0.1, 0.3], [accuracy(a) for a in accuracies])
    assert claim.value == pytest.approx(np.mean(accuracies))
    assert (claim.low, claim.high) == (pytest.approx(accuracies[0]), pytest.approx(accuracies[1]))
    assert claim.verdict == verdict
    assert "final D loss 0.2 [0.1-0.3]" in claim.detail and "1.386" in claim.detail


def test_discriminator_na_without_generated_names():
    claim = claim_discriminator([0.1], [accuracy(1.0, n_fake=0)])
    assert is_na(claim) and "no real or no generated names" in claim.detail
    assert is_na(claim_discriminator([], []))


# --- claim 4 ---------------------------------------------------------------------------------


def test_name_length_skips_dollars_and_counts_start_symbols():
    assert name_length("ann$a$$bcd") == 7
    assert name_length(".ann$$") == 4
    assert name_length("") == 0
    assert name_length("$$$") == 0


def test_shorter_hand_computed_with_dollars():
    real = ["abcd", "abcdef"]  # mean 5
    samples = {1: ["ab$$c", "abcd"], 2: ["abcde$", "abcdef"]}  # means 3.5 and 5.5
    claim = claim_shorter(samples, real)
    assert claim.value == pytest.approx(0.5)  # gaps 1.5 and -0.5
    assert (claim.low, claim.high) == (pytest.approx(-0.5), pytest.approx(1.5))
    assert claim.verdict == PARTLY  # shorter in half the runs
    assert "50%" in claim.detail


@pytest.mark.parametrize(
    ("samples", "verdict"),
    [
        ({1: ["abc", ""], 2: ["abcd"]}, HOLDS),  # gaps 3.5 and 1
        ({1: ["abcd$$$$$$"], 2: ["abcde"]}, PARTLY),  # gaps 1 and 0: shorter in half the runs
        (
            {1: ["abcd"], 2: ["abcdefgh"]},
            FAILS,
        ),  # gaps 1 and -3: shorter in half, longer on average
        ({1: ["abcdef"], 2: ["abcdefg"]}, FAILS),  # longer in every run
    ],
)
def test_shorter_verdicts(samples, verdict):
    assert claim_shorter(samples, ["abcd", "abcdef"]).verdict == verdict  # real mean 5


def test_shorter_needs_half_a_letter():
    samples = {seed: ["abcd", "abcdef", "abcde", "abcde"] for seed in range(3)}  # mean 5
    claim = claim_shorter(samples, ["abcde", "abcdef"])  # real 5.5
    assert claim.value == pytest.approx(0.5)
    assert claim.verdict == HOLDS
    claim = claim_shorter(samples, ["abcde", "abcde", "abcde", "abcdef"])  # real 5.25
    assert claim.value == pytest.approx(0.25)
    assert claim.verdict == PARTLY  # shorter in every run, but by too little


def test_shorter_na_for_names_without_letters():
    claim = claim_shorter({1: ["", "$$$"], 2: [""]}, ["abcd"])
    assert is_na(claim) and "no generated name has a letter" in claim.detail
    assert is_na(claim_shorter({1: ["ab"], 2: []}, ["abcd"]))


# --- claim 5 ---------------------------------------------------------------------------------

# long real names: 16 letters, 'a' 3 times (3/16), 'n' twice (1/8); "abc" is too short to count
REAL = ["abcdefgh", "aannbbcc", "abc", "nnn"]


def test_long_names_letters_hand_computed():
    forced = {1: ["aaaaa$nnnnn"], 2: ["aaaannnnnb"]}  # a .5, n .5 | a .4, n .5
    claim = claim_long_names_letters(forced, REAL)
    # ratios: run 1 a 8/3, n 4; run 2 a 32/15, n 4 -> smaller per run 8/3 and 32/15
    assert claim.value == pytest.approx((8 / 3 + 32 / 15) / 2)
    assert (claim.low, claim.high) == (pytest.approx(32 / 15), pytest.approx(8 / 3))
    assert claim.verdict == HOLDS
    assert "'a' 2.4" in claim.detail and "'n' 4" in claim.detail and "100%" in claim.detail


def test_long_names_letters_value_below_threshold_never_holds():
    """Each letter is over-represented on average (mean ratios a 4/3, n 2), but in no run are
    both: the value (mean of the per-run smaller ratio) is 0, so at most partly."""
    forced = {1: ["aaaaabbbbb"], 2: ["nnnnnbbbbb"]}
    claim = claim_long_names_letters(forced, REAL)
    assert claim.value == pytest.approx(0.0)
    assert claim.value < RATIO_MIN and claim.verdict == PARTLY
    assert "'a' 1.33" in claim.detail and "'n' 2" in claim.detail
    assert "all > 1 in 0% of runs" in claim.detail


@pytest.mark.parametrize(
    ("forced", "verdict"),
    [
        ({1: ["aaaaabbbbb"]}, PARTLY),  # a 8/3, n 0
        ({1: ["bbbbbbbbbb"]}, FAILS),  # neither letter
        ({1: ["abbbbbbbbn"]}, FAILS),  # a 0.1/0.1875 and n 0.1/0.125, both below 1.1
        ({1: [".aaaannnnn"]}, HOLDS),  # '.' counts as a letter: a .4, n .5
    ],
)
def test_long_names_letters_verdicts(forced, verdict):
    assert claim_long_names_letters(forced, REAL).verdict == verdict


def test_long_names_letters_counts_the_start_symbol():
    claim = claim_long_names_letters({1: [".aaaannnnn"]}, REAL)
    assert claim.value == pytest.approx(0.4 / (3 / 16))  # 'a' 4 of 10 symbols


@pytest.mark.parametrize(
    ("forced", "real", "reason"),
    [
        ({1: ["aaaaannnnn"]}, ["bbbbbbbbn"], "lack 'a'"),
        ({1: ["aaaaannnnn"]}, ["anna", "abc"], "no real names of 8+ letters"),
        ({1: ["aaaaannnnn"], 2: ["$$$$$", ""]}, REAL, "seed 2 hold no letter"),
    ],
)
def test_long_names_letters_na(forced, real, reason):
    claim = claim_long_names_letters(forced, real)
    assert is_na(claim) and reason in claim.detail


# --- reading runs, tables and the CLI --------------------------------------------------------


def write_run(
    folder: Path,
    seed: int,
    g_losses: list[float],
    samples: list[str],
    d_losses: list[float] | None = None,
) -> None:
    run = folder / f"seed{seed}"
    run.mkdir(parents=True)
    d_losses = d_losses or [0.1 * (seed + 1)] * len(g_losses)
    rows = "".join(f"{e},{d},{g},0,{g}\n" for e, (d, g) in enumerate(zip(d_losses, g_losses)))
    (run / "losses.csv").write_text("epoch,d_loss,g_loss,extra,g_own\n" + rows)
    (run / "samples.txt").write_text("".join(f"{name}\n" for name in samples))
    (run / "forced.txt").write_text("aaaaannnnn\nannaannaaa\n")
    (run / "final.json").write_text(json.dumps(accuracy(0.97)))


def write_curve(path: Path, epochs: list[int], nll: list[float]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = "".join(f"{e},{v}\n" for e, v in zip(epochs, nll))
    path.write_text("epoch,heldout_nll_per_char\n" + rows)
    return path


def test_read_variant(tmp_path):
    write_run(tmp_path, 1, [3.0, 2.0, 1.0], ["ann$", "", "bo"])
    write_run(tmp_path, 2, [3.5, 2.5, 1.5], ["eve"])
    data = read_variant(tmp_path, [1, 2])
    assert list(data.losses.columns) == ["seed", "epoch", "d_loss", "g_loss", "g_own"]
    assert data.losses["seed"].tolist() == [1, 1, 1, 2, 2, 2]
    assert data.losses["g_loss"].tolist() == pytest.approx([3, 2, 1, 3.5, 2.5, 1.5])
    assert data.samples == {1: ["ann$", "", "bo"], 2: ["eve"]}
    assert data.forced[2] == ["aaaaannnnn", "annaannaaa"]
    assert [run["d_accuracy"] for run in data.accuracies] == pytest.approx([0.97, 0.97])


@pytest.mark.parametrize("name", ["losses.csv", "samples.txt", "forced.txt", "final.json"])
def test_read_variant_names_missing_file(tmp_path, name):
    write_run(tmp_path, 1, [3.0, 2.0], ["ann"])
    (tmp_path / "seed1" / name).unlink()
    with pytest.raises(UserError, match=rf"{name} does not exist; rerun the training"):
        read_variant(tmp_path, [1])


def test_read_variant_rejects_malformed_json_and_mismatched_epochs(tmp_path):
    write_run(tmp_path, 1, [3.0, 2.0], ["ann"])
    write_run(tmp_path, 2, [3.0, 2.0, 1.0], ["ann"])
    with pytest.raises(UserError, match="covers other epochs"):
        read_variant(tmp_path, [1, 2])
    (tmp_path / "seed1" / "final.json").write_text('{"d_accuracy": 0.9}')
    with pytest.raises(UserError, match="final.json lacks one of the keys"):
        read_variant(tmp_path, [1])


def test_read_heldout_curves(tmp_path):
    first = write_curve(tmp_path / "seed0" / "heldout_nll.csv", [5, 0, 10], [2.5, 3.0, 2.4])
    second = write_curve(tmp_path / "seed1" / "heldout_nll.csv", [0, 5], [3.0, 2.6])
    curves = read_heldout_curves([first])
    assert curves[0]["epoch"].tolist() == [0, 5, 10]  # sorted by epoch
    assert curves[0]["heldout_nll_per_char"].tolist() == pytest.approx([3.0, 2.5, 2.4])
    with pytest.raises(UserError, match="covers other epochs"):
        read_heldout_curves([first, second])
    with pytest.raises(UserError, match="does not exist; rerun the methods comparison"):
        read_heldout_curves([tmp_path / "seed9" / "heldout_nll.csv"])


def test_variant_claims_and_tables(tmp_path):
    write_run(tmp_path, 1, [3.0, 2.0, 1.0], ["ann", "bo"])
    write_run(tmp_path, 2, [3.0, 2.0, 1.2], ["eve"])
    claims = variant_claims("code_loss", read_variant(tmp_path, [1, 2]), REAL, window=5)
    assert [claim.number for claim in claims] == [1, 2, 3, 4, 5]
    assert all(isinstance(claim, Claim) and claim.variant == "code_loss" for claim in claims)
    assert claims[1].verdict == NA  # 3 epochs, window 5
    assert claims[2].value == pytest.approx(0.97)
    assert "final D loss 0.25" in claims[2].detail  # D losses 0.2 and 0.3
    frame = claims_frame(claims)
    assert len(frame) == 5 and frame.columns[0] == "variant" and frame.columns[-1] == "rule"
    markdown = claims_markdown(claims)
    assert "| code_loss |" in markdown
    assert "**n/a**<br>epochs 0->2: fewer than the 5-epoch window" in markdown
    assert markdown.count("**") == 10
    rows = [line for line in markdown.splitlines() if line.startswith("|")]
    assert len(rows) == 7  # header, rule, five claims
    assert all(re.sub(r"\\\|", "", row).count("|") == 5 for row in rows)  # '|' in text escaped
    assert "Rules:" in markdown
    assert re.findall(r"^(\d)\. holds if the value", markdown, re.M) == ["1", "2", "3", "4", "5"]


def run_main(tmp_path: Path, *extra: str) -> pd.DataFrame:
    """Five variants of two runs each (window 2); returns the CSV main wrote."""
    d_end = {"corrected": 0.5, "code_data": 0.5, "code_loss": 1.0, "code_softmax": 0.5}
    for variant in ("corrected", "code_data", "code_loss", "code_softmax", "paper_code"):
        for seed in (0, 1):
            d = [1.0, 1.0, d_end.get(variant, 0.9)]  # paper_code: ln D fell 0.105
            write_run(tmp_path / variant, seed, [3.0, 3.0, 2.9], [".ann$$", "bo"], d)
    real = tmp_path / "names.txt"
    real.write_text("\n".join(REAL) + "\n")
    out_csv = tmp_path / "out" / "claims.csv"
    main(
        [
            *(f"--variant={v}={tmp_path / v}" for v in sorted(d_end) + ["paper_code"]),
            *("--seeds", "0", "1", "--real-names", str(real), "--window", "2"),
            *extra,
            *("--out-csv", str(out_csv), "--out-md", str(tmp_path / "out" / "claims.md")),
        ]
    )
    return pd.read_csv(out_csv)


def test_main_writes_csv_and_markdown_with_heldout_curve(tmp_path, capsys):
    curves = [
        write_curve(tmp_path / "is_gan" / f"seed{k}" / "heldout_nll.csv", [0, 1, 2], [3, 3, end])
        for k, end in enumerate((2.9, 2.95, 3.1))
    ]
    table = run_main(
        tmp_path, "--heldout-curve", *[f"corrected={curves[0]}", *map(str, curves[1:])]
    )
    assert table["variant"].tolist()[::5] == [
        "code_data", "code_loss", "code_softmax", "corrected", "paper_code"
    ]  # fmt: skip
    improving = table[table["number"] == 2].set_index("variant")
    assert improving["verdict"].to_dict() == {
        "code_data": HOLDS,
        "code_loss": PARTLY,  # D flat
        "code_softmax": HOLDS,
        "corrected": HOLDS,  # median held-out change -0.05
        "paper_code": PARTLY,  # ln D fell only 0.105
    }
    assert improving["value"].tolist() == pytest.approx([0.1] * 5)
    assert "held-out NLL -0.05 nats/char (median of 3 runs" in improving.loc["corrected", "detail"]
    missing = "held-out NLL n/a: the methods comparison trains only the corrected variant"
    assert missing in improving.loc["paper_code", "detail"]
    markdown = (tmp_path / "out" / "claims.md").read_text()
    assert (
        "| # | claim | statistic | code_data | code_loss | code_softmax | corrected |" in markdown
    )
    assert "wrote" in capsys.readouterr().out


def test_main_without_heldout_curve(tmp_path):
    table = run_main(tmp_path)
    improving = table[table["number"] == 2].set_index("variant")
    assert improving.loc["corrected", "verdict"] == HOLDS
    assert "held-out NLL n/a: no held-out curve given" in improving.loc["corrected", "detail"]


@pytest.mark.parametrize(
    ("heldout", "match"),
    [(["nope=x.csv"], "which no --variant gives"), (["corrected"], "NAME=PATH")],
)
def test_main_rejects_bad_heldout_curve(tmp_path, heldout, match):
    with pytest.raises(UserError, match=match):
        run_main(tmp_path, "--heldout-curve", *heldout)


def test_main_rejects_bad_variant(tmp_path):
    with pytest.raises(UserError, match="NAME=RUNS_DIR"):
        main(
            ["--variant", "corrected", "--seeds", "1", "--real-names", "x"]
            + ["--out-csv", "a", "--out-md", "b"]
        )
