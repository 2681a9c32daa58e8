"""Tests of the corpus download step, against the shared corpus served over loopback HTTP."""

from __future__ import annotations

import hashlib
import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from discrete_gan.data.download import CORPUS_FILES, download_corpus
from discrete_gan.fileio import UserError

NAMES_ZIP_SHA256 = "0eec7e958b34982662b8f05824ae64642dea097b08057ade65c252191c5fe7ca"
WRONG_SHA256 = "f" * 64


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def assert_corpus_copied(out_dir: Path, corpus_dir: Path) -> None:
    """out_dir holds exactly the three corpus files, byte-identical to the shared copy."""
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(CORPUS_FILES)
    for name in CORPUS_FILES:
        assert (out_dir / name).read_bytes() == (corpus_dir / name).read_bytes(), name


def assert_nothing_written(out_dir: Path) -> None:
    assert not out_dir.exists() or list(out_dir.iterdir()) == []


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_download_over_http(http_corpus: str, corpus_dir: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "raw"
    log: list[str] = []
    result = download_corpus(f"{http_corpus}/names.zip", out_dir, NAMES_ZIP_SHA256, log=log.append)
    assert result["sha256"] == NAMES_ZIP_SHA256 and result["verified"] is True
    assert result["kind"] == "zip"
    assert set(result["files"]) == set(CORPUS_FILES)
    assert_corpus_copied(out_dir, corpus_dir)
    assert any("sha256 verified" in line for line in log)


def test_download_from_local_folder(corpus_dir: Path, tmp_path: Path) -> None:
    result = download_corpus(str(corpus_dir), tmp_path / "raw", NAMES_ZIP_SHA256.upper())
    assert result["kind"] == "zip" and result["verified"] is True
    assert_corpus_copied(tmp_path / "raw", corpus_dir)


def test_download_from_relative_folder(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "copy").mkdir()
    shutil.copy(corpus_dir / "names.zip", tmp_path / "copy" / "names.zip")
    monkeypatch.chdir(tmp_path)
    download_corpus("copy", Path("raw"), NAMES_ZIP_SHA256)
    assert_corpus_copied(tmp_path / "raw", corpus_dir)


@pytest.mark.parametrize("target", ["folder", "zip"])
def test_download_from_file_url(corpus_dir: Path, tmp_path: Path, target: str) -> None:
    path = corpus_dir if target == "folder" else corpus_dir / "names.zip"
    download_corpus(path.as_uri(), tmp_path / "raw", NAMES_ZIP_SHA256)
    assert_corpus_copied(tmp_path / "raw", corpus_dir)


def copy_extracted(corpus_dir: Path, folder: Path, with_sums: bool = True) -> Path:
    """A folder with the extracted corpus (and SHA256SUMS) but no names.zip."""
    folder.mkdir()
    for name in [*CORPUS_FILES, "SHA256SUMS"] if with_sums else CORPUS_FILES:
        shutil.copy(corpus_dir / name, folder / name)
    return folder


def test_folder_without_zip_is_verified(corpus_dir: Path, tmp_path: Path) -> None:
    source = copy_extracted(corpus_dir, tmp_path / "extracted")
    result = download_corpus(str(source), tmp_path / "raw", NAMES_ZIP_SHA256)
    assert result["kind"] == "folder" and result["verified"] is True
    assert_corpus_copied(tmp_path / "raw", corpus_dir)


def test_folder_without_sums_is_copied_unverified(corpus_dir: Path, tmp_path: Path) -> None:
    source = copy_extracted(corpus_dir, tmp_path / "extracted", with_sums=False)
    result = download_corpus(str(source), tmp_path / "raw", NAMES_ZIP_SHA256)
    assert result["verified"] is False
    assert_corpus_copied(tmp_path / "raw", corpus_dir)


def test_folder_file_with_wrong_hash(corpus_dir: Path, tmp_path: Path) -> None:
    source = copy_extracted(corpus_dir, tmp_path / "extracted")
    (source / "male.txt").write_bytes(b"Adam\n")
    with pytest.raises(UserError, match="checksum mismatch") as err:
        download_corpus(str(source), tmp_path / "raw", NAMES_ZIP_SHA256)
    assert sha256_bytes(b"Adam\n") in str(err.value)
    assert_nothing_written(tmp_path / "raw")


def test_folder_missing_files(corpus_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "partial"
    source.mkdir()
    shutil.copy(corpus_dir / "female.txt", source / "female.txt")
    with pytest.raises(UserError, match=r"lacks male\.txt, README"):
        download_corpus(str(source), tmp_path / "raw", NAMES_ZIP_SHA256)
    assert_nothing_written(tmp_path / "raw")


def test_checksum_mismatch(http_corpus: str, tmp_path: Path) -> None:
    out_dir = tmp_path / "raw"
    with pytest.raises(UserError) as err:
        download_corpus(f"{http_corpus}/names.zip", out_dir, WRONG_SHA256)
    message = str(err.value)
    assert WRONG_SHA256 in message and NAMES_ZIP_SHA256 in message
    assert "corpus_source" in message and "CORPUS=" in message
    assert_nothing_written(out_dir)


def test_failure_keeps_existing_files_and_leaves_no_temp(corpus_dir: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "raw"
    out_dir.mkdir()
    (out_dir / "keep.txt").write_text("mine\n")
    with pytest.raises(UserError):
        download_corpus(str(corpus_dir), out_dir, WRONG_SHA256)
    assert [p.name for p in out_dir.iterdir()] == ["keep.txt"]


def test_verified_zip_is_kept_and_used_before_the_source(
    http_corpus: str, corpus_dir: Path, tmp_path: Path
) -> None:
    """The corpus's identity is its checksum: once verified, the source is never read again."""
    cache = tmp_path / "cache"
    download_corpus(
        f"{http_corpus}/names.zip", tmp_path / "first", NAMES_ZIP_SHA256, cache_dir=cache
    )
    kept = cache / f"names-{NAMES_ZIP_SHA256}.zip"
    assert [p.name for p in cache.iterdir()] == [kept.name]
    assert kept.read_bytes() == (corpus_dir / "names.zip").read_bytes()
    unreachable = f"http://127.0.0.1:{closed_port()}/names.zip"
    log: list[str] = []
    result = download_corpus(
        unreachable, tmp_path / "second", NAMES_ZIP_SHA256, cache_dir=cache, log=log.append
    )
    assert result["kind"] == "cache" and result["verified"] is True
    assert_corpus_copied(tmp_path / "second", corpus_dir)
    assert any("the source is not read" in line for line in log)


def test_corrupt_cached_zip_is_removed_and_the_source_used(
    corpus_dir: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    kept = cache / f"names-{NAMES_ZIP_SHA256}.zip"
    kept.write_bytes(b"not the corpus")
    log: list[str] = []
    result = download_corpus(
        str(corpus_dir), tmp_path / "raw", NAMES_ZIP_SHA256, cache_dir=cache, log=log.append
    )
    assert result["kind"] == "zip"
    assert any(f"removing {kept}" in line for line in log)
    assert kept.read_bytes() == (corpus_dir / "names.zip").read_bytes()


def test_unverified_zip_is_not_kept(corpus_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="checksum mismatch"):
        download_corpus(str(corpus_dir), tmp_path / "raw", WRONG_SHA256, cache_dir=tmp_path / "c")
    assert_nothing_written(tmp_path / "c")


def test_http_404(http_corpus: str, tmp_path: Path) -> None:
    url = f"{http_corpus}/no-such.zip"
    with pytest.raises(UserError, match="HTTP error 404") as err:
        download_corpus(url, tmp_path / "raw", NAMES_ZIP_SHA256)
    assert url in str(err.value)
    assert_nothing_written(tmp_path / "raw")


def test_unreachable_host(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/names.zip"
    with pytest.raises(UserError, match="cannot download") as err:
        download_corpus(url, tmp_path / "raw", NAMES_ZIP_SHA256, timeout=5)
    assert url in str(err.value) and "corpus_source" in str(err.value)
    assert_nothing_written(tmp_path / "raw")


def test_corrupt_zip(corpus_dir: Path, tmp_path: Path) -> None:
    truncated = (corpus_dir / "names.zip").read_bytes()[:5000]
    (tmp_path / "names.zip").write_bytes(truncated)
    with pytest.raises(UserError, match="not a readable zip"):
        download_corpus(str(tmp_path / "names.zip"), tmp_path / "raw", sha256_bytes(truncated))
    assert_nothing_written(tmp_path / "raw")


def test_zip_missing_member(tmp_path: Path) -> None:
    zip_path = tmp_path / "names.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr("names/female.txt", "Mary\n")
    digest = sha256_bytes(zip_path.read_bytes())
    with pytest.raises(UserError, match=r"lacks male\.txt, README"):
        download_corpus(str(zip_path), tmp_path / "raw", digest)
    assert_nothing_written(tmp_path / "raw")


@pytest.mark.parametrize("source", ["missing-folder", "ftp://example.org/names.zip"])
def test_bad_source(tmp_path: Path, source: str) -> None:
    with pytest.raises(UserError, match="corpus source"):
        download_corpus(source, tmp_path / "raw", NAMES_ZIP_SHA256)


def test_malformed_sha256(corpus_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="64 hex digits"):
        download_corpus(str(corpus_dir), tmp_path / "raw", "abc123")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "discrete_gan.cli.download", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_cli_bad_checksum(corpus_dir: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "raw"
    done = run_cli("--source", str(corpus_dir), "--sha256", WRONG_SHA256, "--out-dir", str(out_dir))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: checksum mismatch")
    assert_nothing_written(out_dir)


def test_cli_success(http_corpus: str, corpus_dir: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "raw"
    source = f"{http_corpus}/names.zip"
    done = run_cli("--source", source, "--sha256", NAMES_ZIP_SHA256, "--out-dir", str(out_dir))
    assert done.returncode == 0, done.stderr
    assert "sha256 verified" in done.stdout and "wrote" in done.stdout
    assert_corpus_copied(out_dir, corpus_dir)


def test_tests_obtain_the_corpus_as_the_pipeline_does(http_corpus: str, corpus_dir, tmp_path):
    """Without a local copy the tests download the corpus once into a cache, verified."""
    from conftest import CORPUS_FILES as CACHED_FILES
    from conftest import obtain_corpus

    cache = tmp_path / "cache" / "names-corpus"
    folder = obtain_corpus(f"{http_corpus}/names.zip", NAMES_ZIP_SHA256, cache)
    assert folder == cache and all((cache / name).is_file() for name in CACHED_FILES)
    for name in ("female.txt", "male.txt", "README", "names.zip"):
        assert (cache / name).read_bytes() == (corpus_dir / name).read_bytes()
    sums = dict(line.split()[::-1] for line in (cache / "SHA256SUMS").read_text().splitlines())
    assert sums["names.zip"] == NAMES_ZIP_SHA256


@pytest.mark.parametrize("case", ["unreachable", "wrong checksum"])
def test_tests_without_corpus_or_network_fail_with_one_sentence(http_corpus, tmp_path, case):
    from conftest import obtain_corpus

    cache = tmp_path / "cache" / "names-corpus"
    url, sha256 = f"{http_corpus}/names.zip", NAMES_ZIP_SHA256
    if case == "unreachable":
        url = "http://127.0.0.1:9/names.zip"
    else:
        sha256 = "0" * 64
    with pytest.raises(UserError) as err:
        obtain_corpus(url, sha256, cache)
    assert "\n" not in str(err.value) and not cache.exists()
