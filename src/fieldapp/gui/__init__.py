"""The desktop window (PySide6).

Layering, after Anki's ``aqt``:

- :mod:`.operations` is the only way the GUI touches data. Every database call
  runs on one DB worker thread; results come back to the UI thread through
  signals, and writes announce what changed on ``OperationHub.operation_did_execute``.
- Views (:mod:`.customer_list`, :mod:`.customer_form`, the status bar) listen to
  that hub signal and refresh themselves; nobody calls "refresh" on somebody else.
- :mod:`.customer_table_model` holds only the ordered ids of the current query and
  fetches rows lazily, in pages, off the UI thread.
- :mod:`.i18n` loads the Qt translations and renders the core's translatable
  :class:`~fieldapp.core.messages.Message` values.

Importing this package also installs :mod:`._pyside_compat` (a guard against a
PySide6 6.12.0 reference-count bug that aborts Python 3.11 after many signal emits).

Thread rule for the whole package: widgets, models and the hub are touched only
on the UI thread; the callables handed to the DB worker receive an ``Engine``
and plain data, and must not touch any Qt object.
"""

from ._pyside_compat import install as _install_pyside_workarounds

# Before any widget emits a signal: PySide6 6.12.0's emit() leaks references to True.
_install_pyside_workarounds()
