"""Training throughput benchmark: `make bench` (or `python benchmarks/bench.py`).

Prints, for this machine, run-epochs per second of the batched trainer for 1 and 30 runs with
1 and 2 threads, the same for a straightforward one-run-at-a-time loop
(`training/reference.py`), for 30 runs of every other generator objective (the comparison's
and the benchmark's: `gumbel` differentiates through the samples, on its own kernels) with 1
and 2 threads, for 30 runs with a 48-letter alphabet (50 symbols: a-z, accented Latin letters
and `ß`, as `alphabet: auto` finds in European word lists) beside the paper's 28 symbols
(`--alphabet-only` runs just these two rows), the projected and measured time of the full
replication's training (30 runs x 200 epochs), and peak memory. Each measurement runs in its
own process, so thread settings and peak memory do not leak between them. A whole 200-epoch
run of `paper_code` (30 runs, one thread, as a training job runs) shows whether an epoch gets
slower as training goes on. The numba backend runs the fused C++ kernels (`fused.cpp`) where
they build; a table compares them with the numba kernels they replace, in this same run
(`corrected` and `paper_code`, 30 runs, 1 and 2 threads, and the CPU-seconds of a whole
200-epoch `paper_code` job on each; `--kernels-only` runs just these). The last line reads
`run-epochs/s (30 runs, 2 threads): <number>`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config" / "config.yaml"
PAPER_RUNS, PAPER_EPOCHS = 30, 200
# a-z and 22 more letters: a vocabulary of 50 symbols instead of the paper's 28
WIDE_ALPHABET = "abcdefghijklmnopqrstuvwxyzàáâäæçèéêëíîïñóôöøúûüß"


def corpus_names(names: Path, corpus: Path) -> list[str]:
    """The filtered names: from `names` if it exists, else filtered from the corpus folder."""
    from discrete_gan.data.filter import filter_files
    from discrete_gan.data.names import read_corpus_names

    if names.is_file():
        return read_corpus_names(names)
    kept, _ = filter_files([corpus / "female.txt", corpus / "male.txt"])
    return kept


def measure(
    names: list[str],
    mode: str,
    runs: int,
    threads: int,
    epochs: int,
    variant: str = "corrected",
    objective: str | None = None,
    alphabet: str | None = None,
    kernels: str = "auto",
) -> dict:
    """Time `epochs` epochs of `runs` runs of `variant` with the generator `objective` and the
    `alphabet` (the config's if None) after a short warm-up; peak RSS of this process; with 25
    epochs or more, also the time per epoch of epochs 5-25 and of the last 20 (a slowdown over
    training, such as subnormal floats once caused, shows as their ratio). `kernels` sets
    DISCRETE_GAN_KERNELS: the fused kernels, the numba ones, or (auto) the fused where they run."""
    os.environ["DISCRETE_GAN_KERNELS"] = kernels  # read once, on the first kernel call
    import torch

    from discrete_gan.backends import fused
    from discrete_gan.config import RunSettings, run_settings
    from discrete_gan.training.reference import train_single
    from discrete_gan.training.train import BatchedTrainer, choose_backend, set_threads

    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))  # the project's defaults
    objective = objective or config["objective"]
    changes = {"epochs": epochs, "alphabet": alphabet or config["alphabet"]}
    settings = RunSettings.from_mapping(run_settings(config, variant, objective, **changes))
    model, train = settings.model, settings.train
    seeds = list(range(runs))
    backend = choose_backend("torch" if mode == "loop" else mode, "cpu", torch.float32)
    set_threads(threads, backend)
    ends: list[float] = []  # seconds from the start to the end of each epoch
    if mode == "loop":
        start = time.perf_counter()
        for seed in seeds:
            train_single(names, seed, model, train)
    else:
        warm = BatchedTrainer(names, seeds, model, train, "cpu", torch.float32, backend)
        warm.n_batches = 2  # compiles (or loads) the kernels outside the timed part
        warm.train_epoch(0)
        trainer = BatchedTrainer(names, seeds, model, train, "cpu", torch.float32, backend)
        cpu_start = time.process_time()  # CPU time of every thread of this process
        start = time.perf_counter()
        for epoch in range(epochs):
            trainer.train_epoch(epoch)
            ends.append(time.perf_counter() - start)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start if mode != "loop" else None
    flat = {}
    if len(ends) >= 25:
        flat = {
            "early_s_per_epoch": (ends[24] - ends[4]) / 20,
            "late_s_per_epoch": (ends[-1] - ends[-21]) / 20,
        }
    return {
        "variant": variant,
        "objective": objective,
        "symbols": model.vocab.size,
        **flat,
        "mode": mode,
        "kernels": fused.describe() if mode == "numba" else None,
        "runs": runs,
        "threads": threads,
        "epochs": epochs,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "run_epochs_per_s": runs * epochs / seconds,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def in_subprocess(names_file: Path, **spec) -> dict:
    """Run `measure` in a fresh interpreter and return its result."""
    cmd = [sys.executable, __file__, "--worker", json.dumps(spec), "--names", str(names_file)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def machine() -> str:
    """One line describing this machine."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    import numba
    import torch

    return (
        f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, torch {torch.__version__}, numba {numba.__version__}"
    )


def row(result: dict, label: str) -> str:
    return (
        f"| {label} | {result['runs']} | {result['threads']} | {result['epochs']} | "
        f"{result['seconds']:.1f} | {result['run_epochs_per_s']:.1f} | "
        f"{result['peak_rss_mib']:.0f} |"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=Path, default=ROOT / "data/processed/names.txt")
    parser.add_argument("--corpus", type=Path, default=ROOT / "../shared/data/names-corpus")
    parser.add_argument("--epochs", type=int, default=5, help="timed epochs per measurement")
    parser.add_argument("--skip-full", action="store_true", help="skip the 30 x 200 run")
    parser.add_argument(
        "--alphabet-only", action="store_true", help="only the 50-symbol row and its a-z one"
    )
    parser.add_argument(
        "--kernels-only",
        action="store_true",
        help="only the fused against the numba kernels (and, without --skip-full, their "
        "200-epoch paper_code jobs)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        names = corpus_names(args.names, args.corpus)
        print(json.dumps(measure(names, **json.loads(args.worker))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        names_file = Path(tmp) / "names.txt"
        names_file.write_text("\n".join(corpus_names(args.names, args.corpus)) + "\n")
        run_benchmarks(
            names_file, args.epochs, args.skip_full, args.alphabet_only, args.kernels_only
        )


def alphabet_rows(names_file: Path, epochs: int) -> None:
    """30 runs on 2 threads with the paper's 28 symbols and with WIDE_ALPHABET's 50."""
    for alphabet in (None, WIDE_ALPHABET):
        result = in_subprocess(
            names_file, mode="numba", runs=PAPER_RUNS, threads=2, epochs=epochs, alphabet=alphabet
        )
        label = f"batched, numba kernels, {result['symbols']} symbols"
        print(row(result, label), flush=True)


def kernel_rows(names_file: Path, epochs: int) -> None:
    """The fused kernels against the numba ones they replace, in this same run: 30 runs of
    `corrected` and of `paper_code` on 1 and 2 threads, each kernel set in its own process,
    the two alternating so that a busier moment of the machine does not favour either."""
    print("\n| variant | threads | numba kernels run-epochs/s | fused run-epochs/s | ratio |")
    print("|---|---|---|---|---|")
    for variant in ("corrected", "paper_code"):
        for threads in (1, 2):
            spec = {"mode": "numba", "runs": PAPER_RUNS, "threads": threads, "epochs": epochs}
            old = in_subprocess(names_file, **spec, variant=variant, kernels="numba")
            new = in_subprocess(names_file, **spec, variant=variant, kernels="fused")
            old_rate, new_rate = old["run_epochs_per_s"], new["run_epochs_per_s"]
            print(
                f"| {variant} | {threads} | {old_rate:.1f} | {new_rate:.1f} | "
                f"{new_rate / old_rate:.2f}x |",
                flush=True,
            )


def paper_code_job(names_file: Path) -> dict:
    """A whole 200-epoch job of paper_code (30 runs, one thread, as a training job runs) on
    each kernel set: wall and CPU seconds, and the fused kernels' share of the numba ones'."""
    jobs = {}
    for kernels in ("numba", "fused"):
        jobs[kernels] = in_subprocess(
            names_file, mode="numba", runs=PAPER_RUNS, threads=1, epochs=PAPER_EPOCHS,
            variant="paper_code", kernels=kernels,
        )  # fmt: skip
        job = jobs[kernels]
        print(
            f"paper_code {PAPER_RUNS} x {PAPER_EPOCHS}, 1 thread, {kernels} kernels: "
            f"{job['seconds']:.0f} s, {job['cpu_seconds']:.0f} CPU-s",
            flush=True,
        )
    share = jobs["fused"]["cpu_seconds"] / jobs["numba"]["cpu_seconds"]
    print(f"paper_code job, fused kernels' CPU-seconds / numba kernels': {share:.2f}")
    return jobs["fused"]


def run_benchmarks(
    names_file: Path, epochs: int, skip_full: bool, alphabet_only: bool, kernels_only: bool
) -> None:
    print(f"# discrete-gan training benchmark, {datetime.date.today().isoformat()}")
    print(f"machine: {machine()}")
    kernels = in_subprocess(names_file, mode="numba", runs=1, threads=1, epochs=1)["kernels"]
    fused_here = kernels.startswith("fused")
    print(f"kernels: {kernels}")
    if kernels_only:
        if not fused_here:
            print("the fused kernels do not run here, so there is nothing to compare")
            return
        kernel_rows(names_file, epochs)
        if not skip_full:
            paper_code_job(names_file)
        return
    print("\n| trainer | runs | threads | epochs | seconds | run-epochs/s | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|")
    if alphabet_only:
        alphabet_rows(names_file, epochs)
        return
    results = {}
    for mode, runs, threads, n in [
        ("loop", 1, 1, 1),
        ("loop", 1, 2, 1),
        ("numba", 1, 1, epochs),
        ("numba", 1, 2, epochs),
        ("numba", PAPER_RUNS, 1, epochs),
        ("numba", PAPER_RUNS, 2, epochs),
        ("torch", PAPER_RUNS, 2, 1),
    ]:
        result = in_subprocess(names_file, mode=mode, runs=runs, threads=threads, epochs=n)
        results[mode, runs, threads] = result
        label = {"loop": "one run at a time (nn.LSTM)", "numba": "batched, numba kernels"}.get(
            mode, "batched, torch backend"
        )
        print(row(result, label), flush=True)
    from discrete_gan.model.objectives import GENERATOR_OBJECTIVES

    # every generator objective of the comparison and the benchmark (is_gan is the rows above)
    for objective in [name for name in GENERATOR_OBJECTIVES if name != "is_gan"]:
        for threads in (1, 2):
            result = in_subprocess(
                names_file,
                mode="numba",
                runs=PAPER_RUNS,
                threads=threads,
                epochs=epochs,
                objective=objective,
            )
            print(row(result, f"batched, numba kernels, {objective} objective"), flush=True)
    alphabet_rows(names_file, epochs)
    if fused_here:
        kernel_rows(names_file, epochs)
    best = results["numba", PAPER_RUNS, 2]["run_epochs_per_s"]
    baseline = results["loop", 1, 2]["run_epochs_per_s"]
    total = PAPER_RUNS * PAPER_EPOCHS
    print(f"\nspeed-up over the one-run-at-a-time loop (2 threads each): {best / baseline:.1f}x")
    print(f"projected training time of the replication ({total} run-epochs): {total / best:.0f} s")
    if not skip_full:
        full = in_subprocess(
            names_file, mode="numba", runs=PAPER_RUNS, threads=2, epochs=PAPER_EPOCHS
        )
        print(
            f"measured training time of the replication: {full['seconds']:.0f} s "
            f"(peak RSS {full['peak_rss_mib']:.0f} MiB)"
        )
        if fused_here:
            code = paper_code_job(names_file)
        else:
            code = in_subprocess(
                names_file, mode="numba", runs=PAPER_RUNS, threads=1, epochs=PAPER_EPOCHS,
                variant="paper_code",
            )  # fmt: skip
        print(
            f"measured training time of paper_code ({PAPER_RUNS} x {PAPER_EPOCHS}, 1 thread): "
            f"{code['seconds']:.0f} s ({code['run_epochs_per_s']:.1f} run-epochs/s); seconds "
            f"per epoch {code['early_s_per_epoch']:.2f} in epochs 5-25, "
            f"{code['late_s_per_epoch']:.2f} in the last 20 "
            f"(ratio {code['late_s_per_epoch'] / code['early_s_per_epoch']:.2f})"
        )
    print(f"run-epochs/s ({PAPER_RUNS} runs, 2 threads): {best:.1f}")


if __name__ == "__main__":
    main()
