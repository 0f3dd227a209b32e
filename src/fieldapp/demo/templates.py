"""Checklist templates shipped as JSON in ``resources/templates`` (the counter-arrangement check).

A template file holds ``code``, ``version``, ``name_zh``, ``name_en`` and
``items``; each item has ``key``, ``label_zh``, ``label_en``, ``kind``
(``pass_fail`` / ``count`` / ``note``), ``weight``, ``photo_required`` and
``required``. Weights sum to 100, so a compliance score reads as a percentage.
"""

from __future__ import annotations

import json
from importlib import resources

from fieldapp.core.entities import ChecklistItem, ChecklistTemplate, ItemKind

COUNTER_CHECKLIST = "counter_checklist.json"


class TemplateFileError(ValueError):
    """A shipped template file is malformed (a packaging bug, not a user error)."""


def read_template_text(filename: str) -> str:
    return resources.files("fieldapp.resources").joinpath("templates", filename).read_text(encoding="utf-8")


def parse_template(data: dict, *, template_id: str | None = None) -> ChecklistTemplate:
    """A :class:`ChecklistTemplate` from its JSON form; raises :class:`TemplateFileError` if malformed."""
    try:
        items = [ChecklistItem(key=str(i["key"]), label_zh=str(i["label_zh"]), label_en=str(i["label_en"]),
                               kind=ItemKind(i["kind"]), weight=float(i["weight"]),
                               photo_required=bool(i["photo_required"]), required=bool(i["required"]))
                 for i in data["items"]]
        extra = {"id": template_id} if template_id else {}
        template = ChecklistTemplate(code=str(data["code"]), name_zh=str(data["name_zh"]),
                                     name_en=str(data["name_en"]), version=int(data["version"]), items=items,
                                     **extra)
    except (KeyError, TypeError, ValueError) as exc:
        raise TemplateFileError(f"checklist template is malformed: {exc!r}") from exc
    keys = [i.key for i in items]
    if not items or len(set(keys)) != len(keys):
        raise TemplateFileError(f"checklist template {template.code}: items missing or duplicate keys {keys}")
    total = sum(i.weight for i in items)
    if abs(total - 100) > 1e-9:
        raise TemplateFileError(f"checklist template {template.code}: weights sum to {total}, not 100")
    return template


def load_counter_checklist(*, template_id: str | None = None) -> ChecklistTemplate:
    """The counter-arrangement checklist (柜台整理与终端陈列检查) shipped with the app.

    Its code is :data:`fieldapp.store.templates.DEFAULT_TEMPLATE_CODE`
    (the template visits use by default); install it with
    :func:`fieldapp.store.templates.install_template`.
    """
    return parse_template(json.loads(read_template_text(COUNTER_CHECKLIST)), template_id=template_id)
