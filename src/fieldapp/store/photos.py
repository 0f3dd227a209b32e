"""The profile's photo store: content-addressed files, thumbnails, and the attachments table.

A photo is stored once, under ``photo_dir/<sha[:2]>/<sha256>.<ext>``, whatever
visit or item it is attached to; the ``attachments`` rows point at it by hash.
Files are written atomically (temporary file, fsync, rename, fsync of the
folder), so after a crash a photo is either complete or absent — never half.
The original bytes are kept as taken (EXIF included); only thumbnails are
turned upright with ``ImageOps.exif_transpose``.

Order of work in :func:`attach_photo`: the file first, then the row. A crash or
a rolled-back transaction in between leaves at worst an unreferenced file
(harmless; it can be collected later), never a row without its photo.

Threading: decoding and hashing a 12-megapixel photo takes a noticeable
fraction of a second. Run :func:`import_photo` and :func:`make_thumbnail` on a
worker thread, and preferably *outside* the write transaction (import first,
then :func:`add_attachment` in a short transaction), so the database's write
lock is not held while an image is decoded.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

from PIL import Image, ImageOps
from sqlalchemy import Connection, func, select

from fieldapp.core.entities import Attachment, new_id
from fieldapp.core.messages import QT_TRANSLATE_NOOP, Message

from .journal import WriteResult, tombstone_row, write_row
from .profile import Profile
from .schema import attachments, checklist_templates, visits
from .templates import parse_items

try:
    from fieldapp.core.protocol import MAX_PHOTO_BYTES
except ImportError:  # pragma: no cover - the protocol defines it; keep the store usable without
    MAX_PHOTO_BYTES = 15 * 1024 * 1024

CTX = "Photo"
THUMB_DIR = "thumbs"
DEFAULT_THUMB_SIZE = 256
#: Pillow format -> (MIME type, file extension). Anything else is refused.
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
    "BMP": ("image/bmp", "bmp"),
    "TIFF": ("image/tiff", "tif"),
}
FORMATS_BY_MIME = {mime: ext for mime, ext in FORMATS.values()}
#: Images with more pixels than this are refused (a decompression bomb, or no photo a laptop should hold).
#: Below Pillow's own bomb warning threshold (about 89 megapixels).
MAX_PIXELS = 80_000_000


class PhotoRejected(Exception):
    """The image was not stored; ``message`` says why and what to do (translatable)."""

    def __init__(self, message: Message):
        super().__init__(message.render())
        self.message = message


class ImportedPhoto(NamedTuple):
    """A photo in the store. Unpacks as ``(sha256, mime_type, size_bytes)`` plus its ``path``."""

    sha256: str
    mime_type: str
    size_bytes: int
    path: Path


def _refuse(text: str, **params: Any) -> PhotoRejected:
    return PhotoRejected(Message(CTX, text, params))


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


def _read_source(source: str | os.PathLike[str] | bytes, max_bytes: int) -> tuple[bytes, str]:
    """The bytes and a display name of ``source``, refusing too large ones before reading them."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        name = ""
    else:
        path = Path(source)
        name = path.name
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise _too_large(size, max_bytes)
            with open(path, "rb") as fh:
                data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise _refuse(QT_TRANSLATE_NOOP("Photo", "The file {name} could not be read ({detail})."),
                          name=name, detail=exc.strerror or str(exc)) from exc
    if len(data) > max_bytes:
        raise _too_large(len(data), max_bytes)
    if not data:
        raise _refuse(QT_TRANSLATE_NOOP("Photo", "The file is empty; it is not a photo."), name=name)
    return data, name


def _too_large(size: int, max_bytes: int) -> PhotoRejected:
    return _refuse(QT_TRANSLATE_NOOP(
        "Photo", "The photo is {size} MB; photos can be at most {max} MB. Take it again at a lower resolution "
        "or shrink it before attaching it."), size=_mb(size), max=_mb(max_bytes))


def inspect_image(data: bytes, name: str = "") -> str:
    """The Pillow format name of ``data`` after a full decode; raises :class:`PhotoRejected` otherwise.

    ``verify()`` checks the container, a full ``load()`` catches truncated and
    damaged pixel data that ``verify()`` lets through (it barely looks at JPEG).
    """
    unreadable = QT_TRANSLATE_NOOP(
        "Photo", "This file is not a readable image (it may be damaged, or in a format FieldApp cannot show). "
        "Attach a JPEG or PNG photo.")
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            pixels = img.width * img.height
            img.verify()
        if pixels > MAX_PIXELS:
            raise _refuse(QT_TRANSLATE_NOOP(
                "Photo", "The image has {megapixels} megapixels; at most {max} are accepted."),
                name=name, megapixels=round(pixels / 1e6), max=round(MAX_PIXELS / 1e6))
        with Image.open(io.BytesIO(data)) as img:
            img.load()
    except PhotoRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise _refuse(QT_TRANSLATE_NOOP(
            "Photo", "The image has {megapixels} megapixels; at most {max} are accepted."),
            name=name, megapixels="> " + str(round(MAX_PIXELS / 1e6)), max=round(MAX_PIXELS / 1e6)) from exc
    except Exception as exc:  # Pillow raises many types for bad input: all mean "not readable"
        raise _refuse(unreadable, name=name) from exc
    if fmt not in FORMATS:
        raise _refuse(unreadable, name=name)
    return fmt


def photo_path(profile: Profile, sha256: str, ext: str) -> Path:
    """Where the photo with this hash and extension lives (whether or not it exists)."""
    return profile.photo_dir / sha256[:2] / f"{sha256}.{ext}"


def find_photo(profile: Profile, sha256: str) -> Path | None:
    """The stored file of this hash, or ``None`` when it is not in this profile (yet)."""
    folder = profile.photo_dir / sha256[:2]
    for _mime, ext in FORMATS.values():
        path = folder / f"{sha256}.{ext}"
        if path.is_file():
            return path
    return None


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":  # Windows cannot open a folder for fsync; NTFS journals the rename
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` is either absent, the old file, or complete.

    Temporary file in the same folder, flushed and fsynced, renamed over
    ``path``, then the folder fsynced so the rename itself survives a power cut.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def remove_stale_temp_files(profile: Profile) -> int:
    """Delete temporary files left by a crash during a photo write; returns how many.

    Call at start-up, before any photo is being written.
    """
    count = 0
    if profile.photo_dir.is_dir():
        for tmp in profile.photo_dir.rglob(".tmp-*"):
            tmp.unlink(missing_ok=True)
            count += 1
    return count


def import_photo(profile: Profile, source: str | os.PathLike[str] | bytes, *,
                 max_bytes: int = MAX_PHOTO_BYTES) -> ImportedPhoto:
    """Check and store an image (a file path, or bytes e.g. pasted from the clipboard).

    Refuses with :class:`PhotoRejected` an image larger than ``max_bytes`` or
    one Pillow cannot fully decode. The same bytes are stored only once: when
    the file is already there it is not written again.
    """
    data, name = _read_source(source, max_bytes)
    fmt = inspect_image(data, name)
    mime, ext = FORMATS[fmt]
    sha = hashlib.sha256(data).hexdigest()
    path = photo_path(profile, sha, ext)
    try:
        present = path.is_file() and path.stat().st_size == len(data)
    except OSError:
        present = False
    if not present:
        try:
            atomic_write(path, data)
        except OSError as exc:
            raise _refuse(QT_TRANSLATE_NOOP(
                "Photo", "The photo could not be saved in {folder} ({detail}). Check the free disk space."),
                folder=str(profile.photo_dir), detail=exc.strerror or str(exc)) from exc
    return ImportedPhoto(sha, mime, len(data), path)


def thumbnail_path(profile: Profile, sha256: str, size: int = DEFAULT_THUMB_SIZE) -> Path:
    return profile.photo_dir / THUMB_DIR / sha256[:2] / f"{sha256}-{size}.jpg"


def make_thumbnail(profile: Profile, sha256: str, size: int = DEFAULT_THUMB_SIZE) -> Path:
    """A JPEG thumbnail (longest side ``size``) of the stored photo, upright per its EXIF orientation.

    Cached under ``photo_dir/thumbs``; returns the cached file when present.
    Pure work for a worker thread. Raises ``FileNotFoundError`` when the photo
    is not in this profile.
    """
    target = thumbnail_path(profile, sha256, size)
    if target.is_file():
        return target
    source = find_photo(profile, sha256)
    if source is None:
        raise FileNotFoundError(f"photo {sha256} is not in {profile.photo_dir}")
    with Image.open(source) as img:
        img.draft("RGB", (size, size))  # JPEG: decode at a reduced scale, much faster
        upright = ImageOps.exif_transpose(img)
        upright.thumbnail((size, size))
        if upright.mode not in ("RGB", "L"):  # transparency onto white; CMYK, palette, 16-bit to RGB
            rgba = upright.convert("RGBA")
            upright = Image.new("RGB", rgba.size, "white")
            upright.paste(rgba, mask=rgba.getchannel("A"))
        buffer = io.BytesIO()
        upright.save(buffer, "JPEG", quality=85)
    atomic_write(target, buffer.getvalue())
    return target


# --- attachments ------------------------------------------------------------


def row_to_attachment(row: Any) -> Attachment:
    return Attachment(id=row["id"], visit_id=row["visit_id"], item_key=row["item_key"], sha256=row["sha256"],
                      filename=row["filename"], mime_type=row["mime_type"], size_bytes=row["size_bytes"])


def _check_target(conn: Connection, visit_id: str, item_key: str | None) -> None:
    row = conn.execute(select(visits.c.template_id).where(visits.c.id == visit_id, visits.c.deleted.is_(False))).first()
    if row is None:
        raise _refuse(QT_TRANSLATE_NOOP("Photo", "The visit of this photo no longer exists."))
    if item_key is None:
        return
    items = None
    if row.template_id:
        items = conn.execute(select(checklist_templates.c["items"])
                             .where(checklist_templates.c.id == row.template_id)).scalar_one_or_none()
    if items is None or item_key not in {item.key for item in parse_items(items)}:
        raise _refuse(QT_TRANSLATE_NOOP("Photo", "The checklist of this visit has no item '{key}'."), key=item_key)


def add_attachment(conn: Connection, visit_id: str, item_key: str | None, photo: ImportedPhoto,
                   filename: str = "") -> Attachment:
    """Attach an already imported photo to a visit (``item_key=None``) or to one of its checklist items.

    Journaled. Attaching the same photo to the same item twice keeps one row.
    """
    _check_target(conn, visit_id, item_key)
    same_item = attachments.c.item_key.is_(None) if item_key is None else attachments.c.item_key == item_key
    existing = conn.execute(select(attachments).where(
        attachments.c.visit_id == visit_id, attachments.c.sha256 == photo.sha256, attachments.c.deleted.is_(False),
        same_item)).mappings().first()
    if existing is not None:
        return row_to_attachment(existing)
    ext = FORMATS_BY_MIME.get(photo.mime_type, "bin")
    attachment = Attachment(id=new_id(), visit_id=visit_id, item_key=item_key, sha256=photo.sha256,
                            filename=filename or f"{photo.sha256[:12]}.{ext}", mime_type=photo.mime_type,
                            size_bytes=photo.size_bytes)
    write_row(conn, "attachment", attachment.id, {
        "visit_id": visit_id, "item_key": item_key, "sha256": attachment.sha256, "filename": attachment.filename,
        "mime_type": attachment.mime_type, "size_bytes": attachment.size_bytes})
    return attachment


def attach_photo(conn: Connection, profile: Profile, visit_id: str, item_key: str | None,
                 source: str | os.PathLike[str] | bytes, *, filename: str = "") -> Attachment:
    """Import ``source`` into the photo store and attach it (see :func:`import_photo`, :func:`add_attachment`).

    Convenience for one call; the GUI should rather import off the write
    transaction and then call :func:`add_attachment`.
    """
    _check_target(conn, visit_id, item_key)  # refuse before the (slow) import
    photo = import_photo(profile, source)
    if not filename and not isinstance(source, (bytes, bytearray, memoryview)):
        filename = Path(source).name
    return add_attachment(conn, visit_id, item_key, photo, filename)


def delete_attachment(conn: Connection, attachment_id: str) -> WriteResult:
    """Remove a photo from its visit (tombstone, journaled). The file stays: other rows may share it."""
    return tombstone_row(conn, "attachment", attachment_id)


def attachments_for_visit(conn: Connection, visit_id: str) -> list[Attachment]:
    """The visit's live attachments, in the order they were added."""
    rows = conn.execute(select(attachments).where(attachments.c.visit_id == visit_id,
                                                  attachments.c.deleted.is_(False))
                        .order_by(attachments.c.created_at, attachments.c.id)).mappings()
    return [row_to_attachment(r) for r in rows]


def photos_by_item(conn: Connection, visit_id: str) -> dict[str | None, int]:
    """Number of live photos per checklist item key (``None``: photos of the visit itself)."""
    rows = conn.execute(select(attachments.c.item_key, func.count()).where(
        attachments.c.visit_id == visit_id, attachments.c.deleted.is_(False)).group_by(attachments.c.item_key))
    return {key: int(n) for key, n in rows}
