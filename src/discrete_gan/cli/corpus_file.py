"""`discrete-gan corpus-file`: the command line of `data.corpus_file`."""

from __future__ import annotations

import argparse
from pathlib import Path

from discrete_gan.data import corpus_file
from discrete_gan.data.corpus_file import install_corpus_file
from discrete_gan.fileio import UserError, run_cli


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="discrete-gan corpus-file", description=corpus_file.__doc__.splitlines()[0]
    )
    parser.add_argument("--source", required=True, help="the corpus_file, one item per line")
    parser.add_argument("--sha256", required=True, help="its SHA-256, as the workflow read it")
    parser.add_argument("--out", type=Path, required=True, help="where the copy goes")
    args = parser.parse_args(argv)
    if not args.source:
        raise UserError("--source is empty; set corpus_file in the config to a file's path.")
    record = install_corpus_file(args.source, args.sha256, args.out)
    print(
        f"copied {record['source']} ({record['bytes']} bytes, {record['lines']} lines, "
        f"sha256 {record['sha256']}) to {args.out}"
    )


if __name__ == "__main__":
    run_cli(main)
