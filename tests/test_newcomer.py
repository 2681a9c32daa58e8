"""The project as a newcomer meets it: the licence and the citation, plain `snakemake` with
the default profile, and a toolchain that needs Python alone."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

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
