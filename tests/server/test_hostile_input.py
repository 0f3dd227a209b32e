"""Hostile requests: every one gets a clear 4xx with a JSON ErrorBody, and memory stays bounded.

Oversized bodies (declared and chunked), gzip bombs, deep JSON, bad UTF-8 and
surrogates, huge numbers and strings, oversized photo chunks, ranges beyond the
total, path tricks in path parameters and file names. Memory is measured, not
timed: the peak of Python allocations (tracemalloc) and, where Linux lets us reset
it, the process's peak RSS (``VmHWM`` in /proc/self/status) while the request runs.
One test does the same against a real ``fieldsync serve`` process over TCP.
"""

from __future__ import annotations

import asyncio
import gc
import gzip
import hashlib
import json
import os
import select
import socket
import tracemalloc
import uuid
import zlib
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import urlsplit

import pytest

from fieldapp.core.protocol import MAX_PHOTO_BYTES, PHOTO_CHUNK_BYTES, PROTOCOL_VERSION

from .helpers import ins, make_harness, visit_values

JSON = {"Content-Type": "application/json"}
OCTET = {"Content-Type": "application/octet-stream"}
MiB = 1024 * 1024
INTERNALS = ("Traceback", "File \"", "sqlalchemy", "sqlite3", "psycopg", "RecursionError", "UnicodeEncodeError",
             "OverflowError", "/site-packages/")


def assert_clean_4xx(r, status: int | None = None, code: str | None = None) -> dict:
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    if status is not None:
        assert r.status_code == status, r.text[:300]
    body = r.json()
    assert set(body) == {"code", "message", "detail"} and body["code"] and body["message"], body
    if code is not None:
        assert body["code"] == code, body
    for leak in INTERNALS:
        assert leak not in r.text, leak
    return body


# --- memory ------------------------------------------------------------------------------------


def _status_kib(field: str, pid: str = "self") -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak_rss(pid: str = "self") -> bool:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        return True
    except OSError:
        return False


class PeakMemory:
    """Peak Python allocations (tracemalloc) and peak RSS growth while the block runs."""

    def __enter__(self) -> "PeakMemory":
        gc.collect()
        self.rss_before = _status_kib("VmRSS")
        self.hwm_reset = _reset_peak_rss()
        tracemalloc.start()
        return self

    def __exit__(self, *exc) -> None:
        self.traced_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        hwm = _status_kib("VmHWM")
        self.rss_growth = (hwm - self.rss_before) * 1024 if self.hwm_reset and hwm and self.rss_before else None

    def assert_below(self, limit: int) -> None:
        assert self.traced_peak < limit, f"Python allocations peaked at {self.traced_peak / MiB:.1f} MiB"
        if self.rss_growth is not None:
            assert self.rss_growth < limit, f"RSS grew by {self.rss_growth / MiB:.1f} MiB"


# --- a raw ASGI call: the body arrives in chunks we generate lazily ------------------------------------


class AsgiCall:
    def __init__(self, app, method: str, path: str, headers: dict[str, str], chunks: Iterable[bytes] = ()):
        self.app, self.method, self.path, self.headers = app, method, path, headers
        self.chunks: Iterator[bytes] = iter(chunks)
        self.pulled_bytes = 0
        self.status: int | None = None
        self.response_headers: dict[str, str] = {}
        self.body = b""

    async def _run(self) -> None:
        async def receive():
            chunk = next(self.chunks, None)
            if chunk is None:
                return {"type": "http.request", "body": b"", "more_body": False}
            self.pulled_bytes += len(chunk)
            return {"type": "http.request", "body": chunk, "more_body": True}

        async def send(message):
            if message["type"] == "http.response.start":
                self.status = message["status"]
                self.response_headers = {k.decode(): v.decode() for k, v in message["headers"]}
            elif message["type"] == "http.response.body":
                self.body += message.get("body", b"")

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": self.method,
                 "scheme": "http", "path": self.path, "raw_path": self.path.encode(), "query_string": b"",
                 "root_path": "", "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
                 "headers": [(k.lower().encode(), v.encode()) for k, v in self.headers.items()]}
        await self.app(scope, receive, send)

    def run(self) -> "AsgiCall":
        asyncio.run(self._run())
        return self

    def json(self) -> dict:
        return json.loads(self.body)


def _zeros(total: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    block = b"0" * chunk
    sent = 0
    while sent < total:
        n = min(chunk, total - sent)
        sent += n
        yield block if n == chunk else block[:n]


def _gzip_bomb(decompressed: int) -> bytes:
    """A gzip stream of ``decompressed`` bytes of JSON-looking text, built without holding them."""
    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [z.compress(b'{"client_id": "c", "mutations": [], "pad": "')]
    block = b"0" * MiB
    for _ in range(decompressed // MiB):
        parts.append(z.compress(block))
    parts.append(z.compress(b'"}'))
    parts.append(z.flush())
    return b"".join(parts)


@pytest.fixture
def small_cap(tmp_path):
    """A server whose body cap is 1 MiB: bombs of hundreds of MiB stay quick to build."""
    gen = make_harness(None, tmp_path / "small", max_body_bytes=MiB)
    yield next(gen)
    gen.close()


# --- sizes ---------------------------------------------------------------------------------------------


def test_declared_oversized_body_is_refused_before_reading(small_cap):
    zhang = small_cap.login("zhang")
    call = AsgiCall(small_cap.http.app, "POST", "/api/v1/sync/push",
                    {**zhang.headers, **JSON, "Content-Length": str(10 * 1024 * MiB)}, _zeros(10 * 1024 * MiB)).run()
    assert call.status == 413 and call.json()["code"] == "body_too_large"
    assert call.pulled_bytes == 0  # not one byte read
    assert call.response_headers["cache-control"] == "no-store"


def test_chunked_body_without_length_is_cut_at_the_cap_with_bounded_memory(small_cap):
    zhang = small_cap.login("zhang")
    with PeakMemory() as mem:
        call = AsgiCall(small_cap.http.app, "POST", "/api/v1/sync/push", {**zhang.headers, **JSON},
                        _zeros(512 * MiB)).run()
    assert call.status == 413 and call.json()["code"] == "body_too_large"
    assert call.pulled_bytes <= MiB + 64 * 1024  # stopped reading at the cap
    mem.assert_below(16 * MiB)


@pytest.mark.parametrize("decompressed", [64 * MiB, 512 * MiB])
def test_gzip_bomb_is_413_with_bounded_memory(small_cap, decompressed):
    zhang = small_cap.login("zhang")
    bomb = _gzip_bomb(decompressed)
    assert len(bomb) < MiB  # small on the wire: it passes the compressed-size cap
    with PeakMemory() as mem:
        call = AsgiCall(small_cap.http.app, "POST", "/api/v1/sync/push",
                        {**zhang.headers, **JSON, "Content-Encoding": "gzip"}, [bomb]).run()
    assert call.status == 413 and call.json()["code"] == "body_too_large"
    assert "decompressed" in call.json()["message"]
    mem.assert_below(16 * MiB)


def test_gzip_bomb_against_the_default_cap(server):
    zhang = server.login("zhang")
    bomb = _gzip_bomb(1024 * MiB)  # 1 GiB inflated, about 1 MiB on the wire
    with PeakMemory() as mem:
        call = AsgiCall(server.http.app, "POST", "/api/v1/sync/pull",
                        {**zhang.headers, **JSON, "Content-Encoding": "gzip"}, [bomb]).run()
    assert call.status == 413
    mem.assert_below(server.settings.max_body_bytes + 24 * MiB)  # the 16 MiB cap, never the gigabyte


def test_gzip_inside_gzip_is_not_inflated_twice(server):
    zhang = server.login("zhang")
    double = gzip.compress(gzip.compress(b'{"client_id": "c", "mutations": []}'))
    r = zhang.http.post("/api/v1/sync/push", content=double, headers={**zhang.headers, **JSON,
                                                                      "Content-Encoding": "gzip"})
    assert_clean_4xx(r)  # the inner gzip is just bytes: not JSON


# --- photos ----------------------------------------------------------------------------------------------


def _put(session, sha, offset, total, data, **headers):
    return session.http.put(f"/api/v1/photos/{sha}", params={"offset": offset, "total": total}, content=data,
                            headers={**session.headers, **OCTET, **headers})


def test_huge_photo_chunks_are_refused_before_buffering(small_cap):
    zhang = small_cap.login("zhang")
    sha = "ab" * 32
    r = _put(zhang, sha, 0, MAX_PHOTO_BYTES, os.urandom(PHOTO_CHUNK_BYTES + 1))
    assert_clean_4xx(r, 413, "chunk_too_large")
    # Chunked without a length: reading stops at the chunk cap, far below the body cap.
    with PeakMemory() as mem:
        call = AsgiCall(small_cap.http.app, "PUT", f"/api/v1/photos/{sha}", {**zhang.headers, **OCTET},
                        _zeros(256 * MiB)).run()
    assert call.status == 413 and call.json()["code"] == "chunk_too_large"
    assert call.pulled_bytes <= PHOTO_CHUNK_BYTES + 64 * 1024
    mem.assert_below(8 * MiB)
    call = AsgiCall(small_cap.http.app, "PUT", f"/api/v1/photos/{sha}",
                    {**zhang.headers, **OCTET, "Content-Length": str(PHOTO_CHUNK_BYTES + 1)}, _zeros(MiB)).run()
    assert call.status == 413 and call.pulled_bytes == 0
    # A compressed chunk inflating past the chunk cap.
    bomb = gzip.compress(b"\0" * (4 * PHOTO_CHUNK_BYTES))
    r = _put(zhang, sha, 0, MAX_PHOTO_BYTES, bomb, **{"Content-Encoding": "gzip"})
    assert_clean_4xx(r, 413, "chunk_too_large")
    assert zhang.get(f"/api/v1/photos/{sha}").json()["received_bytes"] == 0


@pytest.mark.parametrize("offset,total,size,status,code", [
    (100, 10, 1, 422, "invalid_range"),               # offset beyond total
    (5, 10, 6, 422, "invalid_range"),                 # chunk runs past total
    (2**70, 10, 1, 422, "invalid_range"),
    (0, 2**70, 1, 413, "invalid_total"),
    (0, MAX_PHOTO_BYTES + 1, 1, 413, "invalid_total"),
    (0, 0, 1, 422, None),
    (-1, 10, 1, 422, None),
    (0, 10, 0, 422, "empty_chunk"),
    (7, 100, 5, 409, "offset_gap"),                   # a gap: the server has 0 bytes
])
def test_photo_ranges(server, offset, total, size, status, code):
    zhang = server.login("zhang")
    assert_clean_4xx(_put(zhang, "cd" * 32, offset, total, b"x" * size), status, code)


PATH_TRICKS = [
    "../../../../etc/passwd", "..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "%2e%2e", "..",
    "%252e%252e%252f", "%2Fetc%2Fpasswd", "/etc/passwd", "C:%5CWindows%5Cwin.ini", "..%5C..%5Cwin.ini",
    "a%00b", "%00", "ab" * 31 + "zz", "AB" * 32 + "00", "ab" * 33, "%C0%AE%C0%AE%2F", "%ED%A0%80", "%FF",
    "\u0430" * 64, "~root", "photos/partial/x.part",
]


@pytest.mark.parametrize("trick", PATH_TRICKS)
def test_path_tricks_in_photo_names_are_4xx(server, trick):
    zhang = server.login("zhang")
    for method, path in (("GET", f"/api/v1/photos/{trick}"), ("GET", f"/api/v1/photos/{trick}/content"),
                         ("PUT", f"/api/v1/photos/{trick}?offset=0&total=1")):
        r = zhang.http.request(method, path, content=b"x" if method == "PUT" else None,
                               headers={**zhang.headers, **OCTET})
        body = assert_clean_4xx(r)
        assert "root:" not in r.text and "[fonts]" not in r.text
        if r.status_code == 200:  # pragma: no cover - would be a bug
            pytest.fail(body)
    # Nothing was written outside the photo folder, nor inside it.
    assert not (server.settings.photo_dir / "partial").exists() or not any(
        (server.settings.photo_dir / "partial").iterdir())


@pytest.mark.parametrize("trick", ["..%2F..%2Fx", "%2e%2e", "a%00b", "x" * 5000, "%FF%FE", "%ED%A0%80"])
def test_path_tricks_in_other_path_parameters_are_4xx(server, trick):
    lead = server.login("lead1")
    assert_clean_4xx(lead.post(f"/api/v1/devices/{trick}/revoke"))
    assert_clean_4xx(lead.post(f"/api/v1/conflicts/{trick}/resolve", {"values": {}}))


def test_file_names_are_data_never_paths(server):
    zhang = server.login("zhang")
    data = os.urandom(3000)
    sha = hashlib.sha256(data).hexdigest()
    assert _put(zhang, sha, 0, len(data), data).json()["complete"]
    visit = str(uuid.uuid4())
    names = ["../../../../etc/passwd", "..\\..\\win.ini", "/abs/path.jpg", "a\u202egpj.exe", "con.jpg",
             "x" * 250]
    mutations = [ins(1, "visit", visit, visit_values(server.customers["zhang1"]))]
    for i, name in enumerate(names, 2):
        mutations.append(ins(i, "attachment", str(uuid.uuid4()), {
            "visit_id": visit, "item_key": "display_standard", "sha256": sha, "filename": name,
            "mime_type": "image/jpeg", "size_bytes": len(data)}))
    outcomes = zhang.push(*mutations)
    assert all(o["status"] in ("applied", "rejected") for o in outcomes)
    r = zhang.get(f"/api/v1/photos/{sha}/content")
    assert r.status_code == 200 and r.content == data
    stored = sorted(p.relative_to(server.settings.photo_dir).as_posix()
                    for p in server.settings.photo_dir.rglob("*") if p.is_file())
    assert stored == [f"{sha[:2]}/{sha}"]


# --- JSON ------------------------------------------------------------------------------------------------


def _deep(levels: int, inner: bytes = b"1") -> bytes:
    return b"[" * levels + inner + b"]" * levels


@pytest.mark.parametrize("path,prefix", [
    ("/api/v1/sync/push", b'{"client_id": "c", "mutations": '),
    ("/api/v1/sync/push", b'{"protocol_version": 0, "client_id": "c", "mutations": '),  # was a 500
    ("/api/v1/sync/pull", b'{"client_id": "c", "cursor": '),
    ("/api/v1/auth/login", b'{"username": "zhang", "password": "x", "device_id": '),   # before sign-in
])
def test_deeply_nested_json_is_400(server, path, prefix):
    zhang = server.login("zhang")
    body = prefix + _deep(100_000) + b"}"
    with PeakMemory() as mem:
        r = zhang.http.post(path, content=body, headers={**zhang.headers, **JSON})
    assert_clean_4xx(r, 400, "too_deeply_nested")
    mem.assert_below(64 * MiB)
    obj = prefix + b'{"a": ' * 100_000 + b"1" + b"}" * 100_000 + b"}"
    assert_clean_4xx(zhang.http.post(path, content=obj, headers={**zhang.headers, **JSON}), 400, "too_deeply_nested")


@pytest.mark.parametrize("levels", [40, 900])
def test_nesting_within_the_parser_limit_is_refused_too(server, levels):
    # 900 levels parse, but storing the rejected mutation recursed too deep: a 500 before.
    zhang = server.login("zhang")
    body = (b'{"client_id": "%s", "mutations": [{"seq": 1, "entity": "nothing", "row_id": "r", "op": "insert", '
            b'"base_version": 0, "changes": {"a": [null, ' % zhang.client_id.encode() + _deep(levels) + b"]}}]}")
    r = zhang.http.post("/api/v1/sync/push", content=body, headers={**zhang.headers, **JSON})
    assert_clean_4xx(r, 400, "too_deeply_nested")
    # A template's items nest a few levels: fine.
    shallow = {"client_id": zhang.client_id, "mutations": [{"seq": 2, "entity": "nothing", "row_id": "r",
               "op": "insert", "base_version": 0, "changes": {"a": [None, [[{"b": [[1]]}]]]}}]}
    assert zhang.post("/api/v1/sync/push", shallow).status_code == 200


BAD_BODIES = [
    (b'{"client_id": "c\xff\xfe", "mutations": []}', "invalid_utf8"),
    (b'\xef\xbb\xbf{"client_id": "c", "mutations": [] \xc3', "invalid_utf8"),
    (b'{"client_id": "\xed\xa0\x80", "mutations": []}', "invalid_utf8"),            # an encoded surrogate
    (b'{"client_id": "c\\ud800", "mutations": []}', "invalid_text"),               # an escaped one (was a 500)
    (b'{"client_id": "c", "mutations": [], "x": "\\udc00\\ud800"}', "invalid_text"),
    (b'{"client_id": "c\\u0000", "mutations": []}', "invalid_text"),
    (b'{"client_id": "c", "mutations": [{"seq": ' + b"9" * 100_000 + b"}]}", "number_too_large"),
    (b'{"client_id": "c", "mutations": [], "protocol_version": false}', "invalid_body"),
    (b'{"client_id": "c", "mutations": [], "protocol_version": "1"}', "invalid_body"),
    (b'{"client_id": "c", "mutations": [], "protocol_version": 1.0}', "invalid_body"),
    (b'{"client_id": "c", "mutations": [], "protocol_version": 99999999999999999999}', "protocol_too_new"),
]


@pytest.mark.parametrize("body,code", BAD_BODIES)
def test_bad_text_and_numbers_are_4xx(server, body, code):
    zhang = server.login("zhang")
    r = zhang.http.post("/api/v1/sync/push", content=body, headers={**zhang.headers, **JSON})
    assert_clean_4xx(r, None, code)


@pytest.mark.postgres
def test_bad_text_and_numbers_on_postgres(pg_server):
    """The same bodies against PostgreSQL, which refuses NUL and surrogates itself (a 500 if they got there)."""
    zhang = pg_server.login("zhang")
    for body, _code in BAD_BODIES:
        r = zhang.http.post("/api/v1/sync/push", content=body, headers={**zhang.headers, **JSON})
        assert_clean_4xx(r)
    for body in (b'{"username": "\\ud800", "password": "x", "device_id": "d"}',
                 b'{"username": "zhang\\u0000", "password": "x", "device_id": "d"}'):
        assert_clean_4xx(pg_server.http.post("/api/v1/auth/login", content=body, headers=JSON))
    r = zhang.post("/api/v1/sync/push", {"client_id": zhang.client_id, "mutations": [
        {"seq": 2**63, "entity": "customer", "row_id": "r", "op": "update", "base_version": 1, "changes": {}}]})
    assert_clean_4xx(r, 422, "invalid_seq")


@pytest.mark.parametrize("content_type", ["Application/JSON", "application/json; charset=utf-8",
                                          "application/vnd.fieldapp+json", "APPLICATION/X+JSON"])
def test_json_checks_apply_whatever_the_spelling_of_the_content_type(server, content_type):
    zhang = server.login("zhang")
    nul = b'{"client_id": "c\\u0000", "mutations": []}'
    r = zhang.http.post("/api/v1/sync/push", content=nul, headers={**zhang.headers, "Content-Type": content_type})
    assert_clean_4xx(r, 422, "invalid_text")
    newer = b'{"client_id": "c", "mutations": [], "protocol_version": %d}' % (PROTOCOL_VERSION + 1)
    r = zhang.http.post("/api/v1/sync/push", content=newer, headers={**zhang.headers, "Content-Type": content_type})
    assert_clean_4xx(r, 426, "protocol_too_new")


def test_huge_numbers_and_strings_in_a_push(server):
    zhang = server.login("zhang")
    cid = server.customers["zhang1"]

    def push(*mutations, client=None):
        return zhang.http.post("/api/v1/sync/push", json={"client_id": client or zhang.client_id,
                                                          "mutations": list(mutations)}, headers=zhang.headers)

    for seq in (2**63, 2**70, -1):  # seq 2**63 and beyond was a 500 (the database column is 64-bit)
        assert_clean_4xx(push({"seq": seq, "entity": "customer", "row_id": cid, "op": "update", "base_version": 1,
                               "changes": {}}), 422, "invalid_seq")
    # Values out of range are rejected per mutation (the batch goes on).
    out = push({"seq": 1, "entity": "customer", "row_id": cid, "op": "update", "base_version": 1,
                "changes": {"grade": [12, 2**80]}},
               {"seq": 2, "entity": "customer", "row_id": cid, "op": "update", "base_version": 1,
                "changes": {"notes": ["", "长" * 5_000_000]}},
               {"seq": 3, "entity": "customer", "row_id": cid, "op": "update", "base_version": 2**70,
                "changes": {"route": ["R01", "R02"]}},
               {"seq": 4, "entity": "customer", "row_id": "x" * 10_000, "op": "update", "base_version": 1,
                "changes": {}})
    assert out.status_code == 200, out.text[:300]
    statuses = [o["status"] for o in out.json()["outcomes"]]
    assert statuses[:2] == ["rejected", "rejected"] and statuses[3] == "rejected" and statuses[2] != "rejected"
    r = zhang.http.post("/api/v1/sync/push", content=b'{"client_id": "c", "mutations": [{"seq": 1, "entity": '
                        b'"customer", "row_id": "r", "op": "update", "base_version": 1, "changes": '
                        b'{"latitude": [null, 1e400]}}]}', headers={**zhang.headers, **JSON})
    assert r.status_code in (200, 422), r.text[:300]
    r = zhang.post("/api/v1/sync/pull", {"client_id": zhang.client_id, "limit": 2**70})
    assert r.status_code == 200  # clamped
    assert_clean_4xx(zhang.post("/api/v1/sync/pull", {"client_id": zhang.client_id, "cursor": "x" * 100_000}), 422)


def test_login_with_hostile_fields(server):
    for body in ({"username": "x" * 100_000, "password": "p", "device_id": "d"},
                 {"username": "zhang", "password": "p" * 100_000, "device_id": "d"},
                 {"username": ["zhang"], "password": "p", "device_id": "d"},
                 {"username": "zhang", "password": None, "device_id": "d"},
                 {"username": "zhang", "password": "p", "device_id": {"$ne": 1}}):
        assert_clean_4xx(server.http.post("/api/v1/auth/login", json=body))
    r = server.http.get("/api/v1/me", headers={"Authorization": "Bearer " + "x" * 100_000})
    assert_clean_4xx(r, 401, "invalid_token")


# --- the real server over TCP ---------------------------------------------------------------------------------


def test_real_server_cuts_a_chunked_flood_and_stays_small(tmp_path):
    from .test_serve_process import ServerProcess

    env = {**os.environ, "FIELDSYNC_DATA_DIR": str(tmp_path / "data"), "FIELDSYNC_PASSWORD_HASH": "fast",
           "FIELDSYNC_MAX_BODY_BYTES": str(MiB)}
    env.pop("FIELDSYNC_DATABASE_URL", None)
    server = ServerProcess([], env)
    try:
        url = urlsplit(server.url)
        pid = str(server.proc.pid)
        rss_before = _status_kib("VmRSS", pid)
        hwm_reset = _reset_peak_rss(pid)
        sock = socket.create_connection((url.hostname, url.port), timeout=30)
        sock.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n%s\r\n" % (64 * 1024, b"0" * 64 * 1024)
        sent, answer = 0, b""
        while sent < 256 * MiB:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(chunk)
            except OSError:
                break
            sent += 64 * 1024
        sock.settimeout(10)
        try:
            while b"\r\n\r\n" not in answer:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        except OSError:
            pass
        sock.close()
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert sent < 64 * MiB  # refused long before the flood ended
        hwm, rss_after = _status_kib("VmHWM", pid), _status_kib("VmRSS", pid)
        if hwm_reset and hwm and rss_before:
            assert (hwm - rss_before) * 1024 < 32 * MiB
        elif rss_after and rss_before:
            assert (rss_after - rss_before) * 1024 < 32 * MiB
        # ... and it still answers.
        import httpx
        assert httpx.get(server.url + "/api/health", timeout=10).status_code == 200
    finally:
        server.stop()
