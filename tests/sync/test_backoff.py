"""The probe backoff is a pure function: capped, growing, jittered."""

from __future__ import annotations

import pytest

from fieldapp.sync.backoff import ProbeSchedule, backoff_delay


def test_grows_and_caps_without_jitter():
    delays = [backoff_delay(n, base=10, cap=300, jitter=0, rand=lambda: 0.5) for n in range(8)]
    assert delays == [10, 20, 40, 80, 160, 300, 300, 300]
    assert backoff_delay(10_000, base=10, cap=300, jitter=0) == 300  # no overflow after days offline


def test_jitter_stays_within_bounds():
    assert backoff_delay(0, base=10, jitter=0.2, rand=lambda: 0.0) == pytest.approx(8)
    assert backoff_delay(0, base=10, jitter=0.2, rand=lambda: 1.0) == pytest.approx(12)


def test_bad_arguments():
    with pytest.raises(ValueError):
        backoff_delay(-1)
    with pytest.raises(ValueError):
        backoff_delay(0, base=10, cap=5)


def test_schedule_resets_on_success():
    schedule = ProbeSchedule(base=5, cap=60, jitter=0)
    assert [schedule.failed() for _ in range(3)] == [5, 10, 20]
    schedule.succeeded()
    assert schedule.failed() == 5
