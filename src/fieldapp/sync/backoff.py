"""When to probe the server again: capped exponential backoff with jitter (pure functions).

The GUI probes ``GET /api/health`` cheaply while offline. After each failed
probe it waits :func:`backoff_delay` seconds; the first success resets the
count and starts a sync. Jitter spreads the probes of a whole team whose
laptops came back online at the same moment (e.g. the office Wi-Fi).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable


def backoff_delay(failures: int, *, base: float = 15.0, factor: float = 2.0, cap: float = 900.0,
                  jitter: float = 0.2, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait after ``failures`` consecutive failed probes (0 failures → ``base``).

    ``base * factor**failures`` capped at ``cap``, then spread by ±``jitter``
    (a fraction), never below ``base * (1 - jitter)`` nor above ``cap * (1 + jitter)``.
    """
    if failures < 0:
        raise ValueError("failures must be >= 0")
    if base <= 0 or factor < 1 or cap < base or not 0 <= jitter < 1:
        raise ValueError("need base > 0, factor >= 1, cap >= base, 0 <= jitter < 1")
    # Avoid float overflow for a laptop offline for days: stop multiplying once at the cap.
    delay = base
    for _ in range(failures):
        delay *= factor
        if delay >= cap:
            delay = cap
            break
    spread = (2.0 * rand() - 1.0) * jitter
    return delay * (1.0 + spread)


@dataclass
class ProbeSchedule:
    """Failure count and next delay for the periodic probe; no clock inside (the caller has the timer)."""

    base: float = 15.0
    factor: float = 2.0
    cap: float = 900.0
    jitter: float = 0.2
    failures: int = 0

    def failed(self, rand: Callable[[], float] = random.random) -> float:
        """Record a failed probe; returns the seconds to wait before the next one."""
        delay = backoff_delay(self.failures, base=self.base, factor=self.factor, cap=self.cap, jitter=self.jitter,
                              rand=rand)
        self.failures += 1
        return delay

    def succeeded(self) -> None:
        self.failures = 0
