"""Server schema migrations: upgrade an empty database, match the models, refuse an unmigrated PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from fieldsync.core.db import create_db_engine
from fieldsync.migrate import SchemaNotCurrent, check_current, current_revision, head_revision, upgrade_to_head
from fieldsync.models import metadata, server_meta, sync_counter


def _check_fresh_database(url):
    engine = create_db_engine(url)
    try:
        with pytest.raises(SchemaNotCurrent):
            check_current(engine)
        before, head = upgrade_to_head(engine)
        assert before is None and head == head_revision() == current_revision(engine)
        check_current(engine)
        assert upgrade_to_head(engine) == (head, head)  # a second run changes nothing
        tables = set(inspect(engine).get_table_names())
        assert set(metadata.tables) <= tables
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
            assert diff == [], diff
            assert conn.execute(select(sync_counter.c.value)).scalar_one() == 0
            instance = conn.execute(select(server_meta.c.value).where(server_meta.c.key == "instance_id")).scalar()
            assert instance and len(instance) == 32
    finally:
        engine.dispose()


def test_migrate_empty_sqlite(tmp_path):
    _check_fresh_database(f"sqlite:///{tmp_path / 'empty.sqlite3'}")


@pytest.mark.postgres
def test_migrate_empty_postgres(pg_url):
    _check_fresh_database(pg_url)
