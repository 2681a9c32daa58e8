"""The docs pages rendered from small fixture tables: stamps, tables, settings and links."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from discrete_gan.analysis import docs
from discrete_gan.cli import docs as docs_cli
from discrete_gan.fileio import UserError

RECORD = {
    "git": {"commit": "0123456789abcdef0123456789abcdef01234567", "dirty": True},
    "configfiles": ["config/config.yaml", "config/smoke.yaml"],
    "config": {"n_runs": 2, "epochs": 3, "lr": 0.02},
    "packages": {"torch": "2.13.0"},
    "python": "3.11.7",
    "cpu": "Test CPU 9000",
    "cpu_count": 2,
    "started": "2026-11-26T01:00:00+00:00",
    "finished": "2026-11-26T02:00:00+00:00",
}
PAPER_UNITS_MD = """# The replication in the paper's units

| row | final epoch |
|---|---:|
| paper_code | 2 |

Closest to the paper is **paper_code**.
"""
CLAIMS_MD = """| # | claim | paper_code |
|---|---|---|
| 1 | limited variance | 0.5 **holds** |

Rules: each compares the value.
"""
LENGTH_CHECK = {
    "n_runs": 2,
    "epochs": 3,
    "real_steps": 15,
    "fake_steps": 10,
    "mean_final_d_loss": 0.123456,
    "mean_accuracy": 0.75,
    "mean_accuracy_real": 0.5,
    "mean_accuracy_fake": 1.0,
}
CONFIG_YAML = """# Top comment of the file, no key's.

# --- data ---
# Longest name kept,
# in letters.
max_len: 9
# Variants:
#   first   the one
#           continued.
#   second  the other.
variants: [a, b]

# --- training ---
# Temperatures of the first and the last epoch.
tau_start: 1.0
tau_end: 0.1

lr: 0.02

expectations: null
"""
SCHEMA = {
    "properties": {
        "max_len": {"type": "integer", "minimum": 1},
        "variants": {"type": "array", "items": {"enum": ["a", "b"]}},
        "tau_start": {"type": "number", "exclusiveMinimum": 0},
        "tau_end": {"type": "number", "exclusiveMinimum": 0},
        "lr": {"type": "number", "description": "learning rate from the schema"},
        "expectations": {"type": ["string", "null"]},
    }
}
BENCHMARK_TSV = (
    "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    "12.5\t0:00:12\t512.25\t900\t500\t505\t1\t2\t97.5\t12.1\n"
)


def test_stamp_names_commit_dirty_dates_and_machine() -> None:
    text = docs.stamp(RECORD)
    assert "commit `0123456`" in text and "uncommitted changes" in text
    assert "2026-11-26T01:00:00+00:00" in text and "2026-11-26T02:00:00+00:00" in text
    assert "Test CPU 9000 (2 CPUs)" in text and "`config/smoke.yaml`" in text
    assert "[`provenance.json`](provenance.json)" in text
    clean = docs.stamp({**RECORD, "git": {"commit": "abcdef0123", "dirty": False}})
    assert "commit `abcdef0` (clean tree)" in clean
    outside = docs.stamp({**RECORD, "git": {"commit": None, "dirty": None}}, "c/p.json")
    assert "outside a git checkout" in outside and "[`c/p.json`](c/p.json)" in outside


def test_embed_takes_the_title_and_nests_headings() -> None:
    title, body = docs.embed("# Title\n\n## Part\n\ntext\n", levels=1)
    assert title == "Title" and body.splitlines()[0] == "### Part"
    title, body = docs.embed(CLAIMS_MD)
    assert title == "" and body.startswith("| # | claim")


def test_stamp_names_each_config_file_once() -> None:
    """Records written before provenance listed each file once can name one twice; the stamp
    names it once."""
    twice = {**RECORD, "configfiles": ["config/config.yaml", "config/config.yaml"]}
    assert "config files `config/config.yaml`;" in docs.stamp(twice)
    both = docs.stamp(RECORD)
    assert "config files `config/config.yaml`, `config/smoke.yaml`;" in both


def test_results_page_carries_the_tables_figures_and_stamp() -> None:
    page = docs.results_page(RECORD, PAPER_UNITS_MD, CLAIMS_MD, LENGTH_CHECK, ["a", "paper_code"])
    assert page.startswith("# Results\n") and "commit `0123456`" in page.splitlines()[2]
    assert "## The replication in the paper's units" in page
    assert "| paper_code | 2 |" in page and "0.5 **holds**" in page
    assert "| mean final D loss | 0.1235 |" in page and "| mean accuracy, real form | 0.5 |" in page
    for target in ("paper_units.png", "figure5_variants.png", "paper_code/figure6.png"):
        assert f"]({target})" in page
    assert "[names of the figure run](a/samples.md)" in page


def test_comparison_page_embeds_the_summary_and_the_jobs() -> None:
    summary = "# Comparison of generator objectives\n\n## Temperature 1.0\n\n| is_gan | 4 |\n"
    benchmark = {"job": "compare_mle_seeds_0_1", "s": "3.0", "cpu_time": "2.5", "max_rss": "100"}
    page = docs.comparison_page(RECORD, summary, [benchmark])
    assert page.startswith("# Comparison of generator objectives\n")
    assert "### Temperature 1.0" in page and "| is_gan | 4 |" in page
    assert "(comparison/provenance.json)" in page and "`compare_mle_seeds_0_1`" in page
    assert "Time and memory" not in docs.comparison_page(RECORD, summary, [])


def test_config_settings_read_comments_sections_and_shared_keys() -> None:
    settings = docs.config_settings(CONFIG_YAML)
    assert [s.keys for s in settings] == [
        ("max_len",),
        ("variants",),
        ("tau_start", "tau_end"),
        ("lr",),
        ("expectations",),
    ]
    assert settings[0] == docs.Setting(("max_len",), "Longest name kept, in letters.", "data")
    assert settings[1].comment == "Variants:<br>first the one continued.<br>second the other."
    assert settings[2].section == "training" and settings[3].comment == ""


def test_configuration_page_lists_every_key_with_default_and_run_value() -> None:
    others = {"config/smoke.yaml": {"epochs": 3, "variants": ["a"]}}
    used = {"max_len": 7, "variants": ["a", "b"], "lr": 0.02, "expectations": None}
    record = {**RECORD, "config": used}  # the run predates tau_start and tau_end
    page = docs.configuration_page(record, CONFIG_YAML, SCHEMA, others)
    assert "## data" in page and "## training" in page
    assert "| `max_len` | `9` | `7` | integer >= 1 | Longest name kept, in letters. |" in page
    assert "| `variants` | `[a, b]` | = | list of `a` `b` |" in page
    assert "| `tau_start`, `tau_end` | `1.0`, `0.1` | – | number > 0; number > 0 |" in page
    assert "learning rate from the schema" in page  # no comment: the schema's description
    assert "| `expectations` | `null` | = | string or null |" in page
    assert "| `config/smoke.yaml` | `epochs: 3`; `variants: [a]` |" in page


def test_configuration_page_refuses_a_key_it_cannot_read() -> None:
    with pytest.raises(UserError, match="not read"):
        docs.configuration_page(RECORD, "max_len: 9\n'quoted': 1\n", {}, {})


def test_benchmarks_read_and_tabulated(tmp_path: Path) -> None:
    path = tmp_path / "train_corrected_seeds_0_1.tsv"
    path.write_text(BENCHMARK_TSV, encoding="utf-8")
    row = docs.read_benchmark(path)
    assert row["job"] == "train_corrected_seeds_0_1" and row["max_rss"] == "512.25"
    page = docs.performance_page(RECORD, [row, {**row, "job": "length_check"}])
    assert "| `train_corrected_seeds_0_1` | 12.5 | 0:00:12 | 12.1 | 512 | 98 |" in page
    assert "| all jobs, one after another | 25.0 |  | 24.2 |  |  |" in page
    assert "commit `0123456`" in page
    (tmp_path / "empty.tsv").write_text("s\th:m:s\n", encoding="utf-8")
    with pytest.raises(UserError, match="no measurement"):
        docs.read_benchmark(tmp_path / "empty.tsv")


def test_main_copies_the_files_and_refuses_dangling_links(tmp_path: Path) -> None:
    provenance = tmp_path / "provenance.json"
    provenance.write_text(json.dumps(RECORD), encoding="utf-8")
    tsv = tmp_path / "job.tsv"
    tsv.write_text(BENCHMARK_TSV, encoding="utf-8")
    out = tmp_path / "docs" / "performance.md"
    base = ["performance", "--benchmarks", str(tsv), "--out", str(out)]
    with pytest.raises(UserError, match="provenance.json"):  # the stamp's link has no file yet
        docs_cli.main([*base, "--provenance", str(provenance)])
    assert not out.exists()
    copy = ["--copy-from", str(provenance), "--copy-to", str(out.parent / "provenance.json")]
    docs_cli.main([*base, "--provenance", str(provenance), *copy])
    assert json.loads((out.parent / "provenance.json").read_text()) == RECORD
    assert "`job`" in out.read_text(encoding="utf-8")


def test_main_writes_the_configuration_page(tmp_path: Path) -> None:
    (tmp_path / "provenance.json").write_text(json.dumps(RECORD), encoding="utf-8")
    (tmp_path / "config.yaml").write_text(CONFIG_YAML, encoding="utf-8")
    (tmp_path / "schema.yaml").write_text(yaml.safe_dump(SCHEMA), encoding="utf-8")
    (tmp_path / "smoke.yaml").write_text("lr: 0.1\n", encoding="utf-8")
    out = tmp_path / "configuration.md"
    args = ["configuration", "--config", str(tmp_path / "config.yaml")]
    args += ["--schema", str(tmp_path / "schema.yaml"), "--others", str(tmp_path / "smoke.yaml")]
    docs_cli.main([*args, "--provenance", str(tmp_path / "provenance.json"), "--out", str(out)])
    assert "`lr: 0.1`" in out.read_text(encoding="utf-8")


def test_project_config_is_read_whole() -> None:
    """Every key of the project's own config/config.yaml has a row and a meaning."""
    project = Path(__file__).resolve().parents[1]
    text = (project / "config" / "config.yaml").read_text(encoding="utf-8")
    settings = docs.config_settings(text)
    keys = [key for setting in settings for key in setting.keys]
    assert sorted(keys) == sorted(yaml.safe_load(text))
    assert all(setting.comment for setting in settings)
