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


rule verify:
    input:
        expectations=expectations_file(),
        paper_units=rules.paper_units.output.csv,
        claims=rules.claims.output.csv,
        lengths=per_variant("results/{variant}/lengths.csv"),
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
        " --lengths {params.lengths} --provenance {input.provenance}"
        " --out {output} 2>&1 | tee {log}"
