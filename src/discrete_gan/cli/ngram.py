"""`discrete-gan ngram`: the command line of `analysis.ngram`."""

from __future__ import annotations

import argparse

from discrete_gan.analysis import ngram
from discrete_gan.analysis.aggregate import write_csv
from discrete_gan.analysis.evaluate import TABLE_FLOATS
from discrete_gan.analysis.ngram import reference_points
from discrete_gan.data.names import read_corpus_names
from discrete_gan.data.vocab import PAPER, Vocab, read_alphabet
from discrete_gan.fileio import UserError, run_cli


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="discrete-gan ngram", description=ngram.__doc__.splitlines()[0]
    )
    parser.add_argument("--train", required=True, help="training names, one per line")
    parser.add_argument("--heldout", required=True, help="held-out names, one per line")
    parser.add_argument("--out", required=True, help="reference CSV to write")
    parser.add_argument("--alphabet", help="the filter's alphabet.txt (default: the paper's a-z)")
    args = parser.parse_args(argv)
    vocab = Vocab(read_alphabet(args.alphabet)) if args.alphabet else PAPER
    train = read_corpus_names(args.train, vocab.letters)
    heldout = read_corpus_names(args.heldout, vocab.letters)
    if set(train) & set(heldout):
        raise UserError(
            f"{args.train} and {args.heldout} share names; rerun the split step to separate them."
        )
    table = reference_points(train, heldout, vocab.outputs)
    write_csv(table, args.out, TABLE_FLOATS)
    print(table.to_string(index=False))
    print(f"wrote {len(table)} reference points to {args.out}")


if __name__ == "__main__":
    run_cli(main)
