"""Work around a reference-counting bug in PySide6's ``SignalInstance.emit``.

PySide6 6.12.0 returns ``True`` from ``signal.emit(...)`` without taking a
reference to it. Every emit called from Python therefore drops one reference
to ``True``; on Python 3.11 (where ``True`` is not immortal) a long session —
or a test run — eventually frees it and the interpreter aborts with
"Fatal Python error: bool_dealloc". Python ≥ 3.12 is immune (immortal objects).

:func:`install` wraps ``emit`` to take the missing reference (``Py_IncRef`` on
the returned object) — but only after measuring that this PySide6 build has
the bug, so fixed versions and newer Pythons run untouched. Remove this module
once the project requires a PySide6 without the bug (or Python ≥ 3.12).
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal, SignalInstance

_PROBES = 32


class _Probe(QObject):
    sig = Signal()


def emit_leaks_true() -> bool:
    """Whether calling ``emit`` on this PySide6 build loses references to ``True``."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(_PROBES):
        probe.sig.emit()
    return sys.getrefcount(True) < before - _PROBES // 2


_installed = False


def install() -> bool:
    """Patch ``SignalInstance.emit`` if (and only if) it leaks. Returns whether it patched. Idempotent."""
    global _installed
    if _installed:
        return True
    if not emit_leaks_true():
        return False
    original = SignalInstance.emit
    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]
    incref.restype = None

    def emit(self: SignalInstance, *args: object) -> bool:
        result = original(self, *args)
        incref(result)  # the reference PySide6 did not take
        return result

    emit.__doc__ = original.__doc__
    SignalInstance.emit = emit  # type: ignore[method-assign]
    _installed = True
    return True
