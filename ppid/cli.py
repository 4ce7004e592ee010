"""The `ppid` command (docs/api.md)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from base.bytecode import enable_bytecode_cache
from base.process import run_and_exit
from base.settings import get_settings


def _configure_logging() -> None:
    logging.basicConfig(
        level=os.environ.get("PPID_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # aiosmtpd's "mail.log" writes every envelope (RCPT TO: the citizen's address) at INFO.
    for noisy in ("alembic", "httpx", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _cmd_dev(args: argparse.Namespace) -> int:
    # Options become the environment, so the children (worker, API) and every later `ppid` command agree.
    for option, variable in (
        ("port", "PPID_PORT"),
        ("temporal_port", "PPID_TEMPORAL_PORT"),
        ("temporal_ui_port", "PPID_TEMPORAL_UI_PORT"),
        ("data_dir", "PPID_DATA_DIR"),
        ("clock", "PPID_CLOCK"),
    ):
        value = getattr(args, option)
        if value is not None:
            os.environ[variable] = str(value)
    get_settings.cache_clear()
    from ppid.devstack import run_dev

    return asyncio.run(run_dev(get_settings(), demo=not args.no_demo))


def _cmd_api(_args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    # Fail early with a clear message when a secret is not configured.
    settings.secret_key()
    settings.tracking_secret()
    # uvicorn shuts down gracefully on SIGTERM, then restores the handler it found and raises the signal again
    # so that the process "dies of SIGTERM" (143 in Docker, as if killed). Finding this handler there, a clean
    # stop (`docker compose stop`) ends with status 0 like the worker's and the outbox's.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.run("api.main:create_app", factory=True, **uvicorn_options(settings))
    return 0


def _exit_cleanly(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def uvicorn_options(settings: Any) -> dict[str, Any]:
    """How `ppid api` serves: forwarded headers believed only from the configured proxies (uvicorn would
    otherwise trust any X-Forwarded-For from 127.0.0.1, and rate limits would key on a rotated header)."""
    trusted = [p.strip() for p in settings.ppid_trusted_proxies.split(",") if p.strip()]
    return {
        "host": settings.ppid_api_host,
        "port": settings.ppid_port,
        "log_level": os.environ.get("PPID_LOG_LEVEL", "info").lower(),
        "timeout_graceful_shutdown": 10,
        "server_header": False,  # no `server: uvicorn` banner
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted or [],
    }


def _cmd_worker(_args: argparse.Namespace) -> int:
    from worker import run_worker

    asyncio.run(run_worker(get_settings()))
    return 0


def _cmd_outbox(_args: argparse.Namespace) -> int:
    from worker import run_outbox

    asyncio.run(run_outbox(get_settings()))
    return 0


def _cmd_migrate(_args: argparse.Namespace) -> int:
    from db.migrate import upgrade

    settings = get_settings()
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    print("Migrasi basis data selesai (alembic head).")
    return 0


class NotMigrated(RuntimeError):
    pass


async def _with_session(work: Callable[[Any], Any]) -> Any:
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from db.session import make_engine, make_session_factory

    settings = get_settings()
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.effective_database_url)
    try:
        async with make_session_factory(engine)() as session:
            result = await work(session)
            await session.commit()
            return result
    except (OperationalError, ProgrammingError) as exc:
        if "no such table" in str(exc) or "does not exist" in str(exc):
            raise NotMigrated("the database has no tables yet: run `ppid migrate` first") from None
        raise
    finally:
        await engine.dispose()


def _cmd_directory_import(args: argparse.Namespace) -> int:
    from db.directory import DirectoryError, import_directory

    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        summary = asyncio.run(_with_session(lambda session: import_directory(session, text)))
    except DirectoryError as exc:
        print(f"error: {path}: nothing was imported\n{exc}", file=sys.stderr)
        return 2
    except NotMigrated as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"Impor direktori selesai: {summary.komisi} Komisi Informasi, {summary.bodies} badan publik, "
        f"{summary.units} unit."
    )
    return 0


PASSWORD_ENV = "PPID_USER_PASSWORD"


def _user_password(args: argparse.Namespace) -> str:
    """The password from exactly one of --password (kept for compatibility: visible to `ps`),
    --password-stdin (one line, like `docker login --password-stdin`) or PPID_USER_PASSWORD."""
    from_env = os.environ.get(PASSWORD_ENV)
    given = [
        name
        for name, present in (
            ("--password", args.password is not None),
            ("--password-stdin", args.password_stdin),
            (PASSWORD_ENV, bool(from_env)),
        )
        if present
    ]
    if len(given) != 1:
        which = " and ".join(given) if given else "none given"
        raise UsageError(
            f"give the password one way: --password-stdin, {PASSWORD_ENV} or --password ({which})"
        )
    if args.password_stdin:
        # One line, without its line ending (a password may contain spaces; `read -rs` then `printf '%s\n'`).
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = args.password if args.password is not None else (from_env or "")
    if not password:
        raise UsageError("the password is empty")
    return password


class UsageError(ValueError):
    pass


def _cmd_user_create(args: argparse.Namespace) -> int:
    from db.users import UserError, create_or_update_user

    try:
        password = _user_password(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    async def work(session: Any) -> Any:
        return await create_or_update_user(
            session,
            email=args.email,
            password=password,
            role=args.role,
            body=args.body,
            unit=args.unit,
            komisi=args.komisi,
            name=args.name,
        )

    try:
        user = asyncio.run(_with_session(work))
    except (UserError, NotMigrated) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Akun {user.email} ({user.role}) tersimpan.")
    return 0


def _cmd_user_disable(args: argparse.Namespace) -> int:
    from db.users import UserError, deactivate_user

    try:
        user = asyncio.run(_with_session(lambda session: deactivate_user(session, email=args.email)))
    except (UserError, NotMigrated) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Akun {user.email} dinonaktifkan; semua tokennya tidak berlaku lagi.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ppid", description="Layanan informasi publik (UU 14/2008)")
    sub = parser.add_subparsers(dest="command", required=True)

    dev = sub.add_parser("dev", help="the whole product on one machine (Temporal, SQLite, worker, API, mail)")
    dev.add_argument("--port", type=int)
    dev.add_argument("--temporal-port", type=int)
    dev.add_argument(
        "--temporal-ui-port", type=int, help="the Temporal Web UI (default: temporal port + 1000)"
    )
    dev.add_argument("--data-dir")
    dev.add_argument("--clock", choices=["real", "simulated"])
    dev.add_argument("--no-demo", action="store_true", help="do not seed the demo directory and users")
    dev.set_defaults(func=_cmd_dev)

    sub.add_parser("api", help="the API alone (uvicorn)").set_defaults(func=_cmd_api)
    sub.add_parser("worker", help="the Temporal worker alone").set_defaults(func=_cmd_worker)
    sub.add_parser(
        "outbox", help="the outbox dispatcher alone (with PPID_OUTBOX_IN_WORKER=0 on the worker)"
    ).set_defaults(func=_cmd_outbox)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=_cmd_migrate)

    directory = sub.add_parser("directory", help="the directory of bodies").add_subparsers(
        dest="action", required=True
    )
    imp = directory.add_parser("import", help="create or update KI, bodies and units from a YAML file")
    imp.add_argument("file")
    imp.set_defaults(func=_cmd_directory_import)

    user = sub.add_parser("user", help="staff accounts").add_subparsers(dest="action", required=True)
    create = user.add_parser("create", help="create or update a staff account")
    create.add_argument("--email", required=True)
    secret = create.add_argument_group(
        "password", f"exactly one of these (or the environment variable {PASSWORD_ENV})"
    )
    secret.add_argument(
        "--password-stdin", action="store_true", help="read the password from one line of stdin"
    )
    secret.add_argument("--password", help="the password itself (visible to `ps`: prefer --password-stdin)")
    create.add_argument("--role", required=True, help="admin | ppid | atasan_ppid | komisi")
    create.add_argument("--body")
    create.add_argument("--unit")
    create.add_argument("--komisi")
    create.add_argument("--name")
    create.set_defaults(func=_cmd_user_create)
    disable = user.add_parser("disable", help="deactivate a staff account and revoke its tokens")
    disable.add_argument("--email", required=True)
    disable.set_defaults(func=_cmd_user_disable)
    return parser


def main(argv: list[str] | None = None) -> NoReturn:
    # Databases, mail and logs hold personal data: every file a `ppid` process (or its children) creates is
    # readable by its owner only.
    os.umask(0o077)
    enable_bytecode_cache()
    args = build_parser().parse_args(argv)
    _configure_logging()
    run_and_exit(lambda: args.func(args))


if __name__ == "__main__":
    main()
