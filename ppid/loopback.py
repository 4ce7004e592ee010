"""Keeping Temporal's time-skipping test server on the loopback interface.

The test server (simulated clock) takes only a port and listens on every interface, unauthenticated: anyone
who reached it could run any Update as anyone or move the clock, bypassing every check of the API. A tiny
preloaded library (`native/loopback_bind.c`) turns its wildcard bind() into a loopback bind(). It is compiled
once per source version into the data dir with the machine's C compiler."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

SOURCE = Path(__file__).parent / "native" / "loopback_bind.c"


class LoopbackUnavailable(RuntimeError):
    pass


def loopback_library(data_dir: Path) -> Path:
    """The compiled shim for this source (built on first use); LoopbackUnavailable when it cannot be built."""
    source = SOURCE.read_bytes()
    target = data_dir / "lib" / f"loopback_bind-{hashlib.sha256(source).hexdigest()[:12]}.so"
    if target.exists():
        return target
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if compiler is None:
        raise LoopbackUnavailable(
            "the simulated clock needs a C compiler (cc) once, to keep the Temporal test server on 127.0.0.1"
        )
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = target.with_suffix(".tmp")
    built = subprocess.run(
        [compiler, "-shared", "-fPIC", "-O2", "-o", str(partial), str(SOURCE), "-ldl"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if built.returncode != 0:
        raise LoopbackUnavailable(f"cannot build the loopback shim: {built.stderr.strip()[:500]}")
    partial.replace(target)
    return target
