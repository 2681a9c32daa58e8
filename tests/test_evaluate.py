"""The evaluation of trained generators: temperature, the metrics rows, and the CLI tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import torch
from defaults import model_config, train_config

from discrete_gan.analysis import evaluate, metrics
from discrete_gan.cli import evaluate as evaluate_cli
from discrete_gan.data.vocab import encode_batch
from discrete_gan.fileio import UserError, run_cli
from discrete_gan.model.networks import Generator, init_uniform_
from discrete_gan.training.runs import write_run
from discrete_gan.training.train import train_runs

MODEL = model_config()
TRAIN = ["anna", "bob", "carl", "dora", "emil", "fay", "gus"]
HELDOUT = ["hal", "ines", "jo"]


def generator(seed: int) -> Generator:
    gen = Generator(MODEL)
    init_uniform_(gen, MODEL.hidden_size, torch.Generator().manual_seed(seed))
    return gen.double()


def test_temperature_divides_the_logits() -> None:
    gen = generator(0)
    ids = encode_batch(HELDOUT, MODEL.max_steps)
    log_p1, log_p2 = gen.log_likelihood(ids), gen.log_likelihood(ids, temperature=2.0)
    assert not torch.allclose(log_p1, log_p2)
    with torch.no_grad():
        gen.out.weight.mul_(0.5)
        gen.out.bias.mul_(0.5)
    torch.testing.assert_close(gen.log_likelihood(ids), log_p2)


def test_low_temperature_sampling_is_greedy() -> None:
    gen = generator(1)
    uniforms = torch.rand(50, MODEL.max_steps - 1, generator=torch.Generator().manual_seed(2))
    cold = gen.sample(uniforms.double(), temperature=1e-4)
    assert (cold == cold[0]).all()  # every uniform picks the most likely symbol
    warm = gen.sample(uniforms.double(), temperature=1.0)
    assert not (warm == warm[0]).all()


def test_evaluate_generator_rows() -> None:
    gen = generator(3)
    rows = evaluate.evaluate_generator(gen, set(TRAIN), HELDOUT, [0.001, 1.0], 200, seed=4)
    assert [(t, m) for t, m, _ in rows] == [
        (t, m) for t in (0.001, 1.0) for m in ("heldout_nll_per_char", *metrics.SAMPLE_METRICS)
    ]
    values = {(t, m): v for t, m, v in rows}
    log_p = gen.log_likelihood(encode_batch(HELDOUT, MODEL.max_steps)).tolist()
    expected = -sum(log_p) / sum(len(name) + 1 for name in HELDOUT)
    assert values[(1.0, "heldout_nll_per_char")] == pytest.approx(expected, rel=1e-12)
    assert rows == evaluate.evaluate_generator(gen, set(TRAIN), HELDOUT, [0.001, 1.0], 200, seed=4)
    assert (
        values[(0.001, "uniqueness")] < 0.1 < 0.9 < values[(1.0, "uniqueness")]
    )  # colder: less diverse


@pytest.fixture(scope="module")
def trained_runs(tmp_path_factory) -> tuple:
    """Two methods x two seeds trained for one epoch on a tiny corpus, written as the workflow
    writes them."""
    root = tmp_path_factory.mktemp("eval")
    names = [f"{a}{b}{c}" for a in "abcdef" for b in "aeiou" for c in "lmnrst"]  # 180
    heldout = names[::10]
    train = [n for n in names if n not in set(heldout)]
    (root / "train.txt").write_text("\n".join(train) + "\n")
    (root / "heldout.txt").write_text("\n".join(heldout) + "\n")
    for method in ("is_gan", "mle"):
        config = train_config(epochs=2, batch_size=32, n_samples=5, objective=method)
        results = train_runs(
            train, [0, 1], MODEL, config, "cpu", torch.float32, "torch", lambda *a: None, heldout
        )
        for result in results:
            assert [epoch for epoch, _ in result.heldout_nll] == [0, 2]
            write_run(result, root / method, MODEL, config)
    return root


def test_evaluate_cli_tables(trained_runs, tmp_path) -> None:
    root = trained_runs
    out_metrics, out_curves = tmp_path / "metrics.csv", tmp_path / "curves.csv"
    argv = ["--runs", f"is_gan={root / 'is_gan'}", f"mle={root / 'mle'}", "--seeds", "0", "1"]
    argv += ["--train", str(root / "train.txt"), "--heldout", str(root / "heldout.txt")]
    argv += ["--temperatures", "0.7", "1.0", "--n-samples", "100"]
    argv += ["--metrics-out", str(out_metrics), "--curves-out", str(out_curves)]
    run_cli(evaluate_cli.main, argv)
    table = pd.read_csv(out_metrics)
    assert list(table.columns) == ["method", "seed", "temperature", "metric", "value"]
    assert len(table) == 2 * 2 * 2 * 7
    assert table["value"].map(math.isfinite).all()
    curves = pd.read_csv(out_curves)
    assert list(curves.columns) == evaluate.CURVE_COLUMNS
    assert len(curves) == 2 * 2 * 2  # epochs 0 and 2 of each run
    # the curve's last point is the final generator's held-out NLL at temperature 1
    last = curves[(curves.method == "mle") & (curves.seed == 1)].iloc[-1]
    final = table[
        (table.method == "mle")
        & (table.seed == 1)
        & (table.temperature == 1.0)
        & (table.metric == "heldout_nll_per_char")
    ]
    assert last["heldout_nll_per_char"] == pytest.approx(final["value"].item(), rel=1e-5)


def test_evaluate_missing_checkpoint_is_a_clear_error(trained_runs, tmp_path, capsys) -> None:
    root = trained_runs
    argv = ["--runs", f"mle={root / 'mle'}", "--seeds", "7", "--train", str(root / "train.txt")]
    argv += ["--heldout", str(root / "heldout.txt"), "--metrics-out", str(tmp_path / "m.csv")]
    argv += ["--curves-out", str(tmp_path / "c.csv")]
    with pytest.raises(SystemExit):
        run_cli(evaluate_cli.main, argv)
    assert "seed7/checkpoint.pt does not exist" in capsys.readouterr().err
    assert not (tmp_path / "m.csv").exists()


def test_parse_runs_rejects_items_without_a_folder() -> None:
    with pytest.raises(UserError, match="method=folder"):
        evaluate.parse_runs(["is_gan"])
