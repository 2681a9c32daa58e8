"""Dry runs of the workflow in an untouched copy: configs it refuses, how it groups seeds into
jobs (locally and through the SLURM profile), and what each single variant plans."""

from __future__ import annotations

from pathlib import Path

import pytest
from workflow_helpers import (
    FINAL_JOBS,
    PER_VARIANT_RULES,
    SEARCH_JOBS,
    VARIANTS,
    copy_workflow,
    job_counts,
    snakemake,
    succeed,
)


@pytest.fixture(scope="module")
def fresh_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the workflow that only dry runs touch."""
    return copy_workflow(tmp_path_factory.mktemp("fresh"))


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("epochs=-1", "-1 is less than the minimum of 1"),
        ("n_runs=0", "0 is less than the minimum of 1"),
        ("objective=wgan", "'wgan' is not one of ['is_gan', 'mle'"),
        ("epocs=3", "Additional properties are not allowed ('epocs' was unexpected)"),
        ("deduplicate=yes", "'yes' is not of type 'boolean'"),
    ],
)
def test_invalid_config_fails_schema_validation(
    fresh_copy: Path, corpus_dir: Path, override: str, message: str
) -> None:
    result = snakemake(fresh_copy, corpus_dir, "-n", config=(override,))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Error validating config file" in output and message in output, output[-3000:]


@pytest.mark.parametrize("max_len", [10, 11])
def test_max_len_of_max_steps_or_more_is_refused(
    fresh_copy: Path, corpus_dir: Path, max_len: int
) -> None:
    """Names of max_steps letters would have no end symbol, longer ones no room at all."""
    result = snakemake(fresh_copy, corpus_dir, "-n", config=(f"max_len={max_len}",))
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert f"max_len is {max_len} but a sequence of max_steps=10 symbols" in output
    assert "Traceback" not in output


def test_figure_run_beyond_the_runs_is_refused(fresh_copy: Path, corpus_dir: Path) -> None:
    result = snakemake(fresh_copy, corpus_dir, "-n", config=("figure_run=2",))
    assert result.returncode != 0
    assert "figure_run is 2 but only seeds 0..1 are trained" in result.stdout + result.stderr
    result = snakemake(fresh_copy, corpus_dir, "-n", config=("first_seed=4",))
    assert result.returncode != 0
    assert "figure_run is 0 but only seeds 4..5 are trained" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("config", "train_jobs"),
    [
        ((), {f"train_{variant}_seeds_0_1" for variant in VARIANTS}),
        (
            ("seeds_per_job=1", "variants=[corrected]"),
            {"train_corrected_seeds_0_0", "train_corrected_seeds_1_1"},
        ),
        (
            ("n_runs=5", "seeds_per_job=2", "variants=[paper_code]"),
            {"train_paper_code_seeds_0_1", "train_paper_code_seeds_2_3"}
            | {"train_paper_code_seeds_4_4"},
        ),
        (
            ("first_seed=4", "figure_run=5", "variants=[corrected]"),
            {"train_corrected_seeds_4_5"},
        ),
    ],
)
def test_slurm_profile_dry_run_groups_seeds(
    fresh_copy: Path, corpus_dir: Path, config: tuple[str, ...], train_jobs: set[str]
) -> None:
    args = ("-n", "--workflow-profile", "profiles/slurm")
    result = snakemake(fresh_copy, corpus_dir, *args, config=config)
    output = succeed(result, fresh_copy)
    assert "Using workflow specific profile profiles/slurm" in output
    counts = job_counts(output)
    assert {rule for rule in counts if rule.startswith("train_")} == train_jobs
    variants = {job.removeprefix("train_").split("_seeds_")[0] for job in train_jobs}
    per_variant = set(PER_VARIANT_RULES)
    assert all(counts[rule] == (len(variants) if rule in per_variant else 1) for rule in counts)
    others = {"download", "filter_names", "all", "claims", *per_variant}
    others |= {"figure5_variants", "figure6_variants", "diagnostics_figure"}
    others |= {"length_check", "paper_units", "provenance"}
    others |= {"split_names", "method_settings"} if "corrected" in variants else set()
    # claim 2's held-out trend: the comparison's is_gan runs, grouped as the training runs, of
    # the corrected variant's generator (none without it)
    compare = {rule for rule in counts if rule.startswith("compare_")}
    assert all(rule.startswith("compare_is_gan_seeds_") for rule in compare)
    assert bool(compare) == ("corrected" in variants)
    if "first_seed=4" in config:  # the comparison's seeds start where the runs' do
        assert compare == {"compare_is_gan_seeds_4_5"}
    assert set(counts) - train_jobs - compare == others


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_single_variant_plans_the_whole_replication(
    fresh_copy: Path, corpus_dir: Path, variant: str
) -> None:
    """Any one variant alone plans every target of `rule all`; claim 2's held-out curves (the
    comparison's is_gan runs, of the corrected variant's generator) only with corrected."""
    result = snakemake(fresh_copy, corpus_dir, "-n", config=(f"variants=[{variant}]",))
    counts = job_counts(succeed(result, fresh_copy))
    assert counts[f"train_{variant}_seeds_0_1"] == 1
    assert all(counts[rule] == 1 for rule in ("claims", "paper_units", "provenance", "all"))
    compare = {rule for rule in counts if rule.startswith("compare_")}
    assert compare == ({"compare_is_gan_seeds_0_1"} if variant == "corrected" else set())


def test_slurm_profile_dry_run_plans_one_benchmark_job_per_configuration(
    fresh_copy: Path, corpus_dir: Path
) -> None:
    """On a cluster the benchmark's search is one job per configuration (its seeds together),
    and the final runs one job per method and regime, through the same profile."""
    result = snakemake(
        fresh_copy, corpus_dir, "-n", "--workflow-profile", "profiles/slurm", "benchmark"
    )
    counts = job_counts(succeed(result, fresh_copy))
    search = {rule for rule in counts if rule.startswith("search_")}
    assert search == SEARCH_JOBS
    assert all(counts[rule] == 1 for rule in search)
    assert {rule for rule in counts if rule.startswith("final_")} == FINAL_JOBS
    assert counts["benchmark_search_settings"] == len(search)
