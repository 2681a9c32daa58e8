"""Tests for the claims table: each claim's statistic and verdict, reading runs, and the CLI."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from discrete_gan.claims import (
    FAILS,
    HOLDS,
    PARTLY,
    Claim,
    claim_discriminator,
    claim_long_names_letters,
    claim_shorter,
    claim_still_improving,
    claim_variance,
    claims_frame,
    claims_markdown,
    main,
    name_length,
    read_variant,
    variant_claims,
)
from discrete_gan.io import UserError


def losses_frame(d: dict[int, list[float]], g: dict[int, list[float]]) -> pd.DataFrame:
    """Long losses table from per-seed D and G curves (epochs 0, 1, ...)."""
    rows = [
        (seed, epoch, d_value, g_value)
        for seed in d
        for epoch, (d_value, g_value) in enumerate(zip(d[seed], g[seed], strict=True))
    ]
    return pd.DataFrame(rows, columns=["seed", "epoch", "d_loss", "g_loss"])


def accuracy(value: float, real: float = 1.0, fake: float = 0.9) -> dict:
    return {
        "d_accuracy": value,
        "d_accuracy_real": real,
        "d_accuracy_fake": fake,
        "n_real": 100,
        "n_fake": 100,
    }


# --- claim 1 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d_last", "g_last", "value", "verdict"),
    [
        ((1.0, 1.2), (2.0, 2.2), 0.2 / 1.1, HOLDS),  # D 0.2/1.1, G 0.2/2.1
        ((1.0, 1.2), (2.0, 3.0), 0.4, PARTLY),  # D 0.18, G 1/2.5
        ((1.0, 2.0), (2.0, 3.0), 1 / 1.5, FAILS),  # D 1/1.5, G 0.4
    ],
)
def test_variance_uses_final_epoch_spread(d_last, g_last, value, verdict):
    # epoch 0 is wildly different between runs; only the last epoch counts
    losses = losses_frame(
        {1: [9.0, d_last[0]], 2: [0.1, d_last[1]]}, {1: [50, g_last[0]], 2: [1, g_last[1]]}
    )
    claim = claim_variance(losses.sample(frac=1, random_state=0))
    assert claim.number == 1
    assert claim.value == pytest.approx(value)
    assert claim.verdict == verdict
    assert math.isnan(claim.low) and math.isnan(claim.high)
    assert "0.25" in claim.rule


# --- claim 2 ---------------------------------------------------------------------------------


def test_still_improving_hand_computed():
    # window 2: epochs 1 -> 3; mean G 10 -> 8.8 (-12%), runs -20% and -4%; D flat
    losses = losses_frame(
        {1: [1, 1, 1, 1], 2: [2, 2, 2, 2]}, {1: [12, 10, 9, 8], 2: [11, 10, 10, 9.6]}
    )
    claim = claim_still_improving(losses, window=2)
    assert claim.value == pytest.approx(-0.12)
    assert claim.low == pytest.approx(-0.2)
    assert claim.high == pytest.approx(-0.04)
    assert claim.verdict == HOLDS
    assert "D +0" in claim.detail and "only" not in claim.detail


@pytest.mark.parametrize(
    ("g_end", "d_end", "verdict"),
    [
        (9.7, 1.0, PARTLY),  # G fell 3%
        (10.0, 0.9, HOLDS),  # D fell 10% is enough
        (10.0, 0.995, FAILS),  # D fell 0.5%
        (10.5, 1.2, FAILS),  # both rose
    ],
)
def test_still_improving_verdicts(g_end, d_end, verdict):
    losses = losses_frame({1: [1.0, 1.0, d_end]}, {1: [10.0, 10.0, g_end]})
    assert claim_still_improving(losses, window=2).verdict == verdict


def test_still_improving_short_history_uses_all_epochs():
    losses = losses_frame({1: [1.0, 1.0, 1.0, 1.0]}, {1: [10.0, 9.0, 8.0, 5.0]})
    claim = claim_still_improving(losses, window=20)
    assert claim.value == pytest.approx(-0.5)
    assert "only 3 epochs" in claim.detail


# --- claim 3 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accuracies", "verdict"),
    [((0.96, 0.98), HOLDS), ((0.8, 0.9), PARTLY), ((0.5, 0.6), FAILS)],
)
def test_discriminator_verdict_follows_accuracy(accuracies, verdict):
    claim = claim_discriminator([0.1, 0.3], [accuracy(a) for a in accuracies])
    assert claim.value == pytest.approx(0.2)
    assert (claim.low, claim.high) == (pytest.approx(0.1), pytest.approx(0.3))
    assert claim.verdict == verdict
    assert f"{sum(accuracies) / 2:.3g}" in claim.detail
    assert "1.386" in claim.detail


# --- claim 4 ---------------------------------------------------------------------------------


def test_name_length_skips_dollars():
    assert name_length("ann$a$$bcd") == 7
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
        ({1: ["abcdef"], 2: ["abcdefg"]}, FAILS),  # longer in every run
    ],
)
def test_shorter_verdicts(samples, verdict):
    assert claim_shorter(samples, ["abcd", "abcdef"]).verdict == verdict  # real mean 5


def test_shorter_needs_a_clear_gap():
    samples = {seed: ["abcd", "abcdef", "abcde", "abcde", "abcde"] for seed in range(3)}  # mean 5
    claim = claim_shorter(samples, ["abcde", "abcde", "abcde", "abcdef"])  # real 5.25
    assert claim.value == pytest.approx(0.25)
    assert claim.verdict == HOLDS
    claim = claim_shorter(samples, ["abcde", "abcde", "abcde", "abcde", "abcdef"])  # real 5.2
    assert claim.value == pytest.approx(0.2)
    assert claim.verdict == PARTLY  # shorter in every run, but by too little


# --- claim 5 ---------------------------------------------------------------------------------

# long real names: 16 letters, 'a' 3 times (3/16), 'n' twice (1/8); "abc" is too short to count
REAL = ["abcdefgh", "aannbbcc", "abc", "nnn"]


def test_long_names_letters_hand_computed():
    forced = {1: ["aaaaa$nnnnn"], 2: ["aaabbbbbbb"]}  # a .5, n .5 | a .3, n 0
    claim = claim_long_names_letters(forced, REAL)
    # ratios: run 1 a 8/3, n 4; run 2 a 1.6, n 0 -> means a 32/15, n 2; smaller per run 8/3, 0
    assert claim.value == pytest.approx(4 / 3)
    assert (claim.low, claim.high) == (pytest.approx(0.0), pytest.approx(8 / 3))
    assert claim.verdict == HOLDS
    assert "'a' 2.13" in claim.detail and "'n' 2" in claim.detail and "50%" in claim.detail


@pytest.mark.parametrize(
    ("forced", "verdict"),
    [
        ({1: ["aaaaabbbbb"]}, PARTLY),  # a 8/3, n 0
        ({1: ["bbbbbbbbbb"]}, FAILS),  # neither letter
        ({1: ["abbbbbbbbn"]}, FAILS),  # a 0.1/0.1875 and n 0.1/0.125, both below 1.1
    ],
)
def test_long_names_letters_verdicts(forced, verdict):
    assert claim_long_names_letters(forced, REAL).verdict == verdict


def test_long_names_letters_needs_letters_in_long_real_names():
    with pytest.raises(UserError, match="lack one of"):
        claim_long_names_letters({1: ["aaaaannnnn"]}, ["bbbbbbbbb"])


# --- reading runs, tables and the CLI --------------------------------------------------------


def write_run(folder: Path, seed: int, g_losses: list[float], samples: list[str]) -> None:
    run = folder / f"seed{seed}"
    run.mkdir(parents=True)
    rows = "".join(f"{e},{0.1 * (seed + 1)},{g},0\n" for e, g in enumerate(g_losses))
    (run / "losses.csv").write_text("epoch,d_loss,g_loss,extra\n" + rows)
    (run / "samples.txt").write_text("".join(f"{name}\n" for name in samples))
    (run / "forced.txt").write_text("aaaaannnnn\nannaannaaa\n")
    (run / "final.json").write_text(json.dumps(accuracy(0.97)))


def test_read_variant(tmp_path):
    write_run(tmp_path, 1, [3.0, 2.0, 1.0], ["ann$", "", "bo"])
    write_run(tmp_path, 2, [3.5, 2.5, 1.5], ["eve"])
    data = read_variant(tmp_path, [1, 2])
    assert list(data.losses.columns) == ["seed", "epoch", "d_loss", "g_loss"]
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


def test_variant_claims_and_tables(tmp_path):
    write_run(tmp_path, 1, [3.0, 2.0, 1.0], ["ann", "bo"])
    write_run(tmp_path, 2, [3.0, 2.0, 1.2], ["eve"])
    claims = variant_claims("corrected", read_variant(tmp_path, [1, 2]), REAL, window=2)
    assert [claim.number for claim in claims] == [1, 2, 3, 4, 5]
    assert all(isinstance(claim, Claim) and claim.variant == "corrected" for claim in claims)
    assert claims[2].value == pytest.approx(0.25)  # D losses 0.2 and 0.3
    frame = claims_frame(claims)
    assert len(frame) == 5 and frame.columns[0] == "variant" and frame.columns[-1] == "rule"
    markdown = claims_markdown(claims)
    assert "| corrected |" in markdown
    assert markdown.count("**") == 10
    rows = [line for line in markdown.splitlines() if line.startswith("|")]
    assert len(rows) == 7  # header, rule, five claims
    assert all(re.sub(r"\\\|", "", row).count("|") == 5 for row in rows)  # '|' in text escaped
    assert markdown.rstrip().splitlines()[-1].startswith("Rules: (1)")


def test_main_writes_csv_and_markdown(tmp_path, capsys):
    for variant, g_end in (("corrected", 1.0), ("paper_code", 2.9)):
        for seed in (0, 1):
            write_run(tmp_path / variant, seed, [3.0, 3.0, g_end], ["ann$$", "bo"])
    real = tmp_path / "names.txt"
    real.write_text("\n".join(REAL) + "\n")
    out_csv, out_md = tmp_path / "out" / "claims.csv", tmp_path / "out" / "claims.md"
    main(
        [
            *("--variant", f"corrected={tmp_path / 'corrected'}"),
            *("--variant", f"paper_code={tmp_path / 'paper_code'}"),
            *("--seeds", "0", "1", "--real-names", str(real), "--window", "2"),
            *("--out-csv", str(out_csv), "--out-md", str(out_md)),
        ]
    )
    table = pd.read_csv(out_csv)
    assert table["variant"].tolist() == ["corrected"] * 5 + ["paper_code"] * 5
    improving = table[table["number"] == 2].set_index("variant")["verdict"]
    assert improving.to_dict() == {"corrected": HOLDS, "paper_code": PARTLY}  # -67% vs -3.3%
    markdown = out_md.read_text()
    assert "| # | claim | statistic | corrected | paper_code |" in markdown
    assert "wrote" in capsys.readouterr().out


def test_main_rejects_bad_variant(tmp_path):
    with pytest.raises(UserError, match="NAME=RUNS_DIR"):
        main(
            ["--variant", "corrected", "--seeds", "1", "--real-names", "x"]
            + ["--out-csv", "a", "--out-md", "b"]
        )


def test_still_improving_ignores_one_run_spike():
    """One run whose tiny D loss jumps from 1e-6 to 1e-3 does not make the median run's loss
    move; the mean curve would have risen a hundredfold in the other direction."""
    d = {1: [0.5, 0.5, 0.5], 2: [0.4, 0.4, 0.4], 3: [1e-6, 1e-6, 1e-3]}
    g = {seed: [10.0, 10.0, 10.0] for seed in d}
    claim = claim_still_improving(losses_frame(d, g), window=2)
    assert "median D +0," in claim.detail
    assert claim.verdict == FAILS
