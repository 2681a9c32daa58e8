"""`discrete-gan download`: the command line of `data.download`."""

from __future__ import annotations

import argparse
import functools
from pathlib import Path

from discrete_gan.data import download
from discrete_gan.data.download import download_corpus
from discrete_gan.fileio import run_cli


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=download.__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="http(s) or file:// URL, or a folder")
    parser.add_argument("--sha256", required=True, help="expected SHA-256 of names.zip")
    parser.add_argument("--out-dir", type=Path, required=True, help="where the files go")
    parser.add_argument("--timeout", type=float, default=60.0, help="network timeout (s)")
    parser.add_argument(
        "--cache-dir", type=Path, help="keep verified zips here and use them before the source"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    log = functools.partial(print, flush=True)
    download_corpus(
        args.source, args.out_dir, args.sha256, args.timeout, cache_dir=args.cache_dir, log=log
    )


if __name__ == "__main__":
    run_cli(main)
