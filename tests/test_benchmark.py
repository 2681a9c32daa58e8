"""The benchmark's protocol pieces: grids, the equal budget, the regimes, the selection by
validation NLL, the reference model and the reference points."""

from __future__ import annotations

import json
import math

import pytest

from discrete_gan.analysis import benchmark, ngram
from discrete_gan.fileio import UserError
from discrete_gan.training.runs import run_dir

NAMES = [f"{a}{b}{c}" for a in "abcde" for b in "aeiou" for c in "nrst"]  # 100 names


def test_grid_points_are_the_product_in_order() -> None:
    points = benchmark.grid_points({"lr": [0.02, 0.005], "d_steps": [1, 2]})
    assert points == [
        {"lr": 0.02, "d_steps": 1},
        {"lr": 0.02, "d_steps": 2},
        {"lr": 0.005, "d_steps": 1},
        {"lr": 0.005, "d_steps": 2},
    ]


def test_regimes_follow_whether_the_loss_reads_the_discriminator() -> None:
    assert benchmark.regimes("mle") == ("scratch",)
    assert benchmark.regimes("batch_likelihood") == ("scratch",)
    for method in ("is_gan", "weighted_mle", "reinforce", "maligan", "bgan", "gumbel"):
        assert benchmark.regimes(method) == ("scratch", "pretrained")


@pytest.mark.parametrize(
    ("grids", "message"),
    [
        ({"mle": {"lr": [1, 2]}}, "no entry for method bgan"),
        ({"mle": {"lr": [1, 2]}, "bgan": {"epochs": [1, 2]}}, "varies epochs"),
        ({"mle": {"lr": [1, 2]}, "bgan": {"lr": [1, 2], "d_steps": [1, 2]}}, "differ in size"),
    ],
)
def test_check_grids_refuses_unequal_or_fixed_grids(grids, message) -> None:
    with pytest.raises(UserError, match=message):
        benchmark.check_grids(grids, ["mle", "bgan"])


def test_the_default_config_gives_every_method_the_same_budget() -> None:
    from defaults import CONFIG

    benchmark.check_grids(CONFIG["benchmark_grid"], CONFIG["benchmark_methods"])
    assert set(CONFIG["benchmark_grid"]) == set(CONFIG["benchmark_methods"])
    for method, grid in CONFIG["benchmark_grid"].items():
        assert "lr" in grid, f"{method}'s grid does not tune the learning rate"
        assert "lr_decay_epoch" in grid, f"{method}'s grid does not tune the schedule"
        assert len(grid) == 3, f"{method}'s grid tunes no knob of its own"


def write_search_run(folder, settings: dict, seed: int, nll: list[float]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "settings.json").write_text(json.dumps(settings))
    run = run_dir(folder, seed)
    run.mkdir(parents=True, exist_ok=True)
    rows = "".join(f"{5 * i},{value}\n" for i, value in enumerate(nll))
    (run / "heldout_nll.csv").write_text("epoch,heldout_nll_per_char\n" + rows)


def test_select_takes_the_lowest_mean_final_validation_nll(tmp_path) -> None:
    """The mean over search seeds of the last logged validation NLL decides (not the best
    epoch, not one seed); the table names what varied, and the chosen settings are copied."""
    base = {"lr": 0.02, "d_steps": 1, "epochs": 10}
    finals = {0: ([2.0, 2.5], [9.0, 2.4]), 1: ([2.0, 2.2], [2.0, 2.3])}  # per seed: curve
    items = []
    for k, curves in finals.items():
        folder = tmp_path / f"c{k}"
        for seed, curve in enumerate(curves):
            write_search_run(folder, {**base, "d_steps": 1 + k}, seed, curve)
        items.append(f"bgan/scratch/{k}={folder}")
    table, chosen = benchmark.select(items, [0, 1])
    assert chosen == {("bgan", "scratch"): {**base, "d_steps": 2}}
    assert table["selected"].tolist() == [False, False, True, True]
    assert table["settings"].tolist() == ['{"d_steps": 1}'] * 2 + ['{"d_steps": 2}'] * 2
    assert table["validation_nll_per_char"].tolist() == [2.5, 2.4, 2.2, 2.3]


def test_select_breaks_ties_by_the_lower_index_and_names_bad_items(tmp_path) -> None:
    for k in (0, 1):
        write_search_run(tmp_path / f"c{k}", {"lr": 0.1 * (k + 1)}, 0, [2.0])
    items = [f"mle/scratch/{k}={tmp_path / f'c{k}'}" for k in (1, 0)]
    _, chosen = benchmark.select(items, [0])
    assert chosen[("mle", "scratch")] == {"lr": 0.1}
    with pytest.raises(UserError, match="not of the form"):
        benchmark.select(["mle/scratch/0"], [0])


def test_the_reference_model_is_chosen_on_validation_and_fitted_to_both() -> None:
    train, validation = NAMES[::2], NAMES[1::2]
    order, nll, judge = ngram.reference_model(train, validation, orders=(1, 2, 3))
    assert order == min(nll, key=nll.get) and set(nll) == {1, 2, 3}
    both = ngram.scorer([*train, *validation], order)
    assert all(math.isclose(judge(name), both(name)) for name in NAMES[:10])
    assert judge("ann") < 0


def test_reference_table_scores_test_names_under_the_judge() -> None:
    train, validation, test = NAMES[:60], NAMES[60:80], NAMES[80:]
    table, judge = benchmark.reference_table(train, validation, test)
    quality = table.set_index(["reference", "metric"])["value"]
    expected = -sum(map(judge, test)) / sum(len(n) + 1 for n in test)
    assert math.isclose(quality["test_names", "reference_nll_per_char"], expected)
    assert ("trigram", "test_nll_per_char") in quality.index
    assert ("test_names", "mean_length") in quality.index


def test_protocol_states_the_run_and_how_to_read_quality() -> None:
    """The protocol is written from the config as run, and warns that the quality measure
    rewards repeating training names (the reference model has seen them)."""
    from defaults import CONFIG

    config = {**CONFIG, "benchmark_final_seeds": 7, "benchmark_epochs": 123}
    text = benchmark.protocol_markdown(config)
    assert "trained on 7 fresh seeds" in text and "for 123 epochs" in text
    n_configs = len(benchmark.grid_points(CONFIG["benchmark_grid"]["mle"]))
    assert f"searches {n_configs} configurations" in text
    reading = text.split("**Reading quality**", 1)[1].split("\n", 1)[0]
    assert "novelty" in reading and "uniqueness" in reading
    for method in CONFIG["benchmark_methods"]:
        assert f"| `{method}` |" in text
