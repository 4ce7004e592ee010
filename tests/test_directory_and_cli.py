"""`ppid migrate`, `ppid directory import` and `ppid user create`, run as a user would run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.directory import DirectoryError, import_directory
from db.migrate import upgrade_async
from db.models import Body, KomisiInformasi, Unit, User
from db.session import make_engine, make_session_factory
from ppid.demo import DEMO_DIRECTORY

PPID = str(Path(sys.executable).parent / "ppid")

GOOD = """\
komisi_informasi:
  - slug: ki-kalbar
    name: Komisi Informasi Provinsi Kalimantan Barat
    level: provinsi
    timezone: Asia/Pontianak
    email: sengketa@ki-kalbar.example
bodies:
  - slug: kab-sanggau
    code: SGU
    name: Pemerintah Kabupaten Sanggau
    level: kabupaten
    state_body: true
    timezone: Asia/Pontianak
    komisi_informasi: ki-kalbar
    ppid_email: ppid@sanggau.example
    atasan_email: atasan.ppid@sanggau.example
    head_email: bupati@sanggau.example
    units:
      - slug: dinkes
        name: Dinas Kesehatan
        email: ppid.dinkes@sanggau.example
"""


@pytest.fixture
async def empty_db(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ppid.sqlite3'}"
    await upgrade_async(url)
    return url


async def _counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            return (
                await session.scalar(select(func.count()).select_from(KomisiInformasi)) or 0,
                await session.scalar(select(func.count()).select_from(Body)) or 0,
                await session.scalar(select(func.count()).select_from(Unit)) or 0,
            )
    finally:
        await engine.dispose()


async def _import(url: str, text: str) -> None:
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            await import_directory(session, text)
            await session.commit()
    finally:
        await engine.dispose()


async def test_import_is_idempotent_and_updates(empty_db: str) -> None:
    demo = DEMO_DIRECTORY.read_text()
    await _import(empty_db, demo)
    first = await _counts(empty_db)
    await _import(empty_db, demo)
    assert await _counts(empty_db) == first
    assert first[1] == 5
    await _import(empty_db, GOOD.replace("Dinas Kesehatan", "Dinas Kesehatan Kabupaten Sanggau"))
    assert await _counts(empty_db) == first
    engine = make_engine(empty_db)
    async with make_session_factory(engine)() as session:
        unit = await session.scalar(
            select(Unit).join(Body).where(Body.slug == "kab-sanggau", Unit.slug == "dinkes")
        )
        assert unit is not None and unit.name == "Dinas Kesehatan Kabupaten Sanggau"
    await engine.dispose()


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (
            GOOD.replace("timezone: Asia/Pontianak\n    komisi", "timezone: Asia/Tokyo\n    komisi"),
            "line 13: bodies[0].timezone",
        ),
        (GOOD.replace("code: SGU", "code: sgu"), "line 9: bodies[0].code"),
        (
            GOOD.replace("email: ppid.dinkes@sanggau.example", "email: bukan-email"),
            "line 21: bodies[0].units[0].email",
        ),
        (
            GOOD.replace("komisi_informasi: ki-kalbar", "komisi_informasi: ki-antah"),
            "line 14: bodies[0].komisi_informasi",
        ),
        (GOOD.replace("    level: kabupaten\n", ""), "line 8: bodies[0].level"),
        (GOOD.replace("  - slug: dinkes", "  - slug: dinkes\n     bad: [indent"), "line 20"),
        (GOOD + "    nonsense: true\n", "bodies[0].nonsense"),
    ],
)
async def test_malformed_file_names_line_and_field_and_imports_nothing(
    empty_db: str, broken: str, expected: str
) -> None:
    with pytest.raises(DirectoryError) as caught:
        await _import(empty_db, broken)
    assert expected in str(caught.value)
    assert await _counts(empty_db) == (0, 0, 0)


def _ppid(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PPID, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "PPID_", "TEMPORAL_", "SMTP_"))
    }
    env["PPID_DATA_DIR"] = str(tmp_path / "var")
    return env


def test_cli_migrate_import_and_user_create(cli_env: dict[str, str], tmp_path: Path) -> None:
    unmigrated = _ppid("directory", "import", str(DEMO_DIRECTORY), env=cli_env)
    assert unmigrated.returncode == 2 and "run `ppid migrate` first" in unmigrated.stderr
    # No DATABASE_URL: every command uses the same default database in the data dir.
    migrated = _ppid("migrate", env=cli_env)
    assert migrated.returncode == 0, migrated.stderr
    assert (tmp_path / "var" / "ppid.sqlite3").exists()

    imported = _ppid("directory", "import", str(DEMO_DIRECTORY), env=cli_env)
    assert imported.returncode == 0, imported.stderr
    assert "5 badan publik" in imported.stdout

    broken = tmp_path / "broken.yaml"
    broken.write_text(GOOD.replace("code: SGU", "code: 1"))
    refused = _ppid("directory", "import", str(broken), env=cli_env)
    assert refused.returncode == 2
    assert "line 9: bodies[0].code" in refused.stderr and "nothing was imported" in refused.stderr

    created = _ppid(
        "user", "create", "--email", "Pelaksana@Sanggau.example", "--password", "rahasia-123",
        "--role", "ppid", "--body", "kab-sanggau", "--unit", "dinkes", "--name", "Rina", env=cli_env,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    for args, message in [
        (["--role", "bupati", "--body", "kab-sanggau"], "unknown role 'bupati'"),
        (["--role", "ppid", "--body", "kab-antah"], "unknown body 'kab-antah'"),
        (["--role", "ppid"], "needs --body"),
        (["--role", "ppid", "--body", "kab-sanggau", "--unit", "dishub"], "unknown unit 'dishub'"),
        (["--role", "komisi", "--komisi", "ki-antah"], "unknown Komisi Informasi 'ki-antah'"),
        (["--role", "admin", "--body", "kab-sanggau"], "does not take --body"),
    ]:
        failed = _ppid(
            "user", "create", "--email", "x@y.example", "--password", "rahasia-123", *args, env=cli_env
        )
        assert failed.returncode == 2, args
        assert message in failed.stderr, (args, failed.stderr)

    async def check() -> User | None:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'var' / 'ppid.sqlite3'}")
        async with make_session_factory(engine)() as session:
            users = (await session.scalars(select(User))).all()
        await engine.dispose()
        assert [u.email for u in users] == ["pelaksana@sanggau.example"]
        return users[0]

    import asyncio

    user = asyncio.run(check())
    assert user is not None and user.role == "ppid" and user.unit_id is not None
    assert user.password_hash.startswith("$argon2")


def test_api_refuses_to_start_without_a_secret_key(cli_env: dict[str, str]) -> None:
    result = _ppid("api", env=cli_env)
    assert result.returncode == 1
    assert "PPID_SECRET_KEY" in result.stderr


def test_user_create_takes_the_password_from_stdin_or_the_environment(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """The README's admin command: `printf '%s\\n' "$PW" | ppid user create … --password-stdin`; or
    PPID_USER_PASSWORD; never two sources at once (which one would win is a guess the operator cannot see)."""
    import asyncio

    from db.users import verify_password

    def create(email: str, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PPID, "user", "create", "--email", email, "--role", "admin", *args], input=stdin,
            env={**cli_env, **env}, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    assert _ppid("migrate", env=cli_env).returncode == 0
    # One line only: what follows it is not part of the password; spaces inside are.
    piped = create("pipa@sanggau.example", "--password-stdin", stdin="kata sandi panjang\nbaris kedua\n")
    assert piped.returncode == 0, piped.stderr
    from_env = create("env@sanggau.example", PPID_USER_PASSWORD="rahasia-dari-env")
    assert from_env.returncode == 0, from_env.stderr

    for args, env, stdin, message in [
        (["--password-stdin", "--password", "rahasia-123"], {}, "rahasia-123\n", "one way"),
        (["--password-stdin"], {"PPID_USER_PASSWORD": "rahasia-123"}, "rahasia-123\n", "one way"),
        (["--password", "rahasia-123"], {"PPID_USER_PASSWORD": "rahasia-456"}, "", "one way"),
        ([], {}, "", "none given"),
        (["--password-stdin"], {}, "", "the password is empty"),
        (["--password-stdin"], {}, "pendek\n", "at least"),
    ]:
        refused = create("tolak@sanggau.example", *args, stdin=stdin, **env)
        assert refused.returncode == 2, (args, env, refused.stdout)
        assert message in refused.stderr, (args, env, refused.stderr)

    async def hashes() -> dict[str, str | None]:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'var' / 'ppid.sqlite3'}")
        async with make_session_factory(engine)() as session:
            users = (await session.scalars(select(User))).all()
        await engine.dispose()
        return {u.email: u.password_hash for u in users}

    stored = asyncio.run(hashes())
    assert set(stored) == {"pipa@sanggau.example", "env@sanggau.example"}  # nothing from a refused command
    assert verify_password(stored["pipa@sanggau.example"], "kata sandi panjang")
    assert verify_password(stored["env@sanggau.example"], "rahasia-dari-env")
