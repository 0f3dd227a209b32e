"""Render the application icon SVG to the PNG sizes the desktops want, and to .ico / .icns.

    python installers/render-icons.py                 # refresh resources/linux/fieldapp-<N>.png
    python installers/render-icons.py --out build/icons --ico --icns

The source is ``resources/icons/fieldapp.svg`` when the GUI ships one, else
``resources/linux/fieldapp.svg``. Rendering uses QtSvg offscreen (PySide6 is a
dependency of the app anyway); .ico and .icns are written with Pillow.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def source_svg() -> Path:
    for candidate in (ROOT / "resources" / "icons" / "fieldapp.svg", ROOT / "resources" / "linux" / "fieldapp.svg"):
        if candidate.is_file():
            return candidate
    raise SystemExit("render-icons: no fieldapp.svg in resources/icons or resources/linux")


def render(svg: Path, sizes: tuple[int, ...]) -> dict[int, bytes]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - keeps Qt alive
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"render-icons: {svg} is not a valid SVG")
    out: dict[int, bytes] = {}
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        out[size] = bytes(data.data())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "linux", help="output folder")
    parser.add_argument("--ico", action="store_true", help="also write fieldapp.ico (Windows)")
    parser.add_argument("--icns", action="store_true", help="also write fieldapp.icns (macOS)")
    args = parser.parse_args(argv)
    svg = source_svg()
    pngs = render(svg, SIZES)
    args.out.mkdir(parents=True, exist_ok=True)
    for size, data in pngs.items():
        (args.out / f"fieldapp-{size}.png").write_bytes(data)
    if args.ico or args.icns:
        import io

        from PIL import Image

        big = Image.open(io.BytesIO(pngs[512])).convert("RGBA")
        if args.ico:
            big.save(args.out / "fieldapp.ico", sizes=[(s, s) for s in ICO_SIZES])
        if args.icns:
            big.save(args.out / "fieldapp.icns")
    print(f"render-icons: {svg.relative_to(ROOT)} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
