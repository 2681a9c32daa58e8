"""`make generality` end to end, in small: the names corpus and a word list of another
alphabet, each in its own folder, then the page with a section per corpus."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from word_lists import LETTERS, N_WORDS, word_list
from workflow_helpers import copy_workflow, read_csv, run_make


def test_make_generality_in_small(tmp_path: Path, corpus_dir: Path) -> None:
    """`make generality` on the smoke config: the names corpus and a word list given as a
    built corpus (so the corpora packages are not needed), each in its own folder, then the
    page with a stamped section per corpus and every finding's verdict."""
    workdir = copy_workflow(tmp_path / "copy")
    runs = tmp_path / "generality"
    (runs / "corpora").mkdir(parents=True)
    word_list(runs / "corpora" / "words.txt")
    page = tmp_path / "docs" / "generality.md"
    venv = Path(sys.executable).parent.parent
    done = run_make(
        workdir,
        "generality",
        *("-o", f"{venv}/.generality-installed"),
        f"GENERALITY_DIR={runs}",
        "GENERALITY_CONFIG=config/generality.yaml config/smoke.yaml",
        "GENERALITY_CORPORA=names words",
        f"GENERALITY_PAGE={page}",
        f"CORPUS={corpus_dir}",
        "CORES=2",
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    text = page.read_text(encoding="utf-8")
    for name in ("names", "words"):
        summary = json.loads((runs / name / "results/generality.json").read_text())
        verdicts = {found["key"]: found["verdict"] for found in summary["findings"]}
        assert set(verdicts) == {"ignores_d", "measures_length", "worse_than_mle"}
        dependence = read_csv(runs / name / "results/signatures_runs.csv")
        code = [row for row in dependence if row["variant"] == "paper_code"]
        assert [float(row["relative_change"]) for row in code] == [0.0] * 2
        assert verdicts["ignores_d"] in ("holds", "not shown"), summary["findings"]
        assert summary["settings"]["n_runs"] == 2 and summary["settings"]["epochs"] == 3
        assert f"## `{name}`" in text
        for copied in ("provenance.json", "paper_units.png"):
            assert (page.parent / "generality" / name / copied).is_file()
    names = json.loads((runs / "names/results/generality.json").read_text())["findings"]
    assert [found["verdict"] for found in names][0] == "holds"  # its discriminators learnt
    words = json.loads((runs / "words/results/generality.json").read_text())["corpus"]
    assert words["items"] == N_WORDS and set(words["alphabet"]) == set(LETTERS + "ë")
    assert "Source: the list `words.txt` (corpus_file)." in text
    assert text.count("> Run: ") == 2 and "| the discriminator measures length |" in text
