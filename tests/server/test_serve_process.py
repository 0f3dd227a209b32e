"""The real server process: ``fieldsync serve --port 0`` on 127.0.0.1, SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from .helpers import ins, upd, visit_values

LISTENING = re.compile(r"FieldSync listening on (http://\S+)")


class ServerProcess:
    def __init__(self, args: list[str], env: dict[str, str]):
        self.proc = subprocess.Popen([sys.executable, "-m", "fieldsync", "serve", "--host", "127.0.0.1",
                                      "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        self.stdout: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.stdout.put), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.stderr.append), daemon=True).start()
        self.url = self._wait_for_url()
        self._wait_healthy()

    @staticmethod
    def _pump(stream, sink):
        for line in stream:
            sink(line.rstrip("\n"))

    def _wait_for_url(self, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        lines = []
        while time.monotonic() < deadline:
            try:
                line = self.stdout.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            lines.append(line)
            m = LISTENING.search(line)
            if m:
                return m.group(1)
        self.stop()
        raise AssertionError(f"server did not start: {lines} {self.stderr[-20:]}")

    def _wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)  # polling interval until the deadline
        self.stop()
        raise AssertionError(f"server never became healthy: {self.stderr[-20:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)

    def log_records(self) -> list[dict]:
        out = []
        for line in self.stderr:
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["FIELDSYNC_PASSWORD_HASH"] = "fast"
    env["FIELDSYNC_DATA_DIR"] = str(tmp_path / "data")
    env.pop("FIELDSYNC_DATABASE_URL", None)
    return env


def _cli(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fieldsync", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=120)


def _login(url: str, username: str, password: str = "fieldapp-demo", device: str = "laptop") -> dict:
    r = httpx.post(f"{url}/api/v1/auth/login", json={"username": username, "password": password,
                                                     "device_id": device}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def _exchange(url: str, tokens: dict, client_id: str) -> None:
    """Pull everything, push a visit, replay the push, pull again."""
    headers = {"Authorization": f"Bearer {tokens['access_token']}", "Accept-Encoding": "gzip"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
        pull = http.post("/api/v1/sync/pull", json={"client_id": client_id}).json()
        customers = [c for c in pull["changes"] if c["entity"] == "customer"]
        assert customers and all(c["values"]["manager_id"] == tokens["user"]["id"] for c in customers)
        assert any(c["entity"] == "checklist_template" for c in pull["changes"])
        visit = str(uuid.uuid4())
        batch = {"client_id": client_id, "mutations": [
            ins(1, "visit", visit, visit_values(customers[0]["row_id"])),
            upd(2, "customer", customers[0]["row_id"], customers[0]["version"], {"notes": ("", "实时服务器测试")})]}
        first = http.post("/api/v1/sync/push", json=batch).json()["outcomes"]
        assert [o["status"] for o in first] == ["applied", "applied"]
        assert http.post("/api/v1/sync/push", json=batch).json()["outcomes"] == first
        page = http.post("/api/v1/sync/pull", json={"client_id": client_id, "cursor": pull["cursor"]}).json()
        assert {(c["entity"], c["row_id"]) for c in page["changes"]} == {
            ("visit", visit), ("customer", customers[0]["row_id"])}


def test_embedded_sqlite_server_with_demo_data(tmp_path):
    env = _env(tmp_path)
    server = ServerProcess(["--demo"], env)
    try:
        tokens = _login(server.url, "zhang")
        _exchange(server.url, tokens, "client-A")
        health = httpx.get(f"{server.url}/api/health").json()
        assert health["database"] == "ok"
    finally:
        server.stop()
    records = server.log_records()
    requests = [r for r in records if r.get("event") == "request"]
    assert requests, server.stderr[-10:]
    push_log = [r for r in requests if r["path"] == "/api/v1/sync/push"][0]
    assert {"time", "level", "event", "request_id", "user", "path", "status", "duration_ms"} <= set(push_log)
    assert push_log["user"] == "zhang" and push_log["status"] == 200
    assert (tmp_path / "data" / "fieldsync.sqlite3").exists()

    # Restarted on the same data: a replay from before the restart still gets its stored outcome.
    server = ServerProcess([], env)
    try:
        tokens = _login(server.url, "zhang", device="laptop")
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        r = httpx.post(f"{server.url}/api/v1/sync/push", headers=headers, json={
            "client_id": "client-A", "mutations": [ins(1, "visit", str(uuid.uuid4()), visit_values("x"))]})
        assert r.json()["outcomes"][0]["status"] == "applied"  # seq 1 of client-A: the stored outcome
    finally:
        server.stop()


@pytest.mark.postgres
def test_postgres_server_with_workers(tmp_path, pg_url):
    env = _env(tmp_path)
    env["FIELDSYNC_DATABASE_URL"] = pg_url
    refused = ServerProcessError.capture(env)
    assert refused.returncode != 0 and "fieldsync migrate" in refused.stderr
    assert _cli(["migrate"], env).returncode == 0
    demo = _cli(["demo"], env)
    assert demo.returncode == 0 and "fieldapp-demo" in demo.stdout
    server = ServerProcess(["--workers", "2"], env)
    try:
        tokens = _login(server.url, "zhang")
        _exchange(server.url, tokens, "client-PG")
        # Requests land on both workers; every one sees the same data.
        li = _login(server.url, "li", device="li-laptop")
        for _ in range(6):
            r = httpx.get(f"{server.url}/api/v1/sync/digest",
                          headers={"Authorization": f"Bearer {li['access_token']}"})
            assert r.status_code == 200
    finally:
        server.stop()


class ServerProcessError:
    @staticmethod
    def capture(env: dict[str, str]) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "fieldsync", "serve", "--port", "0"], capture_output=True,
                              text=True, env=env, timeout=120)
