"""The conflict policy (fieldapp.core.merge): pure, no I/O."""

from __future__ import annotations

from fieldapp.core.merge import (
    FREE_TEXT_FIELDS,
    TEXT_SEPARATOR,
    Resolution,
    merge_text,
    merge_update,
    values_equal,
)
from fieldapp.core.protocol import OutcomeStatus

CUSTOMER = {"store_name": "王记便利店", "phone": "13812345678", "grade": 12, "needs": "要新品", "notes": "",
            "tags": ["近学校"]}


def test_base_current_applies_everything_as_sent():
    result = merge_update("customer", CUSTOMER, 3, 3, {"phone": ["13812345678", "13900000000"], "grade": [12, 13]})
    assert result.status == OutcomeStatus.APPLIED
    assert result.values["phone"] == "13900000000" and result.values["grade"] == 13
    assert result.changed == {"phone": "13900000000", "grade": 13}
    assert result.conflicts == ()


def test_base_current_applies_even_if_old_differs():
    # The client saw this very version; its "old" is informative only.
    result = merge_update("customer", CUSTOMER, 3, 3, {"grade": [99, 14]})
    assert result.status == OutcomeStatus.APPLIED and result.values["grade"] == 14


def test_field_unchanged_on_server_takes_client_value():
    result = merge_update("customer", CUSTOMER, 5, 3, {"phone": ["13812345678", "13900000000"]})
    assert result.status == OutcomeStatus.MERGED
    assert result.values["phone"] == "13900000000"
    assert result.changed == {"phone": "13900000000"}


def test_same_value_on_both_sides_is_nothing_to_do():
    server = dict(CUSTOMER, grade=20)
    result = merge_update("customer", server, 5, 3, {"grade": [12, 20]})
    assert result.status == OutcomeStatus.MERGED
    assert result.changed == {} and result.conflicts == ()


def test_both_changed_server_keeps_and_records_both_values():
    server = dict(CUSTOMER, phone="13700000000")
    result = merge_update("customer", server, 5, 3, {"phone": ["13812345678", "13900000000"],
                                                      "grade": [12, 15]})
    assert result.status == OutcomeStatus.CONFLICT
    assert result.values["phone"] == "13700000000"      # the server's value stays
    assert result.values["grade"] == 15                 # the other field still merges
    (conflict,) = result.conflicts
    assert (conflict.field, conflict.base, conflict.server, conflict.client, conflict.merged) == (
        "phone", "13812345678", "13700000000", "13900000000", "13700000000")
    assert conflict.resolution == Resolution.SERVER_KEPT


def test_free_text_keeps_both_texts():
    server = dict(CUSTOMER, needs="要新品；周五补货")
    result = merge_update("customer", server, 5, 3, {"needs": ["要新品", "要新品；需要价签"]})
    assert result.status == OutcomeStatus.CONFLICT
    assert result.values["needs"] == "要新品；周五补货" + TEXT_SEPARATOR + "要新品；需要价签"
    assert result.conflicts[0].resolution == Resolution.KEPT_BOTH
    assert result.conflicts[0].server == "要新品；周五补货" and result.conflicts[0].client == "要新品；需要价签"


def test_every_listed_free_text_field_keeps_both():
    for entity, names in FREE_TEXT_FIELDS.items():
        for name in names:
            result = merge_update(entity, {name: "server text"}, 2, 1, {name: ["old", "client text"]})
            assert result.values[name] == "server text" + TEXT_SEPARATOR + "client text", (entity, name)
            assert result.status == OutcomeStatus.CONFLICT


def test_non_text_field_of_a_note_entity_is_not_concatenated():
    result = merge_update("follow_up", {"title": "a", "status": "done"}, 2, 1, {"status": ["open", "cancelled"]})
    assert result.values["status"] == "done"
    assert result.conflicts[0].resolution == Resolution.SERVER_KEPT


def test_checklist_answer_author_wins_but_is_recorded():
    server = {"result": "fail", "count": 3, "note": ""}
    result = merge_update("checklist_answer", server, 4, 2, {"result": ["pass", "na"]}, author_wins=True)
    assert result.values["result"] == "na"
    assert result.status == OutcomeStatus.CONFLICT
    assert result.conflicts[0].resolution == Resolution.AUTHOR_WON
    assert result.conflicts[0].server == "fail"


def test_checklist_answer_non_author_does_not_override():
    server = {"result": "fail", "count": 3, "note": ""}
    result = merge_update("checklist_answer", server, 4, 2, {"result": ["pass", "na"]}, author_wins=False)
    assert result.values["result"] == "fail"


def test_author_wins_flag_is_ignored_outside_checklist_answers():
    result = merge_update("customer", dict(CUSTOMER, grade=20), 5, 3, {"grade": [12, 15]}, author_wins=True)
    assert result.values["grade"] == 20


def test_checklist_answer_note_keeps_both_even_for_the_author():
    server = {"result": "pass", "count": None, "note": "价签缺失"}
    result = merge_update("checklist_answer", server, 4, 2, {"note": ["", "已提醒店主"]}, author_wins=True)
    assert result.values["note"] == "价签缺失" + TEXT_SEPARATOR + "已提醒店主"


def test_merge_text_edge_cases():
    assert merge_text("", "client") == "client"
    assert merge_text("server", "") == "server"
    assert merge_text(None, "client") == "client"
    assert merge_text("abc", "abc") == "abc"
    assert merge_text("abc def", "abc") == "abc def"       # one contains the other: nothing is lost
    assert merge_text("ab", "xab") == "xab"
    assert merge_text("a", "b") == "a" + TEXT_SEPARATOR + "b"


def test_values_equal_normalises_numbers_but_not_bools_or_none():
    assert values_equal(1, 1.0)
    assert not values_equal(True, 1)
    assert not values_equal(None, "")
    assert values_equal(["a", 1], ["a", 1.0])
    assert not values_equal(["a"], ["a", "b"])
    assert values_equal({"k": [1]}, {"k": [1.0]})


def test_merge_does_not_mutate_its_inputs():
    server = dict(CUSTOMER)
    changes = {"phone": ["13812345678", "13900000000"]}
    merge_update("customer", server, 5, 3, changes)
    assert server == CUSTOMER and changes == {"phone": ["13812345678", "13900000000"]}


def test_clocks_play_no_part():
    # Same inputs, same result: there is no time in the policy.
    a = merge_update("customer", dict(CUSTOMER, phone="1"), 5, 3, {"phone": ["13812345678", "2"]})
    b = merge_update("customer", dict(CUSTOMER, phone="1"), 5, 3, {"phone": ["13812345678", "2"]})
    assert a == b
