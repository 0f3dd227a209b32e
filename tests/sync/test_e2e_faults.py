"""End to end under faults: connections cut mid-push, mid-pull and mid-upload, a client SIGKILLed
between sending a batch and recording the answer, the server killed between commit and reply.

Afterwards every client converges to the server, with no lost and no duplicated record.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid

import pytest

from fieldapp.core.protocol import PHOTO_CHUNK_BYTES
from fieldapp.store.db import write_transaction
from fieldapp.store.journal import pending_entries, write_row

from .e2e import PASSWORD, REPO, Laptop, assert_converged, make_team

pytestmark = pytest.mark.slow

PUSH = b"POST /api/v1/sync/push"
PULL = b"POST /api/v1/sync/pull"
PHOTO_PUT = b"PUT /api/v1/photos/"


def journal_size(laptop: Laptop) -> int:
    with laptop.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM change_journal").scalar_one())


def work(laptop: Laptop, customers: int = 3) -> list:
    return [laptop.new_customer() for _ in range(customers)]


def test_cut_in_the_middle_of_a_push_request(live_server, laptops, proxy_to):
    names = make_team(live_server, managers=1)
    a = laptops(live_server.url, names["m1"])
    a.sync()
    proxy = proxy_to(live_server)
    a.use_server(proxy.url)
    work(a, customers=20)
    proxy.cut("up", after=300, match=PUSH)            # headers and part of the body, then gone
    report = a.sync()
    assert report.status == "failed" and report.error_kind == "offline", report.message
    assert a.pending() == 20 and live_server.applied_count(a.client_id) == 0
    assert a.sync().status == "ok"
    assert live_server.applied_count(a.client_id) == 20
    assert_converged(a)


@pytest.mark.parametrize("after", [0, 40])
def test_push_reply_lost_after_the_server_committed(live_server, laptops, proxy_to, after):
    names = make_team(live_server, managers=1)
    a = laptops(live_server.url, names["m1"])
    a.sync()
    proxy = proxy_to(live_server)
    a.use_server(proxy.url)
    work(a, customers=5)
    proxy.cut("down", after=after, match=PUSH)        # the server commits; the reply never arrives whole
    report = a.sync()
    assert report.status == "failed" and report.error_kind == "offline", report.message
    assert a.pending() == 5 and live_server.applied_count(a.client_id) == 5  # committed on the server
    report = a.sync()                                  # replayed: stored outcomes, nothing applied twice
    assert report.status == "ok" and report.pushed == 5 and report.conflicts == 0
    assert live_server.applied_count(a.client_id) == 5
    view = assert_converged(a)
    assert all(v[0] == 1 for v in view["customer"].values())


def test_cut_in_the_middle_of_a_pull(live_server, laptops, proxy_to):
    names = make_team(live_server, managers=1)
    writer = laptops(live_server.url, names["m1"], name="writer")
    work(writer, customers=30)
    assert writer.sync().status == "ok"
    reader = laptops(live_server.url, names["m1"], name="reader", pull_limit=10)
    proxy = proxy_to(live_server)
    reader.use_server(proxy.url)
    proxy.cut("down", after=20_000, match=PULL)       # a pull reply cut after some bytes
    pages_seen = []
    report = reader.sync(progress=lambda phase, done, total: pages_seen.append((phase, done)))
    if report.status == "failed":
        assert report.error_kind == "offline"
        kept = len(reader.rows())
        assert kept % 10 == 0 and kept < 30              # whole pages only, each with its cursor
    assert reader.sync().status == "ok"
    assert len(reader.rows()) == 30
    assert_converged(reader)


def test_pull_page_reply_cut_first_page_then_resume(live_server, laptops, proxy_to):
    names = make_team(live_server, managers=1)
    writer = laptops(live_server.url, names["m1"], name="writer")
    work(writer, customers=25)
    writer.sync()
    reader = laptops(live_server.url, names["m1"], name="reader", pull_limit=10)
    proxy = proxy_to(live_server)
    reader.use_server(proxy.url)
    first = reader.client.pull
    calls = {"n": 0}

    def second_page_cut(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            proxy.cut("down", after=100, match=PULL)
        return first(*args, **kwargs)

    reader.client.pull = second_page_cut
    report = reader.sync()
    assert report.status == "failed"
    assert len(reader.rows()) == 10                    # the first page, applied with its cursor
    reader.client.pull = first
    assert reader.sync().status == "ok"
    assert_converged(reader)


def _photo_visit(laptop: Laptop, customer_id: str, size: int) -> tuple[str, bytes]:
    data = os.urandom(size)
    sha = hashlib.sha256(data).hexdigest()
    path = laptop.profile.photo_dir / sha[:2] / f"{sha}.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    visit_id = laptop.new_visit(customer_id, answers=1)
    with write_transaction(laptop.engine) as conn:
        write_row(conn, "attachment", str(uuid.uuid4()), {
            "visit_id": visit_id, "item_key": "item0", "sha256": sha, "filename": "counter.jpg",
            "mime_type": "image/jpeg", "size_bytes": size})
    return sha, data


def test_photo_upload_cut_midway_resumes(live_server, laptops, proxy_to, tmp_path):
    names = make_team(live_server, managers=1)
    a = laptops(live_server.url, names["m1"])
    customer = a.new_customer()
    a.sync()
    proxy = proxy_to(live_server)
    a.use_server(proxy.url)
    size = PHOTO_CHUNK_BYTES * 3 + 1234
    sha, data = _photo_visit(a, customer.id, size)
    calls = {"put": 0, "cut": False}
    original = a.client.put_photo_chunk

    def counting(*args):
        calls["put"] += 1
        if calls["put"] == 2 and not calls["cut"]:
            calls["cut"] = True
            proxy.cut("up", after=PHOTO_CHUNK_BYTES // 2, match=PHOTO_PUT)  # half of the second chunk
        return original(*args)

    a.client.put_photo_chunk = counting
    report = a.sync()
    assert report.status == "failed" and report.error_kind == "offline"
    status = a.client.photo_status(sha)
    assert status.received_bytes == PHOTO_CHUNK_BYTES and not status.complete  # the first chunk is kept
    assert a.pending() > 0                                                     # attachment not pushed yet
    calls["put"] = 0
    report = a.sync()
    assert report.status == "ok", report.message
    assert calls["put"] == 3                                                   # resumed at the second chunk
    assert a.client.photo_status(sha).complete
    # another laptop of the team downloads it lazily, verified
    b = laptops(live_server.url, names["m1"], name="b")
    b.sync()
    path = b.sync_engine.fetch_photo(sha, "image/jpeg")
    assert path == b.profile.photo_dir / sha[:2] / f"{sha}.jpg" and path.read_bytes() == data
    assert b.sync_engine.fetch_photo(sha, "image/jpeg") == path          # cached: no second download
    assert_converged(a)
    assert_converged(b)


def test_server_killed_between_commit_and_reply(live_server, laptops, proxy_to):
    names = make_team(live_server, managers=1)
    a = laptops(live_server.url, names["m1"])
    a.sync()
    proxy = proxy_to(live_server)
    a.use_server(proxy.url)
    work(a, customers=4)
    # The first byte of the push reply means the server committed: kill it right there.
    proxy.cut("down", after=0, match=PUSH, on_cut=live_server.kill)
    report = a.sync()
    assert report.status == "failed" and report.error_kind == "offline"
    assert a.pending() == 4
    live_server.start(port=live_server.port)           # restarted (same port, same database)
    assert live_server.applied_count(a.client_id) == 4
    report = a.sync()
    assert report.status == "ok", report.message
    assert report.pushed == 4 and live_server.applied_count(a.client_id) == 4
    assert_converged(a)


def _fieldapp(args: list[str], env: dict, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fieldapp", *args], input=input, capture_output=True, text=True,
                          env=env, timeout=120, cwd=str(REPO))


def _client_env(tmp_path, **extra) -> dict:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "tests.sync.filekeyring.FileKeyring",
           "FIELDAPP_TEST_KEYRING_FILE": str(tmp_path / "keyring.json"),
           "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("FIELDAPP_SYNC_FAULT", None)
    env.update(extra)
    return env


def test_client_sigkilled_between_sending_and_recording(sqlite_server, laptops, tmp_path):
    server = sqlite_server
    names = make_team(server, managers=1)
    data_dir = tmp_path / "profile"
    env = _client_env(tmp_path)
    login = _fieldapp(["--data-dir", str(data_dir), "login", "--server", server.url, "--user", names["m1"]], env,
                      input=PASSWORD + "\n")
    assert login.returncode == 0, login.stderr
    assert "Signed in" in login.stdout
    assert "test-password" not in (data_dir / "fieldapp.sqlite3").read_bytes().decode("latin-1")

    from fieldapp.store.profile import Profile

    laptop = laptops(server.url, names["m1"], profile=Profile(data_dir))
    earlier = laptop.new_customer()
    assert laptop.sync().status == "ok"
    work(laptop, customers=6)
    laptop.edit(earlier.id, needs="改")  # an update too
    with laptop.engine.connect() as conn:
        sent = pending_entries(conn)
    laptop.engine.dispose()
    before = server.applied_count(laptop.client_id)

    killed = _fieldapp(["--data-dir", str(data_dir), "sync"], {**env, "FIELDAPP_SYNC_FAULT": "after_push_response"})
    assert killed.returncode == -9, (killed.returncode, killed.stdout, killed.stderr)
    assert server.applied_count(laptop.client_id) == before + len(sent)  # the server applied the batch ...
    assert laptop.pending() == len(sent)                              # ... the laptop never recorded it

    again = _fieldapp(["--data-dir", str(data_dir), "sync"], env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Synced" in again.stdout
    assert server.applied_count(laptop.client_id) == before + len(sent)  # no duplicates
    assert laptop.pending() == 0
    assert_converged(laptop)


def test_cli_exit_codes(sqlite_server, tmp_path):
    server = sqlite_server
    names = make_team(server, managers=1)
    data_dir = tmp_path / "cli-profile"
    env = _client_env(tmp_path)
    base = ["--data-dir", str(data_dir)]

    not_configured = _fieldapp([*base, "sync"], env)
    assert not_configured.returncode == 1 and "fieldapp login" in not_configured.stderr

    bad = _fieldapp([*base, "login", "--server", server.url, "--user", names["m1"]], env, input="wrong-pass\n")
    assert bad.returncode == 1 and "Wrong user name or password" in bad.stderr

    ok = _fieldapp([*base, "login", "--server", server.url, "--user", names["m1"]], env, input=PASSWORD + "\n")
    assert ok.returncode == 0, ok.stderr
    assert _fieldapp([*base, "sync"], env).returncode == 0

    no_keyring = {**env, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    lost = _fieldapp([*base, "sync"], no_keyring)
    assert lost.returncode == 1 and "Not signed in" in lost.stderr
    relogin = _fieldapp([*base, "sync", "--login"], no_keyring, input=PASSWORD + "\n")
    assert relogin.returncode == 0, relogin.stderr

    # conflicts waiting for the user: exit 2
    import json

    from fieldapp.store import sync_state as ss
    from fieldapp.store.customers import get_customer, save_customer
    from fieldapp.store.migrate import open_profile_database
    from fieldapp.store.profile import Profile

    other = Laptop(tmp_path, server.url, names["m1"], name="other")
    customer = other.new_customer(phone="13800000001")
    assert other.sync().status == "ok"
    assert _fieldapp([*base, "sync"], env).returncode == 0
    other.edit(customer.id, phone="13800000002")
    engine = open_profile_database(Profile(data_dir))
    with write_transaction(engine) as conn:
        mine = get_customer(conn, customer.id)
        mine.phone = "13800000003"
        save_customer(conn, mine)
    assert other.sync().status == "ok"
    other.close()
    conflicted = _fieldapp([*base, "sync"], env)
    assert conflicted.returncode == 2, conflicted.stdout + conflicted.stderr
    assert "need your attention" in conflicted.stdout
    report = json.loads(_fieldapp([*base, "sync", "--json"], env).stdout)
    assert report["status"] == "conflicts" and report["open_conflicts"] == 1

    # offline: nothing listens at the address (the keyring entry copied so the token is found)
    with engine.begin() as conn:
        settings = ss.load_settings(conn)
        device = ss.client_id(conn)
        ss.set_state(conn, ss.SERVER_URL, "http://127.0.0.1:9")
    store = json.loads((tmp_path / "keyring.json").read_text())
    token = store[f"FieldApp|{settings.username}@{server.url}#{device}"]
    store[f"FieldApp|{settings.username}@http://127.0.0.1:9#{device}"] = token
    (tmp_path / "keyring.json").write_text(json.dumps(store))
    offline = _fieldapp([*base, "sync"], env)
    assert offline.returncode == 1 and "Cannot reach" in offline.stderr, offline.stderr
    assert "kept on this laptop" in offline.stderr
    with engine.begin() as conn:
        ss.set_state(conn, ss.SERVER_URL, server.url)
    engine.dispose()

    logout = _fieldapp([*base, "logout"], env)
    assert logout.returncode == 0 and "Signed out" in logout.stdout
    after = _fieldapp([*base, "sync"], env)
    assert after.returncode == 1


def test_expired_access_token_is_refreshed_and_revoked_device_stops(tmp_path, laptops):
    from .e2e import ServerProcess

    server = ServerProcess(tmp_path / "short-tokens")
    server.env["FIELDSYNC_ACCESS_TTL_SECONDS"] = "1"
    server.start()
    try:
        names = make_team(server, managers=1)
        a = laptops(server.url, names["m1"])
        a.new_customer()
        assert a.sync().status == "ok"
        first_refresh = a.credentials.get_refresh_token()
        import time

        time.sleep(1.5)                                   # the access token expires
        a.new_customer()
        report = a.sync()
        assert report.status == "ok", report.message     # 401 token_expired -> refreshed once -> retried
        assert a.credentials.get_refresh_token() != first_refresh  # rotated, and the new one kept

        server.cli("device", "revoke", names["m1"])
        a.new_customer()
        report = a.sync()
        assert report.status == "failed" and report.error_kind == "auth_revoked", report.message
        assert "administrator" in report.message
        assert a.pending() == 1                          # the outbox is kept
    finally:
        server.stop()
