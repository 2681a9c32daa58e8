# The benchmark of generator objectives (`snakemake --cores 8 benchmark`, `make benchmark`):
# a seeded train / validation / test split; for every method and regime, each configuration of
# its grid trained on the search seeds (one job per configuration) and scored on validation;
# the best configuration per method and regime trained again on the final seeds and scored
# once on test; the report with bootstrap intervals. The protocol: analysis/benchmark.py.


rule benchmark_split:
    input:
        names=rules.filter_names.output.names,
    output:
        train=f"{BENCHMARK_DATA}/train.txt",
        validation=f"{BENCHMARK_DATA}/validation.txt",
        test=f"{BENCHMARK_DATA}/test.txt",
    log:
        "logs/benchmark/split.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    params:
        fractions=[
            config["benchmark_validation_fraction"],
            config["benchmark_test_fraction"],
        ],
        seed=config["benchmark_split_seed"],
    shell:
        "discrete-gan split --names {input.names} --heldout-fraction {params.fractions}"
        " --seed {params.seed} --train-out {output.train}"
        " --heldout-out {output.validation} {output.test} > {log} 2>&1"


rule benchmark_search_settings:
    output:
        f"{BENCHMARK_DIR}/search/{{method}}/{{regime}}/c{{k}}/settings.json",
    log:
        "logs/benchmark/settings/{method}_{regime}_c{k}.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=100,
        runtime=5,
    params:
        settings=lambda w: benchmark_settings(
            w.method, w.regime, search_points(w.method)[int(w.k)]
        ),
    shell:
        "printf '%s\\n' {params.settings:q} > {output} 2> {log}"


for method, regime, k in SEARCHED:

    rule:
        name:
            f"search_{method}_{regime}_c{k}"
        input:
            names=rules.benchmark_split.output.train,
            alphabet=ALPHABET,
            heldout=rules.benchmark_split.output.validation,
            settings=f"{search_dir(method, regime, k)}/settings.json",
        output:
            checkpoints=seed_files(
                search_dir(method, regime, k), SEARCH_SEEDS, "checkpoint.pt"
            ),
            curves=seed_files(
                search_dir(method, regime, k), SEARCH_SEEDS, "heldout_nll.csv"
            ),
        log:
            f"logs/benchmark/search/{method}_{regime}_c{k}.log",
        benchmark:
            f"results/benchmarks/search_{method}_{regime}_c{k}.tsv"
        conda:
            CONDA_ENV
        threads: config["threads"]
        resources:
            mem_mb=train_mem_mb(len(SEARCH_SEEDS)),
            runtime=train_runtime(len(SEARCH_SEEDS)),
        params:
            seeds=SEARCH_SEEDS,
            extra=lambda w, input: f"--heldout {input.heldout}",
            out_dir=folder_of("checkpoints", up=2),
        shell:
            TRAIN_COMMAND


rule benchmark_select:
    input:
        settings=[f"{search_dir(*point)}/settings.json" for point in SEARCHED],
        curves=[
            path
            for point in SEARCHED
            for path in seed_files(search_dir(*point), SEARCH_SEEDS, "heldout_nll.csv")
        ],
    output:
        selection=f"{BENCHMARK_DIR}/selection.csv",
        settings=[f"{final_dir(m, r)}/settings.json" for m, r in BENCHMARK_PAIRS],
    log:
        "logs/benchmark/select.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    params:
        search=[f"{m}/{r}/{k}={search_dir(m, r, k)}" for m, r, k in SEARCHED],
        final=[f"{m}/{r}={final_dir(m, r)}/settings.json" for m, r in BENCHMARK_PAIRS],
        seeds=SEARCH_SEEDS,
    shell:
        "discrete-gan benchmark select --search {params.search} --seeds {params.seeds}"
        " --selection-out {output.selection} --final-out {params.final} > {log} 2>&1"


for method, regime in BENCHMARK_PAIRS:

    rule:
        name:
            f"final_{method}_{regime}"
        input:
            names=rules.benchmark_split.output.train,
            alphabet=ALPHABET,
            heldout=rules.benchmark_split.output.validation,
            settings=f"{final_dir(method, regime)}/settings.json",
        output:
            checkpoints=seed_files(
                final_dir(method, regime), FINAL_SEEDS, "checkpoint.pt"
            ),
            curves=seed_files(final_dir(method, regime), FINAL_SEEDS, "heldout_nll.csv"),
        log:
            f"logs/benchmark/final/{method}_{regime}.log",
        benchmark:
            f"results/benchmarks/final_{method}_{regime}.tsv"
        conda:
            CONDA_ENV
        threads: config["threads"]
        resources:
            mem_mb=train_mem_mb(len(FINAL_SEEDS)),
            runtime=train_runtime(len(FINAL_SEEDS)),
        params:
            seeds=FINAL_SEEDS,
            extra=lambda w, input: f"--heldout {input.heldout}",
            out_dir=folder_of("checkpoints", up=2),
        shell:
            TRAIN_COMMAND

    rule:
        name:
            f"benchmark_evaluate_{method}_{regime}"
        input:
            checkpoints=seed_files(
                final_dir(method, regime), FINAL_SEEDS, "checkpoint.pt"
            ),
            curves=seed_files(final_dir(method, regime), FINAL_SEEDS, "heldout_nll.csv"),
            train=rules.benchmark_split.output.train,
            validation=rules.benchmark_split.output.validation,
            test=rules.benchmark_split.output.test,
            alphabet=ALPHABET,
        output:
            metrics=f"{BENCHMARK_DIR}/parts/metrics_{method}_{regime}.csv",
            curves=f"{BENCHMARK_DIR}/parts/curves_{method}_{regime}.csv",
        log:
            f"logs/benchmark/evaluate/{method}_{regime}.log",
        conda:
            CONDA_ENV
        threads: 1
        resources:
            mem_mb=2000,
            runtime=30,
        params:
            run=f"{method}/{regime}={final_dir(method, regime)}",
            seeds=FINAL_SEEDS,
            temperatures=config["eval_temperatures"],
            n_samples=config["eval_samples"],
            seed=config["eval_seed"],
        shell:
            "discrete-gan benchmark evaluate --run {params.run} --seeds {params.seeds}"
            " --train {input.train} --validation {input.validation} --test {input.test}"
            " --alphabet {input.alphabet} --temperatures {params.temperatures} --n-samples {params.n_samples}"
            " --seed {params.seed} --metrics-out {output.metrics}"
            " --curves-out {output.curves} > {log} 2>&1"


rule benchmark_collect:
    input:
        metrics=[
            f"{BENCHMARK_DIR}/parts/metrics_{m}_{r}.csv" for m, r in BENCHMARK_PAIRS
        ],
        curves=[f"{BENCHMARK_DIR}/parts/curves_{m}_{r}.csv" for m, r in BENCHMARK_PAIRS],
    output:
        metrics=f"{BENCHMARK_DIR}/metrics.csv",
        curves=f"{BENCHMARK_DIR}/curves.csv",
    log:
        "logs/benchmark/collect.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    shell:
        "discrete-gan benchmark collect --metrics {input.metrics} --curves {input.curves}"
        " --metrics-out {output.metrics} --curves-out {output.curves} > {log} 2>&1"


rule benchmark_reference:
    input:
        train=rules.benchmark_split.output.train,
        validation=rules.benchmark_split.output.validation,
        test=rules.benchmark_split.output.test,
        alphabet=ALPHABET,
    output:
        f"{BENCHMARK_DIR}/reference.csv",
    log:
        "logs/benchmark/reference.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    shell:
        "discrete-gan benchmark reference --train {input.train}"
        " --validation {input.validation} --test {input.test} --alphabet {input.alphabet}"
        " --out {output} > {log} 2>&1"


rule benchmark_report:
    input:
        selection=rules.benchmark_select.output.selection,
        metrics=rules.benchmark_collect.output.metrics,
        curves=rules.benchmark_collect.output.curves,
        reference=rules.benchmark_reference.output[0],
    output:
        summary=f"{BENCHMARK_DIR}/summary.csv",
        report=f"{BENCHMARK_DIR}/report.md",
        quality=report(
            "figures/benchmark_quality_diversity.png",
            caption="../report/benchmark_quality_diversity.rst",
            category="Benchmark",
        ),
        curves=report(
            "figures/benchmark_curves.png",
            caption="../report/benchmark_curves.rst",
            category="Benchmark",
        ),
    log:
        "logs/benchmark/report.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "discrete-gan benchmark-report --selection {input.selection}"
        " --metrics {input.metrics} --curves {input.curves} --reference {input.reference}"
        " --summary-csv {output.summary} --report-md {output.report}"
        " --figure-quality-diversity {output.quality} --figure-curves {output.curves}"
        " > {log} 2>&1"


rule benchmark:
    input:
        rules.benchmark_report.output,
        f"{BENCHMARK_DIR}/provenance.json",


rule benchmark_provenance:
    input:
        rules.benchmark_report.output,
    output:
        f"{BENCHMARK_DIR}/provenance.json",
    log:
        "logs/benchmark/provenance.log",
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


# What docs/benchmark.md shows, copied beside it: {copy in docs: source}.
DOCS_BENCHMARK_COPIES = {
    f"{config['docs_dir']}/benchmark/{os.path.basename(path)}": path
    for path in [
        rules.benchmark_select.output.selection,
        rules.benchmark_report.output.summary,
        rules.benchmark_collect.output.metrics,
        rules.benchmark_collect.output.curves,
        rules.benchmark_reference.output[0],
        rules.benchmark_report.output.quality,
        rules.benchmark_report.output.curves,
        rules.benchmark_provenance.output[0],
    ]
}


rule docs_benchmark:
    input:
        guard=docs_guard,
        report=rules.benchmark_report.output.report,
        benchmarks=benchmark_training_jobs(),
        provenance=rules.benchmark_provenance.output[0],
        copies=list(DOCS_BENCHMARK_COPIES.values()),
    output:
        page=f"{config['docs_dir']}/benchmark.md",
        copies=list(DOCS_BENCHMARK_COPIES),
    log:
        "logs/docs/benchmark.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    shell:
        "discrete-gan docs benchmark --report {input.report}"
        " --benchmarks {input.benchmarks} --provenance {input.provenance}"
        " --copy-from {input.copies} --copy-to {output.copies} --out {output.page} > {log} 2>&1"
