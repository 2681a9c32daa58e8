"""Tests of the verify step (checks against expectations) and of the provenance record."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from discrete_gan.analysis import provenance, verify
from discrete_gan.cli import provenance as provenance_cli
from discrete_gan.cli import verify as verify_cli
from discrete_gan.fileio import UserError

PAPER_UNITS = """row,ln_d_mean,ln_g_mean,generated_mean_length,ln_g_within
corrected,-0.6,2.4,4.8,False
paper_code,-10.3,1.92,3.35,True
"""
CLAIMS = """variant,number,claim,value,verdict
corrected,1,losses vary little,0.17,holds
paper_code,1,losses vary little,3.1,does not hold
paper_code,2,still improving,,n/a
"""


def lengths_csv(path: Path, generated: dict[int, int], real: dict[int, int]) -> Path:
    rows = [("generated", k, n) for k, n in generated.items()]
    rows += [("real", k, n) for k, n in real.items()]
    pd.DataFrame(rows, columns=["source", "length", "count"]).to_csv(path, index=False)
    return path


@pytest.fixture
def run(tmp_path: Path) -> dict[str, Path]:
    """The tables of a small finished run."""
    (tmp_path / "paper_units.csv").write_text(PAPER_UNITS)
    (tmp_path / "claims.csv").write_text(CLAIMS)
    return {
        "paper_units": tmp_path / "paper_units.csv",
        "claims": tmp_path / "claims.csv",
        "corrected": lengths_csv(tmp_path / "c.csv", {3: 1, 5: 1}, {6: 2}),
        "paper_code": lengths_csv(tmp_path / "p.csv", {3: 2}, {5: 1, 7: 1}),
    }


def write_expectations(path: Path, checks: list[dict]) -> Path:
    path.write_text(yaml.safe_dump({"origin": "test bands", "checks": checks}))
    return path


def tables_of(run: dict[str, Path]) -> dict:
    lengths = {name: run[name] for name in ("corrected", "paper_code")}
    return verify.load_tables(run["paper_units"], run["claims"], lengths)


def check(**fields) -> verify.Check:
    return verify.parse_check({"source": "test", **fields}, "test check")


def test_band_and_expect_checks(run: dict[str, Path]) -> None:
    tables = tables_of(run)
    cases = [
        (check(table="paper_units", row="paper_code", column="ln_d_mean", band=[-11, -9]), True),
        (check(table="paper_units", row="corrected", column="ln_d_mean", band=[-11, -9]), False),
        (check(table="paper_units", row="paper_code", column="ln_g_within", expect=True), True),
        (check(table="paper_units", row="corrected", column="ln_g_within", expect=True), False),
        (check(table="claims", row="corrected/1", column="verdict", expect="holds"), True),
        (check(table="claims", row="paper_code/1", column="verdict", expect="holds"), False),
        (check(table="claims", row="paper_code/9", column="verdict", expect="holds"), False),
        (check(table="claims", row="paper_code/2", column="verdict", expect="n/a"), True),
        (check(table="paper_units", row="corrected", column="nope", band=[0, 1]), False),
    ]
    for case, passed in cases:
        assert verify.evaluate(case, tables).passed is passed, case


def test_lengths_table_means_and_difference(run: dict[str, Path]) -> None:
    table = tables_of(run)["lengths"]
    assert table.loc["corrected"].to_dict() == pytest.approx(
        {"generated_mean": 4.0, "real_mean": 6.0, "generated_minus_real": -2.0}
    )
    assert table.at["paper_code", "generated_minus_real"] == pytest.approx(-3.0)


def test_non_finite_value_fails_a_band(run: dict[str, Path]) -> None:
    run["paper_units"].write_text(PAPER_UNITS.replace("-10.3", "nan"))
    band = check(table="paper_units", row="paper_code", column="ln_d_mean", band=[-1e9, 1e9])
    assert not verify.evaluate(band, tables_of(run)).passed


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"table": "claims", "row": "a", "column": "b"}, "exactly one of band or expect"),
        ({"table": "claims", "row": "a", "column": "b", "band": [0, 1], "expect": 1}, "exactly"),
        ({"table": "claims", "row": "a", "column": "b", "expect": 1, "colour": 2}, "colour"),
        ({"table": "nope", "row": "a", "column": "b", "expect": 1}, "is not one of"),
        ({"table": "claims", "row": "a", "column": "b", "band": [2, 1]}, "low <= high"),
        ({"table": "claims", "row": "a", "column": "b", "band": [0]}, "low <= high"),
    ],
)
def test_malformed_check_is_refused(entry: dict, message: str) -> None:
    with pytest.raises(UserError, match=message):
        verify.parse_check({"source": "x", **entry}, "check 1")


def cli_args(run: dict[str, Path], expectations: Path, out: Path) -> list[str]:
    return [
        "--expectations", str(expectations),
        "--paper-units", str(run["paper_units"]),
        "--claims", str(run["claims"]),
        "--lengths", f"corrected={run['corrected']}", f"paper_code={run['paper_code']}",
        "--out", str(out),
    ]  # fmt: skip


def test_cli_passes_prints_every_check_and_writes_the_report(
    run: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    expectations = write_expectations(
        tmp_path / "e.yaml",
        [
            {"table": "lengths", "row": "corrected", "column": "generated_minus_real",
             "band": [-3, -1], "source": "measured"},
            {"table": "claims", "row": "corrected/1", "column": "verdict", "expect": "holds",
             "source": "reference run"},
        ],
    )  # fmt: skip
    out = tmp_path / "verify.txt"
    verify_cli.main(cli_args(run, expectations, out))
    printed = capsys.readouterr().out
    assert printed.count("PASS  ") == 2 and "2 of 2 checks passed" in printed
    assert "(measured)" in printed and "provenance: none recorded" in printed
    assert out.read_text() == printed


def test_cli_fails_with_a_summary_and_writes_nothing(
    run: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    expectations = write_expectations(
        tmp_path / "e.yaml",
        [{"table": "paper_units", "row": "corrected", "column": "ln_d_mean", "band": [-1, -0.7],
          "source": "reference run"}],
    )  # fmt: skip
    out = tmp_path / "verify.txt"
    with pytest.raises(UserError, match="fail checks in"):
        verify_cli.main(cli_args(run, expectations, out))
    printed = capsys.readouterr().out
    assert "FAIL  paper_units[corrected].ln_d_mean = -0.6 in [-1, -0.7]" in printed
    assert "0 of 1 checks passed" in printed
    assert not out.exists()


def test_missing_expectations_file(run: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        verify.verify(tmp_path / "none.yaml", tables_of(run), None)


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_git_state_of_a_checkout_and_of_a_plain_folder(tmp_path: Path) -> None:
    assert provenance.git_state(tmp_path) == {"commit": None, "dirty": None}
    git("init", "-q", cwd=tmp_path)
    (tmp_path / "f.txt").write_text("a\n")
    git("add", "f.txt", cwd=tmp_path)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one", cwd=tmp_path)
    state = provenance.git_state(tmp_path)
    assert len(state["commit"]) == 40 and state["dirty"] is False
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/page.md").write_text("one\n")
    git("add", "docs/page.md", cwd=tmp_path)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "two", cwd=tmp_path)
    (tmp_path / "docs/page.md").write_text("rewritten by the docs rule\n")
    assert provenance.git_state(tmp_path)["dirty"] is False  # docs/ is the workflow's output
    (tmp_path / "f.txt").write_text("b\n")
    assert provenance.git_state(tmp_path)["dirty"] is True


def test_provenance_record(tmp_path: Path) -> None:
    out = tmp_path / "provenance.json"
    config = {"epochs": 3, "variants": ["corrected"]}
    provenance_cli.main(
        ["--project", str(tmp_path), "--config-json", json.dumps(config), "--configfiles",
         "config/config.yaml", "--started", "2026-01-01T00:00:00+00:00", "--threads", "1",
         "--out", str(out)]
    )  # fmt: skip
    record = json.loads(out.read_text())
    assert record["config"] == config and record["configfiles"] == ["config/config.yaml"]
    assert record["packages"]["torch"] and record["packages"]["discrete-gan"]
    assert record["cpu"] and record["python"] and record["threads"] == 1
    assert record["started"] < record["finished"]
