"""Checklist scoring, check-out completeness, proposed follow-ups, template validation.

Pure functions over :mod:`fieldapp.core.entities`. Nothing here reads the clock,
touches storage or raises on bad input: problems come back as translatable
:class:`~fieldapp.core.messages.Message` values the GUI and CLI show as they are.

Item labels in message parameters
---------------------------------
Every message that names a checklist item carries three parameters:

``item``
    the English label (the Chinese one when the template has no English label);
    the English source texts use it.
``item_zh``
    the Chinese label (the English one when there is none). The zh_CN
    translations should use ``{item_zh}`` so a Chinese UI names the item in
    Chinese.
``key``
    the item's key, for logs and tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from datetime import date
from typing import Callable, Iterable, Mapping

from .entities import (
    AnswerResult,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistTemplate,
    FollowUp,
    FollowUpStatus,
    ItemKind,
    new_id,
)
from .messages import QT_TRANSLATE_NOOP, Message

CTX = "Checklist"

#: Template weights must add up to this total (within WEIGHT_TOLERANCE).
WEIGHT_TOTAL = 100.0
WEIGHT_TOLERANCE = 0.01
#: Longest answer note copied into a proposed follow-up's title.
FOLLOW_UP_NOTE_MAX = 40


@dataclass(frozen=True)
class ChecklistScore:
    """The outcome of scoring one answered checklist.

    ``score`` is the weighted share of passed items among the applicable answered
    items, 0-100, rounded half-up to one decimal; ``None`` when no answered item
    is applicable (nothing answered, or everything "not applicable"), because a
    checklist with nothing to judge is neither 0 % nor 100 % compliant.
    Answers whose key is not in the template (e.g. from another version) are ignored.
    """

    score: float | None
    passed: int
    failed: int
    not_applicable: int
    unanswered: int
    passed_weight: float
    applicable_weight: float
    failed_keys: tuple[str, ...]

    @property
    def answered(self) -> int:
        return self.passed + self.failed + self.not_applicable


def answers_by_key(answers: Iterable[ChecklistAnswer]) -> dict[str, ChecklistAnswer]:
    """Index a visit's answers by item key (a later answer for the same key wins)."""
    return {answer.item_key: answer for answer in answers}


def _round_score(value: float) -> float:
    # Half-up on the decimal text, so 66.65 shows as 66.7 and not (binary float) 66.6.
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _result(answers: Mapping[str, ChecklistAnswer], key: str) -> AnswerResult | None:
    answer = answers.get(key)
    return answer.result if answer is not None else None


def score_checklist(template: ChecklistTemplate, answers: Mapping[str, ChecklistAnswer]) -> ChecklistScore:
    """Score ``answers`` (by item key) against ``template``. See :class:`ChecklistScore`."""
    passed = failed = not_applicable = unanswered = 0
    passed_weight = applicable_weight = 0.0
    failed_keys: list[str] = []
    for item in template.items:
        result = _result(answers, item.key)
        if result is None:
            unanswered += 1
        elif result is AnswerResult.NOT_APPLICABLE:
            not_applicable += 1
        else:
            weight = max(float(item.weight), 0.0)  # a broken template must not yield scores outside 0-100
            applicable_weight += weight
            if result is AnswerResult.PASS:
                passed += 1
                passed_weight += weight
            else:
                failed += 1
                failed_keys.append(item.key)
    score: float | None = None
    if applicable_weight > 0:
        score = _round_score(100.0 * passed_weight / applicable_weight)
    elif passed + failed:
        # Applicable items whose weights are all 0: fall back to the plain share.
        score = _round_score(100.0 * passed / (passed + failed))
    return ChecklistScore(score, passed, failed, not_applicable, unanswered,
                          passed_weight, applicable_weight, tuple(failed_keys))


def _labels(item: ChecklistItem) -> dict[str, str]:
    en = item.label_en.strip() or item.label_zh.strip() or item.key
    zh = item.label_zh.strip() or item.label_en.strip() or item.key
    return {"item": en, "item_zh": zh, "key": item.key}


def _msg(text: str, item: ChecklistItem | None = None, **params) -> Message:
    if item is not None:
        params = {**_labels(item), **params}
    return Message(CTX, text, params)


def missing_for_checkout(template: ChecklistTemplate, answers: Mapping[str, ChecklistAnswer],
                         photos_by_item: Mapping[str, int]) -> list[Message]:
    """What still stops the visit from being checked out, in template order.

    At most one message per item, the first that applies:

    * a **required** item without a result (optional items may stay unanswered);
    * an item answered pass or fail whose **photo is required** but which has no
      photo in ``photos_by_item`` (item key -> number of photos). A "not
      applicable" item needs no photo;
    * a **COUNT** item answered pass or fail without a count, or with a negative
      one: the count is the item's point, so "pass" alone is not an answer.
      "Not applicable" needs no count;
    * a **NOTE** item answered *fail* with an empty note: whoever follows the
      failure up must know what was wrong. A pass needs no note.

    An empty list means the visit may be checked out.
    """
    problems: list[Message] = []
    for item in template.items:
        answer = answers.get(item.key)
        result = answer.result if answer is not None else None
        if result is None:
            if item.required:
                problems.append(_msg(QT_TRANSLATE_NOOP("Checklist", "'{item}' is not answered yet."), item))
            continue
        if result is AnswerResult.NOT_APPLICABLE:
            continue
        if item.photo_required and photos_by_item.get(item.key, 0) <= 0:
            problems.append(_msg(QT_TRANSLATE_NOOP("Checklist", "'{item}' needs a photo. Take one before checking out."),
                                 item))
        elif item.kind is ItemKind.COUNT and (answer.count is None or answer.count < 0):
            if answer.count is None:
                problems.append(_msg(QT_TRANSLATE_NOOP("Checklist", "Enter the count for '{item}'."), item))
            else:
                problems.append(_msg(QT_TRANSLATE_NOOP(
                    "Checklist", "The count for '{item}' cannot be negative ({count}). Enter 0 or more."),
                    item, count=answer.count))
        elif item.kind is ItemKind.NOTE and result is AnswerResult.FAIL and not answer.note.strip():
            problems.append(_msg(QT_TRANSLATE_NOOP(
                "Checklist", "'{item}' failed: describe what is wrong in the note."), item))
    return problems


def proposed_follow_ups(template: ChecklistTemplate, answers: Mapping[str, ChecklistAnswer], customer_id: str,
                        visit_id: str, due: date, *, owner_id: str | None = None,
                        id_factory: Callable[[], str] = new_id) -> list[FollowUp]:
    """One open follow-up per failed item, in template order, for the user to confirm.

    The title is the item's Chinese label (follow-ups are stored data, read by the
    account manager and the team lead, so they are not translated later), with
    the answer's note appended in full-width brackets when there is one.
    ``id_factory`` lets tests make the ids deterministic.
    """
    proposals: list[FollowUp] = []
    for item in template.items:
        answer = answers.get(item.key)
        if answer is None or answer.result is not AnswerResult.FAIL:
            continue
        title = _labels(item)["item_zh"]
        note = " ".join(answer.note.split())
        if note:
            if len(note) > FOLLOW_UP_NOTE_MAX:
                note = note[: FOLLOW_UP_NOTE_MAX - 1] + "…"
            title = f"{title}（{note}）"
        proposals.append(FollowUp(id=id_factory(), customer_id=customer_id, visit_id=visit_id, title=title,
                                  due_date=due, status=FollowUpStatus.OPEN, owner_id=owner_id,
                                  source_item_key=item.key))
    return proposals


def _fmt_number(value: float) -> str:
    return f"{value:g}" if math.isfinite(value) else str(value)


def validate_template(template: ChecklistTemplate) -> list[Message]:
    """Reasons to refuse publishing ``template``; empty when it may be published.

    Checks: at least one item; every item has a key and a label; keys are unique;
    every weight is a finite number greater than 0; the weights add up to 100
    (within 0.01, so 33.33 + 33.33 + 33.34 is fine).
    """
    problems: list[Message] = []
    if not (template.name_zh.strip() or template.name_en.strip()):
        problems.append(_msg(QT_TRANSLATE_NOOP("Checklist", "The template has no name. Give it a name.")))
    if not template.items:
        problems.append(_msg(QT_TRANSLATE_NOOP("Checklist", "The template has no items. Add at least one item.")))
        return problems
    seen: dict[str, int] = {}
    reported: set[str] = set()
    total = 0.0
    weights_ok = True
    for number, item in enumerate(template.items, start=1):
        key = item.key.strip()
        if not key:
            problems.append(_msg(QT_TRANSLATE_NOOP("Checklist", "Item {number} has no key. Give every item a key."),
                                 number=number))
        elif key in seen and key not in reported:
            reported.add(key)
            problems.append(_msg(QT_TRANSLATE_NOOP(
                "Checklist", "The key '{key}' is used by items {first} and {number}. Every item needs its own key."),
                key=key, first=seen[key], number=number))
        else:
            seen.setdefault(key, number)
        if not (item.label_zh.strip() or item.label_en.strip()):
            problems.append(_msg(QT_TRANSLATE_NOOP("Checklist", "Item {number} has no label. Enter its text."),
                                 number=number))
        try:
            weight = float(item.weight)
        except (TypeError, ValueError):
            weight = math.nan
        if not math.isfinite(weight) or weight <= 0:
            weights_ok = False
            problems.append(_msg(QT_TRANSLATE_NOOP(
                "Checklist", "The weight of '{item}' is {weight}; it must be a number greater than 0."),
                item, weight=_fmt_number(weight) if math.isfinite(weight) else str(item.weight)))
        else:
            total += weight
    if weights_ok and abs(total - WEIGHT_TOTAL) > WEIGHT_TOLERANCE:
        problems.append(_msg(QT_TRANSLATE_NOOP(
            "Checklist", "The weights add up to {total}; they must add up to {expected}. Adjust the weights."),
            total=_fmt_number(round(total, 2)), expected=_fmt_number(WEIGHT_TOTAL)))
    return problems
