"""Record where a results folder came from: code, config, software, machine and time.

The workflow writes one provenance.json into each results folder (results/, each variant's,
the comparison's) once that folder's tables are done; `verify`, the Snakemake report and the
docs pages show it.
"""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

PACKAGES = ("discrete-gan", "torch", "numpy", "numba", "pandas", "matplotlib", "seaborn")
PACKAGES += ("snakemake", "PyYAML", "jsonschema")
EXCLUDE_DOCS = ":(top,exclude)docs"


def git_state(project: Path) -> dict:
    """{"commit", "dirty"} of the checkout at `project` (dirty: a tracked file outside docs/
    differs from the commit); both None outside a git checkout."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(project), *args], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    # docs/ is written by the workflow itself (the docs pages), so it does not make a tree dirty
    status = git("status", "--porcelain", "--untracked-files=no", "--", ":(top)", EXCLUDE_DOCS)
    return {"commit": commit.strip(), "dirty": bool(status and status.strip())}


def package_versions() -> dict[str, str | None]:
    """Installed version of each package the pipeline runs on (None if absent)."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def cpu_fields() -> dict[str, str]:
    """The first CPU's fields in /proc/cpuinfo (Linux); empty elsewhere."""
    cpuinfo = Path("/proc/cpuinfo")
    fields: dict[str, str] = {}
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.strip():
                break
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
    return fields


def cpu_model() -> str:
    """The CPU's model name with its family and widest vector unit, e.g. "AMD EPYC (family
    26, AVX-512)": the kind of machine, which decides how the numba kernels round (a virtual
    machine often reports only the vendor's line as its model name)."""
    fields = cpu_fields()
    if "model name" not in fields:
        return platform.processor() or platform.machine()
    flags = set(fields.get("flags", "").split())
    vector = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    family = f"family {fields['cpu family']}, " if "cpu family" in fields else ""
    return f"{fields['model name']} ({family}{vector})"


def provenance(
    project: Path, config: dict, configfiles: list[str], started: str, threads: int
) -> dict:
    """The provenance record of a results folder written now."""
    return {
        "git": git_state(project),
        "configfiles": configfiles,
        "config": config,
        "packages": package_versions(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "threads": threads,
        "started": started,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
    }
