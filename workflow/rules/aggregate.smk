# Stage 3: per variant, the tables behind the figures and the sample lists of one run
# (Section 5.2); then the claims table over all variants.


rule aggregate_losses:
    input:
        runs=variant_losses,
    output:
        "results/{variant}/losses_summary.csv",
    log:
        "logs/aggregate_losses/{variant}.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "discrete-gan aggregate losses --runs {input.runs} --out {output} > {log} 2>&1"


rule aggregate_diagnostics:
    input:
        runs=variant_losses,
    output:
        "results/{variant}/diagnostics_summary.csv",
    log:
        "logs/aggregate_diagnostics/{variant}.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "discrete-gan aggregate diagnostics --runs {input.runs} --out {output}"
        " > {log} 2>&1"


rule aggregate_lengths:
    input:
        generated=figure_run_file("samples.txt"),
        real=rules.filter_names.output.names,
    output:
        "results/{variant}/lengths.csv",
    log:
        "logs/aggregate_lengths/{variant}.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        n=config["n_lengths"],
        seed=config["real_names_seed"],
    shell:
        "discrete-gan aggregate lengths --generated {input.generated}"
        " --real {input.real} -n {params.n} --seed {params.seed} --out {output} > {log} 2>&1"


rule samples_report:
    input:
        samples=figure_run_file("samples.txt"),
        forced=figure_run_file("forced.txt"),
    output:
        report(
            "results/{variant}/samples.md",
            caption="../report/samples.rst",
            category="Generated names",
            subcategory="{variant}",
        ),
    log:
        "logs/samples_report/{variant}.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        run_seed=config["figure_run"],
        seed=config["samples_seed"],
        n_show=config["n_show"],
    shell:
        "discrete-gan samples-report --samples {input.samples}"
        " --forced {input.forced} --run-seed {params.run_seed} --seed {params.seed}"
        " --n-show {params.n_show} --out {output} > {log} 2>&1"


rule claims:
    input:
        runs=[
            run_file(variant, seed, name)
            for variant in VARIANTS
            for seed in all_seeds()
            for name in ("losses.csv", "samples.txt", "forced.txt", "final.json")
        ],
        real=rules.filter_names.output.names,
        # Claim 2's held-out NLL trend: the methods comparison's is_gan runs (the paper's
        # objective, corrected variant, trained on the training split), when it trains them
        # and the corrected variant is among the variants.
        heldout=comparison_files("is_gan", heldout_seeds(), "heldout_nll.csv"),
    output:
        csv="results/claims.csv",
        md=report(
            "results/claims.md",
            caption="../report/claims.rst",
            category="Claims",
        ),
    log:
        "logs/claims/claims.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        variants=" ".join(f"--variant {v}={runs_dir(v)}" for v in VARIANTS),
        seeds=all_seeds(),
        # followed directly by {input.heldout}: "--heldout-curve corrected=PATH PATH ..."
        heldout="--heldout-curve corrected=" if heldout_seeds() else "",
    shell:
        "discrete-gan claims {params.variants} --seeds {params.seeds}"
        " --real-names {input.real} {params.heldout}{input.heldout}"
        " --out-csv {output.csv} --out-md {output.md} > {log} 2>&1"
