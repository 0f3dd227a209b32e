"""Visit review (审核): the state machine of review events, who may record them, the derived status.

A review is a history of **append-only events** (entity ``visit_review``): a
lead comments on a visit, approves it or returns it for correction; the
visit's account manager comments or resubmits a corrected visit. Events are
never changed or deleted, so concurrent decisions made offline on two laptops
are all kept — they are ordered by the server when it accepts them (each
accepted event gets a ``position``, 1, 2, 3 ... per visit), and both sides show
the same history in that order. Events not yet accepted come after, in the
order they were recorded on this laptop.

The visit's review status is **derived** from its events (it is not a column
of the visit): the status after the last status-changing event, ``new`` when
there is none. Comments never change the status. See :func:`derive_status`.

Who may do what (:func:`check_event`; the server applies the same rules to
every pushed event, the laptop before recording one):

=============  =================================================  =====================================
action         actor                                              allowed from
=============  =================================================  =====================================
``approve``    a lead of the visit manager's team, or an admin    new, returned, resubmitted
``return``     a lead of the visit manager's team, or an admin    new, approved, resubmitted (a reason
                                                                  is required)
``resubmit``   the visit's manager (or the manager it was made    returned
               on behalf of)
``comment``    either of the above                                any status (text is required)
=============  =================================================  =====================================

Only checked-out visits are reviewed. A lead does not approve or return their
own visit.

Pure: no clock, no storage. Refusals come back as translatable
:class:`~fieldapp.core.messages.Message` values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from .entities import LabelledEnum
from .messages import QT_TRANSLATE_NOOP, Message

CTX = "Review"

#: Longest text of one review event (comment, reason).
REVIEW_TEXT_MAX = 2000


class ReviewAction(LabelledEnum):
    COMMENT = ("comment", QT_TRANSLATE_NOOP("Enum", "Comment"))
    APPROVE = ("approve", QT_TRANSLATE_NOOP("Enum", "Approve"))
    RETURN = ("return", QT_TRANSLATE_NOOP("Enum", "Return for correction"))
    RESUBMIT = ("resubmit", QT_TRANSLATE_NOOP("Enum", "Resubmit"))


class ReviewStatus(LabelledEnum):
    NEW = ("new", QT_TRANSLATE_NOOP("Enum", "New"))
    APPROVED = ("approved", QT_TRANSLATE_NOOP("Enum", "Approved"))
    RETURNED = ("returned", QT_TRANSLATE_NOOP("Enum", "Returned"))
    RESUBMITTED = ("resubmitted", QT_TRANSLATE_NOOP("Enum", "Resubmitted"))


class ReviewerRole(LabelledEnum):
    """How the actor relates to the visit (decided by the caller from users and teams)."""

    MANAGER = ("manager", QT_TRANSLATE_NOOP("Enum", "Visit's manager"))   # made it, or it was made on their behalf
    LEAD = ("lead", QT_TRANSLATE_NOOP("Enum", "Team lead"))             # lead of the manager's team
    ADMIN = ("admin", QT_TRANSLATE_NOOP("Enum", "Administrator"))
    OTHER = ("other", QT_TRANSLATE_NOOP("Enum", "Other"))               # nobody who may review this visit


#: action -> (status after it, statuses it may follow). ``None``: the status does not change.
TRANSITIONS: dict[ReviewAction, tuple[ReviewStatus | None, frozenset[ReviewStatus]]] = {
    ReviewAction.COMMENT: (None, frozenset(ReviewStatus)),
    ReviewAction.APPROVE: (ReviewStatus.APPROVED,
                           frozenset({ReviewStatus.NEW, ReviewStatus.RETURNED, ReviewStatus.RESUBMITTED})),
    ReviewAction.RETURN: (ReviewStatus.RETURNED,
                          frozenset({ReviewStatus.NEW, ReviewStatus.APPROVED, ReviewStatus.RESUBMITTED})),
    ReviewAction.RESUBMIT: (ReviewStatus.RESUBMITTED, frozenset({ReviewStatus.RETURNED})),
}

#: Which actors may record which action.
ACTORS: dict[ReviewAction, frozenset[ReviewerRole]] = {
    ReviewAction.COMMENT: frozenset({ReviewerRole.MANAGER, ReviewerRole.LEAD, ReviewerRole.ADMIN}),
    ReviewAction.APPROVE: frozenset({ReviewerRole.LEAD, ReviewerRole.ADMIN}),
    ReviewAction.RETURN: frozenset({ReviewerRole.LEAD, ReviewerRole.ADMIN}),
    ReviewAction.RESUBMIT: frozenset({ReviewerRole.MANAGER}),
}


@dataclass(frozen=True)
class ReviewEvent:
    """One review event as both sides hold it.

    ``position`` is the server's order (1-based per visit); ``None`` for an
    event not yet accepted by the server.
    """

    id: str
    visit_id: str
    action: ReviewAction
    author_id: str | None = None
    text: str = ""
    created_at_client: str | None = None
    position: int | None = None


def _msg(text: str, **params) -> Message:
    return Message(CTX, text, params)


def ordered(events: Iterable[ReviewEvent]) -> list[ReviewEvent]:
    """Events in history order: accepted ones by server position, then unaccepted ones as given."""
    events = list(events)
    accepted = sorted((e for e in events if e.position is not None), key=lambda e: (e.position, e.id))
    return accepted + [e for e in events if e.position is None]


def status_after(status: ReviewStatus, action: ReviewAction) -> ReviewStatus:
    """The status after ``action`` (assumed allowed)."""
    new, _from = TRANSITIONS[ReviewAction(action)]
    return status if new is None else new


def derive_status(events: Iterable[ReviewEvent]) -> ReviewStatus:
    """The review status after ``events`` (put in history order first; comments change nothing).

    An event that is not allowed from the status reached so far is skipped, so
    a history built from whatever arrived never yields an impossible status.
    """
    status = ReviewStatus.NEW
    for event in ordered(events):
        new, allowed_from = TRANSITIONS[ReviewAction(event.action)]
        if new is not None and status in allowed_from:
            status = new
    return status


def allowed_actions(status: ReviewStatus, role: ReviewerRole) -> list[ReviewAction]:
    """The actions ``role`` may record on a (checked-out) visit in ``status``, in menu order."""
    return [a for a in ReviewAction if role in ACTORS[a] and ReviewStatus(status) in TRANSITIONS[a][1]]


def check_event(action: ReviewAction | str, role: ReviewerRole, status: ReviewStatus, text: str, *,
                visit_completed: bool = True, own_visit: bool = False) -> list[Message]:
    """Reasons to refuse recording ``action`` now; empty when it may be recorded.

    ``role``: how the actor relates to the visit; ``status``: the visit's
    current derived status; ``visit_completed``: the visit is checked out;
    ``own_visit``: the actor made the visit themselves (a lead does not
    approve or return their own visit).
    """
    try:
        action = ReviewAction(action)
    except ValueError:
        return [_msg(QT_TRANSLATE_NOOP("Review", "'{action}' is not a review action."), action=str(action))]
    status = ReviewStatus(status)
    problems: list[Message] = []
    if not visit_completed:
        problems.append(_msg(QT_TRANSLATE_NOOP(
            "Review", "This visit is still in progress; it can be reviewed after check-out.")))
    if role not in ACTORS[action]:
        if action in (ReviewAction.APPROVE, ReviewAction.RETURN):
            problems.append(_msg(QT_TRANSLATE_NOOP(
                "Review", "Only a lead of the manager's team can approve or return a visit.")))
        elif action is ReviewAction.RESUBMIT:
            problems.append(_msg(QT_TRANSLATE_NOOP(
                "Review", "Only the visit's account manager can resubmit it.")))
        else:
            problems.append(_msg(QT_TRANSLATE_NOOP(
                "Review", "Only the visit's account manager or a lead of their team can comment on it.")))
    elif own_visit and role is not ReviewerRole.ADMIN and action in (ReviewAction.APPROVE, ReviewAction.RETURN):
        problems.append(_msg(QT_TRANSLATE_NOOP("Review", "You cannot approve or return your own visit.")))
    if status not in TRANSITIONS[action][1]:
        problems.append(_transition_message(action, status))
    stripped = (text or "").strip()
    if action is ReviewAction.RETURN and not stripped:
        problems.append(_msg(QT_TRANSLATE_NOOP(
            "Review", "Say why the visit is returned, so the manager knows what to correct.")))
    elif action is ReviewAction.COMMENT and not stripped:
        problems.append(_msg(QT_TRANSLATE_NOOP("Review", "The comment is empty. Write something first.")))
    if len(text or "") > REVIEW_TEXT_MAX:
        problems.append(_msg(QT_TRANSLATE_NOOP(
            "Review", "The text is {length} characters long; shorten it to {max} or less."),
            length=len(text), max=REVIEW_TEXT_MAX))
    return problems


def _transition_message(action: ReviewAction, status: ReviewStatus) -> Message:
    if action is ReviewAction.RESUBMIT:
        return _msg(QT_TRANSLATE_NOOP(
            "Review", "Only a returned visit can be resubmitted; this one is {status}."), status=status.value)
    if action is ReviewAction.APPROVE:
        return _msg(QT_TRANSLATE_NOOP("Review", "This visit is already approved."), status=status.value)
    return _msg(QT_TRANSLATE_NOOP("Review", "This visit is already returned; wait for the manager to resubmit it."),
                status=status.value)


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a visit's review history: the event and the status it left the visit in."""

    event: ReviewEvent
    status: ReviewStatus
    accepted: bool  # the server has it (it has a position)


def history(events: Sequence[ReviewEvent]) -> list[HistoryEntry]:
    """The review history in order, each event with the status after it."""
    status = ReviewStatus.NEW
    out = []
    for event in ordered(events):
        new, allowed_from = TRANSITIONS[ReviewAction(event.action)]
        if new is not None and status in allowed_from:
            status = new
        out.append(HistoryEntry(event, status, event.position is not None))
    return out


def is_editable_for_correction(status: ReviewStatus) -> bool:
    """A returned visit may be corrected (answers and notes) by its manager until resubmitted."""
    return ReviewStatus(status) is ReviewStatus.RETURNED
