"""Publishing a checklist template version from a lead's laptop.

A lead edits a template and publishes it as the **next version** of its code:
a new ``checklist_template`` row (new id, same code, ``template_version`` = the
latest known + 1), journaled, so it is pushed on the next sync; the server
validates it again (:func:`fieldapp.core.scoring.validate_template`, and that it
is indeed the next version) and the managers receive it on their next sync.
Published versions never change; visits in progress keep the version they
started with (:func:`fieldapp.store.visits.start_visit` pins it).
"""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import Connection, func, select

from fieldapp.core.entities import ChecklistItem, ChecklistTemplate, new_id
from fieldapp.core.messages import Message
from fieldapp.core.scoring import validate_template

from .journal import write_row
from .schema import checklist_templates
from .templates import item_to_dict


class TemplateRefused(Exception):
    """Publishing refused; ``messages`` (translatable) say why."""

    def __init__(self, messages: list[Message]):
        self.messages = list(messages)
        super().__init__("; ".join(m.render() for m in self.messages))


def latest_version(conn: Connection, code: str) -> int:
    """The highest version of ``code`` on this laptop (0 when there is none)."""
    return int(conn.execute(select(func.coalesce(func.max(checklist_templates.c.template_version), 0))
                            .where(checklist_templates.c.code == code)).scalar_one())


def publish_template_version(conn: Connection, code: str, name_zh: str, name_en: str,
                             items: Iterable[ChecklistItem], *, template_id: str | None = None) -> ChecklistTemplate:
    """Validate and store the next version of template ``code`` (journaled); raises :class:`TemplateRefused`."""
    template = ChecklistTemplate(id=template_id or new_id(), code=code.strip(), name_zh=name_zh.strip(),
                                 name_en=name_en.strip(), version=latest_version(conn, code.strip()) + 1,
                                 items=list(items))
    problems = validate_template(template)
    if problems:
        raise TemplateRefused(problems)
    write_row(conn, "checklist_template", template.id, {
        "code": template.code, "name_zh": template.name_zh, "name_en": template.name_en,
        "template_version": template.version, "items": [item_to_dict(i) for i in template.items]})
    return template
