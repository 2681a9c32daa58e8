"""Tests of the paper's name filter, on the real corpus and on hand-made malformed lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from discrete_gan.filter import filter_files, filter_names
from discrete_gan.io import UserError


def corpus_lists(corpus_dir: Path) -> list[Path]:
    return [corpus_dir / "female.txt", corpus_dir / "male.txt"]


def test_real_corpus_counts(corpus_dir: Path) -> None:
    names, counts = filter_files(corpus_lists(corpus_dir))
    assert counts["files"] == [
        {"name": "female.txt", "lines_read": 5001},
        {"name": "male.txt", "lines_read": 2943},
    ]
    assert counts["lines_read"] == 7944
    assert counts["non_letter"] == 39
    assert counts["too_long"] == 136
    assert counts["kept"] == 7769 == len(names) == counts["written"]
    assert counts["distinct"] == 7401
    assert counts["empty"] == 0 and counts["undecodable"] == 0
    assert counts["duplicates_removed"] == 0
    assert names[0] == "abagael" and names[-1] == "zorro"
    assert all(name.isascii() and name.isalpha() and name.islower() for name in names)
    assert max(map(len, names)) == 9


def test_real_corpus_deduplicated(corpus_dir: Path) -> None:
    names, counts = filter_files(corpus_lists(corpus_dir), deduplicate=True)
    assert len(names) == len(set(names)) == 7401 == counts["written"]
    assert counts["kept"] == 7769 and counts["duplicates_removed"] == 368
    assert counts["deduplicate"] is True


MALFORMED = [
    b"Anna\n",  # kept
    b"\n",  # empty
    b"   \t\n",  # empty (whitespace only)
    b"  Bob\t\n",  # kept, whitespace stripped
    b"Carl\r\n",  # kept, "\r" stripped
    b"\xff\xfeDan\n",  # undecodable
    b"O'Neil\n",  # non_letter (apostrophe)
    b"Mary Ann\n",  # non_letter (space)
    b"Jean-Paul\n",  # non_letter (hyphen)
    b"#comment\n",  # non_letter ('#' is not special)
    b"Ren\xc3\xa9e\n",  # non_letter (valid UTF-8, not a-z)
    b"Christabel\n",  # too_long (10 letters)
    b" Maximilian \n",  # too_long, whitespace stripped
    b"Ninelette\n",  # kept (9 letters)
    b"ANNA",  # kept (duplicate of "anna"), last line without "\n"
]


def test_malformed_lines_counted() -> None:
    names, counts = filter_names(MALFORMED)
    assert names == ["anna", "bob", "carl", "ninelette", "anna"]
    expected = {
        "lines_read": 15,
        "undecodable": 1,
        "empty": 2,
        "non_letter": 5,
        "too_long": 2,
        "kept": 5,
        "whitespace_stripped": 3,
        "distinct": 4,
        "duplicates_removed": 0,
        "written": 5,
        "max_len": 9,
        "deduplicate": False,
    }
    assert counts == expected


def test_malformed_lines_deduplicated() -> None:
    names, counts = filter_names(MALFORMED, deduplicate=True)
    assert names == ["anna", "bob", "carl", "ninelette"]
    assert counts["duplicates_removed"] == 1 and counts["written"] == 4


def test_str_lines_and_max_len() -> None:
    names, counts = filter_names(["Eve\n", "Adam", "Abigail"], max_len=4)
    assert names == ["eve", "adam"]
    assert counts["too_long"] == 1 and counts["whitespace_stripped"] == 0


def test_files_split_on_newline_only(tmp_path: Path) -> None:
    female, male = tmp_path / "female.txt", tmp_path / "male.txt"
    female.write_bytes(b"Anna\r\nBea\rCleo\r\n\r\n")  # a lone "\r" does not end a line
    male.write_bytes(b"\xff\xfe\nZed")
    names, counts = filter_files([female, male])
    assert names == ["anna", "zed"]
    assert counts["files"] == [
        {"name": "female.txt", "lines_read": 3},
        {"name": "male.txt", "lines_read": 2},
    ]
    assert counts["non_letter"] == 1 and counts["empty"] == 1 and counts["undecodable"] == 1


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        filter_files([tmp_path / "female.txt"])


def test_no_names_kept_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "female.txt").write_bytes(b"\n O'Hara \nChristabella\n")
    with pytest.raises(UserError, match="no names"):
        filter_files([tmp_path / "female.txt"])


def test_cli_writes_names_and_counts(corpus_dir: Path, tmp_path: Path) -> None:
    out, counts_path = tmp_path / "processed" / "names.txt", tmp_path / "processed" / "counts.json"
    female, male = corpus_lists(corpus_dir)
    command = [sys.executable, "-m", "discrete_gan.filter", "--female", str(female)]
    command += ["--male", str(male), "--max-len", "9", "--deduplicate"]
    command += ["--out", str(out), "--counts", str(counts_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "kept: 7769" in done.stdout
    names = out.read_text(encoding="utf-8").splitlines()
    assert len(names) == len(set(names)) == 7401
    counts = json.loads(counts_path.read_text(encoding="utf-8"))
    assert counts["lines_read"] == 7944 and counts["written"] == 7401
    assert sorted(p.name for p in out.parent.iterdir()) == ["counts.json", "names.txt"]


def test_cli_missing_file(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "discrete_gan.filter", "--female", str(tmp_path / "f.txt")]
    command += ["--male", str(tmp_path / "m.txt"), "--out", str(tmp_path / "names.txt")]
    command += ["--counts", str(tmp_path / "counts.json")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and len(done.stderr.splitlines()) == 1
    assert not (tmp_path / "names.txt").exists()
