"""The server's field list of every entity matches the client's tables (minus bookkeeping)."""

from __future__ import annotations

import pytest

from fieldapp.core.merge import FREE_TEXT_FIELDS
from fieldapp.core.protocol import CLIENT_WRITABLE_ENTITIES, SYNCED_ENTITIES
from fieldapp.store.schema import LOCAL_ONLY_COLUMNS, SYNCED_TABLES
from fieldsync.fields import ENTITY_FIELDS, InvalidValue, coerce


def test_entities_match_the_protocol():
    assert set(ENTITY_FIELDS) == set(SYNCED_ENTITIES) == set(SYNCED_TABLES)
    assert set(CLIENT_WRITABLE_ENTITIES) <= set(ENTITY_FIELDS)


@pytest.mark.parametrize("entity", sorted(SYNCED_TABLES))
def test_fields_match_the_client_table(entity):
    table = SYNCED_TABLES[entity]
    client = {c.name: c for c in table.columns if c.name not in LOCAL_ONLY_COLUMNS and c.name != "id"}
    assert set(ENTITY_FIELDS[entity]) == set(client)
    for name, spec in ENTITY_FIELDS[entity].items():
        column = client[name]
        # A field the client's NOT NULL column requires is never null on the server either.
        if not column.nullable:
            assert not spec.nullable, (entity, name)
        # An insert must name it when the client column has no default.
        if not column.nullable and column.server_default is None:
            assert spec.required or spec.default is not None, (entity, name)


def test_free_text_fields_exist():
    for entity, names in FREE_TEXT_FIELDS.items():
        assert names <= set(ENTITY_FIELDS[entity]), entity


@pytest.mark.parametrize("entity,name,value,expected", [
    ("customer", "grade", 12.0, 12), ("customer", "latitude", 28, 28.0), ("customer", "modern_terminal", 1, True),
    ("customer", "licence_expiry", "2030-06-30", "2030-06-30"), ("customer", "tags", ["a"], ["a"]),
    ("visit", "check_in_at", "2026-11-20T09:00:00+08:00", "2026-11-20T09:00:00+08:00"),
])
def test_coerce_accepts(entity, name, value, expected):
    assert coerce(entity, name, value) == expected


@pytest.mark.parametrize("entity,name,value", [
    ("customer", "grade", 12.5), ("customer", "grade", True), ("customer", "latitude", float("nan")),
    ("customer", "licence_expiry", "2030-02-30"), ("customer", "status", "open"), ("customer", "code", None),
    ("customer", "tags", [1]), ("visit", "check_in_at", "yesterday"), ("attachment", "sha256", "abc"),
    ("purchase", "month", "2026-13"), ("customer", "notes", "x" * 30000),
])
def test_coerce_refuses(entity, name, value):
    with pytest.raises(InvalidValue):
        coerce(entity, name, value)
