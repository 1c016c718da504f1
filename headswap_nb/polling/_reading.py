"""What a few observations say about a job: its regime and its pace (pure arithmetic).

The schedule (``_delay``) and the bar (``_display``) both start from one ``Reading`` of the
observations, so they never disagree about whether a job moves. Each takes the rate whose
error costs it least: the bar the latest (running ahead cannot be taken back), the schedule
the faster of the last two (a poll too early costs only a request). A reading needs only the
observations that bound the start of processing and the latest few (all ``PollState``
keeps), never the whole history.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from headswap_nb.models import Status

__all__ = [
    "COMPLETED",
    "FAILED",
    "PROCESSING",
    "SAME_INSTANT",
    "Observation",
    "Reading",
    "clean",
    "read",
    "read_clean",
]

PROCESSING = int(Status.PROCESSING)
COMPLETED = int(Status.COMPLETED)
FAILED = int(Status.FAILED)

SAME_INSTANT = 1e-6
"""Points closer than this (seconds) are one point: a rate across them would be noise."""
_TOP = 99.0
"""The highest progress a job that is not completed shows (the simulator caps it there too)."""


class Observation(NamedTuple):
    """One poll's answer: seconds since the wait began, status code, progress 0–100."""

    elapsed: float
    status: int
    progress: float


def clean(seen: Observation, after: float | None = None) -> Observation:
    """``seen`` with finite numbers: progress in [0, 100], elapsed never before ``after``.

    The API is only documented to send 0–100 and clocks are monotonic, but an answer that
    breaks either must not break the arithmetic (a NaN would poison every later value).
    """
    elapsed = float(seen.elapsed) if math.isfinite(seen.elapsed) else (after or 0.0)
    if after is not None and not elapsed >= after:
        elapsed = after
    progress = float(seen.progress) if math.isfinite(seen.progress) else 0.0
    return Observation(elapsed, int(seen.status), min(100.0, max(0.0, progress)))


@dataclass(frozen=True, slots=True)
class Reading:
    """The latest observation and what the ones before it say about the job."""

    elapsed: float
    """When the latest observation was made."""
    status: int
    """Its status code (any int: unknown ones are neither processing nor terminal)."""
    progress: float
    """Its progress, at most 99 unless completed."""
    rate: float = 0.0
    """Points per second the bar extrapolates: the latest rate while the last two agree that
    the job moves, else 0 (it stands still, stepped, or slowed down sharply); on the first
    look at processing, the slowest rate that look allows."""
    pace: float | None = None
    """Points per second the schedule counts on: the faster of the last two rates while
    moving (a poll too early costs a request, one too late costs what the bar misses), else
    the average since processing began; ``None`` when nothing says how fast the job goes."""
    interval: float | None = None
    """Seconds since the previous processing observation (``None`` for the first)."""
    moving: bool = False
    """True when the last two rates agree that the job moves."""
    still: float = 0.0
    """Seconds the progress has stood at its value (as far as the points kept show)."""


def read(observations: Sequence[Observation]) -> Reading:
    """The reading of ``observations`` (oldest first, the latest last; at least one)."""
    seen: list[Observation] = []
    for o in observations:
        seen.append(clean(o, seen[-1].elapsed if seen else None))
    return read_clean(seen)


def read_clean(seen: Sequence[Observation]) -> Reading:
    """``read`` for observations that went through ``clean`` in order (``PollState``'s)."""
    now = seen[-1]
    top = 100.0 if now.status == COMPLETED else _TOP
    progress = min(top, now.progress)
    if now.status != PROCESSING:
        return Reading(now.elapsed, now.status, progress)
    # Processing points, one per instant; ``before`` is the last look before the first.
    before: float | None = None
    points: list[tuple[float, float]] = []
    for o in seen:
        if o.status != PROCESSING:
            if not points:
                before = o.elapsed
        elif points and o.elapsed - points[-1][0] < SAME_INSTANT:
            points[-1] = (points[-1][0], min(_TOP, o.progress))
        else:
            points.append((o.elapsed, min(_TOP, o.progress)))
    start = _start(points, before)
    last_t, last_p = points[-1]
    average = last_p / (last_t - start) if start is not None and last_t > start else None
    if len(points) == 1:
        # One look: only the average since the (uncertain) start says anything; the bar
        # extrapolates the slowest rate consistent with it (as if it began at ``before``).
        waited = last_t - before if before is not None else 0.0
        return Reading(
            now.elapsed,
            now.status,
            progress,
            rate=(last_p + 0.5) / waited if last_p > 0 and waited >= SAME_INSTANT else 0.0,
            pace=(last_p + 0.5) / (last_t - start) if average and start is not None else None,
        )
    prev_t, prev_p = points[-2]
    interval = last_t - prev_t
    latest = max(0.0, last_p - prev_p) / interval
    if len(points) >= 3:
        older_t, older_p = points[-3]
        earlier: float | None = max(0.0, prev_p - older_p) / (prev_t - older_t)
    elif prev_p <= 0:
        earlier = latest  # it began at the first look: no earlier rate to compare with
    elif start is not None and prev_t > start:
        earlier = (prev_p + 0.5) / (prev_t - start)  # since the start (truth 0, not floored)
    else:
        earlier = None
    # Moving only while two rates agree: a sharp slowdown may be a stall beginning, and a
    # bar that runs ahead into a stall cannot be taken back.
    if latest > 0 and earlier is not None and earlier > 0 and 2 * latest >= earlier:
        pace = max(latest, earlier)
        return Reading(now.elapsed, now.status, progress, latest, pace, interval, moving=True)
    since = last_t
    for t, p in reversed(points):
        if p != last_p:
            break
        since = t
    return Reading(
        now.elapsed, now.status, progress, 0.0, average or None, interval, still=last_t - since
    )


def _start(points: Sequence[tuple[float, float]], before: float | None) -> float | None:
    """When processing began, estimated from the first points and the last look before."""
    first_t, first_p = points[0]
    if first_p <= 0:
        return first_t  # it shows 0 %: it has only just begun
    if before is None:
        return None  # the wait began mid-processing: unknown
    if len(points) >= 2:
        second_t, second_p = points[1]
        rate = (second_p - first_p) / (second_t - first_t)
        if rate > 0:
            # Back along the first measured rate to where the job stood at 0 %.
            return min(first_t, max(before, first_t - (first_p + 0.5) / rate))
    return (before + first_t) / 2
