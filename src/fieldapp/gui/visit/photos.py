"""Photo thumbnails: a strip of small pictures with open / remove actions.

The pixels come from JPEG thumbnail bytes made on the DB worker
(:func:`.ops.load_thumbnails`, :func:`.ops.attach_photo`); decoding a 256-pixel
JPEG into a QPixmap is all the UI thread does.

UI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QSizePolicy, QWidget

from fieldapp.core.entities import Attachment

THUMB_SIZE = 64


def pixmap_from_bytes(data: bytes) -> QPixmap:
    pixmap = QPixmap()
    pixmap.loadFromData(data)
    return pixmap


class PhotoCache:
    """Thumbnails by photo hash, shared by every strip of a visit."""

    def __init__(self) -> None:
        self._pixmaps: dict[str, QPixmap] = {}

    def put(self, sha256: str, data: bytes) -> None:
        pixmap = pixmap_from_bytes(data)
        if not pixmap.isNull():
            self._pixmaps[sha256] = pixmap

    def get(self, sha256: str) -> QPixmap | None:
        return self._pixmaps.get(sha256)

    def __contains__(self, sha256: str) -> bool:
        return sha256 in self._pixmaps

    def clear(self) -> None:
        self._pixmaps.clear()


class PhotoThumb(QLabel):
    sig_open = Signal(str)
    sig_remove = Signal(str)

    def __init__(self, attachment: Attachment, pixmap: QPixmap | None, size: int, removable: bool,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.attachment = attachment
        self._removable = removable
        self.setFixedSize(QSize(size, size))
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet("QLabel { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 4px;"
                           " color: #6e7781; }")
        self.setToolTip(attachment.filename)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        if pixmap is not None:
            self.setPixmap(pixmap.scaled(size - 4, size - 4, Qt.AspectRatioMode.KeepAspectRatio,
                                         Qt.TransformationMode.SmoothTransformation))
        else:
            self.setText("…")

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802
        self.sig_open.emit(self.attachment.sha256)

    def contextMenuEvent(self, event) -> None:  # noqa: N802
        menu = QMenu(self)
        open_action = QAction(self.tr("Open photo"), menu)
        open_action.triggered.connect(lambda: self.sig_open.emit(self.attachment.sha256))
        menu.addAction(open_action)
        if self._removable:
            remove = QAction(self.tr("Remove photo"), menu)
            remove.triggered.connect(lambda: self.sig_remove.emit(self.attachment.id))
            menu.addAction(remove)
        menu.exec(event.globalPos())


class ThumbnailStrip(QWidget):
    """A row of thumbnails. ``sig_open(sha256)``, ``sig_remove(attachment_id)``."""

    sig_open = Signal(str)
    sig_remove = Signal(str)

    def __init__(self, cache: PhotoCache, parent: QWidget | None = None, *, size: int = THUMB_SIZE):
        super().__init__(parent)
        self._cache = cache
        self._size = size
        self._attachments: list[Attachment] = []
        self.removable = True
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self._layout.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.hide()

    @property
    def attachments(self) -> list[Attachment]:
        return list(self._attachments)

    def set_attachments(self, attachments: list[Attachment]) -> None:
        self._attachments = list(attachments)
        self.refresh()

    def thumbnails_shown(self) -> int:
        """How many thumbnails show real pixels (tests)."""
        return sum(1 for k in range(self._layout.count())
                   if isinstance(w := self._layout.itemAt(k).widget(), PhotoThumb) and w.pixmap() is not None
                   and not w.pixmap().isNull())

    def refresh(self) -> None:
        while self._layout.count() > 1:
            item = self._layout.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.deleteLater()
        for k, attachment in enumerate(self._attachments):
            thumb = PhotoThumb(attachment, self._cache.get(attachment.sha256), self._size, self.removable, self)
            thumb.sig_open.connect(self.sig_open)
            thumb.sig_remove.connect(self.sig_remove)
            self._layout.insertWidget(k, thumb)
        self.setVisible(bool(self._attachments))
