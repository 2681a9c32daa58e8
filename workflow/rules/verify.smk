# Provenance of each results folder, and the check of a finished run's numbers against the
# expectations kept in version control (`snakemake verify`, `make verify`).

PROVENANCE_COMMAND = (
    "discrete-gan provenance --project ."
    ' --config-json {params.config:q} --corpus-source "$DISCRETE_GAN_CORPUS_SOURCE"'
    ' --corpus-file "$DISCRETE_GAN_CORPUS_FILE"'
    " --configfiles {params.configfiles}"
    ' --started "$DISCRETE_GAN_STARTED" --threads {params.threads} --out {output} > {log} 2>&1'
)


# The resolved config is a param, so changed settings rewrite the record; the start time and
# the corpus source (and corpus_file's path) come from the environment (see common.smk), outside
# the params, so a new invocation or another spelling of the corpus source alone do not.
rule variant_provenance:
    input:
        rules.aggregate_losses.output,
        rules.aggregate_diagnostics.output,
        rules.aggregate_lengths.output,
        rules.samples_report.output,
    output:
        "results/{variant}/provenance.json",
    log:
        "logs/variant_provenance/{variant}.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **provenance_params(),
    shell:
        PROVENANCE_COMMAND


rule provenance:
    input:
        per_variant("results/{variant}/provenance.json"),
        rules.claims.output,
        rules.length_check.output,
        rules.paper_units.output,
    output:
        report(
            "results/provenance.json",
            caption="../report/provenance.rst",
            category="Provenance",
        ),
    log:
        "logs/provenance/provenance.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **provenance_params(),
    shell:
        PROVENANCE_COMMAND


rule comparison_provenance:
    input:
        rules.comparison_report.output,
    output:
        f"{COMPARISON_DIR}/provenance.json",
    log:
        "logs/comparison_provenance/comparison_provenance.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **provenance_params(),
    shell:
        PROVENANCE_COMMAND


# The published code's signatures in the trained runs (analysis/signatures.py): whether each
# generator's gradient moves with its discriminator, and whether its forced names hold the
# start symbol. `verify` checks them; `make generality` reads the per-run table.
rule signatures:
    input:
        checkpoints=[
            run_file(variant, seed, name)
            for variant in VARIANTS
            for seed in all_seeds()
            for name in ("checkpoint.pt", "forced.txt")
        ],
        names=rules.filter_names.output.names,
        alphabet=ALPHABET,
    output:
        runs="results/signatures_runs.csv",
        summary="results/signatures.csv",
    log:
        "logs/signatures/signatures.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        variants=" ".join(f"{variant}={runs_dir(variant)}" for variant in VARIANTS),
        seeds=all_seeds(),
        batch=config["batch_size"],
    shell:
        "discrete-gan signatures --variant {params.variants}"
        " --seeds {params.seeds} --names {input.names} --alphabet {input.alphabet}"
        " --batch {params.batch} --out-runs {output.runs} --out {output.summary} > {log} 2>&1"


rule verify:
    input:
        expectations=expectations_file(),
        paper_units=rules.paper_units.output.csv,
        claims=rules.claims.output.csv,
        lengths=per_variant("results/{variant}/lengths.csv"),
        signatures=rules.signatures.output.summary,
        provenance=rules.provenance.output,
    output:
        "results/verify.txt",
    log:
        "logs/verify/verify.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    params:
        lengths=variant_items("results/{variant}/lengths.csv"),
    shell:
        "discrete-gan verify --expectations {input.expectations}"
        " --paper-units {input.paper_units} --claims {input.claims}"
        " --lengths {params.lengths} --signatures {input.signatures}"
        " --provenance {input.provenance}"
        " --out {output} 2>&1 | tee {log}"
