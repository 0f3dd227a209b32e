#!/usr/bin/env python3
"""Update the translation sources (.ts) from the code and build the .qm files the app loads.

    /work/venv/bin/python scripts/build_translations.py          # update .ts, build .qm
    /work/venv/bin/python scripts/build_translations.py --check  # also fail if anything is untranslated

Steps:
1. ``pyside6-lupdate`` scans ``src/fieldapp`` (``self.tr()``, ``QCoreApplication.translate()``
   and the core's ``QT_TRANSLATE_NOOP`` markers) and merges new strings into
   ``resources/i18n/fieldapp_zh_CN.ts`` (marked unfinished) and ``fieldapp_en.ts``.
   The English file holds only plural forms (``-pluralonly``): English is the
   source language, so every other string needs no translation.
2. Translate the unfinished entries (Qt Linguist: ``pyside6-linguist``, or edit the XML).
3. ``pyside6-lrelease`` builds ``fieldapp_<lang>.qm`` next to each .ts. The .qm
   files are committed so an installed app needs no build step.

Locations are not written into the .ts (``-locations none``): several people
edit the code at once, and line numbers would make every merge conflict.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "src" / "fieldapp"
I18N = ROOT / "resources" / "i18n"
TARGETS = {"zh_CN": I18N / "fieldapp_zh_CN.ts", "en": I18N / "fieldapp_en.ts"}


def qt_tool(name: str) -> str:
    """``pyside6-<name>`` from the running venv, else from PATH."""
    candidates = [Path(sys.executable).parent / f"pyside6-{name}", Path(sys.executable).parent / f"pyside6-{name}.exe"]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which(f"pyside6-{name}")
    if not found:
        raise SystemExit(f"pyside6-{name} not found next to {sys.executable} or on PATH; install PySide6")
    return found


def lupdate(ts_file: Path, lang: str, sources: Path = SOURCES) -> None:
    """Merge the strings found in ``sources`` into ``ts_file`` (created if missing)."""
    command = [qt_tool("lupdate"), "-silent", "-extensions", "py", "-locations", "none", "-no-obsolete",
               "-source-language", "en", "-target-language", lang]
    if lang == "en":
        command.append("-pluralonly")
    command += [str(sources), "-ts", str(ts_file)]
    subprocess.run(command, check=True)


def lrelease(ts_file: Path) -> Path:
    qm_file = ts_file.with_suffix(".qm")
    subprocess.run([qt_tool("lrelease"), "-silent", str(ts_file), "-qm", str(qm_file)], check=True)
    return qm_file


def unfinished(ts_file: Path) -> list[str]:
    """Source texts of the entries still marked unfinished."""
    text = ts_file.read_text(encoding="utf-8")
    out = []
    for message in re.findall(r"<message\b.*?</message>", text, flags=re.S):
        if 'type="unfinished"' in message:
            source = re.search(r"<source>(.*?)</source>", message, flags=re.S)
            out.append(source.group(1) if source else "?")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if any string is untranslated")
    args = parser.parse_args()
    I18N.mkdir(parents=True, exist_ok=True)
    missing = 0
    for lang, ts_file in TARGETS.items():
        lupdate(ts_file, lang)
        todo = unfinished(ts_file)
        missing += len(todo)
        qm_file = lrelease(ts_file)
        print(f"{ts_file.relative_to(ROOT)}: {len(todo)} unfinished -> {qm_file.relative_to(ROOT)}")
        for source in todo[:20]:
            print(f"    untranslated: {source}")
    if args.check and missing:
        print(f"{missing} string(s) need a translation", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
