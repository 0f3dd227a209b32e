"""The GUI-free, storage-free heart of FieldApp.

Nothing under ``fieldapp.core`` may import Qt, SQLAlchemy, sqlite3, requests or
any other I/O library: it holds the domain entities, their validation, and pure
algorithms (search tokenisation, checklist scoring, visit planning, the sync
protocol's wire types). ``tests/core/test_purity.py`` enforces this.
"""
