"""Building the fused C++ kernels of `fused.cpp`, with the standard library alone, so that
`make setup` can run it as a script before anything else is importable:

    python src/discrete_gan/backends/fused_build.py

builds the library for this CPU (x86-64-v4 with AVX-512, else x86-64-v3 with AVX2 and FMA),
unless it is cached already, and says which kernels training will run. `fused.py` loads it.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SOURCE = Path(__file__).with_name("fused.cpp")
BUILD_DIR = Path(__file__).with_name("__pycache__")
CHOICES = ("auto", "fused", "numba")
_V3 = {"avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "movbe", "abm"}
_V4 = _V3 | {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"}
_FLAGS = ["-O3", "-fPIC", "-shared", "-fopenmp", "-fno-math-errno", "-ffp-contract=fast"]


class KernelError(RuntimeError):
    """The fused kernels were asked for (DISCRETE_GAN_KERNELS=fused) but cannot run."""


def choice() -> str:
    """The kernels asked for by DISCRETE_GAN_KERNELS (auto, fused or numba)."""
    value = os.environ.get("DISCRETE_GAN_KERNELS", "auto").strip().lower() or "auto"
    if value not in CHOICES:
        raise KernelError(
            f"DISCRETE_GAN_KERNELS={value!r} is not one of {', '.join(CHOICES)}; "
            "unset it or set one of them"
        )
    return value


def target() -> str | None:
    """The x86-64 level this CPU runs (x86-64-v4 or x86-64-v3), None if neither."""
    if platform.machine() not in ("x86_64", "AMD64"):
        return None
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None
    flags = set()
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            break
    if _V4 <= flags:
        return "x86-64-v4"
    if _V3 <= flags:
        return "x86-64-v3"
    return None


def library_path(level: str) -> Path:
    """Where the library for `level` is cached: its name holds the level and a hash of the
    source, its headers and the compiler flags (not the compiler: a library built by `make
    setup` serves jobs whose environment has no compiler, such as a cluster's nodes)."""
    digest = hashlib.sha256(SOURCE.read_bytes())
    for header in sorted(SOURCE.parent.glob("fused_*.h")):  # the headers fused.cpp includes
        digest.update(header.read_bytes())
    digest.update(" ".join([level, *_FLAGS]).encode())
    return BUILD_DIR / f"fused-{level}-{digest.hexdigest()[:16]}.so"


def _compiler() -> str | None:
    """The C++ compiler: $CXX if set, else g++ or c++ on the PATH; None if it is not there."""
    name = os.environ.get("CXX") or "g++"
    return shutil.which(name) or (None if os.environ.get("CXX") else shutil.which("c++"))


def build(level: str) -> Path:
    """Compile fused.cpp for `level` (if not cached yet) and return the library's path; the
    library appears whole or not at all (written aside, then renamed)."""
    path = library_path(level)
    if path.is_file():
        return path
    compiler = _compiler()
    if compiler is None:
        wanted = os.environ.get("CXX") or "g++"
        raise KernelError(f"no C++ compiler {wanted!r} found; install g++ or set CXX to one")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".so", dir=path.parent)
    os.close(fd)
    try:
        command = [compiler, f"-march={level}", *_FLAGS, str(SOURCE), "-o", tmp]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise KernelError(f"compiling fused.cpp failed: {result.stderr.strip()[-2000:]}")
        os.chmod(tmp, 0o644)  # mkstemp's file is its owner's alone
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    for old in path.parent.glob(f"fused-{level}-*.so"):  # builds of earlier sources
        if old != path:
            old.unlink(missing_ok=True)
    return path


def main() -> None:
    """Build the library now (not in the first training job) and say which kernels will run."""
    try:
        if choice() == "numba":
            print("DISCRETE_GAN_KERNELS=numba: the numba kernels will run; nothing to build")
            return
        level = target()
        if level is None:
            raise KernelError("this CPU has neither AVX-512 nor AVX2 with FMA")
        if level == "x86-64-v3" and choice() == "auto":
            print(
                "this CPU has AVX2 but not AVX-512: the numba kernels will run (faster here than "
                "the fused kernels' AVX2 build; DISCRETE_GAN_KERNELS=fused builds and runs it)"
            )
            return
        path = build(level)
    except (KernelError, OSError) as err:
        print(f"note: the numba kernels will run; the fused ones cannot: {err}", file=sys.stderr)
        return
    print(f"fused kernels built for {level}: {path}")


if __name__ == "__main__":
    main()
