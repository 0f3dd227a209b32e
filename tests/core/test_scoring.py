"""Checklist scoring, check-out completeness, proposed follow-ups, template validation."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from fieldapp.core.entities import (
    AnswerResult,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistTemplate,
    FollowUpStatus,
    ItemKind,
)
from fieldapp.core.scoring import (
    answers_by_key,
    missing_for_checkout,
    proposed_follow_ups,
    score_checklist,
    validate_template,
)

P, F, NA = AnswerResult.PASS, AnswerResult.FAIL, AnswerResult.NOT_APPLICABLE


def template() -> ChecklistTemplate:
    return ChecklistTemplate(id="tpl", code="COUNTER", name_zh="柜台整理", name_en="Counter arrangement", items=[
        ChecklistItem("clean", "柜台整洁", "Counter clean and tidy", weight=20),
        ChecklistItem("prices", "明码标价", "Prices marked", weight=30, photo_required=True),
        ChecklistItem("facings", "卷烟出样", "Display facings", kind=ItemKind.COUNT, weight=40),
        ChecklistItem("new", "新品上柜", "New products on shelf", kind=ItemKind.NOTE, weight=10, required=False),
    ])


def answers(**results) -> dict[str, ChecklistAnswer]:
    """answers(clean=P, facings=(P, 6), new=(F, "note"))"""
    out = {}
    for key, value in results.items():
        result, extra = (value if isinstance(value, tuple) else (value, None))
        out[key] = ChecklistAnswer(visit_id="v1", item_key=key, result=result,
                                   count=extra if isinstance(extra, int) else None,
                                   note=extra if isinstance(extra, str) else "")
    return out


# --------------------------------------------------------------------------- score


def test_all_passed_scores_100():
    s = score_checklist(template(), answers(clean=P, prices=P, facings=(P, 4), new=P))
    assert s.score == 100.0
    assert (s.passed, s.failed, s.not_applicable, s.unanswered) == (4, 0, 0, 0)


def test_score_is_weighted_share_of_passed_applicable_items():
    # Applicable: clean 20 (pass), prices 30 (fail), facings 40 (pass); new is N/A.
    # 60 / 90 = 66.666... -> 66.7
    s = score_checklist(template(), answers(clean=P, prices=F, facings=(P, 3), new=NA))
    assert s.score == 66.7
    assert s.passed_weight == 60 and s.applicable_weight == 90
    assert s.failed_keys == ("prices",)
    assert (s.passed, s.failed, s.not_applicable, s.answered) == (2, 1, 1, 4)


def test_not_applicable_is_excluded_from_numerator_and_denominator():
    with_na = score_checklist(template(), answers(clean=NA, prices=P, facings=(F, 0)))
    # 30 / (30 + 40) = 42.857 -> 42.9; the N/A item's 20 counts nowhere.
    assert with_na.score == 42.9


def test_unanswered_items_do_not_count():
    s = score_checklist(template(), answers(prices=P))
    assert s.score == 100.0
    assert s.unanswered == 3


def test_all_not_applicable_gives_none():
    assert score_checklist(template(), answers(clean=NA, prices=NA, facings=NA, new=NA)).score is None


def test_nothing_answered_gives_none():
    s = score_checklist(template(), {})
    assert s.score is None and s.unanswered == 4


def test_answer_without_result_is_unanswered():
    s = score_checklist(template(), {"clean": ChecklistAnswer(item_key="clean", result=None)})
    assert s.unanswered == 4 and s.score is None


def test_rounding_is_half_up_to_one_decimal():
    tpl = ChecklistTemplate(items=[ChecklistItem("a", "甲", "A", weight=1), ChecklistItem("b", "乙", "B", weight=15)])
    # 1/16 = 6.25: half-up gives 6.3 (banker's rounding would give 6.2).
    assert score_checklist(tpl, answers(a=P, b=F)).score == 6.3
    # 15/16 = 93.75 -> 93.8
    assert score_checklist(tpl, answers(a=F, b=P)).score == 93.8


def test_answers_for_keys_not_in_template_are_ignored():
    s = score_checklist(template(), answers(clean=P, retired_item=F))
    assert s.score == 100.0 and s.failed == 0


def test_broken_weights_never_leave_0_to_100():
    tpl = ChecklistTemplate(items=[ChecklistItem("a", "甲", "A", weight=-50), ChecklistItem("b", "乙", "B", weight=10)])
    assert score_checklist(tpl, answers(a=F, b=P)).score == 100.0
    zero = ChecklistTemplate(items=[ChecklistItem("a", "甲", "A", weight=0), ChecklistItem("b", "乙", "B", weight=0)])
    assert score_checklist(zero, answers(a=F, b=P)).score == 50.0


def test_answers_by_key():
    a1 = ChecklistAnswer(item_key="clean", result=F)
    a2 = ChecklistAnswer(item_key="clean", result=P)
    assert answers_by_key([a1, a2]) == {"clean": a2}


# --------------------------------------------------------------------------- check-out


def keys(messages):
    return [(m.params.get("key"), m.text) for m in messages]


def test_complete_visit_may_check_out():
    done = answers(clean=P, prices=F, facings=(P, 5))
    assert missing_for_checkout(template(), done, {"prices": 1}) == []


def test_required_unanswered_items_are_listed_optional_are_not():
    problems = missing_for_checkout(template(), answers(clean=P), {})
    assert [m.params["key"] for m in problems] == ["prices", "facings"]
    assert all(m.text == "'{item}' is not answered yet." for m in problems)
    assert problems[0].params["item"] == "Prices marked"
    assert problems[0].params["item_zh"] == "明码标价"
    assert str(problems[0]) == "'Prices marked' is not answered yet."


def test_missing_photo_is_listed_for_pass_and_fail_but_not_for_na():
    for result in (P, F):
        problems = missing_for_checkout(template(), answers(clean=P, prices=result, facings=(P, 2)), {})
        assert keys(problems) == [("prices", "'{item}' needs a photo. Take one before checking out.")]
        assert missing_for_checkout(template(), answers(clean=P, prices=result, facings=(P, 2)),
                                    {"prices": 0}) == problems
    assert missing_for_checkout(template(), answers(clean=P, prices=NA, facings=(P, 2)), {}) == []


def test_count_item_needs_a_count_unless_not_applicable():
    problems = missing_for_checkout(template(), answers(clean=P, prices=P, facings=P), {"prices": 2})
    assert keys(problems) == [("facings", "Enter the count for '{item}'.")]
    negative = missing_for_checkout(template(), answers(clean=P, prices=P, facings=(F, -1)), {"prices": 2})
    assert negative[0].params["count"] == -1
    assert missing_for_checkout(template(), answers(clean=P, prices=P, facings=(F, 0)), {"prices": 2}) == []
    assert missing_for_checkout(template(), answers(clean=P, prices=P, facings=NA), {"prices": 2}) == []


def test_failed_note_item_needs_a_note():
    base = dict(clean=P, prices=P, facings=(P, 1))
    problems = missing_for_checkout(template(), answers(**base, new=F), {"prices": 1})
    assert keys(problems) == [("new", "'{item}' failed: describe what is wrong in the note.")]
    assert missing_for_checkout(template(), answers(**base, new=(F, "新品未到货")), {"prices": 1}) == []
    assert missing_for_checkout(template(), answers(**base, new=P), {"prices": 1}) == []


def test_one_message_per_item_in_template_order():
    problems = missing_for_checkout(template(), answers(facings=P, new=F), {})
    assert [m.params["key"] for m in problems] == ["clean", "prices", "facings", "new"]


def test_label_falls_back_when_one_language_is_missing():
    tpl = ChecklistTemplate(items=[ChecklistItem("x", "许可证悬挂", "")])
    (msg,) = missing_for_checkout(tpl, {}, {})
    assert msg.params["item"] == "许可证悬挂" and msg.params["item_zh"] == "许可证悬挂"


# --------------------------------------------------------------------------- follow-ups


def test_one_follow_up_per_failed_item():
    ids = (f"fu-{n}" for n in itertools.count(1))
    done = answers(clean=F, prices=(F, "价签与实际售价不一致"), facings=(P, 3), new=NA)
    proposals = proposed_follow_ups(template(), done, "cust-1", "v1", date(2026, 12, 1),
                                    owner_id="mgr-1", id_factory=lambda: next(ids))
    assert [(f.id, f.title, f.source_item_key) for f in proposals] == [
        ("fu-1", "柜台整洁", "clean"),
        ("fu-2", "明码标价（价签与实际售价不一致）", "prices"),
    ]
    for f in proposals:
        assert (f.customer_id, f.visit_id, f.due_date, f.status, f.owner_id) == (
            "cust-1", "v1", date(2026, 12, 1), FollowUpStatus.OPEN, "mgr-1")


def test_no_failures_no_follow_ups():
    assert proposed_follow_ups(template(), answers(clean=P, prices=NA), "c", "v", date(2026, 1, 1)) == []


def test_long_notes_are_shortened_in_the_title():
    done = answers(clean=(F, "很" * 100))
    (f,) = proposed_follow_ups(template(), done, "c", "v", date(2026, 1, 1))
    assert f.title.startswith("柜台整洁（") and f.title.endswith("…）")
    assert len(f.title) == len("柜台整洁（）") + 40


# --------------------------------------------------------------------------- template validation


def valid_template() -> ChecklistTemplate:
    return template()  # weights 20 + 30 + 40 + 10 = 100


def test_valid_template_passes():
    assert validate_template(valid_template()) == []


def test_weights_may_add_up_to_100_within_rounding():
    tpl = ChecklistTemplate(name_zh="三项", items=[
        ChecklistItem("a", "甲", "A", weight=33.33), ChecklistItem("b", "乙", "B", weight=33.33),
        ChecklistItem("c", "丙", "C", weight=33.34)])
    assert validate_template(tpl) == []


def test_template_without_items_is_refused():
    (msg,) = validate_template(ChecklistTemplate(name_zh="空"))
    assert msg.text == "The template has no items. Add at least one item."


def test_template_without_name_is_refused():
    tpl = valid_template()
    tpl.name_zh = tpl.name_en = " "
    assert [m.text for m in validate_template(tpl)] == ["The template has no name. Give it a name."]


def test_duplicate_keys_are_refused_once_per_key():
    tpl = valid_template()
    tpl.items[1].key = "clean"
    tpl.items[2].key = "clean"
    problems = validate_template(tpl)
    assert len(problems) == 1
    assert problems[0].params == {"key": "clean", "first": 1, "number": 2}
    assert str(problems[0]) == "The key 'clean' is used by items 1 and 2. Every item needs its own key."


def test_missing_key_and_label_are_refused():
    tpl = valid_template()
    tpl.items[0].key = ""
    tpl.items[1].label_zh = tpl.items[1].label_en = ""
    texts = [str(m) for m in validate_template(tpl)]
    assert texts == ["Item 1 has no key. Give every item a key.", "Item 2 has no label. Enter its text."]


@pytest.mark.parametrize("bad", [0, -5, float("nan"), float("inf")])
def test_weights_must_be_positive_numbers(bad):
    tpl = valid_template()
    tpl.items[3].weight = bad
    problems = validate_template(tpl)
    # The sum is not checked on top: the bad weight is the one thing to fix.
    assert len(problems) == 1
    assert problems[0].params["key"] == "new"
    assert problems[0].text == "The weight of '{item}' is {weight}; it must be a number greater than 0."


def test_weights_must_add_up_to_100():
    tpl = valid_template()
    tpl.items[3].weight = 5
    (msg,) = validate_template(tpl)
    assert msg.params == {"total": "95", "expected": "100"}
    assert str(msg) == "The weights add up to 95; they must add up to 100. Adjust the weights."


def test_default_weights_of_1_are_refused():
    tpl = ChecklistTemplate(name_zh="默认", items=[ChecklistItem("a", "甲", "A"), ChecklistItem("b", "乙", "B")])
    assert [m.params.get("total") for m in validate_template(tpl)] == ["2"]


def test_every_message_renders_with_its_own_params():
    tpl = ChecklistTemplate(items=[ChecklistItem("", "", "", weight=-1), ChecklistItem("a", "甲", "A", weight=2),
                                   ChecklistItem("a", "甲", "A", weight=3)])
    messages = validate_template(tpl) + missing_for_checkout(template(), answers(facings=P, new=F), {})
    assert messages
    for m in messages:
        assert "{" not in m.render()
        assert m.context == "Checklist"
