"""Checklist templates in the local store: current version by code, by id, item parsing.

Templates are defined centrally and come down from the server (or with the
bundled defaults); a manager never edits them, so the journal is not involved
when one is installed. A visit records the template id *and* version it was
started with and is always scored against that version, even after a newer
version arrives.

The ``items`` column holds a JSON list of objects, in display order::

    {"key": "price_tags", "label_zh": "明码标价", "label_en": "Prices marked",
     "kind": "pass_fail" | "count" | "note", "weight": 10.0,
     "photo_required": false, "required": true}

Unknown keys are ignored and missing ones take the :class:`ChecklistItem`
defaults, so a newer server may add attributes without breaking older laptops.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from sqlalchemy import Connection, select

from fieldapp.core.entities import ChecklistItem, ChecklistTemplate, ItemKind

from .journal import utc_now
from .schema import checklist_templates

#: The counter-arrangement checklist (柜台整理 / 终端陈列检查) every visit uses unless told otherwise.
DEFAULT_TEMPLATE_CODE = "counter_arrangement"


def item_from_dict(data: dict[str, Any]) -> ChecklistItem:
    """One template item from its stored JSON object (lenient, see module docstring)."""
    try:
        kind = ItemKind(data.get("kind") or ItemKind.PASS_FAIL.value)
    except ValueError:
        kind = ItemKind.PASS_FAIL  # a kind this version does not know: answer it as pass/fail
    return ChecklistItem(
        key=str(data["key"]),
        label_zh=str(data.get("label_zh") or ""),
        label_en=str(data.get("label_en") or ""),
        kind=kind,
        weight=float(data.get("weight", 1.0)),
        photo_required=bool(data.get("photo_required", False)),
        required=bool(data.get("required", True)),
    )


def item_to_dict(item: ChecklistItem) -> dict[str, Any]:
    return {"key": item.key, "label_zh": item.label_zh, "label_en": item.label_en, "kind": item.kind.value,
            "weight": item.weight, "photo_required": item.photo_required, "required": item.required}


def parse_items(raw: str | list | None) -> list[ChecklistItem]:
    """The items of a template from the column value (JSON text or the already decoded list)."""
    if raw is None:
        return []
    data = json.loads(raw) if isinstance(raw, (str, bytes)) else raw
    return [item_from_dict(entry) for entry in data]


def row_to_template(row: Any) -> ChecklistTemplate:
    return ChecklistTemplate(id=row["id"], code=row["code"], name_zh=row["name_zh"], name_en=row["name_en"],
                             version=int(row["template_version"]), items=parse_items(row["items"]))


def get_template(conn: Connection, template_id: str) -> ChecklistTemplate | None:
    """The template version with this id, deleted or not (old visits still need theirs)."""
    row = conn.execute(select(checklist_templates).where(checklist_templates.c.id == template_id)).mappings().first()
    return row_to_template(row) if row is not None else None


def current_template(conn: Connection, code: str = DEFAULT_TEMPLATE_CODE) -> ChecklistTemplate | None:
    """The highest live version of the template ``code``; ``None`` when there is none."""
    row = conn.execute(
        select(checklist_templates)
        .where(checklist_templates.c.code == code, checklist_templates.c.deleted.is_(False))
        .order_by(checklist_templates.c.template_version.desc())
        .limit(1)
    ).mappings().first()
    return row_to_template(row) if row is not None else None


def template_codes(conn: Connection) -> list[str]:
    """Codes of the live templates, sorted."""
    return list(conn.execute(select(checklist_templates.c.code).distinct()
                             .where(checklist_templates.c.deleted.is_(False))
                             .order_by(checklist_templates.c.code)).scalars())


def install_template(conn: Connection, template: ChecklistTemplate) -> None:
    """Store a template version as received from the server or the bundled defaults.

    Not journaled: templates are not a manager's change and never go up
    (see ``CLIENT_WRITABLE_ENTITIES`` in the protocol). An existing row with
    the same id is replaced. ``(code, version)`` is unique: installing a
    different id under an existing code and version raises IntegrityError.
    """
    values = {"code": template.code, "name_zh": template.name_zh, "name_en": template.name_en,
              "template_version": template.version, "items": [item_to_dict(i) for i in template.items]}
    now = utc_now()
    exists = conn.execute(select(checklist_templates.c.id)
                          .where(checklist_templates.c.id == template.id)).first()
    if exists:
        conn.execute(checklist_templates.update().where(checklist_templates.c.id == template.id)
                     .values(updated_at=now, deleted=False, **values))
    else:
        conn.execute(checklist_templates.insert().values(id=template.id, created_at=now, updated_at=now,
                                                         deleted=False, version=0, **values))


def install_templates(conn: Connection, templates: Iterable[ChecklistTemplate]) -> None:
    for template in templates:
        install_template(conn, template)
