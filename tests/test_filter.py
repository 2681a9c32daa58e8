"""Tests of the paper's name filter, on the real corpus and on hand-made malformed lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from discrete_gan.data.filter import dropped_tsv, filter_files, filter_names
from discrete_gan.fileio import UserError


def corpus_lists(corpus_dir: Path) -> list[Path]:
    return [corpus_dir / "female.txt", corpus_dir / "male.txt"]


def test_real_corpus_counts(corpus_dir: Path) -> None:
    names, counts = filter_files(corpus_lists(corpus_dir))
    assert counts["files"] == [
        {"name": "female.txt", "lines_read": 5001, "bom_removed": False},
        {"name": "male.txt", "lines_read": 2943, "bom_removed": False},
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
    names, counts = filter_files([female, male], min_names=1)
    assert names == ["anna", "zed"]
    assert counts["files"] == [
        {"name": "female.txt", "lines_read": 3, "bom_removed": False},
        {"name": "male.txt", "lines_read": 2, "bom_removed": False},
    ]
    assert counts["non_letter"] == 1 and counts["empty"] == 1 and counts["undecodable"] == 1


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        filter_files([tmp_path / "female.txt"])


def test_no_names_kept_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "female.txt").write_bytes(b"\n O'Hara \nChristabella\n")
    with pytest.raises(UserError, match="holds 0 names of 1 to 9 letters a-z, fewer than 1;"):
        filter_files([tmp_path / "female.txt"], min_names=1)


def test_cli_writes_names_and_counts(corpus_dir: Path, tmp_path: Path) -> None:
    out, counts_path = tmp_path / "processed" / "names.txt", tmp_path / "processed" / "counts.json"
    female, male = corpus_lists(corpus_dir)
    command = [sys.executable, "-m", "discrete_gan.cli.filter", "--female", str(female)]
    command += ["--male", str(male), "--max-len", "9", "--deduplicate"]
    command += ["--out", str(out), "--counts", str(counts_path)]
    command += ["--dropped", str(out.parent / "dropped.tsv")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "kept: 7769" in done.stdout
    dropped = (out.parent / "dropped.tsv").read_text(encoding="utf-8").splitlines()
    assert dropped[0] == "file\tline\treason\ttext" and len(dropped) == 1 + 39 + 136
    assert "female.txt\t270\tnon_letter\tAnn-Mari" in dropped
    names = out.read_text(encoding="utf-8").splitlines()
    assert len(names) == len(set(names)) == 7401
    counts = json.loads(counts_path.read_text(encoding="utf-8"))
    assert counts["lines_read"] == 7944 and counts["written"] == 7401
    assert sorted(p.name for p in out.parent.iterdir()) == [
        "counts.json",
        "dropped.tsv",
        "names.txt",
    ]


def test_cli_missing_file(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "discrete_gan.cli.filter",
        "--female",
        str(tmp_path / "f.txt"),
    ]
    command += ["--male", str(tmp_path / "m.txt"), "--out", str(tmp_path / "names.txt")]
    command += ["--counts", str(tmp_path / "counts.json")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and len(done.stderr.splitlines()) == 1
    assert not (tmp_path / "names.txt").exists()


def names_file(path: Path, names: list[str], prefix: bytes = b"") -> Path:
    path.write_bytes(prefix + "".join(f"{name}\n" for name in names).encode("utf-8"))
    return path


NAMES_200 = [f"{a}{b}{c}" for a in "abcde" for b in "fghij" for c in "klmnopqr"]


def test_byte_order_mark_is_removed_not_a_dropped_name(tmp_path: Path) -> None:
    """A UTF-8 BOM before the first name would make it a non-letter line and drop it."""
    female = names_file(tmp_path / "female.txt", ["Abbe", *NAMES_200], prefix=b"\xef\xbb\xbf")
    male = names_file(tmp_path / "male.txt", NAMES_200)
    names, counts = filter_files([female, male])
    assert names[0] == "abbe" and counts["kept"] == 401 and counts["non_letter"] == 0
    assert [f["bom_removed"] for f in counts["files"]] == [True, False]


@pytest.mark.parametrize("female_names", [[], NAMES_200[:99]])
def test_empty_or_near_empty_list_is_refused(tmp_path: Path, female_names) -> None:
    """An empty female.txt would otherwise train on the male names alone."""
    female = names_file(tmp_path / "female.txt", female_names)
    male = names_file(tmp_path / "male.txt", NAMES_200)
    with pytest.raises(UserError) as err:
        filter_files([female, male])
    message = str(err.value)
    assert f"female.txt holds {len(female_names)} names" in message
    assert "download the corpus again" in message and "\n" not in message


def test_dropped_lines_carry_file_line_and_reason(tmp_path: Path) -> None:
    female = names_file(tmp_path / "female.txt", [*NAMES_200, "Zoë", "Ann-Marie", "Christabella"])
    male = tmp_path / "male.txt"
    male.write_bytes("".join(f"{n}\n" for n in NAMES_200).encode() + b"\xff\tx\n\n")
    dropped: list = []
    names, counts = filter_files([female, male], dropped=dropped)
    assert len(names) == 400
    rows = dropped_tsv(dropped).splitlines()
    assert rows == [
        "file\tline\treason\ttext",
        "female.txt\t201\tnon_letter\tZoë",
        "female.txt\t202\tnon_letter\tAnn-Marie",
        "female.txt\t203\ttoo_long\tChristabella",
        "male.txt\t201\tundecodable\t\\xff\\tx",
        "male.txt\t202\tempty\t",
    ]
