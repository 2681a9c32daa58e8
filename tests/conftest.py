"""Shared pytest fixtures: the read-only names corpus, and a loopback HTTP server for it."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from discrete_gan.data.download import ZIP_NAME, download_corpus, fetch, sha256_file
from discrete_gan.fileio import UserError

PROJECT = Path(__file__).resolve().parents[1]

CORPUS_FILES = ("female.txt", "male.txt", "README", "names.zip", "SHA256SUMS")
LISTS = ("female.txt", "male.txt", "README")


def default_corpus() -> tuple[str, str]:
    """The corpus URL and names.zip checksum of config/config.yaml."""
    config = yaml.safe_load((PROJECT / "config" / "config.yaml").read_text(encoding="utf-8"))
    return config["corpus_source"], config["corpus_sha256"]


def complete(folder: Path) -> bool:
    return all((folder / name).is_file() for name in CORPUS_FILES)


def obtain_corpus(url: str, sha256: str, cache: Path) -> Path:
    """The corpus in `cache`, downloaded from `url` and verified as the pipeline does it (the
    lists, README, names.zip and a SHA256SUMS of them all) unless it is there already. Raises
    the download step's UserError when it cannot be had."""
    if complete(cache):
        return cache
    with tempfile.TemporaryDirectory(prefix="discrete-gan-corpus-") as tmp:
        staging = Path(tmp) / "names-corpus"
        staging.mkdir()
        fetch(url, staging / ZIP_NAME, timeout=60.0)
        download_corpus(str(staging / ZIP_NAME), staging, sha256)
        sums = "".join(f"{sha256_file(staging / n)}  {n}\n" for n in (ZIP_NAME, *LISTS))
        (staging / "SHA256SUMS").write_text(sums, encoding="utf-8")
        cache.parent.mkdir(parents=True, exist_ok=True)
        if not complete(cache):
            shutil.rmtree(cache, ignore_errors=True)
            shutil.move(staging, cache)
    return cache


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The names corpus folder (read-only: tests copy from it, never write into it).

    $DISCRETE_GAN_CORPUS names it; by default it is the shared/ folder next to the project
    root, or else a copy that the tests download once, as the pipeline does, into
    $DISCRETE_GAN_CACHE (default ~/.cache/discrete-gan).
    """
    if os.environ.get("DISCRETE_GAN_CORPUS"):
        folder = Path(os.environ["DISCRETE_GAN_CORPUS"]).resolve()
        if not complete(folder):
            missing = [name for name in CORPUS_FILES if not (folder / name).is_file()]
            pytest.fail(
                f"names corpus folder {folder} (DISCRETE_GAN_CORPUS) lacks {', '.join(missing)}; "
                "point it at a folder holding the corpus files and names.zip.",
                pytrace=False,
            )
        return folder
    shared = (PROJECT / ".." / "shared" / "data" / "names-corpus").resolve()
    if complete(shared):
        return shared
    cache_root = os.environ.get("DISCRETE_GAN_CACHE") or Path.home() / ".cache" / "discrete-gan"
    cache = Path(cache_root) / "names-corpus"
    url, sha256 = default_corpus()
    try:
        return obtain_corpus(url, sha256, cache)
    except UserError as err:
        pytest.fail(
            f"the tests need the names corpus, which is neither in {shared} nor in {cache} and "
            f"could not be downloaded ({err}); set DISCRETE_GAN_CORPUS to a folder holding "
            "female.txt, male.txt, README, names.zip and SHA256SUMS.",
            pytrace=False,
        )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output clean."""


@contextlib.contextmanager
def serve_directory(directory: Path) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 (a free port) in a thread; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def http_corpus(corpus_dir: Path) -> Iterator[str]:
    """Base URL of a loopback HTTP server serving `corpus_dir`."""
    with serve_directory(corpus_dir) as url:
        yield url


@pytest.fixture(scope="session")
def corpus_names(corpus_dir: Path) -> list[str]:
    """The 7,769 names the paper's filter keeps from the corpus."""
    from discrete_gan.data.filter import filter_files

    names, _ = filter_files([corpus_dir / "female.txt", corpus_dir / "male.txt"])
    return names


@pytest.fixture(scope="session")
def names300(corpus_names: list[str]) -> list[str]:
    """A deterministic subset of 299 real names (every 26th, from the sixth)."""
    return corpus_names[5::26]


@pytest.fixture
def restore_threads():
    """Training sets the thread counts of torch and numba; put them back afterwards."""
    import numba
    import torch

    torch_threads, numba_threads = torch.get_num_threads(), numba.get_num_threads()
    yield
    torch.set_num_threads(torch_threads)
    numba.set_num_threads(numba_threads)


# The test files that take longest, longest first (seconds of one `make test` at a8650df, with
# the kernels compiled): `make test` hands whole files to its workers in this order (pytest-xdist
# `--dist loadfile --no-loadscope-reorder`), so no long file starts last and runs on alone while
# the other workers idle. The SLURM tests run only where a test cluster is up (.ci/run).
LONGEST_FIRST = (
    "test_workflow.py",  # 310
    "test_verify_runs.py",  # 223
    "test_slurm_cluster.py",  # 190
    "test_corpus_file.py",  # 138
    "test_workflow_dry.py",  # 106
    "test_make.py",  # 88
    "test_generality_run.py",  # 81
    "test_train.py",  # 54
    "test_newcomer.py",  # 23
    "test_alphabet.py",  # 15
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the files of LONGEST_FIRST first, in its order; the rest keep theirs."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
