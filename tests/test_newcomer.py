"""The project as a newcomer meets it: the licence and the citation, plain `snakemake` with
the default profile, and a toolchain that needs Python alone."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from workflow_helpers import copy_workflow, venv_env

PROJECT = Path(__file__).resolve().parents[1]
# The keys the Citation File Format 1.2.0 requires of the file, and of each reference.
CFF_KEYS = {"cff-version", "message", "title", "authors"}
CFF_REFERENCE_KEYS = {"type", "title", "authors"}


def citation() -> dict:
    return yaml.safe_load((PROJECT / "CITATION.cff").read_text(encoding="utf-8"))


def test_citation_has_the_required_keys() -> None:
    cff = citation()
    assert CFF_KEYS <= set(cff), f"CITATION.cff lacks {sorted(CFF_KEYS - set(cff))}"
    assert cff["cff-version"] == "1.2.0"
    assert cff["type"] == "software" and cff["authors"]
    for reference in cff["references"]:
        assert CFF_REFERENCE_KEYS <= set(reference), reference
        assert reference["authors"], reference


def test_citation_agrees_with_the_package_and_the_readme() -> None:
    """The version and licence are pyproject's; the paper the README links is the one cited."""
    cff = citation()
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert cff["version"] == project["version"]
    assert cff["license"] == project["license"] == "MIT"
    paper = cff["references"][0]
    assert paper["title"] == "GAN Training for Discrete Generators"
    assert paper["authors"] == [{"family-names": "Toth", "given-names": "Viktor"}]
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert paper["url"] in readme and paper["repository-code"] in readme


def test_licence_is_mit() -> None:
    licence = (PROJECT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License\n")
    assert re.search(r"^Copyright \(c\) \d{4} the discrete-gan authors$", licence, re.MULTILINE)


DEFAULT_PROFILE = "Using workflow specific profile profiles/default"


@pytest.fixture(scope="module")
def fresh_checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workflow files as a fresh clone has them, in a folder of their own."""
    return copy_workflow(tmp_path_factory.mktemp("checkout"))


def plain_snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """`snakemake ARGS` as a user types it, with the environment active: no --cores, no
    profile named, this interpreter's folder (its `discrete-gan`) first on PATH."""
    command = [sys.executable, "-m", "snakemake", *args]
    return subprocess.run(
        command, cwd=workdir, env=venv_env(), capture_output=True, text=True, timeout=600
    )


def default_profile() -> dict:
    return yaml.safe_load((PROJECT / "profiles/default/config.yaml").read_text(encoding="utf-8"))


def test_plain_snakemake_dry_run_uses_the_default_profile(fresh_checkout, corpus_dir) -> None:
    done = plain_snakemake(fresh_checkout, "-n", "--config", f"corpus_source={corpus_dir}")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert DEFAULT_PROFILE in output
    assert re.search(r"^all\s+1$", output, re.MULTILINE), output[-3000:]


def test_plain_snakemake_runs_as_make_does(fresh_checkout, tmp_path) -> None:
    """Without --cores (which Snakemake demands for a run) the profile's cores are used, and
    a failed step's one-sentence error reaches the terminal, as under `make replicate`."""
    nowhere = tmp_path / "nowhere"
    done = plain_snakemake(
        fresh_checkout, "data/raw/README", "--config", f"corpus_source={nowhere}"
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert DEFAULT_PROFILE in output
    assert f"Provided cores: {default_profile()['cores']}" in output, output[-3000:]
    assert f"error: corpus source {nowhere} does not exist" in output, output[-3000:]


def test_the_slurm_profile_takes_the_default_profiles_place(fresh_checkout, corpus_dir) -> None:
    """The default profile's cores would cap a cluster run: the SLURM profile, named as the
    workflow profile, replaces it."""
    args = ("-n", "--workflow-profile", "profiles/slurm", "--config", f"corpus_source={corpus_dir}")
    done = plain_snakemake(fresh_checkout, *args)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "Using workflow specific profile profiles/slurm" in output
    assert "profiles/default" not in output


def test_the_readme_and_the_makefile_take_the_profiles_settings() -> None:
    """The profile is where `make` gets its cores, and what the README says plain `snakemake`
    gets."""
    profile = default_profile()
    assert profile["show-failed-logs"] is True
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert f"`--cores {profile['cores']}`" in readme
    makefile = (PROJECT / "Makefile").read_text(encoding="utf-8").splitlines()
    code = [line for line in makefile if not line.startswith("#")]
    assert "CORES ?=" in code  # empty: the profile's, unless make is given CORES=
    assert not [line for line in code if "--show-failed-logs" in line]


def pip_lines(env_file: Path) -> list[str]:
    """The `pip:` entries of a conda environment file."""
    env = yaml.safe_load(env_file.read_text(encoding="utf-8"))
    (pip,) = [entry["pip"] for entry in env["dependencies"] if isinstance(entry, dict)]
    return pip


def test_the_conda_environment_file_reads_its_folders_files() -> None:
    """conda runs pip in the environment file's folder: `-r` and `-e` paths are read there."""
    for line in pip_lines(PROJECT / "environment.yml"):
        option, path = line.split()
        assert option in ("-r", "-e") and (PROJECT / path).exists(), line


def test_the_rules_conda_environment_installs_the_checkout_from_anywhere(tmp_path) -> None:
    """Snakemake copies workflow/envs/discrete-gan.yaml into the working directory's
    .snakemake/conda/ before conda reads it: from there, with the checkout that the workflow
    exports as DISCRETE_GAN_PROJECT, pip resolves every line (a dry run, against this
    environment, which holds the pinned packages already)."""
    copied = tmp_path / "elsewhere" / ".snakemake" / "conda"
    copied.mkdir(parents=True)
    requirements = copied / "requirements.txt"  # as conda writes the pip lines, beside the file
    requirements.write_text("\n".join(pip_lines(PROJECT / "workflow/envs/discrete-gan.yaml")))
    env = dict(os.environ, DISCRETE_GAN_PROJECT=str(PROJECT))
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-index"]
    command += ["--no-build-isolation", "-r", str(requirements)]
    done = subprocess.run(command, cwd=copied, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert "Would install discrete-gan" in done.stdout
    common = (PROJECT / "workflow/rules/common.smk").read_text(encoding="utf-8")
    assert "os.environ.update(DISCRETE_GAN_PROJECT=workflow.basedir)" in common
