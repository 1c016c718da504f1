"""The adaptive poll policy's arithmetic while a job is processing (pure; see ``polling``).

A job's progress is read as a curve through (time, progress) points: an estimated *start*
(time, 0) — the midpoint of the bounds ``start_bounds`` finds — then one point per distinct
progress value, stamped when that value was first seen. From those points:

* **smooth so far** (every poll saw new progress, at no slower a rate than before): the
  rate over the last interval — bent by a power law through the start when the job is
  accelerating — predicts the finish. The next poll aims just *after* it (one request,
  small lag) only when the rate is *confirmed*: three points agree (the start counts only
  when its bounds are narrow), by two consecutive rates or a long baseline, and the average
  rate since the start agrees too. A rate confirmed without a known start aims part of the
  way first; an unconfirmed one polls at a checkpoint, at most ``loose_min`` +
  ``loose_per_percent`` × (100 − progress) seconds ahead (two samples on different steps
  look just like smooth progress);
* **plateau or slowdown seen** (stalls, stepwise progress, 0 % seen twice): rates say
  little. The *average* rate since the start predicts the finish; the delay is a fraction
  of the time left until then (or grows with the plateau once that time has passed),
  capped so that a jump to 100 % is seen within ``flat_min`` + ``flat_per_percent`` ×
  (100 − progress) seconds — until the last ``resume_rates`` rates agree again.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from headswap_nb.polling import PollPolicy

__all__ = ["PROCESSING", "Observation", "processing_delay", "start_bounds"]

PROCESSING = 2
_DONE = 100.0
_TINY = 1e-9


class Observation(NamedTuple):
    """One poll's answer: seconds since the wait began, status code, progress 0–100."""

    elapsed: float
    status: int
    progress: float


def start_bounds(observations: Sequence[Observation]) -> tuple[float, float] | None:
    """Earliest and latest time processing can have begun, or ``None`` when unbounded.

    A processing sample at 0 % means it began just before that sample; otherwise it began
    between the last non-processing sample and the first processing one.
    """
    first = next((i for i, o in enumerate(observations) if o.status == PROCESSING), None)
    if first is None:
        return None
    zero = [o.elapsed for o in observations[first:] if o.status == PROCESSING and o.progress <= 0]
    if len(zero) == 1:
        return zero[0], zero[0]
    before = [o.elapsed for o in observations[:first] if o.status != PROCESSING]
    if not before:
        return None
    return before[-1], observations[first].elapsed


def _levels(samples: Sequence[Observation]) -> list[tuple[float, float, float]]:
    """(first seen, last seen, progress) per distinct progress value, oldest first."""
    levels: list[tuple[float, float, float]] = []
    for o in samples:
        if levels and levels[-1][2] == o.progress:
            levels[-1] = (levels[-1][0], o.elapsed, o.progress)
        else:
            levels.append((o.elapsed, o.elapsed, o.progress))
    return levels


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def _resumed(policy: PollPolicy, levels: Sequence[tuple[float, float, float]]) -> bool:
    """True when the last ``resume_rates`` rates, all after the last plateau, agree."""
    tail = list(levels[-policy.resume_rates - 1 :])
    if policy.resume_rates < 1 or len(tail) <= policy.resume_rates:
        return False
    if any(first < last for first, last, _ in tail[1:]):
        return False  # a plateau inside the run
    rates = [(b[2] - a[2]) / max(b[0] - a[1], _TINY) for a, b in itertools.pairwise(tail)]
    return max(rates) <= policy.resume_ratio * min(rates)


def processing_delay(policy: PollPolicy, observations: Sequence[Observation]) -> float:
    """Seconds until the next poll of a job whose latest observation is processing."""
    now = observations[-1]
    bounds = start_bounds(observations)
    start = None if bounds is None else (bounds[0] + bounds[1]) / 2
    levels = _levels([o for o in observations if o.status == PROCESSING and o.progress > 0])
    if start is not None and (not levels or levels[0][0] > start):
        levels.insert(0, (start, start, 0.0))
    left = _DONE - now.progress
    if now.progress <= 0 or len(levels) < 2:
        # Nothing to extrapolate yet: look again soon, backing off while nothing happens.
        zeros = [o.elapsed for o in observations if o.status == PROCESSING and o.progress <= 0]
        waited = now.elapsed - zeros[0] if zeros and now.progress <= 0 else 0.0
        delay = policy.probe_interval + policy.probe_growth * waited
        return _clamp(delay, policy.probe_interval, policy.queued_max)
    seen, _, level = levels[-1]
    origin = levels[0][0]
    _, before_seen, before = levels[-2]
    # The value changed somewhere after ``before_seen``: the secant from there is the rate.
    rate = (level - before) / max(now.elapsed - before_seen, _TINY)
    slowed = False
    if len(levels) >= 3:
        _, older_seen, older = levels[-3]
        if older <= 0 and bounds is not None:
            older_seen = bounds[0]  # the start: as early as it can have been
        # The slowest the previous interval can have been: a slower rate now means the job
        # slowed down or stalled in between, and a straight line would predict late.
        earlier = (before - older) / max(levels[-2][0] - older_seen, _TINY)
        slowed = rate * policy.slow_ratio < earlier
    at_zero = sum(1 for o in observations if o.status == PROCESSING and o.progress <= 0)
    flat = slowed or at_zero > 1 or any(first < last for first, last, _ in levels[1:])
    if flat and _resumed(policy, levels):
        # Moving steadily again after a plateau: the latest rate predicts the finish again.
        return (left - policy.progress_bias) / rate + policy.overshoot
    if flat:
        # A plateau (stall or steps) or a slowdown: rates say little, the average rate since
        # the start predicts the finish; poll a fraction of the way there, capped so that a
        # jump to 100 % is seen soon.
        average = level / max(seen - origin, _TINY)
        until = seen + left / average - now.elapsed
        delay = max(policy.flat_fraction * until, policy.flat_growth * (now.elapsed - seen))
        return _clamp(delay, policy.flat_min, policy.flat_min + policy.flat_per_percent * left)
    bias = policy.progress_bias
    remaining = (left - bias) / rate
    steady = False
    if len(levels) >= 3 and levels[-2][0] == before_seen:
        older_seen = levels[-3][1]
        older = (before - levels[-3][2]) / max(before_seen - older_seen, _TINY)
        steady = 1 / policy.steady_ratio <= rate / max(older, _TINY) <= policy.steady_ratio
    # The start counts as a point only when it is known well enough.
    anchored = len(levels) >= 4 or (
        len(levels) >= 3
        and bounds is not None
        and (
            levels[0][2] > 0
            or bounds[1] - bounds[0] <= policy.start_trust * (before_seen - bounds[1] + _TINY)
        )
    )
    overall = level / max(now.elapsed - origin, _TINY) if levels[0][2] <= 0 else rate
    consistent = 1 / policy.total_ratio <= rate / max(overall, _TINY) <= policy.total_ratio
    steady = steady and consistent
    span = now.elapsed - before_seen
    if start is not None and before > 0 and before_seen > start:
        # Curvature: a power law through the start and the last two values (an accelerating
        # job finishes before the straight line says; a slowing one is left to the line).
        bend = math.log((level + bias) / (before + bias)) / math.log(
            (now.elapsed - start) / (before_seen - start)
        )
        if bend > 1:
            exponent = 1 / min(bend, policy.max_bend)
            power = (now.elapsed - start) * ((_DONE / (level + bias)) ** exponent - 1)
            remaining = min(remaining, power)
    trusted = remaining <= policy.trust_span * span and consistent
    if remaining <= policy.near or ((trusted or steady) and anchored):
        return remaining * (1 + policy.late_fraction) + policy.overshoot
    if trusted or steady:
        return max(policy.near, remaining * policy.unanchored)
    # Unconfirmed: a checkpoint part of the way, never further than the baseline allows.
    return min(
        remaining * policy.checkpoint,
        max(policy.probe_interval, policy.span_factor * span),
        policy.loose_min + policy.loose_per_percent * left,
    )
