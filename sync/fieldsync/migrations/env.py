"""Alembic environment of the server database.

FieldSync never uses an alembic.ini: :mod:`fieldsync.migrate` builds the config
in code and passes an open connection in ``config.attributes``.
"""

from alembic import context

from fieldsync.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when run by hand with a URL
    from sqlalchemy import create_engine

    connection = create_engine(context.config.get_main_option("sqlalchemy.url")).connect()

# render_as_batch: SQLite cannot ALTER most things; batch mode copies the table.
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
