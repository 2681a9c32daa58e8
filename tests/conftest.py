"""Shared pytest fixtures: the read-only names corpus, and a loopback HTTP server for it."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

CORPUS_FILES = ("female.txt", "male.txt", "README", "names.zip", "SHA256SUMS")


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The shared names corpus folder (read-only: tests copy from it, never write into it).

    $DISCRETE_GAN_CORPUS overrides the default, the shared/ folder next to the project root.
    """
    default = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "names-corpus"
    folder = Path(os.environ.get("DISCRETE_GAN_CORPUS") or default).resolve()
    missing = [name for name in CORPUS_FILES if not (folder / name).is_file()]
    if missing:
        pytest.fail(
            f"names corpus folder {folder} lacks {', '.join(missing)}; "
            "set DISCRETE_GAN_CORPUS to a folder holding the corpus files and names.zip.",
            pytrace=False,
        )
    return folder


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
