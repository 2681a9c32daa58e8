# Stage 2: train the GAN runs. Seeds 0..n_runs-1 are grouped into chunks of seeds_per_job;
# each chunk is one rule (e.g. train_seeds_0_29) whose process trains its seeds together as
# one batched model. Outputs are per-seed files, so later stages do not see the grouping.


for chunk in seed_chunks():

    rule:
        name:
            train_rule_name(chunk)
        input:
            names=rules.filter_names.output.names,
        output:
            losses=run_files(chunk, "losses.csv"),
            checkpoints=run_files(chunk, "checkpoint.pt"),
            samples=run_files(chunk, "samples.txt"),
            forced=run_files(chunk, "forced.txt"),
        log:
            f"logs/train/seeds_{chunk_label(chunk)}.log",
        benchmark:
            f"results/benchmarks/train_seeds_{chunk_label(chunk)}.tsv"
        threads: config["threads"]
        resources:
            mem_mb=train_mem_mb(len(chunk)),
            runtime=train_runtime(len(chunk)),
        params:
            seeds=chunk,
            out_dir=RUNS_DIR,
            device=config["device"],
            dtype=config["dtype"],
            backend=config["backend"],
            hidden_size=config["hidden_size"],
            max_steps=config["max_steps"],
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
