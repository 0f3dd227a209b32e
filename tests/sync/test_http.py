"""The HTTP client against a scripted local HTTP server: headers, gzip, errors, token refresh, TLS."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fieldapp.core.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, Mutation, MutationOp
from fieldapp.sync import errors as E
from fieldapp.sync.http import GZIP_MIN_BYTES, SyncClient, normalize_server_url

USER = {"id": "u1", "username": "wang", "display_name": "王", "role": "manager", "team_id": "t1"}


class MemoryTokens:
    def __init__(self, token=None):
        self.token = token
        self.history = []

    def get_refresh_token(self):
        return self.token

    def set_refresh_token(self, token):
        self.token = token
        self.history.append(token)


class Scripted:
    """A local HTTP server; ``handler(request) -> (status, body, headers)`` decides each reply."""

    def __init__(self, tls_context: ssl.SSLContext | None = None):
        self.requests: list[dict] = []
        self.handler = lambda req: (404, {"code": "not_found", "message": "no"}, {})
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = gzip.decompress(raw) if self.headers.get("Content-Encoding") == "gzip" else raw
                req = {"method": self.command, "path": self.path, "headers": dict(self.headers), "raw": raw,
                       "json": json.loads(body) if body and self.headers.get("Content-Type", "").startswith(
                           "application/json") else None, "body": body}
                outer.requests.append(req)
                status, payload, headers = outer.handler(req)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                if headers.get("gzip"):
                    data = gzip.compress(data)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if headers.get("gzip"):
                    self.send_header("Content-Encoding", "gzip")
                for k, v in headers.items():
                    if k != "gzip":
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls_context is not None:
            self.httpd.socket = tls_context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        scheme = "https" if tls_context else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def srv():
    s = Scripted()
    yield s
    s.close()


def tokens(access="A1", refresh="R1"):
    return {"access_token": access, "refresh_token": refresh, "access_expires_in": 900, "user": USER}


def test_normalize_server_url():
    assert normalize_server_url(" https://h:8443/fs/ ") == "https://h:8443/fs"
    for bad in ("h:8443", "ftp://h", "https://"):
        with pytest.raises(ValueError):
            normalize_server_url(bad)


def test_login_sends_protocol_header_and_stores_rotated_token(srv):
    srv.handler = lambda req: (200, tokens(), {})
    store = MemoryTokens()
    client = SyncClient(srv.url, token_store=store)
    pair = client.login("wang", "secret", "dev-1", "laptop")
    assert pair.user.username == "wang" and client.access_token == "A1" and store.token == "R1"
    req = srv.requests[0]
    assert req["path"] == "/api/v1/auth/login"
    assert req["headers"][PROTOCOL_HEADER] == str(PROTOCOL_VERSION)
    assert req["json"]["device_id"] == "dev-1" and req["json"]["protocol_version"] == PROTOCOL_VERSION
    assert "Authorization" not in req["headers"]


def test_large_bodies_are_gzipped_small_ones_not(srv):
    srv.handler = lambda req: (200, {"outcomes": []}, {"gzip": True})
    client = SyncClient(srv.url, token_store=MemoryTokens())
    client.access_token = "A"
    small = [Mutation(1, "customer", "r", MutationOp.UPDATE, 1, {"phone": ["1", "2"]})]
    big = [Mutation(i, "customer", f"r{i}", MutationOp.UPDATE, 1, {"notes": ["", "备注" * 50]}) for i in range(20)]
    client.push("c", small)
    client.push("c", big)
    first, second = srv.requests
    assert "Content-Encoding" not in first["headers"]
    assert second["headers"]["Content-Encoding"] == "gzip" and len(second["raw"]) < len(second["body"])
    assert len(second["body"]) > GZIP_MIN_BYTES
    assert second["json"]["mutations"][19]["seq"] == 19
    assert first["headers"]["Authorization"] == "Bearer A"


def test_expired_access_token_is_refreshed_once(srv):
    def handler(req):
        if req["path"] == "/api/v1/auth/refresh":
            assert req["json"]["refresh_token"] == "R1" and req["json"]["device_id"] == "dev"
            return 200, tokens("A2", "R2"), {}
        if req["headers"].get("Authorization") == "Bearer A2":
            return 200, {"digests": []}, {}
        return 401, {"code": "token_expired", "message": "expired"}, {}

    srv.handler = handler
    store = MemoryTokens("R1")
    client = SyncClient(srv.url, token_store=store, device_id="dev")
    client.access_token = "A1"
    assert client.digest().digests == []
    assert store.token == "R2" and client.access_token == "A2"
    assert [r["path"] for r in srv.requests] == ["/api/v1/sync/digest", "/api/v1/auth/refresh",
                                                 "/api/v1/sync/digest"]


def test_refresh_refused_means_sign_in_again(srv):
    srv.handler = lambda req: (401, {"code": "invalid_token", "message": "no"}, {})
    client = SyncClient(srv.url, token_store=MemoryTokens("R1"), device_id="dev")
    with pytest.raises(E.AuthExpired):
        client.digest()
    client = SyncClient(srv.url, token_store=MemoryTokens(None), device_id="dev")
    with pytest.raises(E.AuthExpired, match="Not signed in"):
        client.digest()
    assert len(srv.requests) == 1  # no request without a token


def test_revoked_device_is_not_refreshed(srv):
    srv.handler = lambda req: (403, {"code": "device_revoked", "message": "revoked by admin"}, {})
    client = SyncClient(srv.url, token_store=MemoryTokens("R1"), device_id="dev")
    client.access_token = "A"
    with pytest.raises(E.AuthRevoked):
        client.digest()
    assert len(srv.requests) == 1


def test_wrong_password(srv):
    srv.handler = lambda req: (401, {"code": "invalid_credentials", "message": "bad"}, {})
    with pytest.raises(E.AuthExpired, match="Wrong user name or password"):
        SyncClient(srv.url).login("u", "p", "d")


def test_throttled_login(srv):
    srv.handler = lambda req: (429, {"code": "too_many_attempts", "message": "wait"}, {"Retry-After": "30"})
    with pytest.raises(E.Throttled) as info:
        SyncClient(srv.url).login("u", "p", "d")
    assert info.value.retry_after == 30 and info.value.retryable


@pytest.mark.parametrize("code,too_old", [("protocol_too_old", True), ("protocol_too_new", False)])
def test_protocol_mismatch(srv, code, too_old):
    srv.handler = lambda req: (426, {"code": code, "message": "x"}, {})
    client = SyncClient(srv.url, token_store=MemoryTokens())
    client.access_token = "A"
    with pytest.raises(E.ProtocolMismatch) as info:
        client.pull("c", None)
    assert info.value.client_too_old is too_old
    assert "Update FieldApp" in str(info.value) if too_old else "update the server" in str(info.value)


def test_fastapi_style_detail_is_understood(srv):
    srv.handler = lambda req: (426, {"detail": {"code": "protocol_too_new", "message": "x"}}, {})
    client = SyncClient(srv.url)
    with pytest.raises(E.ProtocolMismatch) as info:
        client.health()
    assert info.value.client_too_old is False


def test_server_errors_and_rejections(srv):
    client = SyncClient(srv.url, token_store=MemoryTokens())
    client.access_token = "A"
    srv.handler = lambda req: (503, {"code": "unavailable", "message": "db down"}, {})
    with pytest.raises(E.ServerError) as info:
        client.digest()
    assert info.value.retryable
    srv.handler = lambda req: (422, {"code": "invalid_body", "message": "bad seq"}, {})
    with pytest.raises(E.RequestRejected, match="bad seq"):
        client.digest()
    srv.handler = lambda req: (403, {"code": "out_of_scope", "message": "not yours"}, {})
    with pytest.raises(E.Forbidden):
        client.digest()
    srv.handler = lambda req: (200, b"<html>wifi login</html>", {})
    with pytest.raises(E.Offline, match="Wi-Fi login page"):
        client.digest()


def test_gzip_reply_is_decoded(srv):
    srv.handler = lambda req: (200, {"status": "ok", "padding": "x" * 5000}, {"gzip": True})
    assert SyncClient(srv.url).health()["status"] == "ok"


def test_connection_refused_is_offline():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(E.Offline) as info:
        SyncClient(f"http://127.0.0.1:{port}").health()
    assert info.value.retryable


def test_unknown_host_is_offline():
    with pytest.raises(E.Offline):
        SyncClient("http://fieldsync.invalid", connect_timeout=2).health()


def test_read_timeout_is_offline():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts, never answers
    try:
        client = SyncClient(f"http://127.0.0.1:{listener.getsockname()[1]}", read_timeout=0.5)
        with pytest.raises(E.Offline):
            client.request("GET", "/api/health", auth=False)
    finally:
        listener.close()


def test_connection_cut_mid_reply_is_offline():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve():
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"outc")
        conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        client = SyncClient(f"http://127.0.0.1:{listener.getsockname()[1]}", token_store=MemoryTokens())
        client.access_token = "A"
        with pytest.raises(E.Offline):
            client.push("c", [])
    finally:
        listener.close()


def _self_signed(tmp_path):
    crypto = pytest.importorskip("cryptography")  # noqa: F841
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fieldsync test")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "ca.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_tls_is_verified_and_a_ca_bundle_can_be_given(tmp_path):
    cert_path, key_path = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    srv = Scripted(tls_context=context)
    srv.handler = lambda req: (200, {"status": "ok"}, {})
    try:
        with pytest.raises(E.CertificateError, match="CA bundle"):
            SyncClient(srv.url).health()
        assert SyncClient(srv.url, ca_bundle=cert_path).health() == {"status": "ok"}
    finally:
        srv.close()
    with pytest.raises(ValueError):
        SyncClient("https://127.0.0.1:1", ca_bundle=tmp_path / "missing.pem")
