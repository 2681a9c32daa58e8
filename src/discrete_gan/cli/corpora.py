"""`discrete-gan corpora`: the command line of `data.corpora`."""

from __future__ import annotations

import argparse
from pathlib import Path

from discrete_gan.data import corpora
from discrete_gan.data.corpora import CORPORA, build_corpus
from discrete_gan.fileio import run_cli


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="discrete-gan corpora", description=corpora.__doc__.splitlines()[0]
    )
    parser.add_argument("--out", type=Path, required=True, help="folder of <name>.txt and .json")
    parser.add_argument(
        "--only", nargs="+", default=list(CORPORA), help=f"of {', '.join(CORPORA)} (default all)"
    )
    args = parser.parse_args(argv)
    for name in args.only:
        manifest = build_corpus(name, args.out)
        print(
            f"wrote {args.out / name}.txt: {manifest['items']} items from {manifest['package']} "
            f"{manifest['version']} (sha256 {manifest['sha256']})",
            flush=True,
        )


if __name__ == "__main__":
    run_cli(main)
