"""How the entry points (`ppid` and `python -m worker`) leave the process."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn


def run_and_exit(run: Callable[[], Any]) -> NoReturn:
    """Run, flush, then leave with os._exit: temporalio's Rust threads can abort CPython's finalization
    with exit code 134 after all work is done (temporalio sdk-python issue #300)."""
    code = 0
    try:
        result = run()
        code = result if isinstance(result, int) else 0
    except KeyboardInterrupt:
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
    except Exception:
        logging.getLogger("ppid").exception("fatal error")
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code)
