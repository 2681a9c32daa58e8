# Helpers shared by the rule files (config validation, seed chunks, the paths of each run).
# Every path of a run's outputs is built here, so the rule files never join folder names.

import json
import math
import os

import yaml
from pathlib import Path
from datetime import UTC, datetime

from snakemake.exceptions import WorkflowError

# The package owns the layout of a run folder (seed{N}/...); the rules only ask it.
from discrete_gan.training.runs import run_dir
from discrete_gan.config import run_settings
from discrete_gan.data.corpus_file import corpus_file_digest
from discrete_gan.data.filter import check_alphabet
from discrete_gan.fileio import UserError
from snakemake.utils import validate

validate(config, schema="../schemas/config.schema.yaml")

RAW_DIR = "data/raw"
# The conda environment of every rule (`snakemake --use-conda`); `make setup` makes the same.
# It installs the checkout it is given as DISCRETE_GAN_PROJECT, wherever the outputs go.
CONDA_ENV = "../envs/discrete-gan.yaml"
os.environ.update(DISCRETE_GAN_PROJECT=workflow.basedir)


def project_file(path):
    """A file of the project itself (config, schema), found from the Snakefile's folder and
    named relative to the working directory, so that a moved or copied tree reruns nothing.
    """
    if os.path.isabs(path):
        return path
    return os.path.relpath(os.path.join(workflow.basedir, path))


def folder_of(output_name, up=1):
    """Params function: the folder `up` levels above the first file of output `output_name`
    (derived from the outputs, so no folder is typed twice)."""

    def folder(wildcards, output):
        first = output[output_name]
        first = first[0] if isinstance(first, list) else first
        return str(Path(first).parents[up - 1])

    return folder


def input_folder_of(input_name):
    """Params function: the folder of the first file of input `input_name`."""

    def folder(wildcards, input):
        first = input[input_name]
        first = first[0] if isinstance(first, list) else first
        return str(Path(first).parent)

    return folder


CORPUS_CACHE = "data/cache"
# Read by the shell commands from the environment, not as params, so that neither makes a
# finished step rerun: when the first Snakemake process of this run began (cluster jobs inherit
# it), for the provenance records, and the corpus source (see the download rule).
os.environ.setdefault(
    "DISCRETE_GAN_STARTED", datetime.now(UTC).isoformat(timespec="seconds")
)
os.environ.update(DISCRETE_GAN_CORPUS_SOURCE=config["corpus_source"])


def corpus_file_sha256():
    """The SHA-256 of the config's corpus_file (None without one), read as the workflow starts:
    the identity of your own list, a param of the step that copies it, while its path travels
    in the environment (DISCRETE_GAN_CORPUS_FILE), as the corpus source does, so the same bytes
    under another path rerun nothing."""
    if not config["corpus_file"]:
        return None
    try:
        return corpus_file_digest(config["corpus_file"])
    except UserError as err:
        raise WorkflowError(str(err)) from None


CORPUS_FILE_SHA256 = corpus_file_sha256()
os.environ.update(DISCRETE_GAN_CORPUS_FILE=config["corpus_file"] or "")

COMPARISON_DIR = "results/comparison"
VARIANTS = config["variants"]


# The training command of both the replication's and the comparison's training rules. Every
# setting that shapes the runs comes in one structured value, the folder's settings.json
# (`settings_json` below), the names' letters in the filter's alphabet.txt (which resolves
# `alphabet: auto`); `extra` holds the comparison's held-out names.
TRAIN_COMMAND = (
    "discrete-gan train --settings {input.settings} --names {input.names}"
    " --alphabet {input.alphabet} --seeds {params.seeds} --out-dir {params.out_dir} --threads {threads}"
    " {params.extra} > {log} 2>&1"
)


def settings_json(variant, objective, **changes):
    """The one structured value of a folder of runs' settings: every config key that shapes
    them (the package's `RunSettings.keys()`; no rule file names one), with the folder's
    variant and objective. Each folder of runs records it in its settings.json, an input of
    its training jobs, so changing a setting retrains every run, whatever the grouping of
    seeds into jobs (which does not shape the outputs)."""
    settings = run_settings(config, variant, objective, **changes)
    return json.dumps(settings, sort_keys=True)


def variant_settings(wildcards):
    """Params function: the settings.json text of the {variant} wildcard's runs."""
    return settings_json(wildcards.variant, config["objective"])


def method_settings(wildcards):
    """Params function: the settings.json text of the {method} wildcard's comparison runs."""
    return settings_json("corrected", wildcards.method)


# A generous bound on the CPU time of one run per epoch (about 0.25 s on one core of a
# current CPU for the paper's model); training jobs' runtime requests scale with it.
SECONDS_PER_RUN_EPOCH = 3


def seeds_from_first(count):
    """`count` consecutive seeds from first_seed: the seeds of the runs, of the length check's
    discriminators and of each method's comparison runs."""
    return list(range(config["first_seed"], config["first_seed"] + count))


def all_seeds():
    return seeds_from_first(config["n_runs"])


def seed_chunks():
    """The runs' seeds split into consecutive lists of at most seeds_per_job seeds."""
    seeds, size = all_seeds(), config["seeds_per_job"]
    return [seeds[start : start + size] for start in range(0, len(seeds), size)]


def check_config():
    """Fail with one clear sentence on settings that the schema alone cannot check."""
    problems = []
    if config["figure_run"] not in all_seeds():
        seeds = all_seeds()
        problems.append(
            f"figure_run is {config['figure_run']} but only seeds {seeds[0]}..{seeds[-1]} "
            "are trained; set figure_run to one of them"
        )
    if config["max_len"] >= config["max_steps"]:
        problems.append(
            f"max_len is {config['max_len']} but a sequence of max_steps={config['max_steps']} "
            f"symbols holds at most {config['max_steps'] - 1} letters and its end symbol; "
            "set max_len below max_steps"
        )
    for key in ("n_lengths", "n_show"):
        if config[key] > config["n_samples"]:
            problems.append(
                f"{key} is {config[key]} but each run samples only n_samples="
                f"{config['n_samples']} names; lower {key} or raise n_samples"
            )
    try:
        check_alphabet(config["alphabet"])
    except UserError as err:
        problems.append(str(err))
    if problems:
        raise WorkflowError("Invalid config: " + "; ".join(problems) + ".")


check_config()


def chunk_label(chunk):
    """'first_last' label of a chunk of seeds, used in rule, log and benchmark names alike."""
    return f"{chunk[0]}_{chunk[-1]}"


def train_rule_name(variant, chunk):
    """Name of the training rule of a variant's chunk, e.g. train_corrected_seeds_0_29."""
    return f"train_{variant}_seeds_{chunk_label(chunk)}"


def runs_dir(variant):
    """The folder holding a variant's runs (seed{N}/...)."""
    return f"results/{variant}/runs"


def run_file(variant, seed, name):
    """Path of one output file of a variant's run trained with `seed`."""
    return str(run_dir(runs_dir(variant), seed) / name)


def run_files(variant, seeds, name):
    """Paths of the same output file for each seed in `seeds`."""
    return [run_file(variant, seed, name) for seed in seeds]


def variant_losses(wildcards):
    """Input function: losses.csv of every run of the {variant} wildcard."""
    return run_files(wildcards.variant, all_seeds(), "losses.csv")


def figure_run_file(name):
    """Input function: one output file of the {variant} wildcard's figure_run."""

    def files(wildcards):
        return run_file(wildcards.variant, config["figure_run"], name)

    return files


def per_variant(pattern):
    """`pattern` (e.g. "results/{variant}/lengths.csv") for every variant."""
    return [pattern.format(variant=variant) for variant in VARIANTS]


def variant_items(pattern):
    """`variant=path` flag items of `pattern` for every variant."""
    return " ".join(f"{v}={pattern.format(variant=v)}" for v in VARIANTS)


def comparison_seeds():
    return seeds_from_first(config["comparison_seeds"])


def heldout_seeds():
    """Seeds of the comparison's is_gan runs that give claim 2 the corrected variant's
    held-out NLL trend: none unless both is_gan is compared and corrected is trained."""
    wanted = "is_gan" in config["comparison_methods"] and "corrected" in VARIANTS
    return comparison_seeds() if wanted else []


def comparison_chunks():
    """Seeds of each method's comparison runs split as seed_chunks splits the replication's."""
    seeds, size = comparison_seeds(), config["seeds_per_job"]
    return [seeds[start : start + size] for start in range(0, len(seeds), size)]


def comparison_run_dir(method):
    """The folder holding one method's comparison runs (seed{N}/...)."""
    return f"{COMPARISON_DIR}/runs/{method}"


def comparison_files(method, seeds, name):
    """Paths of one output file of a method's comparison runs, one per seed."""
    return [str(run_dir(comparison_run_dir(method), seed) / name) for seed in seeds]


def all_comparison_files(name):
    """Paths of one output file of every comparison run of every method."""
    return [
        path
        for method in config["comparison_methods"]
        for path in comparison_files(method, comparison_seeds(), name)
    ]


def comparison_runs_flag():
    """The evaluate step's --runs items: method=folder for each compared method."""
    return " ".join(
        f"{m}={comparison_run_dir(m)}" for m in config["comparison_methods"]
    )


def corpus_lists():
    """The filter's inputs: your own list (corpus_file), or the names corpus's two lists."""
    if config["corpus_file"]:
        return {"corpus": rules.corpus_file.output.corpus}
    return {"female": rules.download.output.female, "male": rules.download.output.male}


def corpus_list_flags(wildcards, input):
    """Params function: the filter's flags naming its inputs (see corpus_lists)."""
    return " ".join(f"--{name} {path}" for name, path in input.items())


def deduplicate_flag():
    """The filter's --deduplicate switch, or nothing."""
    return "--deduplicate" if config["deduplicate"] else ""


def train_mem_mb(n_seeds):
    """Memory request of a training job: the interpreter and torch, plus a little per run."""
    return 1000 + 20 * n_seeds


def train_runtime(n_seeds):
    """Runtime request (minutes) of a training job: generous, and never under 10 minutes."""
    parallel = min(config["threads"], n_seeds)
    seconds = SECONDS_PER_RUN_EPOCH * config["epochs"] * n_seeds / parallel
    return max(10, 10 + math.ceil(seconds / 60))


def provenance_params():
    """The params of a provenance record: the resolved config and the files it came from.

    corpus_source is left out, as from the download's params: the corpus's identity is
    corpus_sha256, and the record takes the source from the command line instead; so is
    corpus_file, whose identity is its checksum (corpus_file_sha256, recorded here).
    """
    configfiles = list(
        dict.fromkeys(
            os.path.relpath(path, workflow.basedir) for path in workflow.configfiles
        )
    )
    machine = ("corpus_source", "corpus_file")
    settings = {key: value for key, value in config.items() if key not in machine}
    if CORPUS_FILE_SHA256:
        settings["corpus_file_sha256"] = CORPUS_FILE_SHA256
    return {
        "config": json.dumps(settings, sort_keys=True),
        "configfiles": " ".join(configfiles),
        "threads": config["threads"],
    }


def expectations_file():
    """Input function: the config's expectations file, which `verify` needs."""

    def path(wildcards):
        if not config.get("expectations"):
            raise WorkflowError(
                "This config sets no `expectations` file, so there is nothing to verify; "
                "set expectations: config/expectations/<name>.yaml, or verify the full or ci config."
            )
        return project_file(config["expectations"])

    return path


# --- the docs pages (docs.smk): what each page copies next to itself ---


def docs_results_copies():
    """{copy under docs/: source} of every table and figure the results page shows."""
    copies = {
        f"{DOCS_DIR}/provenance.json": rules.provenance.output[0],
        f"{DOCS_DIR}/paper_units.md": rules.paper_units.output.md,
        f"{DOCS_DIR}/paper_units.csv": rules.paper_units.output.csv,
        f"{DOCS_DIR}/paper_units.png": rules.paper_units.output.png,
        f"{DOCS_DIR}/claims.md": rules.claims.output.md,
        f"{DOCS_DIR}/claims.csv": rules.claims.output.csv,
        f"{DOCS_DIR}/length_check.csv": rules.length_check.output.csv,
        f"{DOCS_DIR}/length_check.json": rules.length_check.output.json,
        f"{DOCS_DIR}/figure5_variants.png": rules.figure5_variants.output.png,
        f"{DOCS_DIR}/figure6_variants.png": rules.figure6_variants.output.png,
        f"{DOCS_DIR}/diagnostics.png": rules.diagnostics_figure.output.png,
    }
    for variant in VARIANTS:
        for name in ("figure5.png", "figure6.png"):
            copies[f"{DOCS_DIR}/{variant}/{name}"] = f"figures/{variant}/{name}"
        for name in (
            "samples.md",
            "losses_summary.csv",
            "lengths.csv",
            "diagnostics_summary.csv",
        ):
            copies[f"{DOCS_DIR}/{variant}/{name}"] = f"results/{variant}/{name}"
    return copies


def docs_comparison_copies():
    """{copy under docs/comparison/: source} of what the comparison page shows."""
    made = rules.comparison_report.output
    sources = [
        rules.comparison_provenance.output[0],
        made.summary_md,
        made.summary_csv,
        rules.evaluate_comparison.output.curves,
        rules.reference_points.output.reference,
        made.metrics,
        made.curves,
        made.tradeoff,
    ]
    return {f"{DOCS_DIR}/comparison/{os.path.basename(path)}": path for path in sources}


def training_benchmarks():
    """The benchmark files of the replication's training jobs and of the length check."""
    jobs = [
        getattr(rules, train_rule_name(variant, chunk))
        for variant in VARIANTS
        for chunk in seed_chunks()
    ]
    return [job.rule.benchmark for job in jobs] + [rules.length_check.rule.benchmark]


def comparison_benchmarks():
    """The benchmark files of the comparison's training jobs."""
    return [
        getattr(rules, f"compare_{method}_seeds_{chunk[0]}_{chunk[-1]}").rule.benchmark
        for method in config["comparison_methods"]
        for chunk in comparison_chunks()
    ]


# Settings a full run may change and still write the reference pages in docs/.
DOCS_FREE_SETTINGS = {"corpus_source", "threads", "device", "backend", "dtype"}
DOCS_FREE_SETTINGS |= {"seeds_per_job", "docs_dir", "expectations"}


def docs_guard(wildcards):
    """Input function of the docs pages (no input): docs/ holds the reference pages of a full
    run of config/config.yaml, so a run of any other settings may not write there."""
    if os.path.normpath(config["docs_dir"]) != "docs":
        return []
    with open(project_file("config/config.yaml"), encoding="utf-8") as handle:
        defaults = yaml.safe_load(handle)
    free = DOCS_FREE_SETTINGS
    changed = sorted(
        k for k in defaults if k not in free and config.get(k) != defaults[k]
    )
    if changed:
        raise WorkflowError(
            "docs/ holds the pages of a full run of config/config.yaml, but this run's config "
            f"differs in {', '.join(changed)}; set docs_dir to another folder (the smoke and "
            "CI configs write to results/docs), or run make docs after a full run."
        )
    return []


# --- the benchmark (benchmark.smk) ---
from discrete_gan.analysis.benchmark import check_grids, grid_points, regimes

BENCHMARK_DIR = "results/benchmark"
BENCHMARK_DATA = "data/processed/benchmark"
BENCHMARK_METHODS = config["benchmark_methods"]
BENCHMARK_PAIRS = [(m, r) for m in BENCHMARK_METHODS for r in regimes(m)]
SEARCH_SEEDS = list(range(config["benchmark_search_seeds"]))
FINAL_SEEDS = list(
    range(len(SEARCH_SEEDS), len(SEARCH_SEEDS) + config["benchmark_final_seeds"])
)


def check_benchmark():
    """Fail with one sentence on benchmark settings the schema alone cannot check."""
    try:
        check_grids(config["benchmark_grid"], BENCHMARK_METHODS)
    except Exception as err:
        raise WorkflowError(f"invalid config: {err}") from None
    if config["benchmark_pretrain_epochs"] >= config["benchmark_epochs"]:
        raise WorkflowError(
            "invalid config: benchmark_pretrain_epochs must be below benchmark_epochs, or "
            "the pre-trained regime never trains its method"
        )


check_benchmark()


def search_dir(method, regime, k):
    return f"{BENCHMARK_DIR}/search/{method}/{regime}/c{k}"


def final_dir(method, regime):
    return f"{BENCHMARK_DIR}/final/{method}/{regime}"


def seed_files(folder, seeds, name):
    """One output file of each run in `folder`."""
    return [str(run_dir(folder, seed) / name) for seed in seeds]


def search_points(method):
    return grid_points(config["benchmark_grid"][method])


def benchmark_settings(method, regime, changes):
    """The settings.json text of a benchmark folder of runs: the config's settings, the
    benchmark's epochs (the first benchmark_pretrain_epochs of them maximum likelihood in the
    pre-trained regime), and the configuration's changes."""
    pretrain = config["benchmark_pretrain_epochs"] if regime == "pretrained" else 0
    epochs = config["benchmark_epochs"]
    return settings_json(
        "corrected", method, epochs=epochs, pretrain_epochs=pretrain, **changes
    )


SEARCHED = [
    (method, regime, k)
    for method, regime in BENCHMARK_PAIRS
    for k in range(len(search_points(method)))
]


def benchmark_training_jobs():
    """The benchmark files of the benchmark's training jobs (search and final)."""
    names = [f"search_{m}_{r}_c{k}" for m, r, k in SEARCHED]
    names += [f"final_{m}_{r}" for m, r in BENCHMARK_PAIRS]
    return [getattr(rules, name).rule.benchmark for name in names]
