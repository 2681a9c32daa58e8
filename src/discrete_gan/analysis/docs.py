"""The docs/ pages of a finished run: results, comparison, configuration and performance.

Each page is rendered from the run's own tables and starts with a stamp taken from its
provenance.json (commit, dirty tree, when, which CPU), so no number in a page is typed by
hand; `make docs` (`snakemake docs`) rewrites them. The step also copies the tables and
figures a page shows next to it, so that docs/ reads on its own, and refuses to write a page
that links a file it does not have.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from discrete_gan.analysis.markdown import markdown_table
from discrete_gan.fileio import UserError, atomic_path, write_text

REWRITE_NOTE = "Do not edit this page: `make docs` writes it from the run's outputs."
# The benchmark's page is written by its own target, with the benchmark.
BENCHMARK_NOTE = REWRITE_NOTE.replace("make docs", "make benchmark")
# Local links and images of a page: [text](target) and ![text](target).
LINK = re.compile(r"\]\(([^)\s]+)\)")
# Another page of docs/, beside the one linking it.
SIBLING_PAGE = re.compile(r"[A-Za-z0-9_-]+\.md")


def stamp(record: dict, provenance_name: str = "provenance.json", note: str = REWRITE_NOTE) -> str:
    """One block saying which run a page shows: commit, dirty tree, dates, machine; then
    `note`, which says what writes the page."""
    git = record.get("git") or {}
    if git.get("commit") is None:
        code = "outside a git checkout"
    else:
        state = "with uncommitted changes" if git.get("dirty") else "clean tree"
        code = f"commit `{git['commit'][:7]}` ({state})"
    # each file once: records written before provenance listed them once name one twice
    names = dict.fromkeys(record.get("configfiles", []))
    configfiles = ", ".join(f"`{name}`" for name in names) or "none"
    packages = record.get("packages") or {}
    software = f"Python {record.get('python', '?')}, torch {packages.get('torch') or '?'}"
    return (
        f"> Run: {code}; config files {configfiles}; started {record.get('started', '?')}, "
        f"finished {record.get('finished', '?')}; {record.get('cpu', '?')} "
        f"({record.get('cpu_count', '?')} CPUs), {software}. "
        f"The full record is [`{provenance_name}`]({provenance_name}). {note}\n"
    )


def embed(markdown: str, levels: int = 1) -> tuple[str, str]:
    """(title, body) of a Markdown table file: its first `# ` heading taken off as the title
    ("" if none), every other heading moved `levels` deeper so it nests under a page section."""
    lines = markdown.strip("\n").splitlines()
    title = ""
    if lines and lines[0].startswith("# "):
        title, lines = lines[0][2:].strip(), lines[1:]
    deeper = ["#" * levels + line if line.startswith("#") else line for line in lines]
    return title, "\n".join(deeper).strip("\n") + "\n"


def image(path: str, alt: str) -> str:
    return f"![{alt}]({path})\n"


# The length check's rows: label and key in length_check.json.
LENGTH_CHECK_ROWS = (
    ("discriminators (seeds)", "n_runs"),
    ("epochs", "epochs"),
    ("real names padded to (symbols)", "real_steps"),
    ("the same names padded to (symbols)", "fake_steps"),
    ("mean final D loss", "mean_final_d_loss"),
    ("mean accuracy, both forms", "mean_accuracy"),
    ("mean accuracy, real form", "mean_accuracy_real"),
    ("mean accuracy, shorter form", "mean_accuracy_fake"),
)


def length_check_table(check: dict) -> str:
    """The length check's setting and final numbers (4 significant digits), from its JSON."""
    rows = [[label, f"{check[key]:.4g}"] for label, key in LENGTH_CHECK_ROWS]
    return markdown_table(["", "value"], rows, align="lr") + "\n"


def variant_table(variants: list[str]) -> str:
    """Links to each variant's own figures, names and diagnostics, copied under docs/."""
    rows = [
        [
            f"`{v}`",
            f"[Figure 5]({v}/figure5.png)",
            f"[Figure 6]({v}/figure6.png)",
            f"[names of the figure run]({v}/samples.md)",
            f"[losses]({v}/losses_summary.csv), [lengths]({v}/lengths.csv), "
            f"[weights]({v}/diagnostics_summary.csv)",
        ]
        for v in variants
    ]
    return markdown_table(["variant", "Figure 5", "Figure 6", "samples", "tables"], rows) + "\n"


def results_page(
    record: dict, paper_units_md: str, claims_md: str, length_check: dict, variants: list[str]
) -> str:
    """docs/results.md: the paper-units table, the figures, the claims and the length check."""
    units_title, units = embed(paper_units_md, levels=2)
    _, claims = embed(claims_md, levels=2)
    parts = [
        "# Results\n",
        stamp(record),
        "How the variants differ, and what the paper's method is: [method.md](method.md). "
        "The methods comparison: [comparison.md](comparison.md).\n",
        f"## {units_title or 'The paper in its own units'}\n",
        "`results/paper_units.md` ([csv](paper_units.csv)): every variant as the paper's "
        "plotting script draws Figure 5 and its Figure 6 counts, beside the values read off "
        "the paper's figures (`config/paper_figure_values.csv`).\n",
        image("paper_units.png", "Every variant in the paper's units, beside the paper"),
        units,
        "## Figures 5 and 6, every variant\n",
        image("figure5_variants.png", "Figure 5 of every variant"),
        image("figure6_variants.png", "Figure 6 of every variant"),
        variant_table(variants),
        "## Which of the paper's claims hold\n",
        "`results/claims.md` ([csv](claims.csv)), computed by `analysis/claims.py` and "
        "`analysis/claim_rules.py` from each variant's runs:\n",
        claims,
        "## The length check\n",
        "Discriminators of the paper's size told apart only by length: real names padded as "
        "the paper's code pads them against the same names padded to the generated length "
        "([per epoch](length_check.csv), [per run](length_check.json)).\n",
        length_check_table(length_check),
        "## The estimator's weights\n",
        image("diagnostics.png", "Effective sample size and length of the heavy names"),
    ]
    return "\n".join(parts)


def comparison_page(record: dict, summary_md: str, benchmarks: list[dict]) -> str:
    """docs/comparison.md: the methods comparison's summary, figures and jobs."""
    title, summary = embed(summary_md, levels=1)
    parts = [
        f"# {title or 'Methods comparison'}\n",
        stamp(record, "comparison/provenance.json"),
        "Every generator objective trained on one harness and scored on held-out names "
        "(what each method is: [method.md](method.md#how-the-methods-compare)). Tables: "
        "[summary](comparison/summary.csv), [training curves](comparison/heldout_nll.csv), "
        "[reference points](comparison/reference.csv).\n",
        image("comparison/comparison_metrics.png", "Every metric per method, one point per seed"),
        image("comparison/comparison_curves.png", "Held-out NLL per character during training"),
        image("comparison/comparison_tradeoff.png", "Quality against diversity"),
        summary,
    ]
    if benchmarks:
        parts += ["## Time and memory of the comparison's training jobs\n"]
        parts += [benchmark_table(benchmarks)]
    return "\n".join(parts)


def benchmark_page(record: dict, report_md: str, benchmarks: list[dict]) -> str:
    """docs/benchmark.md: the benchmark's protocol (from the run's config), its report and
    figures, and the time of its training jobs."""
    from discrete_gan.analysis.benchmark import protocol_markdown

    # the report's own figure links point to its folder; the page shows the copies instead
    report_md = report_md.split("\n## Figures\n")[0]
    title, report = embed(report_md, levels=1)
    parts = [
        f"# {title or 'Benchmark of generator objectives'}\n",
        stamp(record, "benchmark/provenance.json", BENCHMARK_NOTE),
        "Does the adversarial signal beat plain maximum likelihood, fairly measured? Every "
        "method tuned with the same budget, in two regimes where it reads a discriminator, "
        "scored once on test names with intervals over seeds (what each method is: "
        "[method.md](method.md#how-the-methods-compare)). Tables: "
        "[selection](benchmark/selection.csv), [summary](benchmark/summary.csv), "
        "[test metrics](benchmark/metrics.csv), [training curves](benchmark/curves.csv), "
        "[reference points](benchmark/reference.csv). Made by `make benchmark` (`snakemake "
        "--cores 8 benchmark docs_benchmark`) with the config files above.\n",
        protocol_markdown(record["config"]),
        image(
            "benchmark/benchmark_quality_diversity.png",
            "Quality against coverage on the test names, over sampling temperature",
        ),
        image("benchmark/benchmark_curves.png", "Validation NLL per character during training"),
        report,
    ]
    if benchmarks:
        parts += ["## Time and memory of the benchmark's training jobs\n"]
        parts += [benchmark_table(benchmarks)]
    return "\n".join(parts)


@dataclass(frozen=True)
class Setting:
    """Keys of config/config.yaml that share one comment, the comment and its section."""

    keys: tuple[str, ...]
    comment: str
    section: str


# Settings that say where this machine keeps something, not how the results were made (the
# corpus's identity is corpus_sha256): the page points to the record instead of printing them.
MACHINE_KEYS = {"corpus_source"}
NEWER_THAN_RUN = "–"  # the "this run" cell of a key the stamped run's config lacks
SECTION = re.compile(r"^#\s*---\s*(.+?)\s*---\s*$")
KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):")


def config_settings(text: str) -> list[Setting]:
    """The settings of a commented config file, in file order.

    A key's comment is the block of `#` lines right above it; a key with no comment of its own
    right after another key shares that key's (as gumbel_tau_start and gumbel_tau_end do).
    `# --- name ---` lines open sections; the comment block at the top of the file is no key's.
    """
    settings: list[Setting] = []
    comment: list[str] = []
    section = ""
    follows_key = False
    for line in text.splitlines():
        if match := SECTION.match(line):
            section, comment, follows_key = match.group(1), [], False
        elif line.startswith("#"):
            comment.append(line[1:].removeprefix(" ").rstrip())
            follows_key = False
        elif match := KEY.match(line):
            key = match.group(1)
            if not comment and follows_key and settings:
                last = settings[-1]
                settings[-1] = Setting((*last.keys, key), last.comment, last.section)
            else:
                settings.append(Setting((key,), comment_text(comment), section))
            comment, follows_key = [], True
        elif not line.strip():
            comment, follows_key = [], False
    return settings


def comment_text(lines: list[str]) -> str:
    """A comment block as one table cell: wrapped lines joined; an indented line (an item of a
    list, as the variants' ladder) starts a line of its own, a deeper one continues the item."""
    text, item_indent = "", None
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if indent and text and (item_indent is None or indent <= item_indent):
            item_indent = indent
            text += "<br>" + " ".join(line.split())
        else:
            text += (" " if text else "") + " ".join(line.split())
    return text


def yaml_value(value: object) -> str:
    """A config value as YAML writes it in one line (lists flow-style, null as null)."""
    text = yaml.safe_dump(value, default_flow_style=True, width=1000)
    return text.removesuffix("...\n").strip()


BOUNDS = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}


def accepted(schema: dict) -> str:
    """What the schema accepts for one key: its enum, or its type and bounds."""
    if "enum" in schema:
        return " ".join(f"`{v}`" for v in schema["enum"])
    if schema.get("type") == "array":
        return "list of " + accepted(schema.get("items", {}))
    kind = schema.get("type", "any")
    kind = " or ".join(kind) if isinstance(kind, list) else kind
    bounds = [f"{sign} {schema[key]}" for key, sign in BOUNDS.items() if key in schema]
    return " ".join([kind, *bounds])


def settings_table(settings: list[Setting], defaults: dict, schema: dict, used: dict) -> str:
    """One row per setting: keys, default, the run's value where it differs, accepted, meaning."""
    properties = schema.get("properties", {})
    rows = []
    for setting in settings:
        keys = ", ".join(f"`{k}`" for k in setting.keys)
        default = ", ".join(f"`{yaml_value(defaults.get(k))}`" for k in setting.keys)
        ran = [k for k in setting.keys if k in used and used[k] != defaults.get(k)]
        this_run = ", ".join(f"`{yaml_value(used[k])}`" for k in ran) if ran else "="
        if used and not set(setting.keys) & set(used):
            this_run = NEWER_THAN_RUN
        if set(setting.keys) & MACHINE_KEYS:
            this_run = "in `provenance.json`"
        kinds = "; ".join(accepted(properties.get(k, {})) for k in setting.keys)
        meaning = setting.comment or properties.get(setting.keys[0], {}).get("description", "")
        rows.append([keys, default, this_run, kinds, meaning])
    header = ["key", "default", "this run", "accepted", "meaning"]
    return markdown_table(header, rows) + "\n"


def overrides_table(configs: dict[str, dict], defaults: dict) -> str:
    """What each other config file changes from the defaults."""
    rows = [
        [f"`{name}`", "; ".join(f"`{k}: {yaml_value(v)}`" for k, v in values.items())]
        for name, values in configs.items()
    ]
    return markdown_table(["config file", "overrides"], rows) + "\n"


def configuration_page(
    record: dict, config_text: str, schema: dict, others: dict[str, dict]
) -> str:
    """docs/configuration.md: every key of config/config.yaml, by section, from its comments."""
    defaults = yaml.safe_load(config_text)
    used = record.get("config") or {}
    settings = config_settings(config_text)
    missing = sorted(set(defaults) - {k for s in settings for k in s.keys})
    if missing:
        raise UserError(f"config keys {missing} were not read from the config; keep them flat.")
    parts = [
        "# Configuration\n",
        stamp(record),
        "Every key of `config/config.yaml`, with its default and the comment above it there; "
        "*accepted* is what `workflow/schemas/config.schema.yaml` allows, and *this run* the "
        "value the stamped run used where it differs from the default (`=`: the default; "
        f"{NEWER_THAN_RUN}: a key added since that run). "
        "Any key can be overridden: `snakemake --cores 2 --config epochs=50 n_runs=10`, or "
        '`make replicate SET="epochs=50"`; on the command line booleans are `True`/`False`.\n',
    ]
    for section in dict.fromkeys(s.section for s in settings):
        rows = [s for s in settings if s.section == section]
        parts += [f"## {section or 'settings'}\n", settings_table(rows, defaults, schema, used)]
    if others:
        parts += ["## The other config files\n"]
        parts += ["Each is read after `config/config.yaml` and changes only these keys:\n"]
        parts += [overrides_table(others, defaults)]
    return "\n".join(parts)


def read_benchmark(path: Path) -> dict:
    """One Snakemake benchmark file (a header and one row per repeat): its first repeat."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    if not rows:
        raise UserError(f"benchmark file {path} has no measurement; rerun the job it measures.")
    return {"job": path.stem, **rows[0]}


# Columns of a Snakemake benchmark file shown after the wall time, and their decimals.
BENCHMARK_COLUMNS = (("cpu_time", 1), ("max_rss", 0), ("mean_load", 0))


def benchmark_table(benchmarks: list[dict]) -> str:
    """Wall time, CPU time, peak memory and load of each job, and the total."""

    def value(row: dict, key: str) -> float:
        text = row.get(key, "")
        return float(text) if text not in ("", "-", "NA") else float("nan")

    rows = [
        [f"`{row['job']}`", f"{value(row, 's'):.1f}", row.get("h:m:s", "")]
        + [f"{value(row, key):.{digits}f}" for key, digits in BENCHMARK_COLUMNS]
        for row in benchmarks
    ]
    total, cpu = (sum(value(row, key) for row in benchmarks) for key in ("s", "cpu_time"))
    rows.append(["all jobs, one after another", f"{total:.1f}", "", f"{cpu:.1f}", "", ""])
    header = ["job", "wall s", "h:m:s", "CPU s", "peak RSS MB", "mean load %"]
    return markdown_table(header, rows, align="lr") + "\n"


def performance_page(record: dict, benchmarks: list[dict]) -> str:
    """docs/performance.md: each training job's time and memory (results/benchmarks/)."""
    return "\n".join(
        [
            "# Performance\n",
            stamp(record),
            "Time and memory of the run's training jobs and the length check, as Snakemake "
            "measured them (`benchmark:` files under `results/benchmarks/`). Jobs run side by "
            "side, as many as `--cores` allows, so the wall time of the whole run is less than "
            "the sum. `make bench` measures training speed on its own: "
            "[speed.md](speed.md).\n",
            benchmark_table(benchmarks),
        ]
    )


def copy_files(pairs: list[tuple[Path, Path]]) -> None:
    """Copy each (source, destination), atomically."""
    for source, dest in pairs:
        with atomic_path(dest) as tmp:
            shutil.copyfile(source, tmp)


def dangling_links(page: str, folder: Path) -> list[str]:
    """Files linked from `page` (relative to `folder`) that are not there. Links to the other
    pages of docs/ (`name.md` beside it, hand-written or written by another part) are left out:
    each is checked where it is written."""
    targets = {t.split("#")[0] for t in LINK.findall(page)}
    files = [t for t in targets if t and "://" not in t and not SIBLING_PAGE.fullmatch(t)]
    return sorted(t for t in files if not (folder / t).is_file())


def write_page(out: Path, page: str, copies: list[tuple[Path, Path]]) -> None:
    """Copy the page's files next to it, check its links, then write it."""
    copy_files(copies)
    missing = dangling_links(page, out.parent)
    if missing:
        raise UserError(
            f"{out} would link {missing}, which are not in {out.parent}; "
            "copy them there with --copy-from and --copy-to."
        )
    write_text(out, page)
    print(f"wrote {out} and {len(copies)} copied files", file=sys.stdout, flush=True)


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise UserError(f"cannot read {path} ({err}); rerun the step that writes it.") from None
