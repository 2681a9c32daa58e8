"""`discrete-gan provenance`: the command line of `analysis.provenance`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from discrete_gan.analysis import provenance as provenance_module
from discrete_gan.analysis.provenance import provenance
from discrete_gan.fileio import UserError, run_cli, write_text


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="discrete-gan provenance", description=provenance_module.__doc__
    )
    parser.add_argument("--project", type=Path, required=True, help="the workflow's folder")
    parser.add_argument("--config-json", required=True, help="the resolved config, as JSON")
    parser.add_argument("--corpus-source", help="the corpus source, added to the config")
    parser.add_argument(
        "--corpus-file", help="the corpus_file's path (empty: none), added to the config"
    )
    parser.add_argument("--configfiles", nargs="*", default=[], help="config files read")
    parser.add_argument("--started", required=True, help="when the Snakemake run began")
    parser.add_argument("--threads", type=int, required=True, help="threads of a training job")
    parser.add_argument("--out", type=Path, required=True, help="provenance.json to write")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        config = json.loads(args.config_json)
    except json.JSONDecodeError as err:
        raise UserError(f"--config-json is not JSON ({err}); pass the resolved config.") from None
    if args.corpus_source is not None:
        config = {**config, "corpus_source": args.corpus_source}
    if args.corpus_file is not None:
        config = {**config, "corpus_file": args.corpus_file or None}
    record = provenance(args.project, config, args.configfiles, args.started, args.threads)
    write_text(args.out, json.dumps(record, indent=2, sort_keys=True) + "\n")
    commit = record["git"]["commit"] or "no git checkout"
    print(f"wrote {args.out}: commit {commit}, {record['cpu']}", file=sys.stdout, flush=True)


if __name__ == "__main__":
    run_cli(main)
