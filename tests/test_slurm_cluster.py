"""The workflow through profiles/slurm on a real SLURM cluster, with accounting and without.

The clusters are the single-node ones of `.ci/slurm-cluster.sh` (Debian's SLURM 22.05): .ci/run
starts one with job accounting (slurmdbd) and one without, side by side, and names their
configuration files in DISCRETE_GAN_SLURM_CONF and DISCRETE_GAN_SLURM_CONF_NO_ACCOUNTING.
Without a cluster these tests are skipped, saying why, unless REQUIRE_SLURM=1 (which .ci/run
sets): then they fail.

The runs use the profile as shipped with one change, the first status check after 1 s instead
of 40 s (on this idle cluster a job starts at once and ends within seconds). The run with
accounting also sets what a site would, an account and a non-default partition, and to keep CI
short trains one of the six variants of the smoke config (corrected): every output of it is
checked, and every SLURM job must be COMPLETED in `sacct`, charged to that account on that
partition. The run without accounting, where sacct fails, builds the filtered names and the
held-out split (two SLURM jobs): it checks that the profile sees its jobs end there instead of
waiting forever. A third run, with accounting, is the smoke benchmark (`snakemake benchmark`):
every searched configuration is one SLURM job, and all of its jobs complete. Each run checks
which rules ran on the cluster: the bookkeeping after training runs locally.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from workflow_helpers import (
    BENCHMARK_PAIRS,
    EXPECTED_FILES,
    FINAL_JOBS,
    SEARCH_JOBS,
    VARIANTS,
    copy_workflow,
    job_counts,
    snakemake,
    succeed,
)

ACCOUNT = "discrete-gan"  # .ci/slurm-cluster.sh lets root charge it, with accounting
PARTITION = "short"  # the cluster's partition besides the default, `main`
RUN_VARIANTS = ("corrected",)
# the smoke config's training jobs (2 seeds each) of those variants and of claim 2's comparison
CLUSTER_TRAINING = {f"train_{v}_seeds_0_1" for v in RUN_VARIANTS} | {"compare_is_gan_seeds_0_1"}
FAST_POLLING = ("--slurm-init-seconds-before-status-checks", "1")
UNFINISHED = {"PENDING", "RUNNING", "COMPLETING", "CONFIGURING", "REQUEUED", "RESIZING"}
SACCT_FIELDS = ("JobIDRaw", "State", "Account", "Partition")


def slurm(conf: Path, *command: str) -> subprocess.CompletedProcess:
    """A SLURM command against the cluster of `conf`."""
    env = dict(os.environ, SLURM_CONF=str(conf))
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def cluster(variable: str, up: str) -> Path:
    """The slurm.conf that `variable` names, once its cluster answers `sinfo`.

    Skips the test when there is none, or fails it under REQUIRE_SLURM=1; `up` is the
    `.ci/slurm-cluster.sh` command that starts such a cluster.
    """
    conf = os.environ.get(variable)
    if not conf:
        reason = (
            f"no SLURM test cluster: {variable} is unset (as root, `.ci/slurm-cluster.sh {up}` "
            f"starts one; then set {variable}=DIR/etc/slurm.conf, as .ci/run does)"
        )
    elif not Path(conf).is_file():
        reason = f"{variable} names {conf}, which is not a file"
    elif shutil.which("sinfo") is None:
        reason = f"{variable} is set but SLURM's commands are not installed (no sinfo on PATH)"
    else:
        probe = slurm(Path(conf), "sinfo", "--noheader")
        reason = None
        if probe.returncode != 0:
            reason = f"the SLURM cluster of {conf} does not answer sinfo: {probe.stderr.strip()}"
    if reason is None:
        return Path(conf)
    if os.environ.get("REQUIRE_SLURM") == "1":
        pytest.fail(f"{reason}; REQUIRE_SLURM=1 requires it", pytrace=False)
    pytest.skip(reason)


def run_profile(
    workdir: Path, corpus: Path, *args: str, config: tuple[str, ...] = (), timeout: float
) -> str:
    """`snakemake --workflow-profile profiles/slurm` (in place of the default profile, as
    docs/cluster.md runs it) with fast polling, on the cluster that $SLURM_CONF names: its
    output, after checking that it succeeded within `timeout` seconds."""
    args = ("--workflow-profile", "profiles/slurm", *FAST_POLLING, *args)
    try:
        result = snakemake(workdir, corpus, *args, config=config, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(
            f"snakemake --workflow-profile profiles/slurm did not finish within {timeout} s on the "
            f"cluster of {os.environ['SLURM_CONF']}: it waits for jobs whose end it never sees",
            pytrace=False,
        )
    return succeed(result, workdir)


def submitted(output: str) -> tuple[str, set[str]]:
    """The plugin's run ID (every job's SLURM name) and the SLURM job IDs it submitted."""
    run_id = re.search(r"SLURM run ID: (\S+)", output)
    assert run_id, output[-3000:]
    return run_id.group(1), set(re.findall(r"submitted with SLURM jobid (\d+)", output))


def cluster_jobs(output: str) -> dict[str, int]:
    """{rule: jobs} of the 'Job stats' table, less the rules Snakemake ran locally (those it
    announces as `localrule`)."""
    local = set(re.findall(r"^localrule (\w+):", output, flags=re.MULTILINE))
    return {rule: n for rule, n in job_counts(output).items() if rule not in local}


def accounted(conf: Path, run_id: str, n_jobs: int) -> list[dict[str, str]]:
    """sacct's rows of the run's jobs once it lists `n_jobs` jobs, all ended (accounting hears
    of an end a moment after squeue does), or after a minute."""
    command = ["sacct", "-X", "--parsable2", "--noheader", "--starttime", "now-1days"]
    command += ["--name", run_id, "--format", ",".join(SACCT_FIELDS)]
    deadline = time.monotonic() + 60
    while True:
        result = slurm(conf, *command)
        assert result.returncode == 0, result.stderr
        rows = [dict(zip(SACCT_FIELDS, line.split("|"))) for line in result.stdout.splitlines()]
        ended = len(rows) >= n_jobs and not any(row["State"] in UNFINISHED for row in rows)
        if ended or time.monotonic() > deadline:
            return rows
        time.sleep(1)


def run_files() -> list[str]:
    """The smoke run's outputs (EXPECTED_FILES), less those of the variants left out here."""
    left_out = set(VARIANTS) - set(RUN_VARIANTS)
    return [name for name in EXPECTED_FILES if not any(variant in name for variant in left_out)]


def test_smoke_run_completes_every_job_in_accounting(
    tmp_path: Path, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = cluster("DISCRETE_GAN_SLURM_CONF", "up DIR")
    monkeypatch.setenv("SLURM_CONF", str(conf))  # the jobs inherit the submitting environment
    workdir = copy_workflow(tmp_path / "workflow")
    # on the command line, --default-resources replaces the profile's (mem_mb and runtime,
    # which every rule sets itself)
    site = ("--default-resources", f"slurm_account={ACCOUNT}", f"slurm_partition={PARTITION}")
    variants = f"variants=[{','.join(RUN_VARIANTS)}]"
    output = run_profile(workdir, corpus_dir, *site, config=(variants,), timeout=600)
    missing = [name for name in run_files() if not (workdir / name).is_file()]
    assert not missing, f"missing outputs: {missing}"
    # on the cluster: the data steps, the training, the length check and claim 2's comparison
    # runs; the bookkeeping after training ran locally
    jobs = cluster_jobs(output)
    assert set(jobs) == {"filter_names", "split_names", "length_check", *CLUSTER_TRAINING}
    run_id, job_ids = submitted(output)
    assert len(job_ids) == sum(jobs.values())
    rows = accounted(conf, run_id, len(job_ids))
    assert {row["JobIDRaw"] for row in rows} == job_ids, rows
    charged = {(row["State"], row["Account"], row["Partition"]) for row in rows}
    assert charged == {("COMPLETED", ACCOUNT, PARTITION)}, rows
    assert "trying to guess" not in output  # the plugin took the account it was given


def test_profile_sees_jobs_end_without_accounting(
    tmp_path: Path, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = cluster("DISCRETE_GAN_SLURM_CONF_NO_ACCOUNTING", "up --no-accounting DIR")
    monkeypatch.setenv("SLURM_CONF", str(conf))
    sacct = slurm(conf, "sacct")
    assert sacct.returncode != 0, "this cluster has accounting: the test would not test its path"
    assert "accounting storage is disabled" in sacct.stdout + sacct.stderr
    workdir = copy_workflow(tmp_path / "workflow")
    targets = ("data/processed/names.txt", "data/processed/split/heldout.txt")
    output = run_profile(workdir, corpus_dir, *targets, timeout=240)
    assert all((workdir / target).is_file() for target in targets)
    run_id, job_ids = submitted(output)
    assert cluster_jobs(output) == {"filter_names": 1, "split_names": 1}
    assert len(job_ids) == 2
    listed = slurm(conf, "squeue", "--states=all", "--noheader", "--name", run_id, "-o", "%i|%T")
    assert set(listed.stdout.split()) == {f"{job_id}|COMPLETED" for job_id in job_ids}


def test_benchmark_runs_one_job_per_configuration(
    tmp_path: Path, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The smoke benchmark (mle and bgan, two configurations each, bgan in both regimes)
    through the profile: one SLURM job per searched configuration and per final run, all
    COMPLETED in accounting, and the benchmark's tables written."""
    conf = cluster("DISCRETE_GAN_SLURM_CONF", "up DIR")
    monkeypatch.setenv("SLURM_CONF", str(conf))
    workdir = copy_workflow(tmp_path / "workflow")
    output = run_profile(workdir, corpus_dir, "benchmark", timeout=600)
    evaluations = {f"benchmark_evaluate_{m}_{r}" for m, r in BENCHMARK_PAIRS}
    # on the cluster: the data steps, the reference model, each configuration's search, each
    # final run and its evaluation; the selection, tables and report ran locally
    jobs = cluster_jobs(output)
    data = {"filter_names", "benchmark_split", "benchmark_reference"}
    assert set(jobs) == data | SEARCH_JOBS | FINAL_JOBS | evaluations
    assert set(jobs.values()) == {1}
    run_id, job_ids = submitted(output)
    assert len(job_ids) == len(jobs)
    rows = accounted(conf, run_id, len(job_ids))
    assert {row["JobIDRaw"] for row in rows} == job_ids, rows
    assert {row["State"] for row in rows} == {"COMPLETED"}, rows
    for name in ("selection.csv", "metrics.csv", "summary.csv", "report.md", "provenance.json"):
        assert (workdir / "results/benchmark" / name).is_file(), name
