# Stage 4: Figures 5 and 6 of the paper, as PNG (shown in the report) and PDF.


rule figure5:
    input:
        summary=rules.aggregate_losses.output[0],
    output:
        png=report(
            "figures/figure5.png",
            caption="../report/figure5.rst",
            category="Figures",
        ),
        pdf="figures/figure5.pdf",
    log:
        "logs/figure5/figure5.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "python -m discrete_gan.figures figure5 --summary {input.summary}"
        " --png {output.png} --pdf {output.pdf} > {log} 2>&1"


rule figure6:
    input:
        lengths=rules.aggregate_lengths.output[0],
    output:
        png=report(
            "figures/figure6.png",
            caption="../report/figure6.rst",
            category="Figures",
        ),
        pdf="figures/figure6.pdf",
    log:
        "logs/figure6/figure6.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "python -m discrete_gan.figures figure6 --lengths {input.lengths}"
        " --png {output.png} --pdf {output.pdf} > {log} 2>&1"
