"""HTTP client of the sync protocol (requests), with the protocol's error mapping.

:class:`SyncClient` speaks the endpoints of docs/sync-protocol.md with the
dataclasses of :mod:`fieldapp.core.protocol`. It never touches the local
database; :class:`fieldapp.sync.engine.SyncEngine` does.

- TLS verification is on; ``ca_bundle`` points at IT's CA file instead of the
  system store. ``verify=False`` exists for tests against plain-http servers.
- Every request carries the protocol header; JSON bodies above
  :data:`GZIP_MIN_BYTES` are gzip-compressed (``Content-Encoding: gzip``), and
  gzip replies are accepted.
- Failures become :mod:`fieldapp.sync.errors` exceptions: :class:`Offline` for
  refused/DNS/timeout/cut connections, :class:`AuthExpired`/:class:`AuthRevoked`,
  :class:`ProtocolMismatch` (426), :class:`ServerError` (5xx), ...
- An expired access token (401) is refreshed once with the stored refresh token
  (rotating: the new refresh token is handed back to the token store) and the
  request is repeated.

Not thread-safe: one client per worker thread.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Protocol
from urllib.parse import urlsplit

import requests

from fieldapp import __version__
from fieldapp.core.messages import Message
from fieldapp.core.protocol import (
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    DigestResponse,
    ErrorBody,
    LoginRequest,
    Mutation,
    MutationOp,
    MutationOutcome,
    OutcomeStatus,
    PhotoStatus,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    RefreshRequest,
    RowChange,
    RowRef,
    TokenPair,
    UserInfo,
    from_wire,
    to_wire,
)

from . import errors as E

GZIP_MIN_BYTES = 1024
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 60.0

# ErrorBody codes meaning "this device or account is shut out", not "refresh and retry".
# (A 401 ``token_revoked`` is different: another client of this device rotated the
# pair; refreshing with the stored refresh token may still work.)
REVOKED_CODES = {"device_revoked", "user_disabled", "account_disabled"}


class TokenStore(Protocol):
    """Where the client gets and puts the refresh token (see :class:`fieldapp.sync.credentials.Credentials`)."""

    def get_refresh_token(self) -> str | None: ...

    def set_refresh_token(self, token: str | None) -> None: ...


def normalize_server_url(url: str) -> str:
    """``https://host:port/prefix`` without a trailing slash; raises ValueError for anything else."""
    url = url.strip()
    if "://" not in url:
        raise ValueError(f"the server address needs http:// or https:// ({url!r})")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not a server address: {url!r}")
    return url.rstrip("/")


def _error_body(response: requests.Response) -> ErrorBody | None:
    try:
        data = response.json()
    except ValueError:
        return None
    if isinstance(data, dict):
        # FastAPI's HTTPException wraps as {"detail": ...}; the protocol's ErrorBody is top-level.
        if "code" not in data and isinstance(data.get("detail"), dict) and "code" in data["detail"]:
            data = data["detail"]
        if "code" in data:
            return ErrorBody(code=str(data.get("code")), message=str(data.get("message", "")),
                             detail=data.get("detail"))
        if "detail" in data:
            return ErrorBody(code="", message=str(data["detail"]), detail=data["detail"])
    return None


class SyncClient:
    """One server, one (optional) signed-in device. See the module docstring."""

    def __init__(self, base_url: str, *, ca_bundle: str | os.PathLike[str] | None = None, verify: bool = True,
                 connect_timeout: float = DEFAULT_CONNECT_TIMEOUT, read_timeout: float = DEFAULT_READ_TIMEOUT,
                 session: requests.Session | None = None, token_store: TokenStore | None = None,
                 device_id: str | None = None):
        self.base_url = normalize_server_url(base_url)
        self.session = session or requests.Session()
        if ca_bundle:
            if not Path(ca_bundle).is_file():
                raise ValueError(f"CA bundle not found: {ca_bundle}")
            self.session.verify = str(ca_bundle)
        else:
            self.session.verify = bool(verify)
        # The environment must not silently change where we send credentials or whom we trust.
        self.session.trust_env = False
        self.session.headers.update({
            PROTOCOL_HEADER: str(PROTOCOL_VERSION),
            "Accept-Encoding": "gzip",
            "Accept": "application/json",
            "User-Agent": f"FieldApp/{__version__}",
        })
        self.timeout = (connect_timeout, read_timeout)
        self.token_store = token_store
        self.device_id = device_id
        self.access_token: str | None = None
        self.user: UserInfo | None = None
        # Test/instrumentation hook: called with (path, response) after a reply is read.
        self.on_response: Callable[[str, requests.Response], None] | None = None

    # --- plumbing -------------------------------------------------------------------

    def close(self) -> None:
        self.session.close()

    def _url(self, path: str) -> str:
        return self.base_url + path

    def _encode(self, body: Any) -> tuple[bytes, dict[str, str]]:
        # Plain dicts are JSON-ready already (the push body is built by hand for speed).
        wire = body if isinstance(body, dict) else to_wire(body)
        raw = json.dumps(wire, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if len(raw) > GZIP_MIN_BYTES:
            raw = gzip.compress(raw, compresslevel=6)
            headers["Content-Encoding"] = "gzip"
        return raw, headers

    def _send(self, method: str, path: str, *, data: bytes | None = None, headers: dict[str, str] | None = None,
              params: dict[str, Any] | None = None, auth: bool = True, stream: bool = False,
              timeout: tuple[float, float] | None = None) -> requests.Response:
        hdrs = dict(headers or {})
        if auth and self.access_token:
            hdrs["Authorization"] = f"Bearer {self.access_token}"
        try:
            response = self.session.request(method, self._url(path), data=data, headers=hdrs, params=params,
                                            timeout=timeout or self.timeout, stream=stream)
            if not stream:
                _ = response.content  # read the whole body now: a cut shows up here, as Offline
        except requests.exceptions.SSLError as exc:
            raise E.CertificateError(Message("Sync", E.MSG_CERT, {"detail": _short(exc)})) from exc
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema) as exc:
            raise E.RequestRejected(Message("Sync", E.MSG_REJECTED, {"detail": _short(exc)})) from exc
        except requests.exceptions.RequestException as exc:
            raise E.Offline(Message("Sync", E.MSG_OFFLINE, {"url": self.base_url, "detail": _short(exc)})) from exc
        if self.on_response is not None:
            self.on_response(path, response)
        return response

    def _raise_for(self, response: requests.Response, *, auth: bool = True) -> None:
        status = response.status_code
        if status < 400:
            return
        body = _error_body(response)
        code = body.code if body else None
        text = (body.message if body and body.message else response.reason) or str(status)
        kw = {"status": status, "code": code, "detail": body.detail if body else None}
        if status == 426 or (code or "").startswith("protocol_too"):
            too_old = code != "protocol_too_new"
            msg = E.MSG_CLIENT_TOO_OLD if too_old else E.MSG_SERVER_TOO_OLD
            raise E.ProtocolMismatch(Message("Sync", msg), client_too_old=too_old, **kw)
        if status in (401, 403) and code in REVOKED_CODES:
            raise E.AuthRevoked(Message("Sync", E.MSG_AUTH_REVOKED, {"detail": text}), **kw)
        if status == 401:
            if not auth:
                raise E.AuthExpired(Message("Sync", E.MSG_BAD_LOGIN), **kw)
            raise E.AuthExpired(Message("Sync", E.MSG_AUTH_EXPIRED), **kw)
        if status == 403:
            raise E.Forbidden(Message("Sync", E.MSG_FORBIDDEN, {"detail": text}), **kw)
        if status == 429:
            retry_after = _float_or_none(response.headers.get("Retry-After"))
            raise E.Throttled(Message("Sync", E.MSG_THROTTLED, {"detail": text}), retry_after=retry_after, **kw)
        if status >= 500:
            raise E.ServerError(Message("Sync", E.MSG_SERVER_ERROR, {"detail": f"HTTP {status}: {text}"}), **kw)
        raise E.RequestRejected(Message("Sync", E.MSG_REJECTED, {"detail": f"HTTP {status}: {text}"}), **kw)

    def request(self, method: str, path: str, *, body: Any = None, raw: bytes | None = None,
                headers: dict[str, str] | None = None, params: dict[str, Any] | None = None, auth: bool = True,
                stream: bool = False, timeout: tuple[float, float] | None = None) -> requests.Response:
        """Send one request; refresh the access token once on 401. Raises :mod:`errors` exceptions."""
        hdrs = dict(headers or {})
        data = raw
        if body is not None:
            data, extra = self._encode(body)
            hdrs.update(extra)
        if auth and self.access_token is None:
            self.refresh()
        response = self._send(method, path, data=data, headers=hdrs, params=params, auth=auth, stream=stream,
                              timeout=timeout)
        if auth and response.status_code == 401 and not self._is_revoked(response):
            response.close()
            self.refresh()
            response = self._send(method, path, data=data, headers=hdrs, params=params, auth=auth, stream=stream,
                                  timeout=timeout)
        self._raise_for(response, auth=auth)
        return response

    @staticmethod
    def _is_revoked(response: requests.Response) -> bool:
        body = _error_body(response)
        return bool(body and body.code in REVOKED_CODES)

    def _json(self, response: requests.Response, cls: type | None = None) -> Any:
        try:
            data = response.json()
        except ValueError as exc:
            # A reply cut inside its headers reaches us as a 200 with a short body, and a
            # captive portal (hotel, train Wi-Fi) answers with its own HTML page: either
            # way the sync server was not really reached.
            raise E.Offline(Message("Sync", E.MSG_OFFLINE, {
                "url": self.base_url, "detail": "incomplete or unexpected reply (connection cut, or a Wi-Fi "
                                                "login page?)"}), status=response.status_code) from exc
        if cls is None:
            return data
        try:
            return from_wire(cls, data)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise E.ServerError(Message("Sync", E.MSG_SERVER_ERROR, {"detail": f"unexpected reply: {exc}"}),
                                status=response.status_code) from exc

    # --- auth ------------------------------------------------------------------------

    def login(self, username: str, password: str, device_id: str, device_name: str = "") -> TokenPair:
        """Sign in; keeps the access token and hands the refresh token to ``token_store`` (if any)."""
        self.device_id = device_id
        response = self.request("POST", "/api/v1/auth/login", auth=False,
                                body=LoginRequest(username=username, password=password, device_id=device_id,
                                                  device_name=device_name))
        pair = self._json(response, TokenPair)
        self._take(pair)
        return pair

    def refresh(self) -> TokenPair:
        """New access token from the stored refresh token (which the server rotates)."""
        token = self.token_store.get_refresh_token() if self.token_store else None
        if not token or not self.device_id:
            raise E.AuthExpired(Message("Sync", E.MSG_NOT_SIGNED_IN, {"url": self.base_url}))
        response = self._send("POST", "/api/v1/auth/refresh", auth=False,
                              **self._body_kw(RefreshRequest(refresh_token=token, device_id=self.device_id)))
        self._raise_for(response, auth=True)
        pair = self._json(response, TokenPair)
        self._take(pair)
        return pair

    def _body_kw(self, body: Any) -> dict[str, Any]:
        data, headers = self._encode(body)
        return {"data": data, "headers": headers}

    def _take(self, pair: TokenPair) -> None:
        self.access_token = pair.access_token
        self.user = pair.user
        if self.token_store is not None:
            self.token_store.set_refresh_token(pair.refresh_token)

    def logout(self) -> None:
        """Revoke this device's tokens on the server (best effort) and forget them locally."""
        try:
            if self.access_token or (self.token_store and self.token_store.get_refresh_token()):
                token = self.token_store.get_refresh_token() if self.token_store else None
                body = {"refresh_token": token, "device_id": self.device_id}
                self.request("POST", "/api/v1/auth/logout", body=body)
        finally:
            self.access_token = None
            if self.token_store is not None:
                self.token_store.set_refresh_token(None)

    def me(self) -> UserInfo:
        return self._json(self.request("GET", "/api/v1/me"), UserInfo)

    # --- sync ------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """The cheap probe: raises :class:`Offline` when the server is unreachable."""
        response = self.request("GET", "/api/health", auth=False, timeout=(self.timeout[0], 10.0))
        return self._json(response)

    def push(self, client_id: str, mutations: list[Mutation]) -> PushResponse:
        # Bodies built and read by hand: the generic to_wire/from_wire walk type hints per
        # object, which costs seconds for a 10,000-change outbox.
        body = {"client_id": client_id, "protocol_version": PROTOCOL_VERSION, "mutations": [
            {"seq": m.seq, "entity": m.entity, "row_id": m.row_id,
             "op": m.op.value if isinstance(m.op, MutationOp) else m.op, "base_version": m.base_version,
             "changes": m.changes} for m in mutations]}
        data = self._json(self.request("POST", "/api/v1/sync/push", body=body))
        try:
            return PushResponse(outcomes=[MutationOutcome(
                seq=int(o["seq"]), status=OutcomeStatus(o["status"]), version=o.get("version"),
                reason=o.get("reason"), conflict_id=o.get("conflict_id"), values=o.get("values"))
                for o in data["outcomes"]], protocol_version=int(data.get("protocol_version", PROTOCOL_VERSION)))
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise E.ServerError(Message("Sync", E.MSG_SERVER_ERROR, {"detail": f"unexpected reply: {exc}"})) from exc

    def pull(self, client_id: str, cursor: str | None, limit: int | None = None) -> PullResponse:
        request = PullRequest(client_id=client_id, cursor=cursor)
        if limit is not None:
            request.limit = limit
        data = self._json(self.request("POST", "/api/v1/sync/pull", body=request))
        # Built by hand: a page holds up to 2000 rows, and the generic from_wire costs a
        # get_type_hints() call per row (seconds for an initial pull of 50,000 customers).
        try:
            return PullResponse(
                changes=[RowChange(str(c["entity"]), str(c["row_id"]), int(c["version"]), bool(c["deleted"]),
                                   dict(c.get("values") or {})) for c in data["changes"]],
                revoked=[RowRef(str(r["entity"]), str(r["row_id"])) for r in data.get("revoked") or []],
                cursor=data["cursor"], has_more=bool(data["has_more"]),
                full_resync_required=bool(data.get("full_resync_required", False)),
                protocol_version=int(data.get("protocol_version", PROTOCOL_VERSION)))
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise E.ServerError(Message("Sync", E.MSG_SERVER_ERROR, {"detail": f"unexpected reply: {exc}"})) from exc

    def digest(self) -> DigestResponse:
        return self._json(self.request("GET", "/api/v1/sync/digest"), DigestResponse)

    # --- photos ------------------------------------------------------------------------

    def photo_status(self, sha256: str) -> PhotoStatus:
        return self._json(self.request("GET", f"/api/v1/photos/{sha256}"), PhotoStatus)

    def put_photo_chunk(self, sha256: str, offset: int, total: int, chunk: bytes) -> PhotoStatus:
        response = self.request("PUT", f"/api/v1/photos/{sha256}", raw=chunk,
                                params={"offset": offset, "total": total},
                                headers={"Content-Type": "application/octet-stream"})
        return self._json(response, PhotoStatus)

    def download_photo(self, sha256: str, dest: Path) -> Path:
        """Fetch a photo's content into ``dest`` (verified against its SHA-256, written atomically)."""
        response = self.request("GET", f"/api/v1/photos/{sha256}/content", stream=True)
        dest.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".download-")
        try:
            with os.fdopen(fd, "wb") as fh:
                try:
                    for block in response.iter_content(64 * 1024):
                        digest.update(block)
                        fh.write(block)
                except requests.exceptions.RequestException as exc:
                    raise E.Offline(Message("Sync", E.MSG_OFFLINE,
                                            {"url": self.base_url, "detail": _short(exc)})) from exc
                fh.flush()
                os.fsync(fh.fileno())
            if digest.hexdigest() != sha256:
                raise E.ServerError(Message("Sync", E.MSG_SERVER_ERROR,
                                            {"detail": f"photo {sha256[:12]} arrived damaged"}))
            os.replace(tmp, dest)
        finally:
            response.close()
            if os.path.exists(tmp):
                os.unlink(tmp)
        return dest

    # --- conflicts -----------------------------------------------------------------------

    def list_conflicts(self) -> Any:
        return self._json(self.request("GET", "/api/v1/conflicts"))

    def resolve_conflict(self, conflict_id: str, body: dict[str, Any]) -> Any:
        return self._json(self.request("POST", f"/api/v1/conflicts/{conflict_id}/resolve", body=body))


def _short(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _float_or_none(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
