"""docs/findings.md: its prose is a template, every number read from the stamped run's tables.

The committed page must be exactly the template rendered from the tables committed beside it
in docs/ (the reference run's), so no number on it can drift from the run its stamps name."""

from __future__ import annotations

from pathlib import Path

import pytest

from discrete_gan.analysis import findings
from discrete_gan.analysis.docs import read_json
from discrete_gan.fileio import UserError

PROJECT = Path(__file__).resolve().parents[1]
DOCS = PROJECT / "docs"
TEMPLATE = PROJECT / "workflow/templates/findings.md"


def reference_facts() -> dict:
    variants = read_json(DOCS / "provenance.json")["config"]["variants"]
    return findings.facts(DOCS, DOCS / "comparison", variants)


def test_the_committed_page_is_the_template_rendered_from_the_stamped_tables() -> None:
    page = findings.render(
        TEMPLATE.read_text(encoding="utf-8"),
        reference_facts(),
        read_json(DOCS / "provenance.json"),
        read_json(DOCS / "comparison/provenance.json"),
    )
    committed = (DOCS / "findings.md").read_text(encoding="utf-8")
    assert committed == page, "docs/findings.md differs from its template and tables: make docs"


def test_the_page_names_both_runs_it_quotes() -> None:
    head = (DOCS / "findings.md").read_text(encoding="utf-8").split("\n## ", 1)[0]
    commit = read_json(DOCS / "provenance.json")["git"]["commit"][:7]
    comparison = read_json(DOCS / "comparison/provenance.json")["git"]["commit"][:7]
    assert f"> The replication's run: commit `{commit}`" in head
    assert f"> The comparison's run: commit `{comparison}`" in head


def test_a_fact_the_tables_lack_is_named() -> None:
    values = reference_facts()
    record = {"git": {"commit": "0123456789"}}
    with pytest.raises(UserError, match=r"quotes \{units\[nope\]\[ln_d_mean\]\}"):
        findings.render("{units[nope][ln_d_mean]:.2f}", values, record, record)
    text = findings.render("{units[paper][ln_d_mean]:.1f} {{variant}}", values, record, record)
    assert text.endswith("-10.6 {variant}")
