"""The workaround for PySide6 6.12.0's emit() dropping references to True (fatal on Python 3.11)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

import fieldapp.gui  # noqa: F401 - installs the workaround
from fieldapp.gui._pyside_compat import emit_leaks_true


class Emitter(QObject):
    changed = Signal(object)


def test_emitting_does_not_drain_true():
    emitter = Emitter()
    received = []
    emitter.changed.connect(received.append)
    before = sys.getrefcount(True)
    for i in range(5000):
        assert emitter.changed.emit(i) is True
    assert abs(sys.getrefcount(True) - before) < 50
    assert len(received) == 5000
    assert not emit_leaks_true()
