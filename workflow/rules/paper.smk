# Beyond the paper's figures: every variant in the paper's own units (ln of the epoch losses,
# as its plotting script draws them) beside the values read off its Figures 5 and 6, and the
# length check, a discriminator that sees only the difference in sequence length (real names
# padded to 15 symbols, the same names to max_steps) as the paper's code feeds it.

PAPER_VALUES = project_file("config/paper_figure_values.csv")
# Runtime request of the length check: the training rules' generous bound per run and epoch,
# on one thread (it trains only a discriminator, several times cheaper than a GAN run).
LENGTH_CHECK_MINUTES = 10 + (
    SECONDS_PER_RUN_EPOCH
    * config["length_check_runs"]
    * config["length_check_epochs"]
    // 60
)


rule length_check:
    input:
        names=rules.filter_names.output.names,
        alphabet=ALPHABET,
    output:
        csv="results/length_check.csv",
        json="results/length_check.json",
    log:
        "logs/length_check/length_check.log",
    benchmark:
        "results/benchmarks/length_check.tsv"
    conda:
        CONDA_ENV
    threads: config["threads"]
    resources:
        mem_mb=1000,
        runtime=LENGTH_CHECK_MINUTES,
    params:
        runs=config["length_check_runs"],
        first_seed=config["first_seed"],
        settings=settings_json(
            "corrected", config["objective"], epochs=config["length_check_epochs"]
        ),
    shell:
        "discrete-gan length-check --settings {params.settings:q} --names {input.names}"
        " --alphabet {input.alphabet}"
        " --runs {params.runs} --first-seed {params.first_seed} --threads {threads}"
        " --out-csv {output.csv} --out-json {output.json} > {log} 2>&1"


rule paper_units:
    input:
        summaries=per_variant("results/{variant}/losses_summary.csv"),
        lengths=per_variant("results/{variant}/lengths.csv"),
        paper=PAPER_VALUES,
        length_check=rules.length_check.output.csv,
    output:
        csv="results/paper_units.csv",
        md=report(
            "results/paper_units.md",
            caption="../report/paper_units.rst",
            category="Paper units",
        ),
        png=report(
            "figures/paper_units.png",
            caption="../report/paper_units.rst",
            category="Paper units",
        ),
        pdf="figures/paper_units.pdf",
    log:
        "logs/paper_units/paper_units.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        summaries=variant_items("results/{variant}/losses_summary.csv"),
        lengths=variant_items("results/{variant}/lengths.csv"),
    shell:
        "discrete-gan paper-units --summaries {params.summaries}"
        " --lengths {params.lengths} --paper {input.paper}"
        " --length-check {input.length_check} --out-csv {output.csv} --out-md {output.md}"
        " --png {output.png} --pdf {output.pdf} > {log} 2>&1"
