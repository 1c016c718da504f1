"""The progress shown between polls: a ``Bar`` per job, advanced once per observation.

A bar is one segment from the latest observation on: it starts where the previous bar
stood at that instant (or higher, if the poll says more), then extrapolates the reading's
rate. Each observation's bar is a pure function of the previous bar and the reading, so
the whole curve is a fold over the observations, and a query is a few multiplications.

Why it never goes back: when a poll says less than is shown, the bar creeps, slower than
the job, so that it meets the predicted truth at the next poll (or holds when even that
would be too fast). When a poll says more, it jumps there at once: being behind is an
error like any other, and the board's CSS transition draws the jump as a slide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from headswap_nb.polling._reading import COMPLETED, FAILED, PROCESSING, Observation, Reading

__all__ = ["Bar", "advance"]

_TOP = 99.0
"""Where the bar stops until a poll says completed."""
_FINISH = 99.5
_LONGEST_ETA = 7 * 86_400.0
"""Seconds: an ETA beyond a week is no prediction (a job stalled at a crawl), so none."""


@dataclass(frozen=True, slots=True)
class Bar:
    """The shown progress from ``at`` on (before any observation: 0 %, nothing known)."""

    at: float = 0.0
    """When the latest observation was made; the bar does not change before it."""
    start: float = 0.0
    """The value shown at ``at``."""
    creep: float = 0.0
    """Points per second while ahead of the truth (slower than the job)."""
    base: float = 0.0
    """The progress the latest observation reported."""
    rate: float = 0.0
    """Points per second extrapolated from ``base``."""
    horizon: float = 0.0
    """Seconds after ``at`` when the bar stops: twice the delay to the next poll, so a
    late or failed poll does not let it run on to 99 %."""
    finish: float | None = None
    """Predicted instant of completion (for ``eta``), or ``None`` when unknown."""
    final: bool = False
    """A terminal status was seen: the bar no longer changes."""

    def value(self, elapsed: float) -> float:
        """Progress shown at ``elapsed`` (same clock as the observations), 0–100."""
        ahead = min(self.horizon, elapsed - self.at) if elapsed > self.at else 0.0
        shown = max(self.start + self.creep * ahead, self.base + self.rate * ahead)
        return self.start if shown <= self.start else min(_TOP, shown)

    def eta(self, elapsed: float) -> float | None:
        """Seconds left until the predicted completion; 0 once terminal."""
        if self.final:
            return 0.0
        if self.finish is None:
            return None
        return max(0.0, self.finish - max(elapsed, self.at))


def advance(bar: Bar, seen: Observation, reading: Reading, delay: float) -> Bar:
    """The bar after observation ``seen`` (already cleaned), read as ``reading``.

    ``delay`` is the un-jittered delay to the next poll: the bar aims to meet the predicted
    truth then.
    """
    if bar.final:
        return bar
    at = max(seen.elapsed, bar.at)
    shown = bar.value(at)
    if reading.status == COMPLETED:
        return Bar(at=at, start=100.0, base=100.0, final=True)
    progress = min(_TOP, reading.progress)
    if reading.status != PROCESSING:
        # Queued, failed or unknown: no motion; failed keeps where it stopped.
        held = max(shown, progress)
        return Bar(at=at, start=held, base=held, final=reading.status == FAILED)
    rate = reading.rate
    # The ETA counts on the rate the bar shows (the schedule's pace errs on the early side).
    speed = rate if reading.moving else reading.pace
    left = (_FINISH - progress) / speed if speed else math.inf
    # A rate of almost nothing predicts nothing worth showing (nor an "inf s left").
    finish = at + left if left <= _LONGEST_ETA else None
    if progress >= shown:
        return Bar(at, progress, 0.0, progress, rate, 2 * delay, finish)
    # Ahead of the truth: meet its prediction at the next poll, or hold until it catches up.
    creep = max(0.0, (progress + rate * delay - shown) / delay)
    return Bar(at, shown, creep, progress, rate, 2 * delay, finish)
