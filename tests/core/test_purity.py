"""fieldapp.core stays free of Qt, SQL, HTTP and the other layers (see core/__init__.py)."""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import fieldapp.core

CORE_DIR = Path(fieldapp.core.__file__).parent
# Top-level packages the core may never import, directly or through anything it imports.
FORBIDDEN = {
    "PySide6", "shiboken6", "sqlalchemy", "alembic", "sqlite3", "_sqlite3", "requests", "httpx", "urllib3",
    "keyring", "fastapi", "psycopg",
}
# Sibling layers of FieldApp the core must not depend on (they depend on the core).
FORBIDDEN_FIELDAPP = ("fieldapp.store", "fieldapp.gui", "fieldapp.commands", "fieldapp.sync", "fieldapp.demo",
                      "fieldapp.cli", "fieldsync")


def core_modules() -> list[str]:
    names = ["fieldapp.core"]
    names += [m.name for m in pkgutil.walk_packages([str(CORE_DIR)], prefix="fieldapp.core.")]
    return sorted(names)


def test_there_are_core_modules_to_check():
    assert {"fieldapp.core.entities", "fieldapp.core.validation", "fieldapp.core.search_text"} <= set(core_modules())


def test_importing_the_core_loads_no_forbidden_module():
    """Import every core module in a fresh interpreter and look at sys.modules (catches indirect imports)."""
    script = (
        "import importlib, json, sys\n"
        f"for name in {core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = set(json.loads(result.stdout))
    bad = sorted(m for m in loaded if m.split(".")[0] in FORBIDDEN
                 or any(m == p or m.startswith(p + ".") for p in FORBIDDEN_FIELDAPP))
    assert bad == [], f"importing fieldapp.core loaded {bad}"


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = "fieldapp.core" + "".join(f".{p}" for p in path.relative_to(CORE_DIR).parent.parts)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            found.append((node.lineno, str(node.args[0].value)))
    return found


def test_no_core_source_file_imports_a_forbidden_module():
    """Also catches imports inside functions that the import test above would not execute."""
    offences = []
    for path in sorted(CORE_DIR.rglob("*.py")):
        for lineno, module in _imports(path):
            if module.split(".")[0] in FORBIDDEN or any(
                    module == p or module.startswith(p + ".") for p in FORBIDDEN_FIELDAPP):
                offences.append(f"{path.relative_to(CORE_DIR.parent)}:{lineno} imports {module}")
    assert offences == []


def test_the_scanner_sees_forbidden_imports(tmp_path, monkeypatch):
    """Guard for the guard: every import form is recognised."""
    fake_core = tmp_path / "core"
    fake_core.mkdir()
    (fake_core / "bad.py").write_text(
        "import sqlite3\n"
        "from PySide6.QtCore import QObject\n"
        "def later():\n"
        "    import requests\n"
        "    from ..store import db\n"
        "    importlib.import_module('sqlalchemy.orm')\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "CORE_DIR", fake_core)
    modules = [m for _, m in _imports(fake_core / "bad.py")]
    assert modules == ["sqlite3", "PySide6.QtCore", "requests", "fieldapp.store", "sqlalchemy.orm"]
