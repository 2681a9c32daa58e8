# Stage 1: fetch the names corpus (checksum verified), or copy your own list (corpus_file), and
# apply the paper's name filter.


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


# Your own list (the config's corpus_file) instead of the names corpus. As for the download, its
# identity is its checksum, read as the workflow starts (CORPUS_FILE_SHA256, a param), while the
# path comes from the environment (DISCRETE_GAN_CORPUS_FILE, set in common.smk), so the same bytes
# under another path rerun nothing; bytes that changed since are refused.
rule corpus_file:
    output:
        corpus=f"{RAW_DIR}/corpus.txt",
    log:
        "logs/corpus_file/corpus_file.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    params:
        sha256=CORPUS_FILE_SHA256 or "none",
    shell:
        'discrete-gan corpus-file --source "$DISCRETE_GAN_CORPUS_FILE" --sha256 {params.sha256}'
        " --out {output.corpus} > {log} 2>&1"


rule filter_names:
    input:
        **corpus_lists(),
    output:
        names="data/processed/names.txt",
        counts="data/processed/counts.json",
        dropped="data/processed/dropped.tsv",
        alphabet="data/processed/alphabet.txt",
    log:
        "logs/filter_names/filter_names.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    params:
        lists=corpus_list_flags,
        max_len=config["max_len"],
        deduplicate=deduplicate_flag(),
        alphabet=config["alphabet"],
        max_alphabet=config["max_alphabet"],
    shell:
        "discrete-gan filter {params.lists} --max-len {params.max_len} {params.deduplicate}"
        " --alphabet {params.alphabet:q} --max-alphabet {params.max_alphabet}"
        " --out {output.names} --counts {output.counts} --dropped {output.dropped}"
        " --alphabet-out {output.alphabet} > {log} 2>&1"


# The letters of the filtered names: an input of every step that turns names into symbols.
ALPHABET = rules.filter_names.output.alphabet
