"""Fetch the names corpus (female.txt, male.txt, README) and verify its SHA-256.

The source is an http(s) URL of names.zip, a file:// URL, or a local folder holding names.zip
or the extracted files. README travels with the lists because the corpus license asks for it.

The corpus's identity is the SHA-256 of names.zip, not where it came from: a verified zip is
kept in a cache folder (`names-<sha256>.zip`), and a later call for the same digest installs
from that copy without reading the source, so an unreachable source never loses verified data.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.client
import re
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from discrete_gan.fileio import UserError, atomic_path

CORPUS_FILES = ("female.txt", "male.txt", "README")
ZIP_NAME = "names.zip"
SUMS_NAME = "SHA256SUMS"
LOCAL_COPY_HINT = (
    "use a local copy by setting the corpus_source config key "
    "or passing CORPUS=path/to/folder to make (e.g. `make replicate CORPUS=...`)"
)
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
SUMS_LINE = re.compile(r"([0-9a-fA-F]{64}) [ *](.+)")

Log = Callable[[str], None]
T = TypeVar("T")


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def normalize_sha256(sha256: str) -> str:
    """Lower-case hex digest, or a UserError if it is not 64 hex digits."""
    value = sha256.strip().lower()
    if not SHA256_HEX.fullmatch(value):
        raise UserError(f"sha256 {sha256!r} is not 64 hex digits; pass the digest of names.zip.")
    return value


def check_sha256(path: Path, expected: str, where: str, fix: str = LOCAL_COPY_HINT) -> str:
    """Return the file's digest, or raise a UserError naming both digests if they differ."""
    actual = sha256_file(path)
    if actual != expected:
        raise UserError(
            f"checksum mismatch for {where}: expected sha256 {expected} but got {actual}; "
            f"the file is corrupt or has changed, so {fix}."
        )
    return actual


def parse_sha256sums(path: Path) -> dict[str, str]:
    """Read a `sha256sum` listing into {file name: digest}; blank and '#' lines are skipped."""
    sums = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        match = SUMS_LINE.fullmatch(line.strip())
        if match is None:
            raise UserError(
                f"line {number} of {path} is not '<sha256>  <file>'; fix or remove {path}."
            )
        sums[match.group(2)] = match.group(1).lower()
    return sums


def local_path_of(source: str) -> Path | None:
    """The local path a source names, or None for an http(s) URL."""
    parts = urllib.parse.urlsplit(source)
    if parts.scheme in ("http", "https"):
        return None
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise UserError(f"file URL {source} names a remote host; use file:///absolute/path.")
        return Path(urllib.request.url2pathname(parts.path))
    if len(parts.scheme) > 1:
        raise UserError(
            f"corpus source {source} has an unsupported scheme; "
            "give an http(s) URL, a file:// URL or a local folder."
        )
    return Path(source).expanduser()


def fetch(url: str, dest: Path, timeout: float) -> int:
    """Download `url` into `dest` and return its size; network failures become UserErrors."""
    request = urllib.request.Request(url, headers={"User-Agent": "discrete-gan"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, dest.open("wb") as out:
            shutil.copyfileobj(response, out, 1 << 16)
    except urllib.error.HTTPError as err:
        raise UserError(
            f"HTTP error {err.code} ({err.reason}) fetching {url}; "
            f"check the URL, or {LOCAL_COPY_HINT}."
        ) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
        reason = getattr(err, "reason", None) or err
        raise UserError(
            f"cannot download {url} ({reason}); check the network connection, or {LOCAL_COPY_HINT}."
        ) from None
    return dest.stat().st_size


def _zip_member(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo | None:
    """The archive entry for a corpus file: under names/ as NLTK ships it, or at the top."""
    for candidate in (f"names/{name}", name):
        with contextlib.suppress(KeyError):
            return archive.getinfo(candidate)
    return None


def extract_corpus(zip_path: Path, where: str, dest: dict[str, Path]) -> None:
    """Extract each corpus file of the zip into dest[name]."""
    try:
        with zipfile.ZipFile(zip_path) as archive:
            members = {name: _zip_member(archive, name) for name in CORPUS_FILES}
            missing = [name for name, info in members.items() if info is None]
            if missing:
                raise UserError(
                    f"{where} lacks {', '.join(missing)} under names/; "
                    f"check that it is the NLTK names corpus, or {LOCAL_COPY_HINT}."
                )
            for name, info in members.items():
                with archive.open(info) as src, dest[name].open("wb") as out:
                    shutil.copyfileobj(src, out)
    # zipfile signals a compression method it cannot read with NotImplementedError
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as err:
        raise UserError(
            f"{where} is not a readable zip ({err}); fetch it again, or {LOCAL_COPY_HINT}."
        ) from None


def require_corpus_files(folder: Path) -> None:
    """A UserError if a folder without names.zip lacks one of the extracted corpus files."""
    missing = [name for name in CORPUS_FILES if not (folder / name).is_file()]
    if missing:
        raise UserError(
            f"{folder} has no {ZIP_NAME} and lacks {', '.join(missing)}; "
            f"point the source at a folder that holds {ZIP_NAME} or {', '.join(CORPUS_FILES)}."
        )


def copy_corpus(folder: Path, dest: dict[str, Path]) -> bool:
    """Copy the corpus files of a folder into dest; True if its SHA256SUMS verified all of them."""
    require_corpus_files(folder)
    sums_path = folder / SUMS_NAME
    sums = parse_sha256sums(sums_path) if sums_path.is_file() else {}
    for name in CORPUS_FILES:
        shutil.copyfile(folder / name, dest[name])
        if name in sums:
            fix = f"replace it with a good copy of the corpus, or {LOCAL_COPY_HINT}"
            check_sha256(dest[name], sums[name], str(folder / name), fix)
    return all(name in sums for name in CORPUS_FILES)


def install(out_dir: Path, write: Callable[[dict[str, Path]], T]) -> tuple[dict[str, str], T]:
    """Let `write` fill temporary files, then rename them all into out_dir.

    Returns the digests of the files written and what `write` returned. If `write` fails,
    no file of this call is left in out_dir (nor out_dir, if this call made it).
    """
    created = not out_dir.exists()
    try:
        with contextlib.ExitStack() as stack:
            tmp = {name: stack.enter_context(atomic_path(out_dir / name)) for name in CORPUS_FILES}
            outcome = write(tmp)
            return {name: sha256_file(path) for name, path in tmp.items()}, outcome
    except BaseException:
        if created and out_dir.is_dir() and not any(out_dir.iterdir()):
            out_dir.rmdir()
        raise


def install_zip(zip_path: Path, where: str, out_dir: Path, expected: str, log: Log) -> dict:
    """Verify a names.zip against `expected`, then extract the corpus into out_dir."""
    check_sha256(zip_path, expected, where)
    log(f"sha256 verified: {expected}")
    files, _ = install(out_dir, functools.partial(extract_corpus, zip_path, where))
    return {"kind": "zip", "sha256": expected, "verified": True, "files": files}


def install_folder(folder: Path, out_dir: Path, log: Log) -> dict:
    """Copy an extracted corpus folder into out_dir, verified by its SHA256SUMS if present."""
    require_corpus_files(folder)
    log(f"{folder} has no {ZIP_NAME}; copying {', '.join(CORPUS_FILES)}")
    files, verified = install(out_dir, functools.partial(copy_corpus, folder))
    if verified:
        log(f"sha256 verified against {folder / SUMS_NAME}")
    else:
        log(f"warning: {folder / SUMS_NAME} is missing or incomplete; not every file was verified")
    return {"kind": "folder", "sha256": None, "verified": verified, "files": files}


def cached_zip(cache_dir: Path, expected: str, log: Log) -> Path | None:
    """The cache's names.zip of digest `expected`, or None; a corrupt copy is removed."""
    path = cache_dir / f"names-{expected}.zip"
    if not path.is_file():
        return None
    if sha256_file(path) != expected:
        log(f"warning: removing {path}: its sha256 no longer matches its name")
        path.unlink()
        return None
    return path


def keep_in_cache(zip_path: Path, cache_dir: Path, expected: str) -> None:
    """Copy a verified names.zip into the cache, atomically."""
    with atomic_path(cache_dir / f"names-{expected}.zip") as tmp:
        shutil.copyfile(zip_path, tmp)


def install_from_source(
    source: str, out_dir: Path, expected: str, timeout: float, cache_dir: Path | None, log: Log
) -> dict:
    """Install the corpus from `source`; keep a verified zip in `cache_dir` when given."""
    local = local_path_of(source)
    if local is not None and local.is_dir() and not (local / ZIP_NAME).is_file():
        return install_folder(local, out_dir, log)
    with tempfile.TemporaryDirectory(prefix="discrete-gan-") as tmp:
        if local is None:
            zip_path, where = Path(tmp) / ZIP_NAME, source
            log(f"downloading {source}")
            log(f"downloaded {fetch(source, zip_path, timeout)} bytes")
        elif local.exists():
            zip_path = local / ZIP_NAME if local.is_dir() else local
            where = str(zip_path)
            log(f"using {zip_path}")
        else:
            raise UserError(
                f"corpus source {source} does not exist; give a folder holding {ZIP_NAME}, "
                "a path to names.zip, or an http(s) URL."
            )
        result = install_zip(zip_path, where, out_dir, expected, log)
        if cache_dir is not None:
            keep_in_cache(zip_path, cache_dir, expected)
    return result


def download_corpus(
    source: str,
    out_dir: Path,
    sha256: str,
    timeout: float = 60.0,
    *,
    cache_dir: Path | None = None,
    log: Log | None = None,
) -> dict:
    """Put female.txt, male.txt and README into out_dir from `source`, verified by `sha256`.

    With a `cache_dir`, a names.zip of that digest found there is used instead of the source,
    and a zip verified from the source is kept there. Returns {"source", "kind" ("zip",
    "folder" or "cache"), "sha256" (of the zip, None for a folder), "verified", "files" ({name:
    sha256 of the written file}), "out_dir"}.
    """
    log = log or (lambda _message: None)
    expected, out_dir = normalize_sha256(sha256), Path(out_dir)
    cache_dir = Path(cache_dir) if cache_dir is not None else None
    if timeout <= 0:
        raise UserError(f"timeout must be positive, got {timeout}; pass a positive --timeout.")
    cached = cached_zip(cache_dir, expected, log) if cache_dir is not None else None
    if cached is not None:
        log(f"using the verified copy {cached}; the source is not read")
        result = {**install_zip(cached, str(cached), out_dir, expected, log), "kind": "cache"}
    else:
        result = install_from_source(source, out_dir, expected, timeout, cache_dir, log)
    for name, digest in result["files"].items():
        log(f"wrote {out_dir / name} (sha256 {digest})")
    return {"source": source, **result, "out_dir": str(out_dir)}
