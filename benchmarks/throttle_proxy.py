"""A throttling TCP proxy on loopback: a slow, laggy link that drops connections now and then.

Between a FieldApp laptop and the sync server it emulates a mobile link::

    proxy = ThrottleProxy(server_port, up_kbit=64, down_kbit=64, rtt_ms=600, drop_every_s=20, seed=1).start()
    client talks to proxy.url ... ; proxy.stats() ; proxy.close()

- **Bandwidth** per direction (``up_kbit`` client→server, ``down_kbit``
  server→client; ``None`` = unlimited): one link shared by every connection,
  like the radio link it stands for. Bytes are read from the sender only as
  fast as the link transmits them (segments of ``segment`` bytes; small socket
  buffers on the proxy's side), so the sender feels the back-pressure.
- **Latency**: every segment is delivered ``rtt_ms / 2`` after it has been
  transmitted, in each direction, so a request/reply round trip costs
  ``rtt_ms`` on top of the transmission time; a new connection starts
  forwarding one ``rtt_ms`` after it is accepted (the TCP handshake).
- **Drops**: every ``drop_every_s`` seconds on average (uniformly ±
  ``drop_jitter`` of it, from ``random.Random(seed)``: the same seed gives the
  same drop times) every open connection is cut (both sockets reset), wherever
  it is in a request or reply; with ``outage_s`` new connections are refused
  (reset at once) for that long after a drop. :meth:`drop_now` cuts at once.
- **Counting**: bytes delivered per direction, and **bytes lost to drops**:
  the bytes of every request/reply exchange that a drop broke (they crossed
  the link and must be sent again), plus bytes still on the link. Exchanges
  are delimited by a light HTTP/1.1 parser (head, ``Content-Length``,
  chunked bodies); non-HTTP traffic is counted but not split in exchanges.

Only 127.0.0.1 is ever used. The proxy runs its own asyncio loop on a daemon
thread; every public method is thread-safe. Timing is approximate (asyncio
timers, a shared machine); the byte counts are exact.
"""

from __future__ import annotations

import asyncio
import random
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Callable

LOOPBACK = "127.0.0.1"


# --- pure parts (tested without sockets) -----------------------------------------------------------


class Shaper:
    """One direction of the link: when does a segment finish transmitting at ``bytes_per_s``?"""

    def __init__(self, bytes_per_s: float | None):
        if bytes_per_s is not None and bytes_per_s <= 0:
            raise ValueError("bandwidth must be positive (or None for unlimited)")
        self.rate = bytes_per_s
        self.busy_until = 0.0

    def transmit(self, nbytes: int, now: float) -> float:
        """Queue ``nbytes`` at ``now``; returns when its last byte leaves (the link is one queue)."""
        if self.rate is None:
            return now
        start = max(now, self.busy_until)
        self.busy_until = start + nbytes / self.rate
        return self.busy_until

    def reset(self, now: float) -> None:
        """Forget queued transmissions (a drop empties the link)."""
        self.busy_until = min(self.busy_until, now)


class DropSchedule:
    """Seconds between drops: ``mean`` ± ``jitter``·``mean``, uniformly, from a seeded generator."""

    def __init__(self, mean_s: float, seed: int = 0, jitter: float = 0.5):
        if mean_s <= 0 or not 0 <= jitter < 1:
            raise ValueError("need mean_s > 0 and 0 <= jitter < 1")
        self.mean = mean_s
        self.jitter = jitter
        self.rng = random.Random(seed)

    def next_interval(self) -> float:
        return self.mean * (1.0 + self.jitter * (2.0 * self.rng.random() - 1.0))


class HttpFraming:
    """Where HTTP/1.1 messages start and end in one direction of a connection.

    ``feed(data)`` returns how many messages *completed* inside ``data``;
    :attr:`in_message` says whether a message has started and not ended.
    Heads are parsed for ``Content-Length`` and ``Transfer-Encoding:
    chunked``; a message without either ends with its head (no body — true of
    every request and reply the sync protocol uses without a length).
    Anything unparseable turns the framing off (``broken``): bytes are still
    counted by the proxy, just not split into exchanges.
    """

    MAX_HEAD = 64 * 1024

    def __init__(self) -> None:
        self.head = bytearray()
        self.in_message = False
        self.body_left = 0          # bytes of a Content-Length body still to come
        self.chunked = False
        self.chunk_buf = bytearray()  # chunked framing not yet understood
        self.chunk_left = 0         # data bytes (+2 for CRLF) of the current chunk still to come
        self.in_body = False
        self.trailer = False        # after the last chunk: trailer fields until an empty line
        self.broken = False

    def feed(self, data: bytes) -> int:
        done = 0
        i = 0
        n = len(data)
        while i < n and not self.broken:
            self.in_message = True
            if not self.in_body:
                end = (bytes(self.head[-3:]) + data[i:]).find(b"\r\n\r\n")
                if end < 0:
                    self.head += data[i:]
                    if len(self.head) > self.MAX_HEAD:
                        self.broken = True
                        self.in_message = False
                    return done
                take = end + 4 - min(3, len(self.head))
                self.head += data[i:i + take]
                i += take
                self._parse_head()
                if self.broken:
                    self.in_message = False
                    return done
                if not self.in_body:
                    done += 1
                    self._reset()
                continue
            if self.chunked:
                i = self._feed_chunked(data, i)
                if not self.in_body:
                    done += 1
                    self._reset()
                continue
            take = min(self.body_left, n - i)
            self.body_left -= take
            i += take
            if self.body_left == 0:
                done += 1
                self._reset()
        return done

    def _reset(self) -> None:
        self.head = bytearray()
        self.in_message = False
        self.in_body = False
        self.body_left = 0
        self.chunked = False
        self.chunk_buf = bytearray()
        self.chunk_left = 0
        self.trailer = False

    def _parse_head(self) -> None:
        try:
            lines = bytes(self.head).decode("latin-1").split("\r\n")
        except Exception:  # noqa: BLE001
            self.broken = True
            return
        if not lines or not (lines[0].startswith("HTTP/1.") or " HTTP/1." in lines[0]):
            self.broken = True
            return
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                try:
                    length = int(value.strip())
                except ValueError:
                    self.broken = True
                    return
            elif name == "transfer-encoding" and "chunked" in value.lower():
                self.chunked = True
        status = lines[0].split(" ", 2)
        no_body = lines[0].startswith("HTTP/1.") and len(status) > 1 and (
            status[1].startswith("1") or status[1] in ("204", "304"))
        if self.chunked and not no_body:
            self.in_body = True
        elif length and not no_body:
            self.in_body = True
            self.body_left = length

    def _feed_chunked(self, data: bytes, i: int) -> int:
        n = len(data)
        while i < n:
            if self.chunk_left > 0:
                take = min(self.chunk_left, n - i)
                self.chunk_left -= take
                i += take
                continue
            self.chunk_buf += data[i:i + 1]
            i += 1
            if self.chunk_buf.endswith(b"\r\n"):
                line = bytes(self.chunk_buf[:-2])
                self.chunk_buf = bytearray()
                if self.trailer:
                    if line == b"":
                        self.in_body = False  # the empty line after the trailer: message complete
                        return i
                    continue  # a trailer field
                try:
                    size = int(line.split(b";")[0].strip() or b"0", 16)
                except ValueError:
                    self.broken = True
                    self.in_message = False
                    return n
                if size == 0:
                    self.trailer = True
                else:
                    self.chunk_left = size + 2
            elif len(self.chunk_buf) > 4096:
                self.broken = True
                self.in_message = False
                return n
        return i


# --- statistics ------------------------------------------------------------------------------------


@dataclass
class ProxyStats:
    connections: int = 0
    bytes_up: int = 0            # delivered client -> server
    bytes_down: int = 0          # delivered server -> client
    exchanges: int = 0           # request/reply exchanges completed
    drops: int = 0               # drop events (scheduled or drop_now)
    drops_idle: int = 0          # ... that found no exchange in progress
    connections_cut: int = 0
    exchanges_broken: int = 0
    bytes_lost: int = 0          # bytes of broken exchanges that crossed the link, + bytes still on it
    bytes_lost_up: int = 0
    bytes_lost_down: int = 0
    bytes_in_flight_lost: int = 0  # part of bytes_lost: transmitted on the link, never delivered
    refused_in_outage: int = 0
    drop_times: list[float] = field(default_factory=list)  # seconds since start

    @property
    def bytes_total(self) -> int:
        return self.bytes_up + self.bytes_down


@dataclass
class _Direction:
    framing: HttpFraming = field(default_factory=HttpFraming)
    queue: deque = field(default_factory=deque)       # (deliver_at, data)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    in_flight: int = 0                                 # bytes read, not yet delivered
    eof: bool = False


class _Conn:
    def __init__(self, cid: int, client_writer: asyncio.StreamWriter, server_writer: asyncio.StreamWriter):
        self.cid = cid
        self.client_writer = client_writer
        self.server_writer = server_writer
        self.up = _Direction()
        self.down = _Direction()
        self.tasks: list[asyncio.Task] = []
        self.exchange_up = 0     # bytes delivered of the current exchange
        self.exchange_down = 0
        self.awaiting_reply = 0  # requests delivered whose reply has not completed
        self.closed = False

    @property
    def between_exchanges(self) -> bool:
        """No request or reply has started and not ended (by the HTTP framing)."""
        return not (self.up.framing.in_message or self.awaiting_reply > 0 or self.down.framing.in_message)

    @property
    def in_exchange(self) -> bool:
        return not self.between_exchanges or self.up.in_flight > 0 or self.down.in_flight > 0


# --- the proxy --------------------------------------------------------------------------------------


class ThrottleProxy:
    """See the module docstring. ``start()`` binds 127.0.0.1 on a free port; ``url`` is then set."""

    def __init__(self, target_port: int, *, target_host: str = LOOPBACK, up_kbit: float | None = None,
                 down_kbit: float | None = None, rtt_ms: float = 0.0, drop_every_s: float | None = None,
                 drop_jitter: float = 0.5, outage_s: float = 0.0, seed: int = 0, segment: int = 1024,
                 socket_buffer: int = 8192, clock: Callable[[], float] = time.monotonic):
        if target_host != LOOPBACK:
            raise ValueError("the throttle proxy only forwards to 127.0.0.1")
        self.target = (target_host, target_port)
        self.up_rate = None if up_kbit is None else up_kbit * 1000 / 8
        self.down_rate = None if down_kbit is None else down_kbit * 1000 / 8
        self.one_way = max(0.0, rtt_ms) / 2000.0
        self.schedule = DropSchedule(drop_every_s, seed, drop_jitter) if drop_every_s else None
        self.outage_s = outage_s
        self.segment = segment
        self.socket_buffer = socket_buffer
        self.clock = clock
        self.port = 0
        self._stats = ProxyStats()
        self._lock = threading.Lock()
        self._conns: dict[int, _Conn] = {}
        self._next_id = 0
        self._outage_until = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.base_events.Server | None = None
        self._ready = threading.Event()
        self._started_at = 0.0
        self._up_link = Shaper(self.up_rate)
        self._down_link = Shaper(self.down_rate)
        self._error: BaseException | None = None
        self._drop_task: asyncio.Task | None = None
        self._closed = False

    # --- public ----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 10.0) -> "ThrottleProxy":
        self._thread = threading.Thread(target=self._run, name="throttle-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout) or self._error is not None:
            raise RuntimeError(f"throttle proxy did not start: {self._error!r}")
        return self

    def stats(self) -> ProxyStats:
        with self._lock:
            return replace(self._stats, drop_times=list(self._stats.drop_times))

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = ProxyStats()

    def drop_now(self) -> int:
        """Cut every open connection now; returns how many were cut."""
        if self._loop is None or self._closed:
            return 0
        return asyncio.run_coroutine_threadsafe(self._drop(), self._loop).result(timeout=10)

    def close(self) -> None:
        """Stop the proxy and cut its connections. Safe to call twice."""
        if self._loop is None or self._thread is None or self._closed:
            return
        self._closed = True
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=10)
        except Exception:  # noqa: BLE001 - closing must not raise
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def __enter__(self) -> "ThrottleProxy":
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.close()

    # --- loop ------------------------------------------------------------------------------------

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # noqa: BLE001
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            loop.run_forever()
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        finally:
            loop.close()

    async def _serve(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if self.socket_buffer:
            # Inherited by accepted sockets: the client's bytes wait in *its* buffers, not ours.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.socket_buffer)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.socket_buffer)
        sock.bind((LOOPBACK, 0))
        sock.listen(256)
        self.port = sock.getsockname()[1]
        self._server = await asyncio.start_server(self._accept, sock=sock)
        self._started_at = self.clock()
        if self.schedule is not None:
            self._drop_task = asyncio.get_running_loop().create_task(self._drop_loop())

    async def _shutdown(self) -> None:
        if self._drop_task is not None:
            self._drop_task.cancel()
        if self._server is not None:
            self._server.close()
        for conn in list(self._conns.values()):
            self._abort(conn)

    async def _drop_loop(self) -> None:
        assert self.schedule is not None
        while True:
            await asyncio.sleep(self.schedule.next_interval())
            await self._drop()

    async def _drop(self) -> int:
        now = self.clock()
        conns = list(self._conns.values())
        broken = 0
        with self._lock:
            st = self._stats
            st.drops += 1
            st.drop_times.append(round(now - self._started_at, 2))
            for conn in conns:
                started = not conn.between_exchanges  # delivered bytes of an unfinished exchange are wasted
                lost_up = conn.up.in_flight + (conn.exchange_up if started else 0)
                lost_down = conn.down.in_flight + (conn.exchange_down if started else 0)
                if conn.in_exchange:
                    broken += 1
                st.bytes_lost_up += lost_up
                st.bytes_lost_down += lost_down
                st.bytes_in_flight_lost += conn.up.in_flight + conn.down.in_flight
                st.bytes_lost += lost_up + lost_down
            st.exchanges_broken += broken
            st.connections_cut += len(conns)
            if broken == 0:
                st.drops_idle += 1
        self._up_link.reset(now)
        self._down_link.reset(now)
        self._outage_until = now + self.outage_s
        for conn in conns:
            self._abort(conn)
        return len(conns)

    def _abort(self, conn: _Conn) -> None:
        if conn.closed:
            return
        conn.closed = True
        self._conns.pop(conn.cid, None)
        for task in conn.tasks:
            if task is not asyncio.current_task():
                task.cancel()
        for writer in (conn.client_writer, conn.server_writer):
            try:
                writer.transport.abort()  # RST: the peer sees the connection die, not a clean end
            except Exception:  # noqa: BLE001
                pass

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self.clock() < self._outage_until:
            with self._lock:
                self._stats.refused_in_outage += 1
            client_writer.transport.abort()
            return
        try:
            upstream = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            if self.socket_buffer:
                upstream.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.socket_buffer)
                upstream.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.socket_buffer)
            upstream.setblocking(False)
            await asyncio.get_running_loop().sock_connect(upstream, self.target)
            server_reader, server_writer = await asyncio.open_connection(sock=upstream)
        except OSError:
            client_writer.transport.abort()
            return
        if self.one_way:
            await asyncio.sleep(2 * self.one_way)  # the TCP handshake crosses the link: one round trip
        self._next_id += 1
        conn = _Conn(self._next_id, client_writer, server_writer)
        self._conns[conn.cid] = conn
        with self._lock:
            self._stats.connections += 1
        loop = asyncio.get_running_loop()
        conn.tasks = [
            loop.create_task(self._pump(conn, "up", client_reader, conn.up, self._up_link)),
            loop.create_task(self._deliver(conn, "up", server_writer, conn.up)),
            loop.create_task(self._pump(conn, "down", server_reader, conn.down, self._down_link)),
            loop.create_task(self._deliver(conn, "down", client_writer, conn.down)),
        ]

    async def _pump(self, conn: _Conn, direction: str, reader: asyncio.StreamReader, d: _Direction,
                    link: Shaper) -> None:
        """Read from the sender as fast as the link transmits; hand segments to the delivery queue."""
        try:
            while True:
                data = await reader.read(self.segment)
                if not data:
                    d.eof = True
                    d.wake.set()
                    return
                now = self.clock()
                sent_at = link.transmit(len(data), now)
                d.in_flight += len(data)
                d.queue.append((sent_at + self.one_way, data))
                d.wake.set()
                if sent_at > now:
                    await asyncio.sleep(sent_at - now)  # the sender waits while the link is busy
        except (asyncio.CancelledError, ConnectionError, OSError):
            return

    async def _deliver(self, conn: _Conn, direction: str, writer: asyncio.StreamWriter, d: _Direction) -> None:
        try:
            while True:
                while not d.queue:
                    if d.eof:
                        if writer.can_write_eof():
                            writer.write_eof()
                        return
                    d.wake.clear()
                    await d.wake.wait()
                deliver_at, data = d.queue[0]
                wait = deliver_at - self.clock()
                if wait > 0:
                    await asyncio.sleep(wait)
                d.queue.popleft()
                d.in_flight -= len(data)
                self._account(conn, direction, data)  # before the write: the peer may react at once
                writer.write(data)
                await writer.drain()
        except (asyncio.CancelledError, ConnectionError, OSError):
            return

    def _account(self, conn: _Conn, direction: str, data: bytes) -> None:
        with self._lock:
            st = self._stats
            if direction == "up":
                st.bytes_up += len(data)
                if conn.between_exchanges:
                    conn.exchange_up = conn.exchange_down = 0  # a new exchange starts
                conn.exchange_up += len(data)
                completed = conn.up.framing.feed(data)
                conn.awaiting_reply += completed
            else:
                st.bytes_down += len(data)
                conn.exchange_down += len(data)
                completed = conn.down.framing.feed(data)
                if completed:
                    st.exchanges += completed
                    conn.awaiting_reply = max(0, conn.awaiting_reply - completed)
                    if conn.awaiting_reply == 0 and not conn.down.framing.in_message:
                        conn.exchange_up = conn.exchange_down = 0
