"""Small helpers for standard dialogs."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

MESSAGE_WIDTH_PX = 440


def widen(box: QMessageBox, width: int = MESSAGE_WIDTH_PX) -> QMessageBox:
    """Give a message box room for a paragraph.

    QMessageBox wraps long Chinese text (no spaces to break at) into a tall,
    narrow column; a minimum width on its two text labels keeps it readable.
    """
    box.setStyleSheet(f"QLabel#qt_msgbox_label, QLabel#qt_msgbox_informativelabel {{ min-width: {width}px; }}")
    return box
