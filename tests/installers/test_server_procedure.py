"""The documented server procedure, run for real against the PostgreSQL on 127.0.0.1:5432.

``sync/deploy/procedure.sh`` holds the commands docs/deployment.md tells IT to run. This
test gives it an env file made from ``fieldsync.env.example`` that points at a throwaway
database and role (unique names, dropped afterwards), then: create-db, migrate, add-admin
(password on stdin), serve (on a free port, as the systemd unit would), health and login,
backup, a change after the backup, restore (the change is gone, the admin is back).

Skipped with the reason when ``fieldsync`` is not runnable or PostgreSQL is not reachable.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "sync" / "deploy"
PROCEDURE = DEPLOY / "procedure.sh"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"

pytestmark = pytest.mark.postgres


def _fieldsync_bin() -> str | None:
    candidate = Path(sys.executable).parent / "fieldsync"
    path = str(candidate) if candidate.exists() else shutil.which("fieldsync")
    if path is None:
        return None
    try:
        ok = subprocess.run([path, "--help"], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return None
    return path if ok else None


def _skip_reason() -> str | None:
    if not (ROOT / "sync" / "fieldsync" / "cli.py").exists():
        return "sync/fieldsync is not written yet"
    if _fieldsync_bin() is None:
        return "`fieldsync --help` does not run (server package not installed or not finished)"
    for tool in ("psql", "pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            return f"{tool} not installed (Debian package postgresql-client)"
    probe = subprocess.run(["psql", "-X", "-tAc", "SELECT 1", PG_ADMIN], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"PostgreSQL at 127.0.0.1:5432 not reachable as postgres: {probe.stderr.strip()[:200]}"
    return None


SKIP = _skip_reason()
if SKIP:
    pytestmark = [pytest.mark.postgres, pytest.mark.skip(reason=SKIP)]


def psql_admin(sql: str) -> str:
    proc = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-tAc", sql, PG_ADMIN],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.fixture
def deployment(tmp_path):
    """An env file like /etc/fieldsync/fieldsync.env for a unique database; dropped afterwards."""
    suffix = uuid.uuid4().hex[:10]
    database, role = f"fieldsync_test_{suffix}", f"fieldsync_test_{suffix}"
    password = secrets.token_urlsafe(18)
    url = f"postgresql+psycopg://{role}:{password}@127.0.0.1:5432/{database}"
    example = (DEPLOY / "fieldsync.env.example").read_text()
    env_text = (example.replace("postgresql+psycopg://fieldsync:CHANGE-ME@127.0.0.1:5432/fieldsync", url)
                .replace("FIELDSYNC_DATA_DIR=/var/lib/fieldsync", f"FIELDSYNC_DATA_DIR={tmp_path / 'data'}")
                .replace("FIELDSYNC_BACKUP_DIR=/var/backups/fieldsync", f"FIELDSYNC_BACKUP_DIR={tmp_path / 'backups'}")
                .replace("FIELDSYNC_PORT=8765", "FIELDSYNC_PORT=0"))
    assert url in env_text and str(tmp_path) in env_text, "fieldsync.env.example changed: update this test"
    env_file = tmp_path / "fieldsync.env"
    env_file.write_text(env_text)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDSYNC_")}
    env.update(FIELDSYNC_ENV_FILE=str(env_file), FIELDSYNC_BIN=_fieldsync_bin(), PGADMIN_URL=PG_ADMIN,
               FIELDSYNC_PASSWORD_HASH="fast")
    try:
        yield {"env": env, "env_file": env_file, "database": database, "role": role, "tmp": tmp_path}
    finally:
        psql_admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        psql_admin(f"DROP ROLE IF EXISTS {role}")


def procedure(deployment, *args: str, stdin: str | None = None, check: bool = True) -> str:
    proc = subprocess.run(["bash", str(PROCEDURE), *args], input=stdin, capture_output=True, text=True,
                          env=deployment["env"], timeout=300)
    if check:
        assert proc.returncode == 0, f"procedure.sh {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def fieldsync(deployment, *args: str, stdin: str | None = None) -> str:
    """A fieldsync admin command with the env file loaded, as an administrator runs it."""
    script = 'set -a; . "$FIELDSYNC_ENV_FILE"; set +a; exec "$FIELDSYNC_BIN" "$@"'
    proc = subprocess.run(["bash", "-c", script, "fieldsync", *args], input=stdin, capture_output=True,
                          text=True, env=deployment["env"], timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_env_example_is_plain_key_value():
    for line in (DEPLOY / "fieldsync.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            assert re.fullmatch(r"[A-Z_]+=[^\s'\"]*", line), line


def test_create_db_is_idempotent(deployment):
    procedure(deployment, "create-db")
    procedure(deployment, "create-db")  # re-running (e.g. to reset the password) is safe
    owner = psql_admin(f"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{deployment['database']}'")
    assert owner == deployment["role"]


def test_documented_procedure_end_to_end(deployment):
    procedure(deployment, "create-db")
    out = procedure(deployment, "migrate")
    assert "schema" in out
    procedure(deployment, "migrate")  # idempotent
    procedure(deployment, "add-admin", "admin", stdin="S3cret-admin-pw\n")
    assert re.search(r"^admin\tadmin\t", fieldsync(deployment, "user", "list"), re.M)

    with running_server(deployment) as base:
        with urllib.request.urlopen(f"{base}/api/health", timeout=10) as response:
            assert response.status == 200
        body = json.dumps({"username": "admin", "password": "S3cret-admin-pw", "device_id": str(uuid.uuid4()),
                           "device_name": "procedure test"}).encode()
        request = urllib.request.Request(f"{base}/api/v1/auth/login", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            tokens = json.loads(response.read())
        assert tokens["access_token"] and tokens["user"]["username"] == "admin"
        env = dict(deployment["env"], FIELDSYNC_PORT=base.rsplit(":", 1)[1])
        health = subprocess.run(["bash", str(PROCEDURE), "health"], env=env, capture_output=True, text=True)
        assert health.returncode == 0 and health.stdout.startswith("200"), health.stdout + health.stderr

    (deployment["tmp"] / "data" / "photos").mkdir(parents=True, exist_ok=True)
    (deployment["tmp"] / "data" / "photos" / "ab.jpg").write_bytes(b"\xff\xd8photo")
    dump = Path(procedure(deployment, "backup").strip().splitlines()[-1])
    assert dump.is_file() and dump.stat().st_size > 0 and dump.suffix == ".dump"
    assert dump.with_name(dump.name.replace(".dump", ".photos.tar.gz")).is_file()

    # After the backup: a new user, a lost photo, a dropped table (the "disaster").
    fieldsync(deployment, "user", "add", "later", "--role", "manager", stdin="Another-pw-123\n")
    (deployment["tmp"] / "data" / "photos" / "ab.jpg").unlink()
    psql_admin_db(deployment, "DROP TABLE users CASCADE")

    procedure(deployment, "restore", str(dump))
    users = fieldsync(deployment, "user", "list")
    assert re.search(r"^admin\t", users, re.M) and not re.search(r"^later\t", users, re.M)
    assert (deployment["tmp"] / "data" / "photos" / "ab.jpg").read_bytes() == b"\xff\xd8photo"
    out = procedure(deployment, "migrate")  # the restored schema is current
    assert "was" not in out


def psql_admin_db(deployment, sql: str) -> None:
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + deployment["database"]
    proc = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-qc", sql, url], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


class running_server:  # noqa: N801 - used as a context manager like a function
    """``fieldsync serve`` as the unit runs it (env file, host, port 0 = free port, workers from the file)."""

    def __init__(self, deployment):
        self.deployment = deployment

    def __enter__(self) -> str:
        script = ('set -a; . "$FIELDSYNC_ENV_FILE"; set +a; exec "$FIELDSYNC_BIN" serve --host "$FIELDSYNC_HOST" '
                  '--port "$FIELDSYNC_PORT" --workers 1')
        self.proc = subprocess.Popen(["bash", "-c", script], env=self.deployment["env"], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        lines: list[str] = []
        found: list[str] = []

        def read() -> None:
            for line in self.proc.stdout:
                lines.append(line)
                match = re.search(r"listening on (http://\S+)", line)
                if match and not found:
                    found.append(match.group(1))

        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + 60
        while not found and time.monotonic() < deadline and self.proc.poll() is None:
            time.sleep(0.1)
        if not found:
            self.__exit__(None, None, None)
            pytest.fail("fieldsync serve did not start:\n" + "".join(lines))
        base = found[0]
        for _ in range(100):  # listening socket is bound before the app is ready
            try:
                urllib.request.urlopen(f"{base}/api/health", timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        return base

    def __exit__(self, *_exc) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def test_systemd_unit_is_valid_and_hardened(tmp_path):
    unit = (DEPLOY / "fieldsync.service").read_text()
    for option in ("User=fieldsync", "EnvironmentFile=/etc/fieldsync/fieldsync.env", "ProtectSystem=strict",
                   "NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectHome=yes", "StateDirectory=fieldsync",
                   "CapabilityBoundingSet=", "SystemCallFilter=@system-service", "Restart=on-failure"):
        assert re.search(rf"^{re.escape(option)}$", unit, re.M), option
    assert "--host ${FIELDSYNC_HOST} --port ${FIELDSYNC_PORT} --workers ${FIELDSYNC_WORKERS}" in unit
    for name in ("FIELDSYNC_HOST", "FIELDSYNC_PORT", "FIELDSYNC_WORKERS"):
        assert re.search(rf"^{name}=", (DEPLOY / "fieldsync.env.example").read_text(), re.M), name
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze not installed")
    copy = tmp_path / "fieldsync.service"
    copy.write_text(unit)
    proc = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True)
    # Missing /opt/fieldsync or user "fieldsync" on a build machine is expected; syntax errors are not.
    problems = [line for line in proc.stderr.splitlines()
                if "fieldsync.service" in line and re.search(r"Unknown|Invalid|Failed to parse|bad", line, re.I)]
    assert problems == [], proc.stderr


def test_nginx_config_has_tls_hsts_and_body_limit():
    conf = (DEPLOY / "nginx-fieldsync.conf").read_text()
    assert "listen 443 ssl" in conf and "ssl_protocols TLSv1.2 TLSv1.3" in conf
    assert "Strict-Transport-Security" in conf
    assert re.search(r"client_max_body_size\s+20m;", conf)
    assert "proxy_pass http://fieldsync;" in conf and "server 127.0.0.1:8765;" in conf
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "Host"):
        assert f"proxy_set_header {header}" in conf
    assert "return 301 https://" in conf
