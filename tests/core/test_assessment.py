"""Assessment figures on a small data set computed by hand.

The data set (week W47: Monday 2026-11-16 to Sunday 2026-11-22; times +08:00)
--------------------------------------------------------------------------
Managers: wang (王) and li (李), li is wang's backup; zhao has nothing.

Customers            class  interval  manager
  c1                 A      7         wang
  c2                 B      14        wang
  c3                 C      30        wang
  c4 (suspended)     A      7         wang    -> never counted
  c5                 A      7         li
  c6                 C      30        li      -> never visited

Visits (completed unless noted; "by" made it, "for" is on_behalf_of)
  v1   11-09 10:00-10:30  c1 by wang            score 80 fail price_tags   (week before)
  v4   11-01 10:00-10:30  c2 by wang                                       (before)
  v6   10-20 10:00-10:10  c3 by wang                                       (before)
  v7   11-15 23:55-23:59  c5 by li                                         (Sunday before: not in W47)
  v2   11-16 00:05-00:50  c1 by wang            score 90 fail display      complaint noted; synced 11-16 18:00
  v5   11-18 10:00-19:00  c2 by wang            score 50 fail display, price_tags (9 h); sync unknown
  v9   11-19 09:00-       c1 by wang, IN PROGRESS                           -> never counted
  v8   11-20 14:00-14:30  c5 by li              score 70 fail price_tags   complaint noted; synced 15:00
  v3   11-22 23:50-00:10  c1 by li for wang     score 100                  synced 11-25 00:10 (exactly 2 days)
  v10  11-23 00:00-00:20  c1 by wang            score 10                   (next Monday: not in W47)
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from fieldapp.core.assessment import (
    AssessmentFacts,
    AssessmentRules,
    CustomerFact,
    FollowUpFact,
    Mean,
    PlannedFact,
    Share,
    VisitFact,
    assess,
    daily_visits,
    figures_for,
    trend,
)
from fieldapp.core.entities import ChecklistItem, CustomerClass, CustomerStatus, FollowUpStatus, VisitStatus
from fieldapp.core.periods import PeriodKind, period_containing

TZ = timezone(timedelta(hours=8))
W47 = period_containing(PeriodKind.WEEK, date(2026, 11, 18))
A, B, C = CustomerClass.A, CustomerClass.B, CustomerClass.C
DONE, OPEN, CANCELLED = FollowUpStatus.DONE, FollowUpStatus.OPEN, FollowUpStatus.CANCELLED


def t(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def visit(visit_id, customer, by, check_in, check_out=None, *, for_=None, score=None, failed=(), synced=None,
          status=VisitStatus.COMPLETED, complaint=False) -> VisitFact:
    return VisitFact(visit_id=visit_id, manager_id=by, customer_id=customer, on_behalf_of=for_, check_in_at=check_in,
                     check_out_at=check_out, score=score, failed_items=tuple(failed), status=status,
                     synced_at=synced, created_at=check_in, has_complaint=complaint)


CUSTOMERS = (
    CustomerFact("c1", A, "wang", "li"),
    CustomerFact("c2", B, "wang", "li"),
    CustomerFact("c3", C, "wang", "li"),
    CustomerFact("c4", A, "wang", "li", CustomerStatus.SUSPENDED),
    CustomerFact("c5", A, "li", "wang"),
    CustomerFact("c6", C, "li", "wang"),
)

VISITS = (
    visit("v1", "c1", "wang", t(11, 9), t(11, 9, 10, 30), score=80, failed=["price_tags"]),
    visit("v4", "c2", "wang", t(11, 1), t(11, 1, 10, 30)),
    visit("v6", "c3", "wang", t(10, 20), t(10, 20, 10, 10)),
    visit("v7", "c5", "li", t(11, 15, 23, 55), t(11, 15, 23, 59)),
    visit("v2", "c1", "wang", t(11, 16, 0, 5), t(11, 16, 0, 50), score=90, failed=["display"],
          synced=t(11, 16, 18), complaint=True),
    visit("v5", "c2", "wang", t(11, 18, 10), t(11, 18, 19), score=50, failed=["display", "price_tags"]),
    visit("v9", "c1", "wang", t(11, 19, 9), status=VisitStatus.IN_PROGRESS, score=0),
    visit("v8", "c5", "li", t(11, 20, 14), t(11, 20, 14, 30), score=70, failed=["price_tags"],
          synced=t(11, 20, 15), complaint=True),
    visit("v3", "c1", "li", t(11, 22, 23, 50), t(11, 23, 0, 10), for_="wang", score=100, synced=t(11, 25, 0, 10)),
    visit("v10", "c1", "wang", t(11, 23, 0, 0), t(11, 23, 0, 20), score=10, synced=t(11, 23, 1)),
)


def fu(fid, customer, owner, due, status=OPEN, *, created=None, closed=None, complaint=False, visit_id=None):
    return FollowUpFact(fid, customer, owner, due, status, created_on=created, closed_on=closed,
                        is_complaint=complaint, visit_id=visit_id)


FOLLOW_UPS = (
    fu("f1", "c1", "wang", date(2026, 11, 16), DONE, closed=date(2026, 11, 16)),  # closed on its due date: on time
    fu("f2", "c2", None, date(2026, 11, 20), DONE, closed=date(2026, 11, 21)),    # owner = c2's manager wang: late
    fu("f3", "c3", "wang", date(2026, 11, 22), OPEN),                             # due on the last day, open
    fu("f4", "c1", "wang", date(2026, 11, 18), CANCELLED, closed=date(2026, 11, 17)),  # withdrawn: left out
    fu("f6", "c2", "wang", date(2026, 11, 19), DONE),                             # done, closing date unknown
    fu("f7", "c1", "wang", date(2026, 11, 23), DONE, closed=date(2026, 11, 15)),  # due after W47: left out
    fu("f8", "c1", "wang", date(2026, 11, 15), OPEN),                             # due before W47: left out
    # complaints
    fu("f5", "c5", "li", date(2026, 11, 27), DONE, created=date(2026, 11, 20), closed=date(2026, 11, 21),
       complaint=True, visit_id="v8"),
    fu("f9", "c1", "wang", None, OPEN, created=date(2026, 11, 10), complaint=True),
    fu("f10", "c2", "wang", None, DONE, created=date(2026, 11, 12), closed=date(2026, 11, 17), complaint=True),
    fu("f11", "c3", "wang", None, DONE, created=date(2026, 11, 18), closed=date(2026, 11, 25), complaint=True),
    fu("f12", "c1", "wang", None, CANCELLED, created=date(2026, 11, 5), complaint=True),
)

PLANNED = (
    PlannedFact("wang", "c1", date(2026, 11, 16)),  # done that day (v2)
    PlannedFact("wang", "c1", date(2026, 11, 16)),  # the same entry twice counts once
    PlannedFact("wang", "c2", date(2026, 11, 17)),  # visited a day later (v5): not as planned
    PlannedFact("wang", "c3", date(2026, 11, 19)),  # not visited
    PlannedFact("wang", "c2", date(2026, 11, 23)),  # after W47
)

ITEMS = (
    ChecklistItem("counter_clean", "柜台整洁", "Counter clean and tidy"),
    ChecklistItem("display", "卷烟出样", "Brand display standard"),
    ChecklistItem("price_tags", "明码标价", "Prices marked"),
)

FACTS = AssessmentFacts(CUSTOMERS, VISITS, FOLLOW_UPS, PLANNED, ITEMS)


@pytest.fixture(scope="module")
def week():
    return assess(FACTS, W47, ["wang", "li", "zhao"])


# --- coverage ------------------------------------------------------------------------------


def test_coverage_per_manager(week):
    wang = week.manager("wang")
    # c1: visits 11-09, 11-16, 11-22: every day of W47 has a visit within the last 7 days -> covered
    #     (11-16 is covered by 11-09, exactly 7 days before: due that day, not yet overdue).
    # c2: last visit before W47 on 11-01; due 11-15, overdue from 11-16; the 11-18 visit is too late.
    # c3: last visit 10-20; due 11-19, overdue from 11-20 -> missed although W47 is shorter than 30 days.
    # c4 is suspended: not counted. 1 covered out of 3.
    assert wang.customers == 3
    assert wang.coverage == Share(1, 3)
    assert wang.coverage.value == pytest.approx(1 / 3)
    assert dict(wang.coverage_by_class) == {A: Share(1, 1), B: Share(0, 1), C: Share(0, 1)}
    assert [(m.customer_id, m.overdue_from, m.visits, m.interval_days) for m in wang.missed] == [
        ("c2", date(2026, 11, 16), 1, 14), ("c3", date(2026, 11, 20), 0, 30)]
    li = week.manager("li")
    # c5: 11-15 (Sunday before), 11-20; the 11-22 end is 2 days after -> covered. c6: never visited.
    assert li.coverage == Share(1, 2)
    assert [(m.customer_id, m.overdue_from) for m in li.missed] == [("c6", date(2026, 11, 16))]


def test_team_coverage_pools_customers(week):
    # covered: c1, c5 out of c1, c2, c3, c5, c6 -> 2/5 (not the mean of 1/3 and 1/2)
    assert week.team.customers == 5
    assert week.team.coverage == Share(2, 5)
    assert [m.customer_id for m in week.team.missed] == ["c6", "c2", "c3"]  # 11-16 (li, wang), then 11-20


def test_a_visit_exactly_one_interval_before_the_period_covers_its_first_day():
    # An A store (7 days) seen on 11-09, 11-17 and 11-21: on 11-16 the last visit is exactly 7 days old
    # (due that day) and on 11-17 it is visited -> covered. Seen on 11-08 instead: nothing in
    # [11-09, 11-16] -> overdue on 11-16 -> missed.
    def coverage(*days: int):
        visits = [visit(f"e{day}", "c1", "wang", t(11, day), t(11, day, 10, 20)) for day in days]
        return figures_for(AssessmentFacts(CUSTOMERS[:1], visits), W47, ["wang"])

    assert coverage(9, 17, 21).coverage == Share(1, 1)
    missed = coverage(8, 17, 21)
    assert missed.coverage == Share(0, 1)
    assert missed.missed[0].overdue_from == date(2026, 11, 16)
    # Inside the period: 11-16 -> 11-24 would leave 11-24 uncovered, but W47 ends 11-22; 11-16 and 11-22
    # without a visit between is fine (6 days); 11-14 then nothing until the end: overdue from 11-22.
    assert coverage(16, 22).coverage == Share(1, 1)
    assert coverage(14).missed[0].overdue_from == date(2026, 11, 22)
    # A gap inside the period: 11-09 then 11-18 -> 11-17 had no visit in [11-10, 11-17].
    assert coverage(9, 18).missed[0].overdue_from == date(2026, 11, 17)


def test_coverage_up_to_as_of_judges_only_the_days_so_far():
    # As of Wednesday 11-18: c1 (11-16 visit) covered, c3 (due 11-19) not overdue yet, c2 still missed.
    wang = figures_for(FACTS, W47, ["wang"], as_of=date(2026, 11, 18))
    assert wang.until == date(2026, 11, 18)
    assert wang.coverage == Share(2, 3)
    # visits credited on 11-16..11-18: v2, v5
    assert wang.visits == 2


# --- visits, AB cover -----------------------------------------------------------------------


def test_visit_counts_and_cover_credit(week):
    wang, li = week.manager("wang"), week.manager("li")
    # wang: v2, v5 and v3 (li for wang); v9 in progress, v10 next week, v1/v4/v6 earlier
    assert (wang.visits, wang.visits_by_others, wang.visits_on_behalf) == (3, 1, 0)
    # li: v8 only; v3 shows as made on behalf of someone else
    assert (li.visits, li.visits_by_others, li.visits_on_behalf) == (1, 0, 1)
    # The team: cover inside the team is neither "by others" nor "on behalf"
    assert (week.team.visits, week.team.visits_by_others, week.team.visits_on_behalf) == (4, 0, 0)


def test_ab_cover_visits_count_for_a_and_show_as_on_behalf_for_b():
    customers = (CustomerFact("a1", A, "A", "B"), CustomerFact("b1", A, "B", "A"))
    visits = (
        # B visits A's customer for A on Monday and Friday: A's customer stays within its 7 days.
        visit("x1", "a1", "B", t(11, 16), t(11, 16, 10, 20), for_="A", score=60),
        visit("x2", "a1", "B", t(11, 20), t(11, 20, 10, 40), for_="A", score=80),
        visit("x3", "b1", "B", t(11, 16, 14), t(11, 16, 14, 30), score=100),
        visit("x0", "b1", "B", t(11, 10), t(11, 10, 10, 10)),
    )
    result = assess(AssessmentFacts(customers, visits), W47, ["A", "B"])
    a, b = result.manager("A"), result.manager("B")
    # a1: 11-16, 11-20, end 11-22 -> covered thanks to B's visits
    assert a.coverage == Share(1, 1)
    assert (a.visits, a.visits_by_others, a.visits_on_behalf) == (2, 2, 0)
    assert a.score == Mean(140.0, 2)  # (60 + 80) / 2 = 70: B's visits scored for A
    assert a.duration_minutes == Mean(60.0, 2)  # 20 + 40
    assert (b.visits, b.visits_by_others, b.visits_on_behalf) == (1, 0, 2)
    assert b.score.value == 100.0
    assert result.team.visits == 3 and result.team.visits_on_behalf == 0


# --- planned vs actual ------------------------------------------------------------------------


def test_planned_versus_actual(week):
    wang = week.manager("wang")
    # planned in W47: c1@16 (twice = once), c2@17, c3@19 -> 3; done that day: c1@16 (v2) -> 1/3
    assert wang.planned == 3
    assert wang.done_as_planned == Share(1, 3)
    # credited visits not on any plan: v5 (c2@18), v3 (c1@22) -> 2
    assert wang.unplanned_visits == 2
    li = week.manager("li")
    # li has no plan on record: no figure rather than "everything unplanned"
    assert (li.planned, li.done_as_planned.value, li.unplanned_visits) == (0, None, None)
    # team: wang's plan; unplanned v5, v3, v8 -> 3
    assert (week.team.planned, week.team.done_as_planned, week.team.unplanned_visits) == (3, Share(1, 3), 3)


# --- scores and failed items ------------------------------------------------------------------


def test_average_score_is_weighted_by_visits(week):
    # wang: (90 + 50 + 100) / 3 = 80; li: 70 / 1 = 70
    assert week.manager("wang").score == Mean(240.0, 3)
    assert week.manager("wang").score.value == pytest.approx(80.0)
    assert week.manager("li").score.value == pytest.approx(70.0)
    # team: (90 + 50 + 100 + 70) / 4 = 77.5, not (80 + 70) / 2 = 75
    assert week.team.score.value == pytest.approx(77.5)


def test_most_failed_items(week):
    wang = week.manager("wang")
    # checklist visits v2, v5, v3 = 3; display failed at v2, v5 (2/3); price_tags at v5 (1/3)
    assert wang.checklist_visits == 3
    assert [(f.key, f.label_zh, f.label_en, f.count, f.share) for f in wang.failed_items] == [
        ("display", "卷烟出样", "Brand display standard", 2, Share(2, 3)),
        ("price_tags", "明码标价", "Prices marked", 1, Share(1, 3))]
    # team: display 2 (v2, v5), price_tags 2 (v5, v8) of 4: the tie goes by checklist order
    assert [(f.key, f.share) for f in week.team.failed_items] == [("display", Share(2, 4)), ("price_tags", Share(2, 4))]


def test_top_n_failed_items_and_unknown_keys():
    rules = AssessmentRules(top_failed_items=1)
    team = figures_for(FACTS, W47, ["wang", "li"], rules=rules)
    assert [f.key for f in team.failed_items] == ["display"]
    odd = AssessmentFacts(CUSTOMERS, (visit("y", "c1", "wang", t(11, 17), t(11, 17, 11), score=0, failed=["zz"]),))
    (item,) = figures_for(odd, W47, ["wang"]).failed_items
    assert (item.key, item.label_zh, item.label_en, item.share) == ("zz", "zz", "zz", Share(1, 1))


# --- follow-ups and complaints -------------------------------------------------------------------


def test_follow_ups_closed_on_time(week):
    wang = week.manager("wang")
    # due in W47, not cancelled: f1 (on time: closed on its due date), f2 (late), f3 (open), f6 (date unknown)
    assert wang.follow_ups_on_time == Share(1, 4)
    assert (wang.follow_ups_late, wang.follow_ups_open, wang.follow_ups_close_unknown) == (1, 1, 1)
    assert week.manager("li").follow_ups_on_time.value is None  # nothing due: undefined, not 0 %
    assert week.team.follow_ups_on_time == Share(1, 4)


def test_follow_ups_judged_up_to_as_of():
    # As of 11-18: due so far f1 (on time); f4 cancelled; f2, f3, f6 not due yet -> 1/1
    wang = figures_for(FACTS, W47, ["wang"], as_of=date(2026, 11, 18))
    assert wang.follow_ups_on_time == Share(1, 1)


def test_complaints(week):
    wang, li = week.manager("wang"), week.manager("li")
    # wang: received f11 (11-18); handled f10 (closed 11-17); open at 11-22: f9 (open), f11 (closed 11-25);
    #       f12 cancelled. v2 noted a complaint and has no follow-up.
    assert (wang.complaints_received, wang.complaints_handled, wang.complaints_open,
            wang.complaints_without_follow_up) == (1, 1, 2, 1)
    # li: f5 received 11-20 and handled 11-21; v8's complaint has its follow-up f5
    assert (li.complaints_received, li.complaints_handled, li.complaints_open,
            li.complaints_without_follow_up) == (1, 1, 0, 0)
    assert (week.team.complaints_received, week.team.complaints_handled, week.team.complaints_open,
            week.team.complaints_without_follow_up) == (2, 2, 2, 1)


# --- duration and syncs -----------------------------------------------------------------------------


def test_average_duration_ignores_outliers(week):
    wang = week.manager("wang")
    # v2 45 min, v3 20 min (across midnight), v5 540 min > 480: ignored -> (45 + 20) / 2 = 32.5
    assert wang.duration_minutes == Mean(65.0, 2)
    assert wang.durations_ignored == 1
    # team: 45 + 20 + 30 = 95 over 3
    assert week.team.duration_minutes.value == pytest.approx(95 / 3)


def test_negative_durations_are_ignored():
    facts = AssessmentFacts(CUSTOMERS, (visit("n", "c1", "wang", t(11, 17, 10), t(11, 17, 9, 50)),))
    wang = figures_for(facts, W47, ["wang"])
    assert (wang.duration_minutes.value, wang.durations_ignored) == (None, 1)


def test_late_syncs(week):
    wang, li = week.manager("wang"), week.manager("li")
    # made by wang: v2 synced 17 h 10 min after check-out (on time), v5 unknown -> 0/1, 1 unknown
    assert (wang.late_syncs, wang.sync_unknown) == (Share(0, 1), 1)
    # made by li: v3 synced exactly 2 days after check-out (late: >= 2 days), v8 30 min -> 1/2
    assert (li.late_syncs, li.sync_unknown) == (Share(1, 2), 0)
    assert (week.team.late_syncs, week.team.sync_unknown) == (Share(1, 3), 1)
    # with a 3-day threshold v3 is not late
    assert figures_for(FACTS, W47, ["li"], rules=AssessmentRules(late_sync_days=3)).late_syncs == Share(0, 2)


def test_late_syncs_with_a_naive_time_compare_wall_clocks():
    naive = visit("n", "c1", "wang", t(11, 17, 10), t(11, 17, 11), synced=datetime(2026, 11, 19, 11, 0))
    assert figures_for(AssessmentFacts(CUSTOMERS, (naive,)), W47, ["wang"]).late_syncs == Share(1, 1)


# --- nothing to judge -------------------------------------------------------------------------------


def test_a_manager_with_nothing_gets_none_not_zero(week):
    zhao = week.manager("zhao")
    assert (zhao.customers, zhao.visits, zhao.planned) == (0, 0, 0)
    for share in (zhao.coverage, zhao.done_as_planned, zhao.follow_ups_on_time, zhao.late_syncs):
        assert share.value is None and share.percent is None
    for mean in (zhao.score, zhao.duration_minutes):
        assert mean.value is None
    assert zhao.failed_items == () and zhao.missed == ()


def test_no_visits_at_all():
    empty = assess(AssessmentFacts(CUSTOMERS), W47)
    assert empty.team.visits == 0 and empty.team.score.value is None
    assert empty.team.coverage == Share(0, 5)  # every active customer missed
    assert [m.manager_ids for m in empty.managers] == [("li",), ("wang",)]  # default team: managers with customers


def test_as_of_before_the_period_judges_nothing():
    f = figures_for(FACTS, W47, ["wang"], as_of=date(2026, 11, 15))
    assert f.until is None and f.coverage.value is None and f.visits == 0 and f.customers == 0


def test_team_is_the_sum_of_its_managers_parts(week):
    """Without cover between team and outside, every team share and mean adds its managers' parts."""
    parts = week.managers[:2]
    for name in ("coverage", "done_as_planned", "follow_ups_on_time", "late_syncs", "score", "duration_minutes"):
        total = getattr(parts[0], name) + getattr(parts[1], name)
        assert getattr(week.team, name) == total, name


# --- charts ---------------------------------------------------------------------------------------


def test_trend_over_weeks():
    points = trend(FACTS, PeriodKind.WEEK, date(2026, 11, 22), 3, ["wang", "li"])
    assert [p.period.key for p in points] == ["2026-W45", "2026-W46", "2026-W47"]
    # W45 (11-02..08): no visit; W46 (11-09..15): v1 (80), v7 (no score); W47: as above
    assert [p.visits for p in points] == [0, 2, 4]
    assert [p.score.value for p in points] == [None, 80.0, 77.5]
    assert points[2].coverage == Share(2, 5)


def test_trend_judges_the_current_period_up_to_as_of():
    (point,) = trend(FACTS, "week", date(2026, 11, 18), 1, ["wang"])
    assert point.period == W47 and point.visits == 2 and point.coverage == Share(2, 3)


def test_daily_visits():
    days = daily_visits(FACTS, W47, ["wang", "li"])
    assert [d.day.day for d in days] == [16, 17, 18, 19, 20, 21, 22]
    # v2 on 16, v5 on 18, (v9 in progress on 19), v8 on 20, v3 on 22 (checked in 23:50)
    assert [d.visits for d in days] == [1, 0, 1, 0, 1, 0, 1]
    assert [d.score.value for d in days] == [90.0, None, 50.0, None, 70.0, None, 100.0]
    assert [d.visits for d in daily_visits(FACTS, W47, ["li"], as_of=date(2026, 11, 20))] == [0, 0, 0, 0, 1]


def test_month_and_ten_days_periods_work_the_same_way():
    middle = period_containing(PeriodKind.TEN_DAYS, date(2026, 11, 15))  # 11-11..11-20
    wang = figures_for(FACTS, middle, ["wang"])
    # c1: 11-09 -> 11-16 (7) -> 11-20 end (4): covered; c2: 11-01 + 14 = 11-15 due, overdue 11-16;
    # c3: overdue from 11-20 -> 1/3. Visits: v2, v5 -> 2.
    assert wang.coverage == Share(1, 3) and wang.visits == 2


def test_share_and_mean_arithmetic():
    assert Share(1, 4) + Share(2, 4) == Share(3, 8)
    assert Share(3, 8).value == 0.375 and Share(3, 8).percent == 37.5
    assert Share().value is None
    assert (Mean(10, 2) + Mean(20, 2)).value == 7.5
    assert Mean().value is None
