"""UI language: choosing it, loading the translations, rendering core messages.

FieldApp's source strings are English. The shipped ``.qm`` files live in
``fieldapp/resources/i18n`` (built by ``scripts/build_translations.py`` and
committed, so an installed app needs no build step). Qt's own catalogue
(``qtbase_zh_CN.qm``, shipped with PySide6) is loaded too, so standard buttons
("OK", "Cancel", "Yes") and context menus follow the chosen language.

All functions here run on the UI thread (translators are process-global and
QSettings is not meant to be shared across threads).
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, QTranslator

from fieldapp.core.entities import LabelledEnum
from fieldapp.core.messages import Message
from fieldapp.core.validation import FIELD_LABELS, FieldError

log = logging.getLogger(__name__)

ZH_CN = "zh_CN"
EN = "en"
# Shown in the language menu in their own language, so a user who cannot read
# the current UI language can still find theirs.
LANGUAGES: dict[str, str] = {ZH_CN: "中文", EN: "English"}
SETTINGS_LANGUAGE_KEY = "ui/language"
ORGANIZATION = "FieldApp"
APPLICATION = "FieldApp"

# Translators are process-global in Qt, so the language they speak is too.
_current_language = EN


def app_settings() -> QSettings:
    """The user's FieldApp settings (INI format on every platform, organization "FieldApp").

    INI rather than the native format so IT can read and pre-seed the file, and
    so tests can redirect it with ``QSettings.setPath``.
    """
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def i18n_dir() -> Path:
    """The folder holding ``fieldapp_<lang>.ts`` / ``.qm``."""
    return Path(str(resources.files("fieldapp.resources") / "i18n"))


def system_language() -> str:
    """zh_CN for any Chinese system locale (zh_CN, zh_TW, zh_HK...), else English."""
    return ZH_CN if QLocale.system().name().lower().startswith("zh") else EN


def saved_language() -> str | None:
    value = app_settings().value(SETTINGS_LANGUAGE_KEY)
    return value if value in LANGUAGES else None


def save_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown UI language {lang!r}")
    settings = app_settings()
    settings.setValue(SETTINGS_LANGUAGE_KEY, lang)
    settings.sync()


def resolve_language(explicit: str | None = None) -> str:
    """``--lang`` wins, then the saved setting, then the system locale."""
    if explicit in LANGUAGES:
        return explicit
    return saved_language() or system_language()


class Translations:
    """The translators currently installed on the application.

    :meth:`switch` replaces them; Qt then sends ``QEvent.LanguageChange`` to
    every widget, and each widget re-labels itself in ``changeEvent``.
    """

    def __init__(self, app: QCoreApplication):
        self._app = app
        self._installed: list[QTranslator] = []
        self.language: str | None = None

    def remove(self) -> None:
        """Uninstall the translators (the UI falls back to the English source texts)."""
        global _current_language
        for translator in self._installed:
            self._app.removeTranslator(translator)
        self._installed.clear()
        self.language = None
        _current_language = EN

    def switch(self, lang: str) -> bool:
        """Install the translators for ``lang``. Returns False if FieldApp's own file is missing."""
        global _current_language
        self.remove()
        ok = True
        own = QTranslator(self._app)
        if own.load(f"fieldapp_{lang}", str(i18n_dir())):
            self._installed.append(own)
        else:
            ok = False
            log.warning("translation fieldapp_%s.qm not found in %s; showing English", lang, i18n_dir())
        if lang != EN:
            qt = QTranslator(self._app)
            if qt.load(f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
                self._installed.append(qt)
        for translator in self._installed:
            self._app.installTranslator(translator)
        # Number and date formatting (QLocale().toString) follows the UI language.
        QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China) if lang == ZH_CN
                           else QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        self.language = lang
        _current_language = lang
        return ok


def qt_translate(context: str, text: str) -> str:
    """``QCoreApplication.translate`` with the argument order ``Message.render`` expects."""
    return QCoreApplication.translate(context, text)


def render_message(message: Message) -> str:
    """A core message in the UI language, parameters applied."""
    return message.render(qt_translate)


def field_label(name: str) -> str:
    """The translated label of a customer field (from the core's FIELD_LABELS)."""
    return QCoreApplication.translate("Field", FIELD_LABELS.get(name, name))


def field_error_text(error: FieldError) -> str:
    """The error's message alone (the form shows it right under the field's label)."""
    return render_message(error.message)


def enum_label(member: LabelledEnum | None) -> str:
    """The translated label of an enum member; empty for None."""
    if member is None:
        return ""
    return QCoreApplication.translate("Enum", member.label)


def current_language() -> str:
    """The language of the installed translators (English before any is installed)."""
    return _current_language


def list_separator() -> str:
    """How a list of short items (tags, field names) is joined in the current language."""
    return "、" if _current_language == ZH_CN else ", "
