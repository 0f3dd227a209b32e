"""The benchmarks' throttling proxy: link arithmetic, seeded drops, HTTP framing, forwarding and counting.

No timing asserts: the shaper is tested with an injected clock, the proxy
only for what it forwards and counts.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from benchmarks.throttle_proxy import DropSchedule, HttpFraming, Shaper, ThrottleProxy


# --- pure parts -----------------------------------------------------------------------------------


def test_shaper_queues_segments_on_one_link():
    link = Shaper(1000.0)  # 1000 bytes/s
    assert link.transmit(500, now=10.0) == pytest.approx(10.5)
    assert link.transmit(500, now=10.1) == pytest.approx(11.0)  # waits for the first segment
    assert link.transmit(100, now=20.0) == pytest.approx(20.1)  # idle link: starts now
    link.transmit(1000, now=30.0)
    link.reset(now=30.2)  # a drop empties the link
    assert link.transmit(100, now=30.2) == pytest.approx(30.3)


def test_unlimited_shaper_and_bad_rate():
    assert Shaper(None).transmit(10**9, now=5.0) == 5.0
    with pytest.raises(ValueError):
        Shaper(0)


def test_drop_schedule_is_seeded_and_bounded():
    first, second = DropSchedule(20.0, seed=7), DropSchedule(20.0, seed=7)
    seq1 = [first.next_interval() for _ in range(50)]
    seq2 = [second.next_interval() for _ in range(50)]
    assert seq1 == seq2
    assert seq1 != [DropSchedule(20.0, seed=8).next_interval() for _ in range(50)]
    assert all(10.0 <= x <= 30.0 for x in seq1)
    with pytest.raises(ValueError):
        DropSchedule(0)


def test_http_framing_content_length_split_anywhere():
    request = (b"POST /api/v1/sync/push HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n"
               b"Content-Encoding: gzip\r\n\r\nhello world")
    for cut in range(1, len(request)):
        framing = HttpFraming()
        done = framing.feed(request[:cut])
        assert done == 0 and framing.in_message
        assert framing.feed(request[cut:]) == 1
        assert not framing.in_message


def test_http_framing_two_messages_no_body_and_chunked():
    framing = HttpFraming()
    get = b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n"
    assert framing.feed(get + get) == 2 and not framing.in_message
    reply = HttpFraming()
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    assert reply.feed(chunked[:30]) == 0 and reply.in_message
    assert reply.feed(chunked[30:]) == 1 and not reply.in_message
    empty = HttpFraming()
    assert empty.feed(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n") == 1


def test_http_framing_gives_up_on_non_http():
    framing = HttpFraming()
    framing.feed(b"\x16\x03\x01 not http at all\r\n\r\n")
    assert framing.broken and not framing.in_message


# --- the proxy on loopback ---------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    gate: threading.Event | None = None

    def do_POST(self):  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        if self.path == "/slow" and self.gate is not None:
            self.gate.wait(10)
        payload = b"echo:" + body
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _post(port: int, path: str, body: bytes, sock: socket.socket | None = None) -> tuple[bytes, socket.socket]:
    s = sock or socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"POST " + path.encode() + b" HTTP/1.1\r\nHost: t\r\nContent-Length: "
              + str(len(body)).encode() + b"\r\n\r\n" + body)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int([line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")][0])
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        rest += chunk
    return rest, s


def test_forwards_bytes_intact_and_counts_them(http_server):
    port = http_server.server_address[1]
    body = bytes(range(256)) * 400  # 100 KiB, every byte value
    with ThrottleProxy(port) as proxy:
        reply, sock = _post(proxy.port, "/echo", body)
        reply2, _ = _post(proxy.port, "/echo", b"second", sock)  # keep-alive: same connection
        sock.close()
        stats = proxy.stats()
    assert reply == b"echo:" + body and reply2 == b"echo:second"
    assert stats.connections == 1 and stats.exchanges == 2
    assert stats.bytes_up > 2 * len(body) // 2 and stats.bytes_down > len(body)
    assert stats.bytes_lost == 0 and stats.drops == 0


def test_throttled_link_still_delivers_everything(http_server):
    port = http_server.server_address[1]
    body = b"x" * 20_000
    with ThrottleProxy(port, up_kbit=4000, down_kbit=4000, rtt_ms=20) as proxy:
        reply, sock = _post(proxy.port, "/echo", body)
        sock.close()
        assert reply == b"echo:" + body
        assert proxy.stats().bytes_total > 2 * len(body)


def test_drop_cuts_the_exchange_in_progress_and_counts_its_bytes(http_server):
    port = http_server.server_address[1]
    _Handler.gate = threading.Event()
    try:
        with ThrottleProxy(port) as proxy:
            _, idle = _post(proxy.port, "/echo", b"warm-up")  # finished exchange on another connection
            result: dict = {}

            def slow_call():
                try:
                    result["reply"] = _post(proxy.port, "/slow", b"y" * 5000)[0]
                except OSError as exc:
                    result["error"] = exc

            caller = threading.Thread(target=slow_call)
            caller.start()
            for _ in range(200):  # the request reached the server (bounded wait, no timing assert)
                if proxy.stats().bytes_up >= 5000:
                    break
                threading.Event().wait(0.01)
            assert proxy.drop_now() == 2
            _Handler.gate.set()
            caller.join(10)
            stats = proxy.stats()
            assert "error" in result and "reply" not in result
            assert stats.drops == 1 and stats.connections_cut == 2 and stats.exchanges_broken == 1
            assert 5000 <= stats.bytes_lost_up < 5200 and stats.bytes_lost_down == 0
            # The link works again after the drop: a new connection gets through.
            reply, sock = _post(proxy.port, "/echo", b"after")
            sock.close()
            idle.close()
            assert reply == b"echo:after"
    finally:
        _Handler.gate = None


def test_scheduled_drops_happen_and_are_recorded(http_server):
    port = http_server.server_address[1]
    proxy = ThrottleProxy(port, drop_every_s=0.05, seed=3).start()
    try:
        for _ in range(500):  # bounded: at most ~5 s
            if proxy.stats().drops >= 2:
                break
            threading.Event().wait(0.01)
        stats = proxy.stats()
    finally:
        proxy.close()
    assert stats.drops >= 2 and stats.drops_idle == stats.drops  # nothing was in progress
    assert len(stats.drop_times) == stats.drops


def test_refuses_non_loopback_target():
    with pytest.raises(ValueError):
        ThrottleProxy(80, target_host="10.0.0.1")
