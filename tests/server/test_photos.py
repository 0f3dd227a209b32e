"""Photos: resumable chunked upload, hash verification, stored once, scoped download."""

from __future__ import annotations

import hashlib
import os
import uuid

from fieldapp.core.protocol import PHOTO_CHUNK_BYTES

from .helpers import ins, visit_values

OCTET = {"Content-Type": "application/octet-stream"}


def _put(session, sha, offset, total, data):
    return session.http.put(f"/api/v1/photos/{sha}", params={"offset": offset, "total": total}, content=data,
                            headers={**session.headers, **OCTET})


def _photo(size: int) -> tuple[bytes, str]:
    data = os.urandom(size)
    return data, hashlib.sha256(data).hexdigest()


def _attach(session, customer_id, sha, size, seq=1):
    visit = str(uuid.uuid4())
    out = session.push(ins(seq, "visit", visit, visit_values(customer_id)),
                       ins(seq + 1, "attachment", str(uuid.uuid4()), {
                           "visit_id": visit, "item_key": "display_standard", "sha256": sha,
                           "filename": "counter.jpg", "mime_type": "image/jpeg", "size_bytes": size}))
    assert [o["status"] for o in out] == ["applied", "applied"]


def test_chunked_upload_resumes_where_the_server_is(server):
    zhang = server.login("zhang")
    data, sha = _photo(PHOTO_CHUNK_BYTES * 2 + 1000)
    status = zhang.get(f"/api/v1/photos/{sha}").json()
    assert status == {"sha256": sha, "size_bytes": 0, "received_bytes": 0, "complete": False}
    r = _put(zhang, sha, 0, len(data), data[:PHOTO_CHUNK_BYTES])
    assert r.status_code == 200 and r.json()["received_bytes"] == PHOTO_CHUNK_BYTES
    # The connection dropped; the client asks what the server has and resumes from there.
    status = zhang.get(f"/api/v1/photos/{sha}").json()
    assert (status["received_bytes"], status["size_bytes"], status["complete"]) == (
        PHOTO_CHUNK_BYTES, len(data), False)
    # A chunk sent again (lost reply) is accepted without duplicating bytes.
    assert _put(zhang, sha, 0, len(data), data[:PHOTO_CHUNK_BYTES]).json()["received_bytes"] == PHOTO_CHUNK_BYTES
    # An overlapping chunk: only the new tail is written.
    half = PHOTO_CHUNK_BYTES // 2
    r = _put(zhang, sha, half, len(data), data[half:half + PHOTO_CHUNK_BYTES])
    assert r.json()["received_bytes"] == half + PHOTO_CHUNK_BYTES
    # A gap is refused with what the server has.
    r = _put(zhang, sha, len(data) - 10, len(data), data[-10:])
    assert r.status_code == 409 and r.json()["code"] == "offset_gap"
    assert r.json()["detail"]["received_bytes"] == half + PHOTO_CHUNK_BYTES
    offset = half + PHOTO_CHUNK_BYTES
    while offset < len(data):
        r = _put(zhang, sha, offset, len(data), data[offset:offset + PHOTO_CHUNK_BYTES])
        assert r.status_code == 200, r.text
        offset = r.json()["received_bytes"]
    assert r.json()["complete"] is True
    stored = server.settings.photo_dir / sha[:2] / sha
    assert stored.read_bytes() == data
    # Stored once: uploading it again is a no-op that reports it complete.
    r = _put(zhang, sha, 0, len(data), data[:100])
    assert r.status_code == 200 and r.json()["complete"] is True
    _attach(zhang, server.customers["zhang1"], sha, len(data))
    r = zhang.get(f"/api/v1/photos/{sha}/content")
    assert r.status_code == 200 and r.content == data and r.headers["content-type"] == "image/jpeg"


def test_wrong_hash_discards_the_upload(server):
    zhang = server.login("zhang")
    data, _ = _photo(5000)
    claimed = hashlib.sha256(b"something else").hexdigest()
    r = _put(zhang, claimed, 0, len(data), data)
    assert r.status_code == 422 and r.json()["code"] == "hash_mismatch"
    status = zhang.get(f"/api/v1/photos/{claimed}").json()
    assert status["received_bytes"] == 0 and not status["complete"]
    assert not (server.settings.photo_dir / "partial" / f"{claimed}.part").exists()
    assert not (server.settings.photo_dir / claimed[:2] / claimed).exists()


def test_download_needs_an_attachment_in_scope(server):
    zhang, li = server.login("zhang"), server.login("li")
    data, sha = _photo(3000)
    assert _put(zhang, sha, 0, len(data), data).json()["complete"]
    assert zhang.get(f"/api/v1/photos/{sha}/content").status_code == 404  # no attachment yet
    _attach(zhang, server.customers["zhang1"], sha, len(data))
    assert zhang.get(f"/api/v1/photos/{sha}/content").status_code == 200
    r = li.get(f"/api/v1/photos/{sha}/content")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert server.login("lead1").get(f"/api/v1/photos/{sha}/content").content == data


def test_photo_limits(server):
    zhang = server.login("zhang")
    data, sha = _photo(PHOTO_CHUNK_BYTES + 1)
    assert _put(zhang, sha, 0, len(data), data).json()["code"] == "chunk_too_large"
    assert _put(zhang, sha, 0, 16 * 1024 * 1024, data[:10]).status_code == 413
    assert _put(zhang, sha, 0, 5, data[:10]).json()["code"] == "invalid_range"
    assert _put(zhang, "not-a-hash", 0, 10, data[:10]).json()["code"] == "invalid_sha256"
    assert _put(zhang, sha, -1, 10, data[:10]).status_code == 422
    assert zhang.http.put(f"/api/v1/photos/{sha}", content=b"x", headers=OCTET).status_code == 401
