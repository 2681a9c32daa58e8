# Stage 7: the docs/ pages of a finished run (`snakemake docs`, `make docs`). Each page is
# rendered from the run's tables and stamped from its provenance.json; the tables and figures a
# page shows are copied next to it, so docs/ reads on its own. `docs` writes the replication's
# pages (results, configuration, performance); `docs_comparison` the methods comparison's,
# which trains the comparison first if it was not run. Neither is part of `rule all`.

DOCS_DIR = os.path.normpath(config["docs_dir"])
CONFIG_SCHEMA = project_file("workflow/schemas/config.schema.yaml")
# The config files beside config/config.yaml, whose overrides the configuration page lists.
OTHER_CONFIGS = sorted(
    project_file(f"config/{name}")
    for name in os.listdir(os.path.join(workflow.basedir, "config"))
    if name.endswith(".yaml") and name != "config.yaml"
)


DOCS_RESULTS_COPIES = docs_results_copies()
DOCS_COMPARISON_COPIES = docs_comparison_copies()
DOCS_PROVENANCE = f"{DOCS_DIR}/provenance.json"
DOCS_COPY_FLAGS = "--copy-from {input.copies} --copy-to {output.copies}"


rule docs_results:
    input:
        guard=docs_guard,
        paper_units=rules.paper_units.output.md,
        claims=rules.claims.output.md,
        length_check=rules.length_check.output.json,
        provenance=rules.provenance.output[0],
        copies=list(DOCS_RESULTS_COPIES.values()),
    output:
        page=f"{DOCS_DIR}/results.md",
        copies=list(DOCS_RESULTS_COPIES),
    log:
        "logs/docs/results.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    params:
        variants=VARIANTS,
    shell:
        "discrete-gan docs results --paper-units {input.paper_units}"
        " --claims {input.claims} --length-check {input.length_check}"
        " --variants {params.variants} --provenance {input.provenance}"
        f" {DOCS_COPY_FLAGS} --out {{output.page}} > {{log}} 2>&1"


rule docs_configuration:
    input:
        guard=docs_guard,
        config=project_file("config/config.yaml"),
        schema=CONFIG_SCHEMA,
        others=OTHER_CONFIGS,
        provenance=DOCS_PROVENANCE,
    output:
        f"{DOCS_DIR}/configuration.md",
    log:
        "logs/docs/configuration.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    shell:
        "discrete-gan docs configuration --config {input.config}"
        " --schema {input.schema} --others {input.others}"
        " --provenance {input.provenance} --out {output} > {log} 2>&1"


rule docs_performance:
    input:
        guard=docs_guard,
        benchmarks=training_benchmarks(),
        provenance=DOCS_PROVENANCE,
    output:
        f"{DOCS_DIR}/performance.md",
    log:
        "logs/docs/performance.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    shell:
        "discrete-gan docs performance --benchmarks {input.benchmarks}"
        " --provenance {input.provenance} --out {output} > {log} 2>&1"


rule docs_comparison_page:
    input:
        guard=docs_guard,
        summary=rules.comparison_report.output.summary_md,
        benchmarks=comparison_benchmarks(),
        provenance=rules.comparison_provenance.output[0],
        copies=list(DOCS_COMPARISON_COPIES.values()),
    output:
        page=f"{DOCS_DIR}/comparison.md",
        copies=list(DOCS_COMPARISON_COPIES),
    log:
        "logs/docs/comparison.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    shell:
        "discrete-gan docs comparison --summary {input.summary}"
        " --benchmarks {input.benchmarks} --provenance {input.provenance}"
        f" {DOCS_COPY_FLAGS} --out {{output.page}} > {{log}} 2>&1"


# What the reference run shows: the template's prose, every number from the run's tables and
# the comparison's (so it needs both), beside the figures the other pages copied.
rule docs_findings:
    input:
        guard=docs_guard,
        template=project_file("workflow/templates/findings.md"),
        paper_units=rules.paper_units.output.csv,
        claims=rules.claims.output.csv,
        length_check=rules.length_check.output.json,
        diagnostics=per_variant("results/{variant}/diagnostics_summary.csv"),
        samples=per_variant("results/{variant}/samples.md"),
        summary=rules.comparison_report.output.summary_csv,
        curves=rules.evaluate_comparison.output.curves,
        reference=rules.reference_points.output.reference,
        provenance=rules.provenance.output[0],
        comparison_provenance=rules.comparison_provenance.output[0],
        pages=[rules.docs_results.output.page, rules.docs_comparison_page.output.page],
    output:
        f"{DOCS_DIR}/findings.md",
    log:
        "logs/docs/findings.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    params:
        variants=VARIANTS,
        results=input_folder_of("paper_units"),
        comparison=input_folder_of("summary"),
    shell:
        "discrete-gan docs findings --template {input.template} --results {params.results}"
        " --comparison {params.comparison} --variants {params.variants}"
        " --provenance {input.provenance}"
        " --comparison-provenance {input.comparison_provenance} --out {output} > {log} 2>&1"


# Targets: the replication's pages, and the methods comparison's page (with the findings).
rule docs:
    input:
        rules.docs_results.output,
        rules.docs_configuration.output,
        rules.docs_performance.output,


rule docs_comparison:
    input:
        rules.docs_comparison_page.output,
        # the findings page quotes the reference run of config/config.yaml: written into docs/
        # only (a smoke run lacks the methods and runs its prose reads)
        rules.docs_findings.output if DOCS_DIR == "docs" else [],
