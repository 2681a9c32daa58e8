"""`discrete-gan claims`: the command line of `analysis.claims`."""

from __future__ import annotations

import argparse
from pathlib import Path

from discrete_gan.analysis import claims as claims_module
from discrete_gan.analysis.aggregate import write_csv
from discrete_gan.analysis.claim_rules import WINDOW
from discrete_gan.analysis.claims import (
    claims_frame,
    claims_markdown,
    parse_heldout,
    read_heldout_curves,
    read_variant,
    variant_claims,
)
from discrete_gan.data.names import read_corpus_names
from discrete_gan.fileio import UserError, parse_named, run_cli, write_text


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="discrete-gan claims", description=claims_module.__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--variant",
        action="append",
        required=True,
        metavar="NAME=RUNS_DIR",
        help="a variant's name and its folder of seed{N}/ runs; repeat per variant",
    )
    parser.add_argument("--seeds", type=int, nargs="+", required=True, help="seeds of every run")
    parser.add_argument("--real-names", type=Path, required=True, help="corpus, one per line")
    parser.add_argument("--window", type=int, default=WINDOW, help="epochs for claim 2")
    parser.add_argument(
        "--heldout-curve",
        action="append",
        nargs="+",
        default=[],
        metavar="NAME=PATH [PATH ...]",
        help="a variant's name and the heldout_nll.csv of runs of the same objective and "
        "variant (claim 2); repeat per variant",
    )
    parser.add_argument("--out-csv", type=Path, required=True, help="claims table CSV to write")
    parser.add_argument("--out-md", type=Path, required=True, help="Markdown table to write")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    variants = [parse_named(text, "NAME=RUNS_DIR") for text in args.variant]
    names = [name for name, _ in variants]
    if len(set(names)) < len(names):
        raise UserError(f"variant names repeat in {names}; give each --variant its own name.")
    if args.window < 1:
        raise UserError(f"--window must be at least 1, got {args.window}.")
    heldout = parse_heldout(args.heldout_curve, names)
    missing = (
        f"the methods comparison trains only the {', '.join(heldout)} variant"
        if heldout
        else "no held-out curve given"
    )
    real_names = read_corpus_names(args.real_names)
    claims = [
        claim
        for name, folder in variants
        for claim in variant_claims(
            name,
            read_variant(folder, args.seeds),
            real_names,
            args.window,
            read_heldout_curves(heldout.get(name, [])),
            missing,
        )
    ]
    write_csv(claims_frame(claims), args.out_csv)
    write_text(args.out_md, claims_markdown(claims))
    for claim in claims:
        print(f"{claim.variant} claim {claim.number}: {claim.verdict}")
    print(f"wrote {args.out_csv} and {args.out_md}")


if __name__ == "__main__":
    run_cli(main)
