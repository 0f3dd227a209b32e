"""FieldSync: the central sync server of FieldApp (FastAPI, SQLAlchemy 2, Alembic).

Layout (after the FastAPI full-stack template): ``core/`` settings, database,
security and logging; ``models`` the tables; ``migrations/`` Alembic;
``rows``/``push``/``pull``/``scope`` the sync engine; ``api/`` thin routes;
``cli`` the ``fieldsync`` command. The wire types come from
:mod:`fieldapp.core.protocol`, shared with the client.
"""

from fieldapp import __version__ as _app_version

__version__ = _app_version
