#!/usr/bin/env python3
"""Update the translation sources (.ts) from the code and build the .qm files the app loads.

    /work/venv/bin/python scripts/build_translations.py          # update .ts, build .qm
    /work/venv/bin/python scripts/build_translations.py --check  # also fail if anything is untranslated
    /work/venv/bin/python scripts/build_translations.py --merge zh.tsv  # fill untranslated entries from a list

Steps:
1. ``pyside6-lupdate`` scans ``src/fieldapp`` (``self.tr()``, ``QCoreApplication.translate()``
   and the core's ``QT_TRANSLATE_NOOP`` markers) and merges new strings into
   ``resources/i18n/fieldapp_zh_CN.ts`` (marked unfinished) and ``fieldapp_en.ts``.
   The English file holds only plural forms (``-pluralonly``): English is the
   source language, so every other string needs no translation.
2. Translate the unfinished entries: Qt Linguist (``pyside6-linguist``), the XML by hand, or
   ``--merge FILE`` with a UTF-8 list of ``context<TAB>source<TAB>translation`` lines (``\\n``
   for a line break; a plural message gets the one Chinese form). Merging fills only
   entries that are still unfinished, so it never overwrites a reviewed translation.
   Lists named ``resources/i18n/*_zh_CN.txt`` are merged automatically.
3. ``pyside6-lrelease`` builds ``fieldapp_<lang>.qm`` next to each .ts. The .qm
   files are committed so an installed app needs no build step.

Locations are not written into the .ts (``-locations none``): several people
edit the code at once, and line numbers would make every merge conflict.
"""

from __future__ import annotations

import argparse
import html
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


def read_merge_list(path: Path) -> dict[tuple[str, str], str]:
    """``context<TAB>source<TAB>translation`` lines (``\\n`` = line break; ``#`` starts a comment)."""
    entries: dict[tuple[str, str], str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise SystemExit(f"{path}:{number}: expected context, source and translation separated by tabs")
        context, source, translation = (part.replace("\\n", "\n") for part in parts)
        entries[(context, source)] = translation
    return entries


def _xml(text: str) -> str:
    return html.escape(text, quote=False).replace("'", "&apos;").replace('"', "&quot;")


def merge(ts_file: Path, entries: dict[tuple[str, str], str]) -> int:
    """Fill unfinished messages of ``ts_file`` found in ``entries``. Returns how many were filled.

    Edits the lupdate-written XML textually so the file keeps lupdate's layout.
    """
    filled = 0

    def fill_context(block: re.Match[str]) -> str:
        name = html.unescape(re.search(r"<name>(.*?)</name>", block.group(0), re.S).group(1))

        def fill_message(match: re.Match[str]) -> str:
            nonlocal filled
            message = match.group(0)
            if 'type="unfinished"' not in message:
                return message
            source = html.unescape(re.search(r"<source>(.*?)</source>", message, re.S).group(1))
            translation = entries.get((name, source))
            if translation is None:
                return message
            filled += 1
            if 'numerus="yes"' in message:
                new = (f"<translation>\n            <numerusform>{_xml(translation)}</numerusform>"
                       "\n        </translation>")
            else:
                new = f"<translation>{_xml(translation)}</translation>"
            return re.sub(r'<translation type="unfinished"(?:/>|>.*?</translation>)', lambda _m: new, message,
                          count=1, flags=re.S)

        return re.sub(r"<message\b.*?</message>", fill_message, block.group(0), flags=re.S)

    text = ts_file.read_text(encoding="utf-8")
    ts_file.write_text(re.sub(r"<context>.*?</context>", fill_context, text, flags=re.S), encoding="utf-8")
    return filled


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if any string is untranslated")
    parser.add_argument("--merge", type=Path, action="append", default=[], metavar="FILE",
                        help="fill untranslated zh_CN entries from a context/source/translation TSV (repeatable)")
    args = parser.parse_args()
    entries: dict[tuple[str, str], str] = {}
    # Lists kept next to the .ts (e.g. visit_strings_zh_CN.txt) are merged on every run.
    lists = sorted(I18N.glob("*_zh_CN.txt")) + list(args.merge)
    for path in lists:
        entries.update(read_merge_list(path))
    I18N.mkdir(parents=True, exist_ok=True)
    missing = 0
    for lang, ts_file in TARGETS.items():
        lupdate(ts_file, lang)
        if entries and lang == "zh_CN":
            print(f"{ts_file.relative_to(ROOT)}: filled {merge(ts_file, entries)} from {len(lists)} list(s)")
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
