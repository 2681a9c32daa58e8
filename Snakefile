# Replication of "GAN Training for Discrete Generators" (Toth): data -> training -> tables ->
# figures, claims and the comparison with the paper in its own units, for each variant (a ladder
# from the paper's text, `corrected`, to its published code, `paper_code`).
# The stages live in workflow/rules/*.smk; settings in config/config.yaml.
# Snakemake reads profiles/default/ by itself (--cores, --show-failed-logs), as `make` runs it.
#   snakemake                                            # the paper's 30 runs x 200 epochs
#   snakemake --cores 2 --configfile config/smoke.yaml   # 2 runs x 3 epochs
#   snakemake --workflow-profile profiles/slurm --config seeds_per_job=1   # a SLURM job per run
#   snakemake comparison                                 # every method on held-out names
#   snakemake benchmark                                  # tuned, pre-trained, with intervals
#   snakemake verify --configfile config/ci.yaml         # check the numbers against bands
#   snakemake generality --configfile config/generality.yaml   # the findings on this corpus


from snakemake.utils import min_version

min_version("9.0")


# Paths of the project's own files start at the Snakefile's folder, so `--directory` (as
# `make smoke` uses) moves only the outputs.
configfile: f"{workflow.basedir}/config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


wildcard_constraints:
    variant="|".join(VARIANTS),
    method="|".join(
        dict.fromkeys(config["comparison_methods"] + config["benchmark_methods"])
    ),
    regime="scratch|pretrained",
    k=r"\d+",


include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/comparison.smk"
include: "workflow/rules/paper.smk"
include: "workflow/rules/verify.smk"
include: "workflow/rules/benchmark.smk"
include: "workflow/rules/docs.smk"
include: "workflow/rules/generality.smk"


# Steps that run where Snakemake runs, never as cluster jobs: the targets, the download (it
# needs the network), the settings writers, and the bookkeeping after training (tables,
# reports, figures, provenance, checks and docs pages), which takes seconds a step; as cluster
# jobs, each would wait in the queue. The cluster runs the data steps, the training, the
# evaluations and the reference models.
localrules:
    all,
    comparison,
    figure5_all,
    figure6_all,
    benchmark,
    download,
    corpus_file,
    run_settings,
    method_settings,
    benchmark_search_settings,
    aggregate_losses,
    aggregate_diagnostics,
    aggregate_lengths,
    samples_report,
    claims,
    figure5,
    figure6,
    figure5_variants,
    figure6_variants,
    diagnostics_figure,
    paper_units,
    comparison_report,
    benchmark_select,
    benchmark_collect,
    benchmark_report,
    variant_provenance,
    provenance,
    comparison_provenance,
    benchmark_provenance,
    verify,
    docs,
    docs_comparison,
    docs_results,
    docs_configuration,
    docs_performance,
    docs_comparison_page,
    docs_findings,
    docs_benchmark,
    signatures,
    generality_summary,
    generality,


rule all:
    default_target: True
    input:
        rules.filter_names.output.counts,
        per_variant("results/{variant}/losses_summary.csv"),
        per_variant("results/{variant}/lengths.csv"),
        per_variant("results/{variant}/samples.md"),
        per_variant("figures/{variant}/figure5.png"),
        per_variant("figures/{variant}/figure6.png"),
        rules.figure5_variants.output,
        rules.figure6_variants.output,
        rules.diagnostics_figure.output,
        rules.claims.output,
        rules.length_check.output,
        rules.paper_units.output,
        rules.provenance.output,
