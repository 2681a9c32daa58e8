# Stage 3: tables behind the figures, and the sample lists of one run (Section 5.2).


rule aggregate_losses:
    input:
        runs=run_files(all_seeds(), "losses.csv"),
    output:
        "results/losses_summary.csv",
    log:
        "logs/aggregate_losses/aggregate_losses.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "python -m discrete_gan.aggregate losses --runs {input.runs} --out {output} > {log} 2>&1"


rule aggregate_lengths:
    input:
        generated=run_file(config["figure_run"], "samples.txt"),
        real=rules.filter_names.output.names,
    output:
        "results/lengths.csv",
    log:
        "logs/aggregate_lengths/aggregate_lengths.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        n=config["n_lengths"],
        seed=config["real_names_seed"],
    shell:
        "python -m discrete_gan.aggregate lengths --generated {input.generated}"
        " --real {input.real} -n {params.n} --seed {params.seed} --out {output} > {log} 2>&1"


rule samples_report:
    input:
        samples=run_file(config["figure_run"], "samples.txt"),
        forced=run_file(config["figure_run"], "forced.txt"),
    output:
        report(
            "results/samples.md",
            caption="../report/samples.rst",
            category="Generated names",
        ),
    log:
        "logs/samples_report/samples_report.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        run_seed=config["figure_run"],
        seed=config["samples_seed"],
        n_show=config["n_show"],
    shell:
        "python -m discrete_gan.samples_report --samples {input.samples}"
        " --forced {input.forced} --run-seed {params.run_seed} --seed {params.seed}"
        " --n-show {params.n_show} --out {output} > {log} 2>&1"
