# Stage 2: train the GAN runs of each variant. Seeds 0..n_runs-1 are grouped into chunks of
# seeds_per_job; each chunk is one rule (e.g. train_corrected_seeds_0_29) whose process trains
# its seeds together as one batched model. Outputs are per-seed files, so later stages do not
# see the grouping.


for variant, chunk in ((v, c) for v in VARIANTS for c in seed_chunks()):

    rule:
        name:
            train_rule_name(variant, chunk)
        input:
            names=rules.filter_names.output.names,
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
            out_dir=folder_of("losses", up=2),
            device=config["device"],
            dtype=config["dtype"],
            backend=config["backend"],
            hidden_size=config["hidden_size"],
            max_steps=config["max_steps"],
            variant=variant,
            epochs=config["epochs"],
            batch_size=config["batch_size"],
            lr=config["lr"],
            lr_after=config["lr_after"],
            lr_decay_epoch=config["lr_decay_epoch"],
            objective=config["objective"],
            n_samples=config["n_samples"],
            baseline_decay=config["baseline_decay"],
            gumbel_tau_start=config["gumbel_tau_start"],
            gumbel_tau_end=config["gumbel_tau_end"],
            extra="",
        shell:
            TRAIN_COMMAND
