# Stage 4: Figures 5 and 6 of the paper per variant, as PNG (shown in the report) and PDF; both
# variants side by side; and the importance weights' diagnostics.


rule figure5:
    input:
        summary=rules.aggregate_losses.output[0],
    output:
        png=report(
            "figures/{variant}/figure5.png",
            caption="../report/figure5.rst",
            category="Figures",
            subcategory="{variant}",
        ),
        pdf="figures/{variant}/figure5.pdf",
    log:
        "logs/figure5/{variant}.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "discrete-gan figures figure5 --summary {input.summary} --variant {wildcards.variant}"
        " --png {output.png} --pdf {output.pdf} > {log} 2>&1"


rule figure6:
    input:
        lengths=rules.aggregate_lengths.output[0],
    output:
        png=report(
            "figures/{variant}/figure6.png",
            caption="../report/figure6.rst",
            category="Figures",
            subcategory="{variant}",
        ),
        pdf="figures/{variant}/figure6.pdf",
    log:
        "logs/figure6/{variant}.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "discrete-gan figures figure6 --lengths {input.lengths} --variant {wildcards.variant}"
        " --png {output.png} --pdf {output.pdf} > {log} 2>&1"


rule figure5_variants:
    input:
        per_variant("results/{variant}/losses_summary.csv"),
    output:
        png=report(
            "figures/figure5_variants.png",
            caption="../report/figure5_variants.rst",
            category="Figures",
            subcategory="variants side by side",
        ),
        pdf="figures/figure5_variants.pdf",
    log:
        "logs/figure5_variants/figure5_variants.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        summaries=variant_items("results/{variant}/losses_summary.csv"),
    shell:
        "discrete-gan figures figure5-variants --summaries {params.summaries}"
        " --png {output.png} --pdf {output.pdf} > {log} 2>&1"


rule figure6_variants:
    input:
        per_variant("results/{variant}/lengths.csv"),
    output:
        png=report(
            "figures/figure6_variants.png",
            caption="../report/figure6_variants.rst",
            category="Figures",
            subcategory="variants side by side",
        ),
        pdf="figures/figure6_variants.pdf",
    log:
        "logs/figure6_variants/figure6_variants.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        lengths=variant_items("results/{variant}/lengths.csv"),
    shell:
        "discrete-gan figures figure6-variants --lengths {params.lengths}"
        " --png {output.png} --pdf {output.pdf} > {log} 2>&1"


rule diagnostics_figure:
    input:
        per_variant("results/{variant}/diagnostics_summary.csv"),
    output:
        png=report(
            "figures/diagnostics.png",
            caption="../report/diagnostics.rst",
            category="Figures",
            subcategory="variants side by side",
        ),
        pdf="figures/diagnostics.pdf",
    log:
        "logs/diagnostics_figure/diagnostics_figure.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        summaries=variant_items("results/{variant}/diagnostics_summary.csv"),
    shell:
        "discrete-gan figures diagnostics --summaries {params.summaries}"
        " --png {output.png} --pdf {output.pdf} > {log} 2>&1"


# Targets that rebuild one figure of the paper for every variant (`make figure5`, `make figure6`).
rule figure5_all:
    input:
        per_variant("figures/{variant}/figure5.png"),
        rules.figure5_variants.output,


rule figure6_all:
    input:
        per_variant("figures/{variant}/figure6.png"),
        rules.figure6_variants.output,
