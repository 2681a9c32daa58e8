"""docs/generality.md: the paper's findings on every corpus of `make generality`, each corpus's
section stamped from its own run's provenance.json and built from that run's tables alone."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from discrete_gan.analysis.docs import (
    REWRITE_NOTE,
    embed,
    image,
    length_check_table,
    read_json,
    stamp,
)
from discrete_gan.analysis.generality import D_USED_MIN, FINDINGS
from discrete_gan.analysis.markdown import markdown_table
from discrete_gan.analysis.signatures import D_FREE_MAX

REWRITE = "Do not edit this page: `make generality` writes it from the runs' outputs."
NAMES_CORPUS = "the names corpus (NLTK's copy of Kantrowitz's female and male names)"


@dataclass(frozen=True)
class CorpusRun:
    """One corpus's finished run: its folder (where `snakemake --directory` ran) and, for a
    built corpus, its manifest (`data.corpora.build_corpus`)."""

    name: str
    folder: Path
    manifest: dict | None

    def file(self, path: str) -> Path:
        return self.folder / path


def number(value: float, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:+.3g}" if signed else f"{value:.3g}"


def source_line(run: CorpusRun, record: dict) -> str:
    """Where the corpus came from: a built corpus's package, a corpus_file, or the names."""
    if run.manifest is None:
        path = (record.get("config") or {}).get("corpus_file")
        if path:
            return f"Source: the list `{Path(path).name}` (corpus_file)."
        return f"Source: {NAMES_CORPUS}; its `README` states its terms."
    m = run.manifest
    return (
        f"Source: the `{m['package']}` package {m['version']} ({m['licence']}); {m['rule']}; "
        f"{m['items']} items, sha256 `{m['sha256'][:12]}…`."
    )


def corpus_line(summary: dict) -> str:
    corpus, dropped = summary["corpus"], summary["corpus"]["dropped"]
    dropped_text = ", ".join(f"{count} {reason}" for reason, count in dropped.items() if count)
    return (
        f"The filter kept {corpus['items']} of {corpus['lines_read']} lines "
        f"(dropped: {dropped_text or 'none'}); alphabet of {corpus['alphabet_size']} letters: "
        f"`{corpus['alphabet']}`."
    )


def settings_line(summary: dict) -> str:
    s = summary["settings"]
    return (
        f"Runs: {s['n_runs']} per variant x {s['epochs']} epochs; the comparison "
        f"{s['comparison_seeds']} seeds per method; the length check {s['length_check_runs']} "
        f"discriminators x {s['length_check_epochs']} epochs."
    )


def findings_table(runs: list[tuple[CorpusRun, dict]]) -> str:
    """One row per finding, one column per corpus: the verdict."""
    header = ["finding", *(f"`{run.name}`" for run, _ in runs)]
    rows = []
    for key, text in FINDINGS.items():
        cells = []
        for _, summary in runs:
            found = next(f for f in summary["findings"] if f["key"] == key)
            cells.append(f"**{found['verdict']}**")
        rows.append([text, *cells])
    return markdown_table(header, rows) + "\n"


def heldout_markdown(summary: dict) -> str:
    rows = [
        [
            f"`{row['model']}`" if "n-gram" not in row["model"] else row["model"],
            number(row["mean"]),
            f"[{number(row['low'])}, {number(row['high'])}]" if "low" in row else "–",
            str(row.get("n", "–")),
        ]
        for row in summary["heldout"]
    ]
    header = ["model", "held-out NLL per char", "95 % bootstrap interval", "seeds"]
    return markdown_table(header, rows, "lrrr") + "\n"


def finding_line(found: dict) -> str:
    sentence = found["sentence"]
    return f"- **{found['finding']}: {found['verdict']}.** {sentence[0].upper()}{sentence[1:]}.\n"


def corpus_section(run: CorpusRun, summary: dict) -> str:
    record = read_json(run.file("results/provenance.json"))
    _, paper_units = embed(run.file("results/paper_units.md").read_text(encoding="utf-8"), 2)
    _, claims = embed(run.file("results/claims.md").read_text(encoding="utf-8"), 2)
    check = read_json(run.file("results/length_check.json"))
    parts = [
        f"## `{run.name}`\n",
        stamp(record, f"generality/{run.name}/provenance.json").replace(f" {REWRITE_NOTE}", ""),
        f"{source_line(run, record)} {corpus_line(summary)} {settings_line(summary)}\n",
        "### The findings\n",
        "".join(finding_line(found) for found in summary["findings"]),
        "### In the paper's units\n",
        image(f"generality/{run.name}/paper_units.png", f"{run.name} in the paper's units"),
        paper_units,
        "### The paper's claims\n",
        claims,
        "### The length check\n",
        length_check_table(check),
        "### Held-out NLL beside the n-gram references (temperature 1)\n",
        heldout_markdown(summary),
    ]
    return "\n".join(parts)


def generality_page(runs: list[tuple[CorpusRun, dict]]) -> str:
    """The whole page: what is tested, the verdicts side by side, then one section per corpus."""
    intro = (
        "# The findings beyond one list of names\n\n"
        f"{REWRITE} Each corpus ran the same workflow (`config/generality.yaml`: the ladder's two "
        "ends, `corrected` and `paper_code`, and the comparison's `is_gan` and `mle`, with the "
        "paper's settings and `alphabet: auto`), in its own folder; each section is stamped "
        "with its run's provenance. How each verdict is computed "
        "(`discrete_gan.analysis.generality`):\n\n"
        f"- *{FINDINGS['ignores_d']}*: swapping each run's final discriminator for a fresh one "
        f"changes `paper_code`'s generator gradient by less than {D_FREE_MAX:g} of its size "
        f"while `corrected`'s changes by more than {D_USED_MIN:g} (median; less: not shown, the "
        "measure cannot see even a discriminator that reaches its generator).\n"
        f"- *{FINDINGS['measures_length']}*: a discriminator told only the padding difference "
        "(the length check) and `paper_code`'s discriminator both reach a mean accuracy of "
        "0.95 (claim 3's threshold); partly if one does.\n"
        f"- *{FINDINGS['worse_than_mle']}*: the held-out NLL per character of `is_gan` minus "
        "`mle`, paired by seed, has its 95 % bootstrap interval above 0 (below: does not "
        "hold; holding 0: not shown).\n"
    )
    sections = [corpus_section(run, summary) for run, summary in runs]
    return "\n".join([intro, "## The verdicts\n", findings_table(runs), *sections])
