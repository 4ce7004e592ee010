"""Cached bytecode for the workflow sandbox.

Temporal's sandbox re-imports the workflow modules for every workflow run. Without cached bytecode each
re-import compiles their source again, which cost a third of the worker's CPU in the benchmark: images and
these machines often set PYTHONDONTWRITEBYTECODE=1. Call this before anything imports the workflows."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def enable_bytecode_cache() -> None:
    if not sys.dont_write_bytecode:
        return
    sys.dont_write_bytecode = False
    if sys.pycache_prefix is None:  # a writable place, also when the installed sources are read-only
        sys.pycache_prefix = str(Path(tempfile.gettempdir()) / f"ppid-pycache-{os.getuid()}")
