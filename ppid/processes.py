"""Child processes of `ppid dev`: started in their own session (Ctrl-C reaches only the supervisor, which
stops them in order) and told to stop if the supervisor dies (PR_SET_PDEATHSIG)."""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import signal
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

log = logging.getLogger("ppid.dev")
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:  # not Linux/glibc: the supervisor's own shutdown still stops the children
        pass


class Child:
    def __init__(self, name: str, process: asyncio.subprocess.Process, log_file: IO[bytes] | None) -> None:
        self.name = name
        self.process = process
        self._log_file = log_file

    @property
    def running(self) -> bool:
        return self.process.returncode is None

    async def stop(self, timeout: float = 15.0) -> int | None:
        if self.running:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                log.warning("%s did not stop within %.0fs; killing it", self.name, timeout)
                self.process.kill()
                await self.process.wait()
        if self._log_file is not None:
            self._log_file.close()
        return self.process.returncode


async def spawn(
    name: str, argv: Sequence[str], *, env: Mapping[str, str] | None = None, log_path: Path | None = None
) -> Child:
    log_file = log_path.open("ab") if log_path is not None else None
    process = await asyncio.create_subprocess_exec(
        *argv,
        env=dict(env) if env is not None else None,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=log_file,
        stderr=asyncio.subprocess.STDOUT if log_file is not None else None,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )
    log.debug("started %s (pid %s)", name, process.pid)
    return Child(name, process, log_file)


def child_env(overrides: Mapping[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(overrides)
    return env
