"""Bad input never gives a 5xx: malformed, oversized, wrongly typed, gzip, protocol versions; OpenAPI."""

from __future__ import annotations

import gzip
import json

import pytest

from fieldapp.core.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION

from .helpers import upd

JSON = {"Content-Type": "application/json"}


def _assert_error(r, status, code=None):
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"code", "message", "detail"} and body["message"]
    if code:
        assert body["code"] == code
    return body


MALFORMED_PUSH_BODIES = [
    b"{not json", b"", b"[]", b"null", b'"text"', b"{}",
    b'{"client_id": 5, "mutations": []}',
    b'{"client_id": "c", "mutations": "nope"}',
    b'{"client_id": "c", "mutations": [{"seq": "x"}]}',
    b'{"client_id": "c", "mutations": [{"seq": 1, "entity": "customer", "row_id": "r", "op": "upsert", '
    b'"base_version": 0, "changes": {}}]}',
    b'{"client_id": "c", "mutations": [{"seq": 1, "entity": "customer", "row_id": "r", "op": "update", '
    b'"base_version": 0, "changes": {"a": "not-a-list"}}]}',
    b'{"client_id": "c", "mutations": [{"seq": 1, "entity": ["x"], "row_id": {}, "op": "update", '
    b'"base_version": 0, "changes": {}}]}',
    "{\"client_id\": \"c\u0000\", \"mutations\": []}".encode(),
    b"\xff\xfe garbage",
]


def test_malformed_push_bodies_are_4xx_json(any_server):
    zhang = any_server.login("zhang")
    for body in MALFORMED_PUSH_BODIES:
        r = zhang.http.post("/api/v1/sync/push", content=body, headers={**zhang.headers, **JSON})
        assert 400 <= r.status_code < 500, (body, r.text)
        _assert_error(r, r.status_code)
    assert zhang.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize("path,body", [
    ("/api/v1/sync/pull", {"client_id": "c", "cursor": 12}),
    ("/api/v1/sync/pull", {"client_id": "c", "limit": "many"}),
    ("/api/v1/sync/pull", {"client_id": "", "cursor": None}),
    ("/api/v1/sync/pull", {"client_id": "x" * 500}),
    ("/api/v1/auth/login", {"username": "zhang"}),
    ("/api/v1/auth/login", {"username": "", "password": "x", "device_id": "d"}),
    ("/api/v1/auth/login", {"username": "zhang", "password": "x" * 5000, "device_id": "d"}),
    ("/api/v1/auth/refresh", {"refresh_token": 7, "device_id": "d"}),
    ("/api/v1/conflicts/nope/resolve", {"values": []}),
])
def test_wrongly_typed_bodies_are_4xx_json(server, path, body):
    zhang = server.login("zhang")
    r = zhang.post(path, body)
    assert 400 <= r.status_code < 500, r.text
    _assert_error(r, r.status_code)


def test_oversized_body_is_413(server):
    zhang = server.login("zhang")
    big = b'{"client_id": "c", "mutations": [], "pad": "' + b"x" * (server.settings.max_body_bytes + 10) + b'"}'
    r = zhang.http.post("/api/v1/sync/push", content=big, headers={**zhang.headers, **JSON})
    _assert_error(r, 413, "body_too_large")


def test_gzip_bomb_is_413(server):
    zhang = server.login("zhang")
    bomb = gzip.compress(b'{"client_id": "c", "pad": "' + b"0" * (server.settings.max_body_bytes * 2) + b'"}')
    assert len(bomb) < server.settings.max_body_bytes / 100
    r = zhang.http.post("/api/v1/sync/push", content=bomb,
                        headers={**zhang.headers, **JSON, "Content-Encoding": "gzip"})
    _assert_error(r, 413, "body_too_large")


def test_gzip_request_and_response(server):
    zhang = server.login("zhang")
    cid = server.customers["zhang1"]
    body = json.dumps({"client_id": zhang.client_id, "mutations": [upd(1, "customer", cid, 1, {"grade": (12, 13)})],
                       "protocol_version": PROTOCOL_VERSION}).encode()
    r = zhang.http.post("/api/v1/sync/push", content=gzip.compress(body),
                        headers={**zhang.headers, **JSON, "Content-Encoding": "gzip", "Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.json()["outcomes"][0]["status"] == "applied"
    assert r.headers["content-encoding"] == "gzip"  # response compressed too (httpx inflated it for us)


def test_broken_gzip_and_unknown_encoding(server):
    zhang = server.login("zhang")
    r = zhang.http.post("/api/v1/sync/push", content=b"\x1f\x8b not gzip",
                        headers={**zhang.headers, **JSON, "Content-Encoding": "gzip"})
    _assert_error(r, 400, "bad_encoding")
    truncated = gzip.compress(b'{"client_id": "c", "mutations": []}')[:-6]
    r = zhang.http.post("/api/v1/sync/push", content=truncated,
                        headers={**zhang.headers, **JSON, "Content-Encoding": "gzip"})
    _assert_error(r, 400, "bad_encoding")
    r = zhang.http.post("/api/v1/sync/push", content=b"{}", headers={**zhang.headers, **JSON,
                                                                     "Content-Encoding": "br"})
    _assert_error(r, 415, "unsupported_encoding")


@pytest.mark.parametrize("version,code", [(0, "protocol_too_old"), (PROTOCOL_VERSION + 1, "protocol_too_new")])
def test_protocol_version_out_of_range_is_426(server, version, code):
    zhang = server.login("zhang")
    # In the body: answered before the body is validated (a newer client may send new shapes).
    r = zhang.post("/api/v1/sync/push", {"client_id": "c", "mutations": [{"future": True}],
                                         "protocol_version": version})
    body = _assert_error(r, 426, code)
    assert "update" in body["message"].lower() and "kept" in body["message"]
    r = server.http.post("/api/v1/auth/login", json={"username": "zhang", "password": "x", "device_id": "d",
                                                     "protocol_version": version})
    _assert_error(r, 426, code)
    # In the header (GET requests have no body).
    r = zhang.get("/api/v1/sync/digest", headers={PROTOCOL_HEADER: str(version)})
    _assert_error(r, 426, code)
    r = zhang.get("/api/v1/sync/digest", headers={PROTOCOL_HEADER: "one"})
    _assert_error(r, 400, "invalid_protocol_header")


def test_unknown_route_and_method_are_json(server):
    _assert_error(server.http.get("/api/v1/nothing-here"), 404, "not_found")
    _assert_error(server.http.get("/api/v1/sync/push"), 405, "method_not_allowed")


def test_nul_in_path_is_400(server):
    zhang = server.login("zhang")
    r = zhang.post("/api/v1/conflicts/a%00b/resolve", {"values": {}})
    _assert_error(r, 400, "invalid_text")


def test_health(server):
    r = server.http.get("/api/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["protocol_version"] == PROTOCOL_VERSION
    assert body["server_version"]
    assert r.headers["x-request-id"]


def test_openapi_describes_the_endpoints(server):
    spec = server.http.get("/openapi.json").json()
    paths = spec["paths"]
    expected = {
        "/api/health": {"get"}, "/api/v1/auth/login": {"post"}, "/api/v1/auth/refresh": {"post"},
        "/api/v1/auth/logout": {"post"}, "/api/v1/me": {"get"}, "/api/v1/sync/push": {"post"},
        "/api/v1/sync/pull": {"post"}, "/api/v1/sync/digest": {"get"}, "/api/v1/photos/{sha256}": {"get", "put"},
        "/api/v1/photos/{sha256}/content": {"get"}, "/api/v1/conflicts": {"get"},
        "/api/v1/conflicts/{conflict_id}/resolve": {"post"}, "/api/v1/devices": {"get"},
        "/api/v1/devices/{device_id}/revoke": {"post"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
    schemas = spec["components"]["schemas"]
    for name in ("PushRequest", "Mutation", "PushResponse", "MutationOutcome", "PullRequest", "PullResponse",
                 "RowChange", "TokenPair", "ErrorBody", "PhotoStatus", "ConflictRecord"):
        assert name in schemas, name
    assert set(schemas["Mutation"]["required"]) >= {"seq", "entity", "row_id", "op", "base_version", "changes"}
    push = paths["/api/v1/sync/push"]["post"]
    assert "426" in push["responses"] and "422" in push["responses"]
    assert spec["components"]["securitySchemes"]
