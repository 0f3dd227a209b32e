"""Server schema migrations (Alembic, configured in code — no alembic.ini)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class SchemaNotCurrent(Exception):
    """The database is not at this server's schema head (run ``fieldsync migrate``)."""


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_to_head(engine: Engine) -> tuple[str | None, str]:
    """Upgrade in one transaction; returns (revision before, head)."""
    before = current_revision(engine)
    config = alembic_config()
    with engine.connect() as conn:
        with conn.begin():
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    return before, head_revision()


def check_current(engine: Engine) -> None:
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaNotCurrent(
            f"the database schema is at {current or 'nothing (empty database)'}, this server needs {head}; "
            "run 'fieldsync migrate' first")
