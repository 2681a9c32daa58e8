# Beyond the paper: every generator objective on one harness, scored on held-out names.
# `snakemake --cores 8 comparison` splits the distinct names (train / held out), trains each
# method for comparison_seeds seeds on the training split, evaluates every final generator at
# each temperature, computes reference points from the split alone (n-gram models, the training
# names as samples), and writes the tables and figures under results/comparison and figures/.


# What shapes a method's comparison runs, recorded where they live (see run_settings).
rule method_settings:
    output:
        f"{COMPARISON_DIR}/runs/{{method}}/settings.json",
    log:
        "logs/method_settings/{method}.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=100,
        runtime=5,
    params:
        settings=method_settings,
    shell:
        "printf '%s\\n' {params.settings:q} > {output} 2> {log}"


rule split_names:
    input:
        names=rules.filter_names.output.names,
    output:
        train="data/processed/split/train.txt",
        heldout="data/processed/split/heldout.txt",
    log:
        "logs/split_names/split_names.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    params:
        fraction=config["heldout_fraction"],
        seed=config["split_seed"],
    shell:
        "discrete-gan split --names {input.names} --heldout-fraction {params.fraction}"
        " --seed {params.seed} --train-out {output.train} --heldout-out {output.heldout}"
        " > {log} 2>&1"


for method in config["comparison_methods"]:
    for chunk in comparison_chunks():

        rule:
            name:
                f"compare_{method}_seeds_{chunk_label(chunk)}"
            input:
                names=rules.split_names.output.train,
                alphabet=ALPHABET,
                heldout=rules.split_names.output.heldout,
                settings=f"{comparison_run_dir(method)}/settings.json",
            output:
                losses=comparison_files(method, chunk, "losses.csv"),
                checkpoints=comparison_files(method, chunk, "checkpoint.pt"),
                samples=comparison_files(method, chunk, "samples.txt"),
                forced=comparison_files(method, chunk, "forced.txt"),
                curves=comparison_files(method, chunk, "heldout_nll.csv"),
                final=comparison_files(method, chunk, "final.json"),
            log:
                f"logs/compare/{method}_seeds_{chunk_label(chunk)}.log",
            benchmark:
                f"results/benchmarks/compare_{method}_seeds_{chunk_label(chunk)}.tsv"
            conda:
                CONDA_ENV
            threads: config["threads"]
            resources:
                mem_mb=train_mem_mb(len(chunk)),
                runtime=train_runtime(len(chunk)),
            params:
                extra=f"--heldout {rules.split_names.output.heldout}",
                seeds=chunk,
                out_dir=folder_of("losses", up=2),
            shell:
                TRAIN_COMMAND


rule evaluate_comparison:
    input:
        train=rules.split_names.output.train,
        heldout=rules.split_names.output.heldout,
        checkpoints=all_comparison_files("checkpoint.pt"),
        curves=all_comparison_files("heldout_nll.csv"),
    output:
        metrics=f"{COMPARISON_DIR}/metrics.csv",
        curves=f"{COMPARISON_DIR}/heldout_nll.csv",
    log:
        "logs/evaluate_comparison/evaluate_comparison.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        runs=comparison_runs_flag(),
        seeds=comparison_seeds(),
        temperatures=config["eval_temperatures"],
        n_samples=config["eval_samples"],
        seed=config["eval_seed"],
    shell:
        "discrete-gan evaluate --runs {params.runs} --seeds {params.seeds}"
        " --train {input.train} --heldout {input.heldout}"
        " --temperatures {params.temperatures} --n-samples {params.n_samples}"
        " --seed {params.seed} --metrics-out {output.metrics} --curves-out {output.curves}"
        " > {log} 2>&1"


rule reference_points:
    input:
        train=rules.split_names.output.train,
        heldout=rules.split_names.output.heldout,
        alphabet=ALPHABET,
    output:
        reference=f"{COMPARISON_DIR}/reference.csv",
    log:
        "logs/reference_points/reference_points.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    shell:
        "discrete-gan ngram --train {input.train} --heldout {input.heldout}"
        " --alphabet {input.alphabet} --out {output.reference} > {log} 2>&1"


rule comparison_report:
    input:
        metrics=rules.evaluate_comparison.output.metrics,
        curves=rules.evaluate_comparison.output.curves,
        reference=rules.reference_points.output.reference,
    output:
        summary_csv=f"{COMPARISON_DIR}/summary.csv",
        summary_md=report(
            f"{COMPARISON_DIR}/summary.md",
            caption="../report/comparison_summary.rst",
            category="Methods comparison",
        ),
        metrics=report(
            "figures/comparison_metrics.png",
            caption="../report/comparison_metrics.rst",
            category="Methods comparison",
        ),
        curves=report(
            "figures/comparison_curves.png",
            caption="../report/comparison_curves.rst",
            category="Methods comparison",
        ),
        tradeoff=report(
            "figures/comparison_tradeoff.png",
            caption="../report/comparison_tradeoff.rst",
            category="Methods comparison",
        ),
    log:
        "logs/comparison_report/comparison_report.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "discrete-gan comparison-report --metrics {input.metrics}"
        " --curves {input.curves} --reference {input.reference}"
        " --summary-csv {output.summary_csv}"
        " --summary-md {output.summary_md} --figure-metrics {output.metrics}"
        " --figure-curves {output.curves} --figure-tradeoff {output.tradeoff} > {log} 2>&1"


rule comparison:
    input:
        rules.comparison_report.output,
        f"{COMPARISON_DIR}/provenance.json",
