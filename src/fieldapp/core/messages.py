"""Translatable messages produced by the core.

The core cannot import Qt, yet its messages must reach Qt's translation files.
``QT_TRANSLATE_NOOP`` below has the same name and signature as Qt's marker, so
``pyside6-lupdate`` extracts the strings lexically, while at run time it is a
plain identity function. The GUI and CLI translate a :class:`Message` with
``QCoreApplication.translate(message.context, message.text)`` and then apply the
parameters with :meth:`str.format`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - must match Qt's name for lupdate
    return text


@dataclass(frozen=True)
class Message:
    """A user-facing message: source text (English) with ``{name}`` placeholders."""

    context: str
    text: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, translate=None) -> str:
        """Return the message in the UI language.

        ``translate(context, text)`` is the translator (Qt's in the app); without
        one the English source text is used.
        """
        text = translate(self.context, self.text) if translate else self.text
        try:
            return text.format(**self.params)
        except (KeyError, IndexError, ValueError):
            # A broken translation must never hide the message: fall back to English.
            return self.text.format(**self.params)

    def __str__(self) -> str:
        return self.render()
