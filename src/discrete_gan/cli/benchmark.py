"""`discrete-gan benchmark <task>`: the command line of `analysis.benchmark`.

- `select --search method/regime/config=folder ... --seeds S ... --selection-out CSV
  --final-out method/regime=settings.json ...`: pick each method and regime's configuration
  by validation NLL and write the settings of its final runs.
- `reference --train --validation --test --out CSV`: the reference points on the test names.
- `evaluate --run method/regime=folder --seeds ... --train --validation --test
  --temperatures ... --n-samples N --seed S --metrics-out CSV --curves-out CSV`: score one
  method and regime's final runs on the test names.
- `collect --metrics CSV ... --curves CSV ... --metrics-out --curves-out`: join the parts.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from discrete_gan.analysis import aggregate, benchmark
from discrete_gan.analysis.evaluate import TABLE_FLOATS
from discrete_gan.data.names import read_corpus_names
from discrete_gan.data.vocab import PAPER, Vocab, read_alphabet
from discrete_gan.fileio import UserError, run_cli, write_text


def write_csv(frame, path: str | Path) -> None:
    aggregate.write_csv(frame, path, TABLE_FLOATS)


def read_splits(args: argparse.Namespace) -> tuple[list[str], list[str], list[str]]:
    letters = vocab_of(args).letters
    paths = (args.train, args.validation, args.test)
    return tuple(read_corpus_names(path, letters) for path in paths)


def vocab_of(args: argparse.Namespace) -> Vocab:
    """The names' vocabulary: of the filter's alphabet.txt, or the paper's a-z."""
    return Vocab(read_alphabet(args.alphabet)) if args.alphabet else PAPER


def add_split_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--train", required=True, help="training names, one per line")
    parser.add_argument("--validation", required=True, help="validation names")
    parser.add_argument("--test", required=True, help="test names")
    parser.add_argument("--alphabet", help="the filter's alphabet.txt (default: a-z)")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="discrete-gan benchmark", description=benchmark.__doc__.splitlines()[0]
    )
    tasks = parser.add_subparsers(dest="task", required=True)
    select = tasks.add_parser("select", help="choose each method's configuration")
    select.add_argument("--search", nargs="+", required=True, help="method/regime/config=folder")
    select.add_argument("--seeds", type=int, nargs="+", required=True, help="search seeds")
    select.add_argument("--selection-out", required=True, help="selection table (CSV)")
    select.add_argument("--final-out", nargs="+", required=True, help="method/regime=file")
    reference = tasks.add_parser("reference", help="reference points on the test names")
    add_split_flags(reference)
    reference.add_argument("--out", required=True, help="reference table (CSV)")
    evaluate = tasks.add_parser("evaluate", help="score one method's final runs on test")
    evaluate.add_argument("--run", required=True, help="method/regime=folder of its runs")
    evaluate.add_argument("--seeds", type=int, nargs="+", required=True)
    add_split_flags(evaluate)
    evaluate.add_argument("--temperatures", type=float, nargs="+", required=True)
    evaluate.add_argument("--n-samples", type=int, required=True)
    evaluate.add_argument("--seed", type=int, required=True, help="seed of the samples")
    evaluate.add_argument("--metrics-out", required=True)
    evaluate.add_argument("--curves-out", required=True)
    collect = tasks.add_parser("collect", help="join the evaluation's parts")
    collect.add_argument("--metrics", nargs="+", required=True)
    collect.add_argument("--curves", nargs="+", required=True)
    collect.add_argument("--metrics-out", required=True)
    collect.add_argument("--curves-out", required=True)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.task == "select":
        table, chosen = benchmark.select(args.search, args.seeds)
        targets = {"/".join(key): path for key, path in map(benchmark.parse_item, args.final_out)}
        for (method, regime), settings in chosen.items():
            path = targets.get(f"{method}/{regime}")
            if path is None:
                raise UserError(f"no --final-out for {method}/{regime}; give one per searched pair")
            write_text(path, json.dumps(settings, sort_keys=True) + "\n")
        write_csv(table, args.selection_out)
        picked = table[table["selected"]].drop_duplicates(["method", "regime"])
        for row in picked.itertuples():
            print(f"{row.method} ({row.regime}): configuration {row.config} {row.settings}")
    elif args.task == "reference":
        table, _ = benchmark.reference_table(*read_splits(args), vocab_of(args).outputs)
        write_csv(table, args.out)
        print(table.to_string(index=False))
    elif args.task == "evaluate":
        if args.n_samples < 1 or min(args.temperatures) <= 0:
            raise UserError("n_samples must be at least 1 and every temperature positive")
        splits = read_splits(args)
        outputs = vocab_of(args).outputs
        order, nll, judge = benchmark.ngram.reference_model(splits[0], splits[1], outputs=outputs)
        print(f"reference model: {order}-gram (validation NLL per order: {nll})", flush=True)
        metrics, curves = benchmark.evaluate_final(
            args.run, args.seeds, splits, judge, args.temperatures, args.n_samples, args.seed
        )
        write_csv(metrics, args.metrics_out)
        write_csv(curves, args.curves_out)
    else:
        metrics = benchmark.collect(args.metrics, benchmark.METRIC_COLUMNS, "metrics part")
        curves = benchmark.collect(args.curves, benchmark.CURVE_COLUMNS, "curves part")
        write_csv(metrics, args.metrics_out)
        write_csv(curves, args.curves_out)
        print(f"{len(metrics)} metric values, {len(curves)} curve points")


if __name__ == "__main__":
    run_cli(main)
