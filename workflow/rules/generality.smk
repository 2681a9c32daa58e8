# Beyond the paper: the reference run's three findings, decided on this run's corpus
# (`analysis/generality.py`). `make generality` runs `snakemake generality` on each corpus in
# its own folder (config/generality.yaml), then writes docs/generality.md from them all. The
# target is not part of `rule all`.


rule generality_summary:
    input:
        counts=rules.filter_names.output.counts,
        alphabet=ALPHABET,
        provenance=rules.provenance.output[0],
        claims=rules.claims.output.csv,
        d_dependence=rules.signatures.output.runs,
        metrics=rules.evaluate_comparison.output.metrics,
        reference=rules.reference_points.output.reference,
        length_check=rules.length_check.output.json,
    output:
        "results/generality.json",
    log:
        "logs/generality_summary/generality_summary.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    shell:
        "discrete-gan generality summary --counts {input.counts} --alphabet {input.alphabet}"
        " --provenance {input.provenance} --claims {input.claims}"
        " --d-dependence {input.d_dependence} --metrics {input.metrics}"
        " --reference {input.reference} --length-check {input.length_check}"
        " --out {output} > {log} 2>&1"


# What docs/generality.md reads from this folder: the summary, the tables it embeds, the
# paper-units figure and the provenance records.
rule generality:
    input:
        rules.generality_summary.output,
        rules.paper_units.output,
        rules.comparison.input,
