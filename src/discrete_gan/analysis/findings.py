"""docs/findings.md, what the reference run shows: its prose is written once, in a template
(`workflow/templates/findings.md`), and every number in it is read from the run's own tables,
so the page quotes exactly the run its stamp names.

The template is Python format text over the facts below (a missing fact or a bad placeholder
is an error naming it); `{{` and `}}` are literal braces. The facts:

- `config[KEY]`, `cmp_config[KEY]`: the settings of the run and of the comparison;
- `units[ROW][COLUMN]`: the paper-units table (rows: each variant, `length only`, `paper`),
  plus `ln_d_span` (max - min of the final ln l(D) over runs), `ln_d_mean_over_median` (how
  far the plotted ln of the mean lies above the median run) and `d_final`, `g_final` (the
  final mean losses themselves);
- `lengths[VARIANT][generated|real|gap]`: Figure 6's mean lengths (gap: real - generated);
- `claims[VARIANT/N][FIELD]`: the claims table (value, low, high, verdict, detail, rule);
- `check[KEY]`: the length check's summary (length_check.json);
- `diag[VARIANT][ess|half]`: the is_gan weights' effective sample size and the mean length of
  the names carrying half the weight, means over runs at the final epoch;
- `samples[VARIANT]`, `forced[VARIANT]`: the names shown in its samples.md, comma-separated;
- `cmp[METHOD][TEMPERATURE][METRIC][mean|std|min|max]`: the comparison's summary;
- `curve[METHOD][EPOCH]`: its held-out NLL per character, mean over seeds, after EPOCH epochs;
- `ref[NAME][METRIC]`: the comparison's reference points (n-gram models, training names);
- `best[METRIC][TEMPERATURE]`: the method with the lowest mean of the metric there.
"""

from __future__ import annotations

import math
import re
import string
from pathlib import Path

from discrete_gan.analysis.aggregate import LENGTH_COLUMNS, mean_lengths
from discrete_gan.analysis.docs import read_json, stamp
from discrete_gan.fileio import UserError, read_table

SAMPLE_HEADINGS = ("## Random sample of generated names", "## Names forced to length")
HEADER = "# What the reference run shows\n\n"


def units_facts(path: Path) -> dict:
    table = read_table(path, ["row", "ln_d_mean"], "paper-units table", "rerun paper_units")
    facts = {}
    for row in table.to_dict("records"):
        row["ln_d_span"] = row.get("ln_d_max", math.nan) - row.get("ln_d_min", math.nan)
        row["ln_d_mean_over_median"] = row["ln_d_mean"] - row.get("ln_d_median", math.nan)
        for key in ("d", "g"):  # the losses themselves, as well as their logs
            row[f"{key}_final"] = math.exp(row.get(f"ln_{key}_mean", math.nan))
        facts[row["row"]] = row
    return facts


def lengths_facts(path: Path) -> dict:
    """Mean generated and real name length of a variant's Figure 6 table, and the gap."""
    means = mean_lengths(read_table(path, LENGTH_COLUMNS, "lengths table", "rerun aggregate"))
    return {**means, "gap": means["real"] - means["generated"]}


def best_methods(cmp: dict) -> dict:
    """best[METRIC][TEMPERATURE]: the method with the lowest mean of the metric there."""
    best: dict = {}
    for method, temperatures in cmp.items():
        for temperature, metrics in temperatures.items():
            for metric, stats in metrics.items():
                current = best.setdefault(metric, {}).get(temperature)
                if current is None or stats["mean"] < cmp[current][temperature][metric]["mean"]:
                    best[metric][temperature] = method
    return best


def claims_facts(path: Path) -> dict:
    table = read_table(path, ["variant", "number", "verdict"], "claims table", "rerun claims")
    table["verdict"] = table["verdict"].fillna("n/a")
    return {f"{r['variant']}/{r['number']}": r for r in table.to_dict("records")}


def diagnostics_facts(path: Path) -> dict:
    table = read_table(path, ["ess_mean", "half_weight_length_mean"], "diagnostics", "rerun it")
    final = table.dropna(subset=["ess_mean"]).iloc[-1]
    return {"ess": float(final["ess_mean"]), "half": float(final["half_weight_length_mean"])}


def sample_lists(path: Path) -> tuple[str, str]:
    """The random sample and the forced names a samples.md lists, each comma-separated."""
    text = path.read_text(encoding="utf-8")
    lists = []
    for heading in SAMPLE_HEADINGS:
        if heading not in text:
            raise UserError(f"{path} has no section {heading!r}; rerun samples_report.")
        section = text.split(heading, 1)[1].split("\n## ", 1)[0]
        lists.append(", ".join(re.findall(r"^- (.*)$", section, flags=re.MULTILINE)))
    return lists[0], lists[1]


def comparison_facts(folder: Path) -> tuple[dict, dict, dict]:
    """(cmp, curve, ref) of the comparison's summary, held-out curves and reference points."""
    summary = read_table(folder / "summary.csv", ["kind", "method"], "summary", "rerun it")
    cmp: dict = {}
    for row in summary[summary["kind"] == "method"].to_dict("records"):
        stats = {key: row[key] for key in ("mean", "std", "min", "max")}
        cmp.setdefault(row["method"], {}).setdefault(str(row["temperature"]), {})[row["metric"]] = (
            stats
        )
    curves = read_table(folder / "heldout_nll.csv", ["method", "epoch"], "curves", "rerun it")
    means = curves.groupby(["method", "epoch"])["heldout_nll_per_char"].mean()
    curve: dict = {}
    for (method, epoch), value in means.items():
        curve.setdefault(method, {})[int(epoch)] = float(value)  # format reads 200 as an int
    reference = read_table(folder / "reference.csv", ["reference", "metric"], "refs", "rerun it")
    ref: dict = {}
    for row in reference.to_dict("records"):
        ref.setdefault(row["reference"], {})[row["metric"]] = row["value"]
    return cmp, curve, ref


def facts(results: Path, comparison: Path, variants: list[str]) -> dict:
    """Every fact the template may quote, read from a finished run's folders."""
    samples = {v: sample_lists(results / v / "samples.md") for v in variants}
    cmp, curve, ref = comparison_facts(comparison)
    return {
        "config": read_json(results / "provenance.json")["config"],
        "cmp_config": read_json(comparison / "provenance.json")["config"],
        "units": units_facts(results / "paper_units.csv"),
        "lengths": {v: lengths_facts(results / v / "lengths.csv") for v in variants},
        "best": best_methods(cmp),
        "claims": claims_facts(results / "claims.csv"),
        "check": read_json(results / "length_check.json"),
        "diag": {v: diagnostics_facts(results / v / "diagnostics_summary.csv") for v in variants},
        "samples": {v: pair[0] for v, pair in samples.items()},
        "forced": {v: pair[1] for v, pair in samples.items()},
        "cmp": cmp,
        "curve": curve,
        "ref": ref,
    }


class _Facts(string.Formatter):
    """str.format over nested dicts, naming the placeholder that asks for a missing fact."""

    def get_field(self, field_name, args, kwargs):
        try:
            return super().get_field(field_name, args, kwargs)
        except (KeyError, IndexError, AttributeError) as err:
            raise UserError(
                f"the findings template quotes {{{field_name}}}, which the run's tables do not "
                f"hold ({err!r}); fix the template or rerun the step that writes that table."
            ) from None


def render(template: str, values: dict, record: dict, comparison_record: dict) -> str:
    """The page: its title, the stamps of the replication and of the comparison, the prose."""
    body = _Facts().vformat(template, (), values)
    replication = stamp(record).replace("> Run:", "> The replication's run:", 1)
    comparison = stamp(comparison_record, "comparison/provenance.json")
    stamps = replication + "\n" + comparison.replace("> Run:", "> The comparison's run:", 1)
    return HEADER + stamps + "\n" + body.lstrip("\n")
