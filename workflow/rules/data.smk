# Stage 1: fetch the names corpus (checksum verified) and apply the paper's name filter.


rule download:
    output:
        female=f"{RAW_DIR}/female.txt",
        male=f"{RAW_DIR}/male.txt",
        readme=f"{RAW_DIR}/README",
    log:
        "logs/download/download.log",
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    params:
        source=config["corpus_source"],
        sha256=config["corpus_sha256"],
        out_dir=RAW_DIR,
    shell:
        "python -m discrete_gan.download --source {params.source:q} --sha256 {params.sha256}"
        " --out-dir {params.out_dir} > {log} 2>&1"


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
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    params:
        max_len=config["max_len"],
        deduplicate=deduplicate_flag(),
    shell:
        "python -m discrete_gan.filter --female {input.female} --male {input.male}"
        " --max-len {params.max_len} {params.deduplicate}"
        " --out {output.names} --counts {output.counts} --dropped {output.dropped}"
        " > {log} 2>&1"
