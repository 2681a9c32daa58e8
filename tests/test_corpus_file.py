"""Your own list (`corpus_file`): the step that copies it, the filter on one list, and the whole
workflow on a plain word list of another alphabet, through `snakemake` and `make`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from word_lists import BAD_LINES, LETTERS, N_WORDS, word_list
from workflow_helpers import (
    copy_workflow,
    job_counts,
    read_lines,
    run_make,
    snakemake,
    succeed,
)

from discrete_gan.cli import filter as filter_cli
from discrete_gan.data.corpus_file import install_corpus_file
from discrete_gan.data.download import sha256_file
from discrete_gan.fileio import UserError, run_cli


def one_sentence(err: pytest.ExceptionInfo) -> str:
    message = str(err.value)
    assert "\n" not in message and message.count("; ") <= 2, message
    return message


# --- the step that copies the file ---


def test_install_copies_the_bytes_verified(tmp_path: Path) -> None:
    source = word_list(tmp_path / "words.txt")
    out = tmp_path / "raw" / "corpus.txt"
    record = install_corpus_file(source, sha256_file(source), out)
    assert out.read_bytes() == source.read_bytes()
    assert record["sha256"] == sha256_file(source) and record["lines"] == N_WORDS + 4


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        (b"anna\n\xe9mile\n", "is not UTF-8 text (line 2 holds byte 0xe9)"),
        (b"\xef\xbb\xbf \r\n\n", "is empty"),
        (b"", "is empty"),
    ],
)
def test_install_refuses_a_missing_undecodable_or_empty_file(
    tmp_path: Path, content, message
) -> None:
    source, out = tmp_path / "words.txt", tmp_path / "raw" / "corpus.txt"
    if content is not None:
        source.write_bytes(content)
    digest = sha256_file(source) if content is not None else "0" * 64
    with pytest.raises(UserError) as err:
        install_corpus_file(source, digest, out)
    assert message in one_sentence(err)
    assert not out.parent.exists() or not any(out.parent.iterdir())


def test_install_refuses_bytes_changed_since_the_workflow_read_them(tmp_path: Path) -> None:
    source = word_list(tmp_path / "words.txt")
    with pytest.raises(UserError) as err:
        install_corpus_file(source, "0" * 64, tmp_path / "corpus.txt")
    assert "changed while the workflow ran" in one_sentence(err)
    assert not (tmp_path / "corpus.txt").exists()


# --- the filter on one list ---


def run_filter(tmp_path: Path, corpus: Path, *extra: str) -> int:
    out = tmp_path / "processed"
    args = ["--corpus", str(corpus), "--out", str(out / "names.txt")]
    args += ["--counts", str(out / "counts.json"), "--dropped", str(out / "dropped.tsv")]
    args += ["--alphabet-out", str(out / "alphabet.txt"), *extra]
    try:
        run_cli(filter_cli.main, args)
    except SystemExit as exit_info:
        return exit_info.code
    return 0


def test_filter_of_a_word_list(tmp_path: Path, capsys) -> None:
    corpus = word_list(tmp_path / "corpus.txt")
    assert run_filter(tmp_path, corpus, "--alphabet", "auto") == 0
    out = tmp_path / "processed"
    names = read_lines(out / "names.txt")
    assert len(names) == N_WORDS and names[:2] == ["über", "zoë"]  # BOM gone, NFC, lower case
    counts = json.loads((out / "counts.json").read_text())
    assert counts["files"] == [
        {"name": "corpus.txt", "lines_read": N_WORDS + 4, "bom_removed": True}
    ]
    dropped = read_lines(out / "dropped.tsv")
    expected = [  # each line as read, its CR shown escaped
        f"corpus.txt\t{201 + k}\t{reason}\t{line}\\r"
        for k, (line, reason) in enumerate(BAD_LINES.items())
    ]
    assert dropped == ["file\tline\treason\ttext", *expected]
    alphabet = read_lines(out / "alphabet.txt")[0]
    assert set(alphabet) == set(LETTERS + "ë") and list(alphabet) == sorted(alphabet)


def test_filter_refuses_a_near_empty_list_in_one_sentence(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("".join(f"word{'x' * (k % 5)}\n" for k in range(150)), encoding="utf-8")
    assert run_filter(tmp_path, corpus, "--max-len", "5") == 1  # keeps "word" and "wordx"
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith("error: name list") and "holds 60 names of 1 to 5 letters a-z" in err
    assert "check that corpus_file" in err
    assert not (tmp_path / "processed").exists()


def test_filter_refuses_an_alphabet_past_max_alphabet(tmp_path: Path, capsys) -> None:
    corpus = word_list(tmp_path / "corpus.txt")
    assert run_filter(tmp_path, corpus, "--alphabet", "auto", "--max-alphabet", "30") == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "more than max_alphabet=30" in err[0]
    assert not (tmp_path / "processed").exists()


# --- the workflow ---

SMALL = ("alphabet=auto", "variants=[corrected,paper_code]")


def corpus_config(path: Path, *extra: str) -> tuple[str, ...]:
    return (f"corpus_file={path}", *SMALL, *extra)


@pytest.fixture(scope="module")
def word_run(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> tuple[Path, Path]:
    """A smoke run of the replication, the comparison and the benchmark on a word list; the
    names corpus source points nowhere, so nothing can come from it."""
    workdir = copy_workflow(tmp_path_factory.mktemp("words"))
    words = word_list(tmp_path_factory.mktemp("lists") / "my words.txt")
    nowhere = workdir / "no-corpus-here"
    targets = ("all", "comparison", "benchmark")
    result = snakemake(
        workdir, nowhere, "--cores", "2", *targets, config=corpus_config(words), timeout=1200
    )
    succeed(result, workdir)
    return workdir, words


def test_word_list_runs_the_whole_workflow(word_run: tuple[Path, Path]) -> None:
    workdir, words = word_run
    assert not (workdir / "data/raw/female.txt").exists()
    assert (workdir / "data/raw/corpus.txt").read_bytes() == words.read_bytes()
    alphabet = read_lines(workdir / "data/processed/alphabet.txt")[0]
    assert set(alphabet) == set(LETTERS + "ë")
    for name in ("results/claims.csv", "results/paper_units.csv", "results/length_check.json"):
        assert (workdir / name).is_file(), name
    for name in ("results/comparison/summary.csv", "results/benchmark/summary.csv"):
        assert (workdir / name).is_file(), name
    for variant in ("corrected", "paper_code"):
        samples = read_lines(workdir / f"results/{variant}/runs/seed0/samples.txt")
        assert all(set(name) <= set(alphabet + "$.") for name in samples)
    reference = (workdir / "results/comparison/reference.csv").read_text()
    assert "uniform" in reference


def test_provenance_records_the_checksum_and_path(word_run: tuple[Path, Path]) -> None:
    workdir, words = word_run
    for record in ("results/provenance.json", "results/comparison/provenance.json"):
        config = json.loads((workdir / record).read_text())["config"]
        assert config["corpus_file_sha256"] == sha256_file(words)
        assert config["corpus_file"] == str(words)
        assert config["alphabet"] == "auto"


def test_the_same_bytes_under_another_path_rerun_nothing(
    word_run: tuple[Path, Path], tmp_path: Path
) -> None:
    workdir, words = word_run
    copy = shutil.copy2(words, tmp_path / "renamed.txt")
    targets = ("all", "comparison", "benchmark")
    output = succeed(
        snakemake(workdir, workdir, "-n", *targets, config=corpus_config(copy)), workdir
    )
    assert "Nothing to be done" in output, output[-3000:]
    Path(copy).write_bytes(Path(copy).read_bytes() + b"zzzz\n")
    output = succeed(
        snakemake(workdir, workdir, "-n", *targets, config=corpus_config(copy)), workdir
    )
    counts = job_counts(output)
    assert counts["corpus_file"] == 1 and counts["filter_names"] == 1, output[-3000:]


def test_sample_draws_from_a_word_model(word_run: tuple[Path, Path]) -> None:
    workdir, _ = word_run
    alphabet = read_lines(workdir / "data/processed/alphabet.txt")[0]
    checkpoint = workdir / "results/corrected/runs/seed1/checkpoint.pt"
    command = [sys.executable, "-m", "discrete_gan.cli.sample", "--checkpoint", str(checkpoint)]
    done = subprocess.run([*command, "-n", "30"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    names = done.stdout.splitlines()
    assert len(names) == 30 and all(set(name) <= set(alphabet) for name in names)


def test_a_missing_corpus_file_is_one_sentence_before_anything_runs(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path / "copy")
    result = snakemake(workdir, workdir, "-n", config=(f"corpus_file={tmp_path / 'none.txt'}",))
    assert result.returncode != 0
    assert f"corpus_file {tmp_path / 'none.txt'} does not exist" in result.stdout + result.stderr


def test_an_empty_corpus_file_is_refused_before_anything_runs(tmp_path: Path) -> None:
    """An empty list is refused while the workflow builds its graph: the copy of an earlier
    list stays, since no step starts (and Snakemake removes nothing)."""
    workdir = copy_workflow(tmp_path / "copy")
    earlier = workdir / "data/raw/corpus.txt"
    earlier.parent.mkdir(parents=True)
    earlier.write_text("anna\nbob\n", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"\xef\xbb\xbf\n  \n")
    result = snakemake(workdir, workdir, "--cores", "1", config=(f"corpus_file={empty}",))
    assert result.returncode != 0
    assert f"corpus_file {empty} is empty" in result.stdout + result.stderr
    assert earlier.read_text(encoding="utf-8") == "anna\nbob\n"
    assert not (workdir / "data/processed").exists()


def test_make_smoke_and_replicate_take_corpus_file(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path / "copy")
    words = word_list(tmp_path / "words.txt")
    for target in ("smoke", "replicate"):
        done = run_make(
            workdir, target, f"CORPUS_FILE={words}", "SET=alphabet=auto", "SNAKEMAKE_ARGS=-n"
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, output[-3000:]
        counts = job_counts(output)
        assert counts["corpus_file"] == 1 and "download" not in counts, output[-3000:]
