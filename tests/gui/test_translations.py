"""The shipped translations: complete, in step with the code, and loadable."""

from __future__ import annotations

import importlib.util
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

from fieldapp.gui.i18n import i18n_dir

ROOT = Path(__file__).resolve().parents[2]
ZH_TS = i18n_dir() / "fieldapp_zh_CN.ts"
EN_TS = i18n_dir() / "fieldapp_en.ts"
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%L?n")
# A Chinese translation may name the Chinese variant of a parameter the core supplies
# alongside the English one (e.g. {item_zh} for a checklist item's Chinese label).
LOCALISED_PARAM = re.compile(r"\{(\w+)_zh\b")


def load_build_script():
    spec = importlib.util.spec_from_file_location("build_translations", ROOT / "scripts" / "build_translations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def messages(ts_file: Path):
    for context in ET.parse(ts_file).getroot().iter("context"):
        name = context.findtext("name")
        for message in context.iter("message"):
            yield name, message


def translations_of(message) -> list[str]:
    translation = message.find("translation")
    forms = translation.findall("numerusform")
    return [f.text or "" for f in forms] if forms else [translation.text or ""]


def test_chinese_translation_is_complete():
    contexts = set()
    for context, message in messages(ZH_TS):
        contexts.add(context)
        source = message.findtext("source")
        translation = message.find("translation")
        assert translation.get("type") not in ("unfinished", "vanished", "obsolete"), (context, source)
        for text in translations_of(message):
            assert text.strip(), (context, source)
            # A lost or misspelt {placeholder} would raise or show the wrong value at run time.
            used = sorted(PLACEHOLDER.findall(LOCALISED_PARAM.sub(r"{\1", text)))
            assert used == sorted(PLACEHOLDER.findall(source)), (context, source)
    assert {"Validation", "Field", "Enum", "Database", "MainWindow", "CustomerForm", "CustomerListPanel",
            "CustomerTableModel", "AppController", "DemoData", "DemoLoader", "Operations"} <= contexts


def test_english_plural_forms_are_complete():
    plural = [(c, m) for c, m in messages(EN_TS) if m.get("numerus") == "yes"]
    assert plural
    for _context, message in plural:
        assert message.find("translation").get("type") != "unfinished", message.findtext("source")
        assert len(translations_of(message)) == 2 and all(translations_of(message))


@pytest.mark.parametrize("ts_file", [ZH_TS, EN_TS], ids=["zh_CN", "en"])
def test_lupdate_finds_no_untranslated_string_in_the_current_code(tmp_path, ts_file):
    """Fails when code gained a string nobody translated: run scripts/build_translations.py and translate it."""
    build = load_build_script()
    copy = tmp_path / ts_file.name
    shutil.copy(ts_file, copy)
    build.lupdate(copy, "en" if ts_file == EN_TS else "zh_CN")
    assert build.unfinished(copy) == []


def test_compiled_files_are_current_and_translate(qapp, tmp_path):
    """The committed .qm must match the .ts (the app loads the .qm)."""
    build = load_build_script()
    copy = tmp_path / ZH_TS.name
    shutil.copy(ZH_TS, copy)
    rebuilt = build.lrelease(copy)
    assert rebuilt.read_bytes() == ZH_TS.with_suffix(".qm").read_bytes(), "run scripts/build_translations.py"

    translator = QTranslator()
    assert translator.load("fieldapp_zh_CN", str(i18n_dir()))
    assert translator.translate("Field", "Store name") == "店名"
    assert translator.translate("Enum", "Convenience store") == "便利店"
    assert translator.translate("Validation", "This field is required. Please fill it in.") == "此项为必填项，请填写。"
    assert translator.translate("CustomerListPanel", "%Ln customer(s)", "", 3) == "共 %Ln 个客户"

    english = QTranslator()
    assert english.load("fieldapp_en", str(i18n_dir()))
    QCoreApplication.installTranslator(english)
    previous_locale = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))  # %Ln: "2,000"
    try:
        one = QCoreApplication.translate("CustomerListPanel", "%Ln customer(s)", "", 1)
        many = QCoreApplication.translate("CustomerListPanel", "%Ln customer(s)", "", 2000)
    finally:
        QCoreApplication.removeTranslator(english)
        QLocale.setDefault(previous_locale)
    assert (one, many) == ("1 customer", "2,000 customers")
