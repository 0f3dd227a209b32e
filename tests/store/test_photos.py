"""The photo store: content addressing, refusals, atomic writes, EXIF-upright thumbnails, attachments."""

from __future__ import annotations

import hashlib
import io
import os

import pytest
from PIL import Image

from fieldapp.core.protocol import MAX_PHOTO_BYTES
from fieldapp.store import photos as P
from fieldapp.store.db import write_transaction

from .test_visits import customer_id, journal, jpeg_bytes, start  # noqa: F401 - customer_id is a fixture


def stored_files(profile) -> list:
    return sorted(p for p in profile.photo_dir.rglob("*") if p.is_file() and P.THUMB_DIR not in p.parts)


def split_jpeg_with_orientation(orientation: int) -> bytes:
    """200x100 as stored: left half red, right half blue; EXIF says how to turn it upright."""
    img = Image.new("RGB", (200, 100), (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, 100, 100))
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", exif=exif.tobytes(), quality=95)
    return buffer.getvalue()


def is_red(pixel) -> bool:
    r, g, b = pixel[:3]
    return r > 180 and g < 80 and b < 80


def is_blue(pixel) -> bool:
    r, g, b = pixel[:3]
    return b > 180 and r < 80 and g < 80


def test_same_image_is_stored_once(profile, tmp_path):
    data = jpeg_bytes()
    source = tmp_path / "IMG_0001.JPG"
    source.write_bytes(data)
    first = P.import_photo(profile, data)
    second = P.import_photo(profile, source)
    sha, mime, size, path = first
    assert sha == hashlib.sha256(data).hexdigest() == second.sha256
    assert (mime, size) == ("image/jpeg", len(data))
    assert path == profile.photo_dir / sha[:2] / f"{sha}.jpg"
    assert path.read_bytes() == data  # original bytes, EXIF and all
    assert stored_files(profile) == [path]
    other = P.import_photo(profile, jpeg_bytes(color=(0, 200, 0)))
    assert len(stored_files(profile)) == 2 and other.sha256 != sha


def test_same_photo_on_two_items_is_two_rows_but_one_file(engine, profile, customer_id):  # noqa: F811
    visit = start(engine, customer_id)
    data = jpeg_bytes()
    with write_transaction(engine) as conn:
        a = P.attach_photo(conn, profile, visit.id, "display", data)
        b = P.attach_photo(conn, profile, visit.id, "counter_clean", data)
        again = P.attach_photo(conn, profile, visit.id, "display", data)
        c = P.attach_photo(conn, profile, visit.id, None, data, filename="clip.jpg")
        counts = P.photos_by_item(conn, visit.id)
    assert again.id == a.id  # same photo on the same item: one row
    assert a.sha256 == b.sha256 == c.sha256 and len({a.id, b.id, c.id}) == 3
    assert counts == {"display": 1, "counter_clean": 1, None: 1}
    assert a.filename == f"{a.sha256[:12]}.jpg" and c.filename == "clip.jpg"
    assert len(stored_files(profile)) == 1
    assert [e["op"] for e in journal(engine, "attachment")] == ["insert"] * 3
    assert journal(engine, "attachment", a.id)[0]["changes"]["sha256"] == [None, a.sha256]

    with write_transaction(engine) as conn:
        assert P.delete_attachment(conn, a.id).op == "delete"
        assert P.photos_by_item(conn, visit.id) == {"counter_clean": 1, None: 1}
        assert [x.id for x in P.attachments_for_visit(conn, visit.id)] == [b.id, c.id]
    assert journal(engine, "attachment", a.id)[-1]["changes"] == {"deleted": [False, True]}
    assert P.find_photo(profile, a.sha256) is not None  # the file stays: b and c still use it


def test_attach_to_an_item_the_checklist_does_not_have_is_refused(engine, profile, customer_id):  # noqa: F811
    visit = start(engine, customer_id)
    with pytest.raises(P.PhotoRejected) as refused, write_transaction(engine) as conn:
        P.attach_photo(conn, profile, visit.id, "no_such_item", jpeg_bytes())
    assert refused.value.message.params["key"] == "no_such_item"
    assert stored_files(profile) == []


def test_oversized_photo_is_refused_with_the_limit_in_the_message(profile, tmp_path):
    big = tmp_path / "huge.jpg"
    big.write_bytes(jpeg_bytes() + b"\0" * MAX_PHOTO_BYTES)
    with pytest.raises(P.PhotoRejected) as refused:
        P.import_photo(profile, big)
    message = refused.value.message
    assert message.context == "Photo"
    assert message.params["max"] == "15.0"
    assert "at most 15.0 MB" in message.render()
    with pytest.raises(P.PhotoRejected):
        P.import_photo(profile, b"\xff" * (MAX_PHOTO_BYTES + 1))
    with pytest.raises(P.PhotoRejected):
        P.import_photo(profile, jpeg_bytes(), max_bytes=100)
    assert stored_files(profile) == []


@pytest.mark.parametrize("data", [
    b"this is a text file, not a photo",
    jpeg_bytes(size=(400, 300))[:700],  # truncated in the middle of the pixel data
    b"\x89PNG\r\n\x1a\n" + b"\0" * 64,  # a PNG signature and nothing valid after it
    b"",
], ids=["text", "truncated-jpeg", "broken-png", "empty"])
def test_unreadable_image_is_refused(profile, data):
    with pytest.raises(P.PhotoRejected) as refused:
        P.import_photo(profile, data)
    assert refused.value.message.context == "Photo"
    assert stored_files(profile) == []


def test_missing_file_is_refused_not_crashing(profile, tmp_path):
    with pytest.raises(P.PhotoRejected) as refused:
        P.import_photo(profile, tmp_path / "gone.jpg")
    assert refused.value.message.params["name"] == "gone.jpg"


def test_thumbnail_respects_exif_orientation(profile):
    data = split_jpeg_with_orientation(6)  # "rotate 90° clockwise to view"
    photo = P.import_photo(profile, data)
    assert photo.path.read_bytes() == data  # stored as taken, not rotated
    thumb = P.make_thumbnail(profile, photo.sha256, size=64)
    with Image.open(thumb) as img:
        assert img.size == (32, 64)  # upright: portrait
        # Turned clockwise, the stored left (red) half ends on top, the right (blue) half at the bottom.
        assert is_red(img.getpixel((16, 8)))
        assert is_blue(img.getpixel((16, 56)))
    assert thumb.parent.parent.name == P.THUMB_DIR
    assert P.make_thumbnail(profile, photo.sha256, size=64) == thumb  # cached


def test_thumbnail_without_orientation_and_with_transparency(profile):
    plain = P.import_photo(profile, split_jpeg_with_orientation(1))
    with Image.open(P.make_thumbnail(profile, plain.sha256, size=64)) as img:
        assert img.size == (64, 32)
        assert is_red(img.getpixel((8, 16))) and is_blue(img.getpixel((56, 16)))
    buffer = io.BytesIO()
    Image.new("RGBA", (40, 40), (255, 0, 0, 0)).save(buffer, "PNG")
    png = P.import_photo(profile, buffer.getvalue())
    assert png.mime_type == "image/png" and png.path.suffix == ".png"
    with Image.open(P.make_thumbnail(profile, png.sha256)) as img:
        assert img.mode == "RGB" and img.getpixel((5, 5)) == (255, 255, 255)  # transparent -> white
    with pytest.raises(FileNotFoundError):
        P.make_thumbnail(profile, "0" * 64)


def test_interrupted_write_leaves_no_half_photo(profile, monkeypatch):
    data = jpeg_bytes()
    sha = hashlib.sha256(data).hexdigest()

    def crash(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(P.os, "replace", crash)
    with pytest.raises(P.PhotoRejected) as refused:
        P.import_photo(profile, data)
    assert "No space left" in refused.value.message.params["detail"]
    assert P.find_photo(profile, sha) is None
    assert [p for p in profile.photo_dir.rglob("*") if p.is_file()] == []  # the temporary file is gone too
    monkeypatch.undo()
    assert P.import_photo(profile, data).path.read_bytes() == data


def test_write_goes_through_fsync_then_rename(profile, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(P.os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(P.os, "replace", lambda a, b: (calls.append(("replace", os.path.basename(str(a))[:5])),
                                                       real_replace(a, b))[1])
    P.import_photo(profile, jpeg_bytes())
    assert calls[:2] == ["fsync", ("replace", ".tmp-")]


def test_stale_temp_files_are_removed(profile):
    folder = profile.photo_dir / "ab"
    folder.mkdir(parents=True)
    (folder / ".tmp-x1y2.jpg").write_bytes(b"half a photo")
    keep = folder / ("ab" + "0" * 62 + ".jpg")
    keep.write_bytes(jpeg_bytes())
    assert P.remove_stale_temp_files(profile) == 1
    assert [p.name for p in folder.iterdir()] == [keep.name]
