"""Icons shipped in ``fieldapp/resources/icons`` (SVG, so they stay sharp at any scale)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from PySide6.QtGui import QIcon


def icons_dir() -> Path:
    return Path(str(resources.files("fieldapp.resources") / "icons"))


def icon(name: str) -> QIcon:
    """``resources/icons/<name>.svg`` as a QIcon (empty if the file is missing)."""
    path = icons_dir() / f"{name}.svg"
    return QIcon(str(path)) if path.exists() else QIcon()


def app_icon() -> QIcon:
    return icon("fieldapp")
