# Stage 2: train the GAN runs of each variant. Seeds first_seed..first_seed+n_runs-1 are
# grouped into chunks of seeds_per_job; each chunk is one rule (e.g. train_corrected_seeds_0_29)
# whose process trains its seeds together as one batched model. Outputs are per-seed files, so
# later stages do not see the grouping.


for variant, chunk in ((v, c) for v in VARIANTS for c in seed_chunks()):

    rule:
        name:
            train_rule_name(variant, chunk)
        input:
            names=rules.filter_names.output.names,
            alphabet=ALPHABET,
            settings=f"{runs_dir(variant)}/settings.json",
        output:
            losses=run_files(variant, chunk, "losses.csv"),
            checkpoints=run_files(variant, chunk, "checkpoint.pt"),
            samples=run_files(variant, chunk, "samples.txt"),
            forced=run_files(variant, chunk, "forced.txt"),
            final=run_files(variant, chunk, "final.json"),
        log:
            f"logs/train/{variant}_seeds_{chunk_label(chunk)}.log",
        benchmark:
            f"results/benchmarks/train_{variant}_seeds_{chunk_label(chunk)}.tsv"
        conda:
            CONDA_ENV
        threads: config["threads"]
        resources:
            mem_mb=train_mem_mb(len(chunk)),
            runtime=train_runtime(len(chunk)),
        params:
            seeds=chunk,
            extra="",
            out_dir=folder_of("losses", up=2),
        shell:
            TRAIN_COMMAND


# What shapes a variant's runs, recorded where they live: rewritten (and so retraining them)
# only when a setting changes, which the params compare.
rule run_settings:
    output:
        "results/{variant}/runs/settings.json",
    log:
        "logs/run_settings/{variant}.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=100,
        runtime=5,
    params:
        settings=variant_settings,
    shell:
        "printf '%s\\n' {params.settings:q} > {output} 2> {log}"
