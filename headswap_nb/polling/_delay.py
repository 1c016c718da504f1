"""``next_delay``: seconds until the next poll, a pure function of the observations."""

from __future__ import annotations

import math
from collections.abc import Sequence

from headswap_nb.polling._policy import PollPolicy
from headswap_nb.polling._reading import PROCESSING, Observation, Reading, read

__all__ = ["delay_for", "next_delay"]

_FINISH = 99.5
"""Progress at which the truth reaches 100: the API floors it, so a shown 99 means 99–100."""


def next_delay(
    policy: PollPolicy,
    *,
    status: int,
    progress: float,
    elapsed: float,
    history: Sequence[Observation] = (),
    jitter: float = 0.0,
) -> float:
    """Seconds to wait before the next poll, given the poll just made and the ones before.

    ``history`` holds earlier observations, oldest first (``PollState`` passes the ones
    that bound the start of processing and the latest few: nothing older is read);
    ``jitter`` in [0, 1] is the caller's random draw. Pure: equal inputs, equal output.
    """
    if policy.interval is not None:
        return policy.interval
    return delay_for(policy, read([*history, Observation(elapsed, status, progress)]), jitter)


def delay_for(policy: PollPolicy, reading: Reading, jitter: float = 0.0) -> float:
    """``next_delay`` once the observations are read (``PollState`` keeps the reading)."""
    if policy.interval is not None:
        return policy.interval
    draw = min(1.0, max(0.0, jitter)) if math.isfinite(jitter) else 0.0
    shorten = 1.0 - policy.jitter * draw
    pace, interval = reading.pace, reading.interval
    if reading.status != PROCESSING or pace is None or interval is None:
        # Nothing to extrapolate from yet: look again soon, the same way every time.
        return _clamp(policy, policy.queued_interval * shorten)
    # A pace is trusted only about as far ahead as it was measured: two intervals.
    trusted = 2 * interval
    remaining = (_FINISH - reading.progress) / pace
    if reading.moving:
        # Due when it will have covered a step at its pace; if the finish comes first, aim
        # just after it. Aimed polls are not shortened by the jitter (one before the finish
        # would be wasted): the jobs' own finishes spread them apart.
        delay = min(trusted, policy.step / pace) * shorten
        if remaining < delay:
            delay = remaining + policy.overshoot
        return _clamp(policy, delay)
    # Standing still, or stepping: a jump may come at any moment, so half a step at the
    # average pace (which falls as it waits, so the wait lengthens by itself).
    delay = min(trusted, policy.step / 2 / pace) * shorten
    if remaining < delay:
        # Near the finish the average pace predicts: aim there too, but an overdue job (one
        # that has stood still longer) is not polled sooner than it has stood: it backs off.
        delay = max(remaining + policy.overshoot, min(delay, reading.still))
    return _clamp(policy, delay)


def _clamp(policy: PollPolicy, delay: float) -> float:
    return min(policy.max_interval, max(policy.min_interval, delay))
