"""The review state machine: transitions, who may do what, derived status, history order."""

from __future__ import annotations

import pytest

from fieldapp.core.review import (
    ReviewAction as A,
    ReviewerRole as R,
    ReviewEvent,
    ReviewStatus as S,
    allowed_actions,
    check_event,
    derive_status,
    history,
    is_editable_for_correction,
    ordered,
    status_after,
)


def ev(i: int, action: A, position: int | None = None) -> ReviewEvent:
    return ReviewEvent(id=f"e{i}", visit_id="v", action=action, position=position)


@pytest.mark.parametrize("status,action,expected", [
    (S.NEW, A.APPROVE, S.APPROVED), (S.NEW, A.RETURN, S.RETURNED), (S.RETURNED, A.RESUBMIT, S.RESUBMITTED),
    (S.RESUBMITTED, A.APPROVE, S.APPROVED), (S.RESUBMITTED, A.RETURN, S.RETURNED),
    (S.APPROVED, A.RETURN, S.RETURNED), (S.RETURNED, A.APPROVE, S.APPROVED),
    (S.RETURNED, A.COMMENT, S.RETURNED), (S.APPROVED, A.COMMENT, S.APPROVED),
])
def test_transitions(status, action, expected):
    assert status_after(status, action) is expected
    assert check_event(action, R.ADMIN if action is not A.RESUBMIT else R.MANAGER, status, "why") == []


@pytest.mark.parametrize("status,action", [
    (S.NEW, A.RESUBMIT), (S.APPROVED, A.RESUBMIT), (S.RESUBMITTED, A.RESUBMIT),
    (S.APPROVED, A.APPROVE), (S.RETURNED, A.RETURN),
])
def test_refused_transitions(status, action):
    role = R.MANAGER if action is A.RESUBMIT else R.LEAD
    problems = check_event(action, role, status, "text")
    assert len(problems) == 1


def test_who_may_do_what():
    assert allowed_actions(S.NEW, R.MANAGER) == [A.COMMENT]
    assert allowed_actions(S.RETURNED, R.MANAGER) == [A.COMMENT, A.RESUBMIT]
    assert allowed_actions(S.NEW, R.LEAD) == [A.COMMENT, A.APPROVE, A.RETURN]
    assert allowed_actions(S.APPROVED, R.LEAD) == [A.COMMENT, A.RETURN]
    assert allowed_actions(S.NEW, R.OTHER) == []
    # a manager cannot approve; a lead cannot resubmit; strangers cannot comment
    assert "Only a lead" in check_event(A.APPROVE, R.MANAGER, S.NEW, "")[0].text
    assert "Only the visit's account manager can resubmit" in check_event(A.RESUBMIT, R.LEAD, S.RETURNED, "")[0].text
    assert check_event(A.COMMENT, R.OTHER, S.NEW, "hi")


def test_reasons_texts_and_visit_state():
    assert [m.text for m in check_event(A.RETURN, R.LEAD, S.NEW, "  ")] == [
        "Say why the visit is returned, so the manager knows what to correct."]
    assert check_event(A.COMMENT, R.LEAD, S.NEW, "")[0].text.startswith("The comment is empty")
    assert check_event(A.APPROVE, R.LEAD, S.NEW, "")  == []  # approving needs no text
    assert "in progress" in check_event(A.APPROVE, R.LEAD, S.NEW, "", visit_completed=False)[0].text
    assert "own visit" in check_event(A.APPROVE, R.LEAD, S.NEW, "", own_visit=True)[0].text
    assert check_event(A.APPROVE, R.ADMIN, S.NEW, "", own_visit=True) == []
    assert "shorten" in check_event(A.COMMENT, R.LEAD, S.NEW, "x" * 3000)[0].text
    assert "not a review action" in check_event("delete", R.LEAD, S.NEW, "")[0].text


def test_derived_status_follows_server_order_then_local_order():
    events = [ev(3, A.RESUBMIT), ev(1, A.RETURN, 1), ev(2, A.COMMENT, 2), ev(4, A.APPROVE)]
    assert [e.id for e in ordered(events)] == ["e1", "e2", "e3", "e4"]
    assert derive_status(events) is S.APPROVED
    assert derive_status([]) is S.NEW
    assert derive_status([ev(1, A.COMMENT, 1)]) is S.NEW
    # an event that does not fit the status reached is skipped, never yields an impossible status
    assert derive_status([ev(1, A.RESUBMIT, 1)]) is S.NEW
    assert derive_status([ev(1, A.RETURN, 2), ev(2, A.APPROVE, 1)]) is S.RETURNED  # positions decide, not the list


def test_history_lists_status_after_each_event():
    lines = history([ev(1, A.RETURN, 1), ev(2, A.COMMENT, 2), ev(3, A.RESUBMIT, 3), ev(4, A.APPROVE)])
    assert [(h.event.id, h.status, h.accepted) for h in lines] == [
        ("e1", S.RETURNED, True), ("e2", S.RETURNED, True), ("e3", S.RESUBMITTED, True), ("e4", S.APPROVED, False)]
    assert is_editable_for_correction(S.RETURNED) and not is_editable_for_correction(S.RESUBMITTED)
