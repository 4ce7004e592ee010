"""The file store: the bytes of the documents given to the requester, on disk by content hash.

A file lives at `<data dir>/files/<sha256[:2]>/<sha256>`: the same content is kept once, however many documents
name it. A file is written to a temporary name beside its place and moved there in one step (`os.replace`), so
a reader never sees half a file; files are readable by the service's own user only (0600, folders 0700). A file
read back must have the size its register row says, or it is reported as damaged instead of being served.

The API (uploads, downloads) and the worker (mail attachments) both read it: they resolve the same folder from
the same setting (PPID_DATA_DIR; in docker-compose one volume mounted on both). Plain synchronous code, so the
migration that moved the bytes out of the database uses it too; async callers run it in a thread."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

FILES_FOLDER = "files"
HASH = re.compile(r"^[0-9a-f]{64}$")


class FileStoreError(OSError):
    """A file the register names is missing or damaged (never the citizen's fault: an operator's matter)."""


class _HasDataDir(Protocol):
    @property
    def data_dir(self) -> Path: ...


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def of(cls, settings: _HasDataDir) -> FileStore:
        """The store of these settings: `<data dir>/files`."""
        return cls(settings.data_dir / FILES_FOLDER)

    def path(self, sha256: str) -> Path:
        if not HASH.fullmatch(sha256):
            raise FileStoreError(f"not a sha256 hex digest: {sha256[:80]!r}")
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes) -> str:
        """Store the bytes (once: an existing file of the same hash and size is kept); their sha256."""
        sha256 = hashlib.sha256(content).hexdigest()
        target = self.path(sha256)
        try:
            if target.stat().st_size == len(content):
                return sha256
        except FileNotFoundError:
            pass
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")  # created 0600
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return sha256

    def get(self, sha256: str, size: int) -> bytes:
        """The bytes of a stored file, verified to have `size` bytes; FileStoreError when missing or damaged."""
        try:
            content = self.path(sha256).read_bytes()
        except FileNotFoundError as exc:
            raise FileStoreError(f"file {sha256} is missing from the file store") from exc
        if len(content) != size:
            raise FileStoreError(f"file {sha256} has {len(content)} bytes, the register says {size}")
        return content

    def has(self, sha256: str, size: int) -> bool:
        try:
            return self.path(sha256).stat().st_size == size
        except FileNotFoundError:
            return False
