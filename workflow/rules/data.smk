# Stage 1: fetch the names corpus (checksum verified) and apply the paper's name filter.


rule download:
    output:
        female=f"{RAW_DIR}/female.txt",
        male=f"{RAW_DIR}/male.txt",
        readme=f"{RAW_DIR}/README",
    log:
        "logs/download/download.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    # The corpus's identity is its checksum: corpus_sha256 is a param, so a new digest reruns
    # the download, while the source comes from the environment (DISCRETE_GAN_CORPUS_SOURCE,
    # set from the config in common.smk), outside the params Snakemake compares, so another
    # spelling of where the same verified data lives (a forgotten CORPUS=, a trailing slash)
    # reruns nothing. A rerun installs from the verified zip kept in CORPUS_CACHE before it
    # reads the source.
    params:
        sha256=config["corpus_sha256"],
        out_dir=folder_of("female"),
        cache_dir=CORPUS_CACHE,
    shell:
        'discrete-gan download --source "$DISCRETE_GAN_CORPUS_SOURCE" --sha256 {params.sha256}'
        " --out-dir {params.out_dir} --cache-dir {params.cache_dir} > {log} 2>&1"


rule filter_names:
    input:
        female=rules.download.output.female,
        male=rules.download.output.male,
    output:
        names="data/processed/names.txt",
        counts="data/processed/counts.json",
        dropped="data/processed/dropped.tsv",
    log:
        "logs/filter_names/filter_names.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    params:
        max_len=config["max_len"],
        deduplicate=deduplicate_flag(),
    shell:
        "discrete-gan filter --female {input.female} --male {input.male}"
        " --max-len {params.max_len} {params.deduplicate}"
        " --out {output.names} --counts {output.counts} --dropped {output.dropped}"
        " > {log} 2>&1"
