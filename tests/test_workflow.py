"""The whole workflow on the smoke config, through the `snakemake` command, and what it wrote.

The smoke run (2 runs x 3 epochs) happens once per module in a copy of the project's
workflow files; the tests then read its outputs, re-run Snakemake against them, and run the
methods comparison and the benchmark on top of it.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import shutil
from pathlib import Path

import pytest
from workflow_helpers import (
    BENCHMARK_PAIRS,
    CORPUS_FILES,
    EPOCHS,
    EXPECTED_FILES,
    FORCED_LETTERS,
    N_FILTERED_NAMES,
    N_RUNS,
    N_SAMPLES,
    N_SHOW,
    RAW,
    RULE_LOGS,
    VARIANTS,
    copy_workflow,
    job_counts,
    png_size,
    read_csv,
    read_lines,
    run_make,
    snakemake,
    succeed,
)

from discrete_gan.analysis.calibration import read_set, set_values
from discrete_gan.analysis.claim_rules import WINDOW
from discrete_gan.analysis.expectations import check_recomputed, table_values
from discrete_gan.fileio import UserError


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Path:
    """A copy of the workflow after a successful smoke run."""
    workdir = copy_workflow(tmp_path_factory.mktemp("smoke"))
    succeed(snakemake(workdir, corpus_dir, "--cores", "2"), workdir)
    return workdir


def test_smoke_run_writes_every_output(smoke_run: Path) -> None:
    missing = [name for name in EXPECTED_FILES if not (smoke_run / name).is_file()]
    assert not missing, f"missing outputs: {missing}"
    empty = [
        name for name in EXPECTED_FILES[: -len(RULE_LOGS)] if (smoke_run / name).stat().st_size == 0
    ]
    assert not empty, f"empty outputs: {empty}"


def test_filtered_names_and_counts(smoke_run: Path) -> None:
    names = read_lines(smoke_run / "data/processed/names.txt")
    assert len(names) == N_FILTERED_NAMES
    assert all(re.fullmatch(r"[a-z]{1,9}", name) for name in names)
    counts = json.loads((smoke_run / "data/processed/counts.json").read_text())
    assert counts["written"] == N_FILTERED_NAMES
    assert counts["max_len"] == 9 and counts["deduplicate"] is False


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("seed", range(N_RUNS))
def test_run_losses_cover_every_epoch(smoke_run: Path, seed: int, variant: str) -> None:
    rows = read_csv(smoke_run / f"results/{variant}/runs/seed{seed}/losses.csv")
    keys = ["d_loss", "g_loss", "ess", "half_weight_length", "g_own"]
    assert list(rows[0]) == ["epoch", *keys]
    assert [int(row["epoch"]) for row in rows] == list(range(EPOCHS))
    values = [float(row[key]) for row in rows for key in keys]
    assert all(math.isfinite(value) for value in values)
    assert all(1 <= float(row["ess"]) <= 128 for row in rows)
    # -log(mean P_G) of a batch of names of at least one letter and its end symbol is positive
    assert all(float(row["g_own"]) > 0 for row in rows)
    final = json.loads((smoke_run / f"results/{variant}/runs/seed{seed}/final.json").read_text())
    assert 0 <= final["d_accuracy"] <= 1 and final["n_real"] == N_FILTERED_NAMES


@pytest.mark.parametrize("seed", range(N_RUNS))
def test_run_samples_and_forced_names(smoke_run: Path, seed: int) -> None:
    folder = smoke_run / f"results/corrected/runs/seed{seed}"
    samples = read_lines(folder / "samples.txt")
    forced = read_lines(folder / "forced.txt")
    assert len(samples) == N_SAMPLES and len(forced) == N_SAMPLES
    assert all(re.fullmatch(r"[a-z]*", name) for name in samples)
    assert all(re.fullmatch(rf"[a-z]{{{FORCED_LETTERS}}}", name) for name in forced)
    # from code_data on every sampled symbol is kept: 10, `$` anywhere; from code_softmax on
    # the start symbol `.` is an output too
    code = read_lines(smoke_run / f"results/code_data/runs/seed{seed}/samples.txt")
    assert all(re.fullmatch(rf"[a-z$]{{{FORCED_LETTERS}}}", name) for name in code)
    paper = read_lines(smoke_run / f"results/paper_code/runs/seed{seed}/samples.txt")
    assert all(re.fullmatch(rf"[a-z$.]{{{FORCED_LETTERS}}}", name) for name in paper)


@pytest.mark.parametrize("variant", VARIANTS)
def test_checkpoint_holds_the_configured_settings(smoke_run: Path, variant: str) -> None:
    from discrete_gan.training.runs import load_checkpoint

    path = smoke_run / f"results/{variant}/runs/seed1/checkpoint.pt"
    checkpoint, _, _ = load_checkpoint(path)
    assert checkpoint["seed"] == 1
    expected = {"hidden_size": 8, "max_steps": FORCED_LETTERS, "variant": variant}
    assert checkpoint["model"] == expected
    assert checkpoint["train"]["epochs"] == EPOCHS
    assert checkpoint["train"]["n_samples"] == N_SAMPLES


def test_loss_summary_spans_the_runs(smoke_run: Path) -> None:
    rows = read_csv(smoke_run / "results/corrected/losses_summary.csv")
    columns = ["epoch", "n_runs", "d_min", "d_mean", "d_max", "g_min", "g_mean", "g_max"]
    columns += [f"{loss}_{stat}" for loss in ("d", "g") for stat in ("q25", "median", "q75")]
    assert list(rows[0]) == columns
    assert [int(row["epoch"]) for row in rows] == list(range(EPOCHS))
    runs = [
        read_csv(smoke_run / f"results/corrected/runs/seed{seed}/losses.csv")
        for seed in range(N_RUNS)
    ]
    for epoch, row in enumerate(rows):
        assert int(row["n_runs"]) == N_RUNS
        for loss in ("d", "g"):
            low, mean, high = (float(row[f"{loss}_{stat}"]) for stat in ("min", "mean", "max"))
            assert low <= mean <= high
            per_run = [float(run[epoch][f"{loss}_loss"]) for run in runs]
            assert mean == pytest.approx(sum(per_run) / N_RUNS, rel=1e-9)
            median = float(row[f"{loss}_median"])  # two runs: their mean
            assert median == pytest.approx(sorted(per_run)[0] / 2 + sorted(per_run)[1] / 2)


@pytest.mark.parametrize("variant", VARIANTS)
def test_length_table_counts_both_sources(smoke_run: Path, variant: str) -> None:
    rows = read_csv(smoke_run / f"results/{variant}/lengths.csv")
    assert list(rows[0]) == ["source", "length", "count"]
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["source"]] = totals.get(row["source"], 0) + int(row["count"])
    assert totals == {"generated": N_SAMPLES, "real": N_SAMPLES}
    generated = read_lines(smoke_run / f"results/{variant}/runs/seed0/samples.txt")
    for row in rows:
        if row["source"] == "generated":  # a name's length counts its letters, not `$`
            expected = sum(len(name.replace("$", "")) == int(row["length"]) for name in generated)
            assert int(row["count"]) == expected


@pytest.mark.parametrize(
    "figure",
    [
        "corrected/figure5",
        "corrected/figure6",
        "paper_code/figure5",
        "figure5_variants",
        "figure6_variants",
        "diagnostics",
    ],
)
def test_figures_are_images(smoke_run: Path, figure: str) -> None:
    width, height = png_size(smoke_run / f"figures/{figure}.png")
    assert width >= 300 and height >= 300
    assert (smoke_run / f"figures/{figure}.pdf").read_bytes().startswith(b"%PDF")


def test_samples_report_lists_picks_from_run(smoke_run: Path) -> None:
    text = (smoke_run / "results/corrected/samples.md").read_text(encoding="utf-8")
    sections = {
        "## Random sample of generated names": "samples.txt",
        f"## Names forced to length {FORCED_LETTERS}": "forced.txt",
    }
    for heading, source in sections.items():
        assert heading in text
        body = text.split(heading, 1)[1].split("\n## ", 1)[0]
        bullets = re.findall(r"^- (.*)$", body, flags=re.MULTILINE)
        assert len(bullets) == N_SHOW, f"{heading}: {bullets}"
        names = set(read_lines(smoke_run / "results/corrected/runs/seed0" / source))
        names |= {"(empty)"}
        assert set(bullets) <= names


def test_training_benchmark_and_rule_logs(smoke_run: Path) -> None:
    rows = list(
        csv.DictReader(
            (smoke_run / "results/benchmarks/train_corrected_seeds_0_1.tsv").open(),
            delimiter="\t",
        )
    )
    assert len(rows) == 1 and float(rows[0]["s"]) > 0 and "max_rss" in rows[0]
    train_log = (smoke_run / "logs/train/paper_code_seeds_0_1.log").read_text()
    assert "training seeds [0, 1]" in train_log
    assert f"epoch {EPOCHS}/{EPOCHS}" in train_log


def test_finished_run_leaves_nothing_to_do(smoke_run: Path, corpus_dir: Path) -> None:
    output = succeed(snakemake(smoke_run, corpus_dir, "-n"), smoke_run)
    assert "Nothing to be done" in output, output[-3000:]


DOCS_PAGES = ("results.md", "configuration.md", "performance.md")


def page_problems(page: Path, record: dict) -> list[str]:
    """What is wrong with a generated docs page: its stamp, or a linked file it lacks (links
    to the other pages of docs/, `name.md`, are not files the rule writes)."""
    text = page.read_text(encoding="utf-8")
    stamp = text.splitlines()[2]
    problems = [] if record["finished"] in stamp and record["cpu"] in stamp else [stamp]
    for target in re.findall(r"\]\(([^)#\s]+)", text):
        if not re.fullmatch(r"[\w-]+\.md", target) and not (page.parent / target).is_file():
            problems.append(f"{page.name} links {target}, which is not there")
    return problems


def test_docs_pages_written_from_the_run(smoke_run: Path, corpus_dir: Path) -> None:
    """`snakemake docs` writes the pages from the finished run, and reruns nothing of it."""
    output = succeed(snakemake(smoke_run, corpus_dir, "--cores", "1", "docs"), smoke_run)
    rules = {"docs_results": 1, "docs_configuration": 1, "docs_performance": 1, "docs": 1}
    assert job_counts(output) == rules
    docs = smoke_run / "results/docs"  # the smoke config's docs_dir, never docs/
    assert not (smoke_run / "docs").exists()
    record = json.loads((smoke_run / "results/provenance.json").read_text())
    assert json.loads((docs / "provenance.json").read_text()) == record
    assert "outside a git checkout" in (docs / "results.md").read_text().splitlines()[2]
    for page in DOCS_PAGES:
        assert not page_problems(docs / page, record)
    results = (docs / "results.md").read_text()
    units = (smoke_run / "results/paper_units.md").read_text().splitlines()
    claims = (smoke_run / "results/claims.md").read_text().splitlines()
    assert all(line in results for line in units[1:] + claims if line.startswith("|"))
    assert png_size(docs / "paper_units.png")[0] >= 300
    configuration = (docs / "configuration.md").read_text()
    assert f"| `n_runs` | `30` | `{N_RUNS}` |" in configuration
    assert "| `config/smoke.yaml` | `n_runs: 2`; `epochs: 3`;" in configuration
    performance = (docs / "performance.md").read_text()
    assert "| `train_paper_code_seeds_0_1` |" in performance and "| `length_check` |" in performance
    for target in ((), ("docs",)):
        again = succeed(snakemake(smoke_run, corpus_dir, "-n", *target), smoke_run)
        assert "Nothing to be done" in again, again[-3000:]


def test_docs_refuses_to_write_the_reference_pages_from_another_config(
    smoke_run: Path, corpus_dir: Path
) -> None:
    """docs/ holds a full run's pages: the smoke run may not write there, even when asked."""
    result = snakemake(smoke_run, corpus_dir, "-n", "docs", config=("docs_dir=docs",))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "docs/ holds the pages of a full run of config/config.yaml" in output
    changed = output.split("but this run's config differs in ", 1)[-1].split(";", 1)[0]
    for key in ("benchmark_grid", "comparison_methods", "comparison_seeds", "n_runs"):
        assert key in changed.split(", "), output[-3000:]


@pytest.mark.parametrize("spelling", ["missing", "trailing slash", "relative"])
def test_another_spelling_of_the_corpus_source_reruns_nothing(
    smoke_run: Path, corpus_dir: Path, spelling: str
) -> None:
    """The corpus's identity is its checksum, not the string naming where it came from."""
    source = {
        "missing": f"{smoke_run}/no-such-folder",
        "trailing slash": f"{corpus_dir}/",
        "relative": os.path.relpath(corpus_dir, smoke_run),
    }[spelling]
    output = succeed(snakemake(smoke_run, source, "-n"), smoke_run)
    assert "Nothing to be done" in output, output[-3000:]


def test_make_without_corpus_on_a_finished_tree_reruns_nothing(
    smoke_run: Path, tmp_path: Path
) -> None:
    """Forgetting CORPUS= once names the default URL, which this offline test cannot reach."""
    workdir = tmp_path / "copy"
    shutil.copytree(smoke_run, workdir)  # copy2 keeps modification times
    done = run_make(workdir, "replicate", "SNAKEMAKE_ARGS=-n")
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert "Nothing to be done" in done.stdout + done.stderr


def test_failed_source_keeps_the_verified_corpus(
    smoke_run: Path, corpus_dir: Path, tmp_path: Path
) -> None:
    """A rerun of the download with an unreachable source installs the verified cached zip."""
    workdir = tmp_path / "copy"
    shutil.copytree(smoke_run, workdir)
    before = {name: (workdir / RAW / name).read_bytes() for name in CORPUS_FILES}
    result = snakemake(
        workdir,
        workdir / "no-such-folder",
        f"{RAW}/female.txt",
        "--forcerun",
        "download",
        "--cores",
        "1",
    )
    succeed(result, workdir)
    assert {name: (workdir / RAW / name).read_bytes() for name in CORPUS_FILES} == before
    assert "the source is not read" in (workdir / "logs/download/download.log").read_text()


@pytest.mark.parametrize(
    ("config", "retrains"),
    [(("n_runs=3", "seeds_per_job=3"), False), (("n_runs=3", "epochs=4"), True)],
)
def test_a_changed_setting_retrains_whatever_the_grouping(
    smoke_run: Path, corpus_dir: Path, config: tuple[str, ...], retrains: bool
) -> None:
    """Another grouping of seeds into jobs reuses the runs (their outputs are the same), but a
    setting that shapes them retrains them, even where the grouping changes the job's name."""
    target = "results/corrected/runs/seed0/losses.csv"
    output = succeed(snakemake(smoke_run, corpus_dir, target, "-n", config=config), smoke_run)
    if retrains:
        assert "train_corrected_seeds_0_2" in job_counts(output), output[-3000:]
        assert "Input files updated by another job: results/corrected/runs/settings.json" in output
    else:
        assert "Nothing to be done" in output, output[-3000:]


def test_single_target_rebuilds_alone(smoke_run: Path, corpus_dir: Path, tmp_path: Path) -> None:
    workdir = tmp_path / "copy"
    shutil.copytree(smoke_run, workdir)  # copy2 keeps modification times
    name = "figures/corrected/figure6.png"
    target = workdir / name
    target.unlink()
    others = [workdir / path for path in EXPECTED_FILES if path != name]
    before = {path: path.stat().st_mtime_ns for path in others if "logs/figure6" not in str(path)}
    output = succeed(snakemake(workdir, corpus_dir, name, "--cores", "1"), workdir)
    assert job_counts(output) == {"figure6": 1}
    assert png_size(target)[0] >= 300
    changed = [str(path) for path, mtime in before.items() if path.stat().st_mtime_ns != mtime]
    assert changed == [str(workdir / "figures/corrected/figure6.pdf")]


COMPARISON_METHODS = ("is_gan", "mle")  # config/smoke.yaml


COMPARISON_FILES = (
    "data/processed/split/train.txt",
    "data/processed/split/heldout.txt",
    "results/comparison/metrics.csv",
    "results/comparison/heldout_nll.csv",
    "results/comparison/summary.csv",
    "results/comparison/summary.md",
    "results/comparison/reference.csv",
    "results/comparison/provenance.json",
    "figures/comparison_metrics.png",
    "figures/comparison_curves.png",
    "figures/comparison_tradeoff.png",
)


@pytest.fixture(scope="module")
def comparison_run(smoke_run: Path, corpus_dir: Path) -> Path:
    """The smoke copy after `snakemake comparison`: 2 methods x 2 seeds x 2 epochs."""
    config = ("epochs=2", "eval_every=1")
    succeed(
        snakemake(smoke_run, corpus_dir, "--cores", "2", "comparison", config=config), smoke_run
    )
    return smoke_run


def test_comparison_writes_every_output(comparison_run: Path) -> None:
    missing = [name for name in COMPARISON_FILES if not (comparison_run / name).is_file()]
    assert not missing, f"missing outputs: {missing}"
    for name in COMPARISON_FILES[-3:]:
        assert png_size(comparison_run / name)[0] >= 300
    for method in COMPARISON_METHODS:
        for seed in range(2):
            run = comparison_run / f"results/comparison/runs/{method}/seed{seed}"
            assert (run / "checkpoint.pt").is_file() and (run / "heldout_nll.csv").is_file()


def test_comparison_split_is_disjoint(comparison_run: Path) -> None:
    train = set(read_lines(comparison_run / "data/processed/split/train.txt"))
    heldout = read_lines(comparison_run / "data/processed/split/heldout.txt")
    assert not train & set(heldout)
    assert len(heldout) == math.ceil(0.1 * len(train | set(heldout)))


def test_comparison_metrics_cover_methods_seeds_temperatures(comparison_run: Path) -> None:
    rows = read_csv(comparison_run / "results/comparison/metrics.csv")
    assert list(rows[0]) == ["method", "seed", "temperature", "metric", "value"]
    keys = {(r["method"], r["seed"], float(r["temperature"]), r["metric"]) for r in rows}
    metrics = {"heldout_nll_per_char", "length_tv", "mean_length", "novelty", "uniqueness"}
    metrics |= {"heldout_share", "bigram_jsd"}
    expected = {
        (m, str(s), t, k)
        for m in COMPARISON_METHODS
        for s in range(2)
        for t in (0.5, 0.7, 1.0, 1.3)
        for k in metrics
    }
    assert keys == expected and len(rows) == len(expected)
    assert all(math.isfinite(float(r["value"])) for r in rows)
    by_key = {(r["method"], r["seed"], float(r["temperature"]), r["metric"]): r for r in rows}
    for method in COMPARISON_METHODS:
        for metric in ("novelty", "uniqueness", "heldout_share", "length_tv", "bigram_jsd"):
            assert 0 <= float(by_key[(method, "0", 1.0, metric)]["value"]) <= 1


def test_comparison_curves_every_epoch(comparison_run: Path) -> None:
    rows = read_csv(comparison_run / "results/comparison/heldout_nll.csv")
    epochs = {(r["method"], r["seed"]): [] for r in rows}
    for r in rows:
        epochs[(r["method"], r["seed"])].append(int(r["epoch"]))
        assert 0.5 < float(r["heldout_nll_per_char"]) < 10  # about ln 27 = 3.3 at the start
    assert set(epochs) == {(m, str(s)) for m in COMPARISON_METHODS for s in range(2)}
    assert all(e == [0, 1, 2] for e in epochs.values())


def test_comparison_summary_table(comparison_run: Path) -> None:
    rows = read_csv(comparison_run / "results/comparison/summary.csv")
    methods = [r for r in rows if r["kind"] == "method"]
    assert {r["method"] for r in methods} == set(COMPARISON_METHODS)
    assert all(r["n_seeds"] == "2" for r in methods)
    references = {(r["method"], r["metric"]) for r in rows if r["kind"] == "reference"}
    assert ("trigram", "heldout_nll_per_char") in references
    text = (comparison_run / "results/comparison/summary.md").read_text()
    assert "| is_gan |" in text and "| mle |" in text and "Temperature 1.3" in text
    assert "## Reference points" in text and "| trigram model |" in text


def test_comparison_reference_points(comparison_run: Path) -> None:
    rows = read_csv(comparison_run / "results/comparison/reference.csv")
    assert list(rows[0]) == ["reference", "metric", "value"]
    nll = {r["reference"]: float(r["value"]) for r in rows if r["metric"] == "heldout_nll_per_char"}
    assert list(nll) == ["uniform", "unigram", "bigram", "trigram"]
    assert nll["uniform"] == pytest.approx(math.log(27))
    assert nll["uniform"] > nll["unigram"] > nll["bigram"] > nll["trigram"] > 1
    jsd = [float(r["value"]) for r in rows if r["metric"] == "bigram_jsd"]
    assert len(jsd) == 1 and 0 < jsd[0] < 0.1


def test_docs_comparison_page(comparison_run: Path, corpus_dir: Path) -> None:
    config = ("epochs=2", "eval_every=1")  # as comparison_run trained it
    output = succeed(
        snakemake(comparison_run, corpus_dir, "--cores", "1", "docs_comparison", config=config),
        comparison_run,
    )
    assert job_counts(output) == {"docs_comparison_page": 1, "docs_comparison": 1}
    page = comparison_run / "results/docs/comparison.md"
    record = json.loads((comparison_run / "results/comparison/provenance.json").read_text())
    assert not page_problems(page, record)
    text = page.read_text()
    assert "| is_gan |" in text and "### Temperature 1.3" in text and "| trigram model |" in text
    assert "| `compare_mle_seeds_0_1` |" in text
    assert png_size(comparison_run / "results/docs/comparison/comparison_tradeoff.png")[0] >= 300


def test_claims_table_has_every_claim_per_variant(smoke_run: Path) -> None:
    rows = read_csv(smoke_run / "results/claims.csv")
    assert {(r["variant"], int(r["number"])) for r in rows} == {
        (variant, number) for variant in VARIANTS for number in range(1, 6)
    }
    assert {r["verdict"] for r in rows} <= {"holds", "partly", "does not hold", "n/a"}
    claim2 = [r for r in rows if r["number"] == "2"]
    assert all(r["verdict"] == "n/a" and "20-epoch window" in r["detail"] for r in claim2)
    text = (smoke_run / "results/claims.md").read_text()
    assert "| " + " | ".join(VARIANTS) + " |" in text and "Rules:" in text


def test_calibration_recomputes_the_tables_from_the_runs(smoke_run: Path) -> None:
    """scripts/calibrate_*.py resample runs and recompute verify's values from them: on a real
    run the recomputed values equal the workflow's tables (a difference raises)."""
    tables = table_values(smoke_run / "results", VARIANTS)
    assert len(tables) == 10 * len(VARIANTS) + 1  # paper units 3, lengths 2, claims 5
    curves = [f"results/comparison/runs/is_gan/seed{seed}/heldout_nll.csv" for seed in (0, 1)]
    real_mean = tables["lengths[corrected].real_mean"]
    pool = read_set(
        smoke_run, VARIANTS, [0, 1], {"corrected": curves}, real_mean, N_SAMPLES, WINDOW
    )
    recomputed = set_values(pool, pool.runs, pool.heldout, pool.length_check)
    assert set(recomputed) == set(tables) - {f"lengths[{v}].real_mean" for v in VARIANTS}
    check_recomputed(tables, recomputed, smoke_run)
    key = "paper_units[paper_code].ln_g_mean"
    with pytest.raises(UserError, match=r"paper_code\]\.ln_g_mean is .* recomputed"):
        check_recomputed(tables, {**recomputed, key: recomputed[key] + 1e-6}, smoke_run)


def test_provenance_records_the_run(smoke_run: Path) -> None:
    record = json.loads((smoke_run / "results/provenance.json").read_text())
    assert record["config"]["n_runs"] == N_RUNS and record["config"]["epochs"] == EPOCHS
    assert record["config"]["corpus_sha256"] and record["config"]["corpus_source"]
    assert sorted(record["configfiles"]) == ["config/config.yaml", "config/smoke.yaml"]
    assert record["git"] == {"commit": None, "dirty": None}  # the copy is no git checkout
    assert record["packages"]["snakemake"] and record["cpu"] and record["threads"] == 1
    assert record["started"] <= record["finished"]
    variant = json.loads((smoke_run / "results/paper_code/provenance.json").read_text())
    assert variant["config"] == record["config"]


def test_verify_refuses_a_config_without_expectations(smoke_run: Path, corpus_dir: Path) -> None:
    result = snakemake(smoke_run, corpus_dir, "verify", "-n")
    assert result.returncode != 0
    assert "sets no `expectations` file" in result.stdout + result.stderr


def test_snakemake_report_builds(smoke_run: Path, corpus_dir: Path) -> None:
    report = smoke_run / "report.html"
    succeed(snakemake(smoke_run, corpus_dir, "--report", "report.html"), smoke_run)
    html = report.read_text(encoding="utf-8", errors="replace")
    assert len(html) > 10_000 and "claims" in html.lower()


@pytest.fixture(scope="module")
def benchmark_run(smoke_run: Path, corpus_dir: Path) -> Path:
    """The smoke copy after `snakemake benchmark docs_benchmark`: mle and bgan, two
    configurations each, one search seed, two final seeds, three epochs (one pre-training)."""
    config = ("eval_every=1", "eval_samples=200")
    targets = ("benchmark", "docs_benchmark")
    succeed(snakemake(smoke_run, corpus_dir, "--cores", "2", *targets, config=config), smoke_run)
    return smoke_run


def test_benchmark_splits_are_disjoint(benchmark_run: Path) -> None:
    folder = benchmark_run / "data/processed/benchmark"
    train, validation, test = (
        set(read_lines(folder / f"{part}.txt")) for part in ("train", "validation", "test")
    )
    assert not train & validation and not train & test and not validation & test
    total = len(train | validation | test)
    assert len(validation) == len(test) == math.ceil(0.1 * total)


def test_benchmark_selects_on_validation_and_trains_fresh_seeds(benchmark_run: Path) -> None:
    rows = read_csv(benchmark_run / "results/benchmark/selection.csv")
    assert {(r["method"], r["regime"]) for r in rows} == set(BENCHMARK_PAIRS)
    assert {r["config"] for r in rows} == {"0", "1"} and {r["seed"] for r in rows} == {"0"}
    for method, regime in BENCHMARK_PAIRS:
        picked = [r for r in rows if (r["method"], r["regime"]) == (method, regime)]
        best = min(picked, key=lambda r: (float(r["validation_nll_per_char"]), int(r["config"])))
        assert [r["selected"] for r in picked].count("True") == 1 and best["selected"] == "True"
        folder = benchmark_run / f"results/benchmark/final/{method}/{regime}"
        chosen = json.loads((folder / "settings.json").read_text())
        search = benchmark_run / f"results/benchmark/search/{method}/{regime}/c{best['config']}"
        assert chosen == json.loads((search / "settings.json").read_text())
        assert chosen["pretrain_epochs"] == (1 if regime == "pretrained" else 0)
        assert chosen["epochs"] == 3 and chosen["objective"] == method
        assert sorted(p.name for p in folder.glob("seed*")) == ["seed1", "seed2"]


def test_benchmark_scores_every_final_run_on_test(benchmark_run: Path) -> None:
    rows = read_csv(benchmark_run / "results/benchmark/metrics.csv")
    assert list(rows[0]) == ["method", "regime", "seed", "temperature", "metric", "value"]
    keys = {(r["method"], r["regime"], r["seed"], r["metric"]) for r in rows}
    for method, regime in BENCHMARK_PAIRS:
        for seed in ("1", "2"):
            for metric in ("test_nll_per_char", "reference_nll_per_char", "bigram_jsd"):
                assert (method, regime, seed, metric) in keys
    curves = read_csv(benchmark_run / "results/benchmark/curves.csv")
    assert {(r["method"], r["regime"]) for r in curves} == set(BENCHMARK_PAIRS)
    page = (benchmark_run / "results/docs/benchmark.md").read_text()
    assert "## Protocol" in page and "benchmark/benchmark_quality_diversity.png" in page
    assert "figures/" not in page  # only the copies beside the page are linked
    for name in ("benchmark_quality_diversity.png", "benchmark_curves.png"):
        assert png_size(benchmark_run / "results/docs/benchmark" / name)[0] >= 300
