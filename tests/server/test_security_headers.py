"""Security headers on every answer (errors of every layer included); no internals in error bodies."""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import uuid
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from fieldapp.core.protocol import PHOTO_CHUNK_BYTES, PROTOCOL_HEADER

from .helpers import ins, make_harness, visit_values

JSON = {"Content-Type": "application/json"}
REQUIRED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


def assert_secure_headers(r, *, docs: bool = False) -> None:
    for name, value in REQUIRED.items():
        assert r.headers.get(name) == value, (r.request.method, r.request.url, name, r.headers.get(name))
    assert len(r.headers.get_list("cache-control")) == 1  # one value, never a route's caching next to ours
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    if not docs:
        assert csp.startswith("default-src 'none'")
    assert r.headers["x-request-id"]


def _answers(h):
    """One answer of each kind and layer: route success/error, auth, 404/405, body middleware, protocol."""
    zhang = h.login("zhang")
    cid = h.customers["zhang1"]
    yield h.http.get("/api/health")
    yield h.http.get("/openapi.json")
    yield h.http.post("/api/v1/auth/login", json={"username": "zhang", "password": "wrong", "device_id": "x"})
    yield h.http.get("/api/v1/me")                                                     # 401
    yield zhang.get("/api/v1/me")
    yield zhang.get("/api/v1/sync/digest")
    yield zhang.post("/api/v1/sync/pull", {"client_id": zhang.client_id})
    yield zhang.post("/api/v1/sync/push", {"client_id": zhang.client_id, "mutations": [
        {"seq": 1, "entity": "customer", "row_id": cid, "op": "update", "base_version": 1,
         "changes": {"grade": [12, 13]}}]}, headers={"Accept-Encoding": "gzip"})
    yield zhang.post("/api/v1/sync/push", {"client_id": "c", "mutations": "no"})          # 422
    yield zhang.http.post("/api/v1/sync/push", content=b"{not json", headers={**zhang.headers, **JSON})  # 400
    yield zhang.http.post("/api/v1/sync/push", content=b"x" * (h.settings.max_body_bytes + 1),
                          headers={**zhang.headers, **JSON})                                # 413, middleware
    yield zhang.http.post("/api/v1/sync/push", content=gzip.compress(b"{}"),
                          headers={**zhang.headers, **JSON, "Content-Encoding": "br"})       # 415, middleware
    yield zhang.get("/api/v1/me", headers={PROTOCOL_HEADER: "99"})                          # 426, middleware
    yield zhang.get("/api/v1/nothing")                                                      # 404
    yield zhang.http.delete("/api/v1/sync/push", headers=zhang.headers)                     # 405
    yield zhang.get("/api/v1/photos/" + "a" * 64)
    yield zhang.get("/api/v1/conflicts")
    yield zhang.get("/api/v1/devices")
    yield zhang.post("/api/v1/devices/nope/revoke")                                         # 404
    yield zhang.post("/api/v1/auth/logout")                                                 # 204


def test_every_answer_has_the_security_headers(server):
    seen = set()
    for r in _answers(server):
        assert_secure_headers(r)
        seen.add(r.status_code)
    assert {200, 204, 400, 401, 404, 405, 413, 415, 422, 426} <= seen


def test_an_unexpected_error_is_a_bare_500_with_headers_and_no_internals(server, monkeypatch, caplog):
    from fieldsync import pull

    def broken(*_args, **_kwargs):
        raise RuntimeError("SELECT secret_column FROM users -- internal detail")

    monkeypatch.setattr(pull, "digest", broken)
    zhang = server.login("zhang")
    with caplog.at_level(logging.ERROR, logger="fieldsync"):
        r = zhang.get("/api/v1/sync/digest")
    assert r.status_code == 500
    assert_secure_headers(r)
    body = r.json()
    assert body["code"] == "internal_error" and set(body["detail"]) == {"request_id"}
    assert body["detail"]["request_id"] == r.headers["x-request-id"]
    for leak in ("secret_column", "Traceback", "RuntimeError", "File \"", "sqlalchemy", str(server.settings.data_dir)):
        assert leak not in r.text
    # ... while the log has what IT needs, under the same request id.
    logged = [rec for rec in caplog.records if getattr(rec, "event", None) == "unhandled_error"]
    assert logged and logged[0].fields["request_id"] == r.headers["x-request-id"] and logged[0].exc_info


def test_hsts_only_over_https_and_configurable(tmp_path):
    gen = make_harness(None, tmp_path / "s")
    h = next(gen)
    try:
        plain = h.http.get("/api/health")
        assert "strict-transport-security" not in plain.headers
        with TestClient(h.http.app, base_url="https://testserver") as https:
            r = https.get("/api/health")
            assert r.headers["strict-transport-security"] == f"max-age={h.settings.hsts_seconds}; includeSubDomains"
            assert h.settings.hsts_seconds >= 365 * 24 * 3600
            assert_secure_headers(r)
    finally:
        gen.close()
    gen = make_harness(None, tmp_path / "t", hsts_seconds=0)
    h = next(gen)
    try:
        with TestClient(h.http.app, base_url="https://testserver") as https:
            assert "strict-transport-security" not in https.get("/api/health").headers
    finally:
        gen.close()


def test_api_docs_page_may_load_its_scripts_but_not_be_framed(server):
    r = server.http.get("/docs")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert_secure_headers(r, docs=True)
    assert "cdn.jsdelivr.net" in r.headers["content-security-policy"]


def test_405_names_every_method_of_the_path(server):
    zhang = server.login("zhang")
    r = zhang.http.request("DELETE", "/api/v1/photos/" + "a" * 64, headers=zhang.headers)
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"
    assert {m.strip() for m in r.headers["allow"].split(",")} >= {"GET", "PUT"}


def test_request_id_is_echoed_only_when_plain(server):
    assert server.http.get("/api/health", headers={"X-Request-ID": "abc-123.x"}).headers["x-request-id"] == "abc-123.x"
    for odd in ("x" * 65, "a b", "<script>", "é"):
        rid = server.http.get("/api/health", headers=[(b"X-Request-ID", odd.encode("utf-8"))]).headers["x-request-id"]
        assert rid != odd and len(rid) == 16


@pytest.mark.parametrize("claimed,served", [
    ("image/jpeg", "image/jpeg"), ("IMAGE/PNG", "image/png"), ("text/html", "application/octet-stream"),
    ("image/svg+xml", "application/octet-stream"), ("application/javascript", "application/octet-stream"),
])
def test_photos_are_served_only_as_images_or_opaque_bytes(server, claimed, served):
    zhang = server.login("zhang")
    data = os.urandom(2000)
    sha = hashlib.sha256(data).hexdigest()
    r = zhang.http.put(f"/api/v1/photos/{sha}", params={"offset": 0, "total": len(data)}, content=data,
                       headers={**zhang.headers, "Content-Type": "application/octet-stream"})
    assert r.json()["complete"]
    visit = str(uuid.uuid4())
    out = zhang.push(ins(1, "visit", visit, visit_values(server.customers["zhang1"])),
                     ins(2, "attachment", str(uuid.uuid4()), {
                         "visit_id": visit, "item_key": "display_standard", "sha256": sha,
                         "filename": "<script>.html", "mime_type": claimed, "size_bytes": len(data)}))
    assert [o["status"] for o in out] == ["applied", "applied"]
    r = zhang.get(f"/api/v1/photos/{sha}/content")
    assert r.status_code == 200 and r.content == data
    assert r.headers["content-type"] == served
    assert_secure_headers(r)
    assert "content-disposition" not in r.headers or "<script>" not in r.headers["content-disposition"]
    assert len(data) <= PHOTO_CHUNK_BYTES
