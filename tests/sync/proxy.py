"""A loopback TCP proxy that can cut a connection after N bytes, in either direction.

Used by the end-to-end tests to break a push, a pull or a photo upload
halfway: ``proxy.cut(direction="down", after=0, match=b"POST /api/v1/sync/push")``
lets the next push request reach the server whole (so it commits), then drops
the connection before the first byte of the reply reaches the client — a
reply lost after the commit. ``direction="up"`` cuts the request itself after
``after`` bytes (the server never gets the whole body). ``on_cut`` runs right
before the cut (e.g. to kill the server process: "restarted between commit and
reply"). Faults are one-shot; only 127.0.0.1 is ever used.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from typing import Callable


@dataclass
class Fault:
    direction: str            # "up" (client -> server) or "down" (server -> client)
    after: int                # bytes let through (counted from the matching request) before the cut
    match: bytes | None       # only a connection whose request contains this (e.g. b"POST /api/v1/sync/push")
    on_cut: Callable[[], None] | None = None
    fired: bool = False


class _Conn:
    def __init__(self, client: socket.socket, upstream: socket.socket):
        self.client = client
        self.upstream = upstream
        self.matched = False    # the armed fault's request was seen on this connection
        self.up_bytes = 0       # since the match
        self.down_bytes = 0
        self.closed = False


class FaultProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.lock = threading.Lock()
        self.fault: Fault | None = None
        self.cuts = 0
        self.conns: list[_Conn] = []
        self._stop = False
        self.thread = threading.Thread(target=self._accept_loop, daemon=True)
        self.thread.start()

    # --- control -------------------------------------------------------------------

    def cut(self, direction: str, after: int, match: bytes | None = None,
            on_cut: Callable[[], None] | None = None) -> Fault:
        assert direction in ("up", "down")
        with self.lock:
            self.fault = Fault(direction, after, match, on_cut)
            for conn in self.conns:
                conn.matched = False
                conn.up_bytes = conn.down_bytes = 0
            return self.fault

    def clear(self) -> None:
        with self.lock:
            self.fault = None

    def set_target(self, port: int) -> None:
        self.target = (self.target[0], port)

    def drop_all(self) -> None:
        """Close every open connection (clients reconnect on their next request)."""
        with self.lock:
            conns = list(self.conns)
        for conn in conns:
            self._close(conn)

    def close(self) -> None:
        self._stop = True
        try:
            self.listener.close()
        except OSError:
            pass
        self.drop_all()

    # --- plumbing ------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            conn = _Conn(client, upstream)
            with self.lock:
                self.conns.append(conn)
            threading.Thread(target=self._pump, args=(conn, "up"), daemon=True).start()
            threading.Thread(target=self._pump, args=(conn, "down"), daemon=True).start()

    def _close(self, conn: _Conn) -> None:
        with self.lock:
            if conn in self.conns:
                self.conns.remove(conn)
            conn.closed = True
        for sock in (conn.client, conn.upstream):
            # shutdown first: it wakes the other pump thread blocked in recv() on this socket
            # (a bare close() would not, and the peer would see nothing until its timeout).
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                sock.close()
            except OSError:
                pass

    def _decide(self, conn: _Conn, direction: str, data: bytes) -> tuple[int, Fault | None]:
        """How many bytes of ``data`` to forward, and the fault to fire after them (if any)."""
        with self.lock:
            fault = self.fault
            if fault is None or fault.fired:
                return len(data), None
            if direction == "up" and not conn.matched:
                if fault.match is None:
                    conn.matched = True
                else:
                    pos = data.find(fault.match)
                    if pos < 0:
                        return len(data), None
                    conn.matched = True
                    if fault.direction == "up":
                        conn.up_bytes = -pos  # count from the start of the matching request
            if not conn.matched or direction != fault.direction:
                return len(data), None
            if direction == "up":
                room = fault.after - conn.up_bytes
                conn.up_bytes += len(data)
            else:
                room = fault.after - conn.down_bytes
                conn.down_bytes += len(data)
            if room >= len(data):
                return len(data), None
            fault.fired = True
            self.cuts += 1
            return max(0, room), fault

    def _pump(self, conn: _Conn, direction: str) -> None:
        src, dst = (conn.client, conn.upstream) if direction == "up" else (conn.upstream, conn.client)
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                n, fault = self._decide(conn, direction, data)
                if n:
                    dst.sendall(data[:n])
                if fault is not None:
                    if fault.on_cut is not None:
                        fault.on_cut()
                    break
        except OSError:
            pass
        finally:
            self._close(conn)
