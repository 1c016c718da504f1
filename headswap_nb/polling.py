"""When to poll next: ``PollPolicy`` and the pure ``next_delay`` (no I/O, no clock).

The API offers only polling (akool-api.md §8: no interval is documented; a community client
polls every 2 s). A fixed interval wastes requests on long jobs and adds lag on short ones,
so the default policy is *adaptive*:

* **queued** (status 1, or a status the docs do not list): nothing to extrapolate, so poll
  conservatively, starting at ``queued_interval`` and growing slowly up to ``queued_max``;
* **processing** (status 2): estimate the progress rate from the recent (time, progress)
  samples, predict the completion time and aim the next poll at it — a long jump to just
  before it while far away, then just after it. The rate used is the *fastest* recent one,
  so estimates err early (an extra request) rather than late (detection lag);
* **flat progress** (stalls, stepwise jumps): the rate says little, so the delay grows with
  the length of the flat stretch, but stays at most ``flat_max``, so a job that finishes
  out of a plateau is still seen within about a second;
* everything is clamped to ``[min_interval, max_interval]``; ``jitter`` (a number in [0, 1)
  supplied by the caller, so this stays a pure function) only ever *shortens* a delay, which
  spreads many clients apart without adding lag.

``PollPolicy.fixed(1.0)`` forces a fixed interval, and so does the ``HEADSWAP_POLL_INTERVAL``
environment variable, read by ``resolve_policy`` when a wait starts (never at import).
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from headswap_nb.errors import ConfigurationError

__all__ = [
    "ENV_POLL_INTERVAL",
    "Observation",
    "PollPolicy",
    "PollState",
    "next_delay",
    "resolve_policy",
]

ENV_POLL_INTERVAL = "HEADSWAP_POLL_INTERVAL"
_PROCESSING = 2
_DONE = 100.0


class Observation(NamedTuple):
    """One poll's answer: seconds since the wait began, status code, progress 0–100."""

    elapsed: float
    status: int
    progress: float


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """How often ``wait_for_*`` polls. The defaults are the adaptive policy."""

    interval: float | None = None
    """Fixed seconds between polls; ``None`` (default) means adaptive."""
    min_interval: float = 0.25
    """Never poll more often than this."""
    max_interval: float = 30.0
    """Never wait longer than this between polls."""
    queued_interval: float = 3.0
    """First delay while queued; grows by ``queued_growth`` × time spent queued."""
    queued_growth: float = 1.5
    queued_max: float = 8.0
    """Longest delay while queued (queue time cannot be extrapolated)."""
    probe_interval: float = 3.0
    """Delay after the first processing sample when no rate can be estimated yet."""
    lead: float = 0.1
    """While far from the predicted finish, aim this fraction of the remaining time early."""
    near: float = 4.0
    """Within this many seconds of the predicted finish, aim just after it."""
    overshoot: float = 0.05
    """Seconds after the predicted finish to aim the final poll (progress shows ≤ 99)."""
    unsure_lead: float = 0.2
    """Like ``lead`` while the rate estimate is not yet confirmed by two similar samples."""
    flat_fraction: float = 0.5
    """While progress is flat, wait this fraction of the remaining time predicted from the
    average rate since processing began."""
    flat_min: float = 1.3
    """Shortest delay while progress is flat (a plateau's end is seen within about this)."""
    flat_per_percent: float = 0.1
    """While flat, the delay is at most ``flat_min`` + this × (100 − progress) seconds."""
    jitter: float = 0.1
    """Largest fraction by which jitter shortens a delay."""
    window: int = 6
    """Number of recent observations the estimate looks at."""

    def __post_init__(self) -> None:
        if self.interval is not None and not self.interval > 0:
            raise ConfigurationError("PollPolicy interval must be > 0 seconds")
        if not 0 < self.min_interval <= self.max_interval:
            raise ConfigurationError("PollPolicy needs 0 < min_interval <= max_interval")
        if not 0 <= self.jitter < 1 or self.window < 2:
            raise ConfigurationError("PollPolicy needs 0 <= jitter < 1 and window >= 2")

    @classmethod
    def fixed(cls, interval: float) -> PollPolicy:
        """Poll every ``interval`` seconds, whatever the job does."""
        return cls(interval=float(interval), min_interval=min(0.25, float(interval) or 0.25))

    @property
    def is_fixed(self) -> bool:
        """True when the interval is fixed rather than adaptive."""
        return self.interval is not None


def resolve_policy(
    poll: PollPolicy | float | None, env: Mapping[str, str] | None = None
) -> PollPolicy:
    """The policy a wait uses: the argument, else ``HEADSWAP_POLL_INTERVAL``, else adaptive."""
    if isinstance(poll, PollPolicy):
        return poll
    if poll is not None:
        return PollPolicy.fixed(poll)
    raw = (os.environ if env is None else env).get(ENV_POLL_INTERVAL, "").strip()
    if not raw:
        return PollPolicy()
    try:
        return PollPolicy.fixed(float(raw))
    except (ValueError, ConfigurationError):
        raise ConfigurationError(
            f"{ENV_POLL_INTERVAL}={raw!r} is not a positive number of seconds; fix or unset it."
        ) from None


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def _fastest_rate(samples: Sequence[Observation]) -> float:
    """Highest progress-per-second over consecutive pairs (0 when nothing moved)."""
    best = 0.0
    for before, after in itertools.pairwise(samples):
        span = after.elapsed - before.elapsed
        if span > 0 and after.progress > before.progress:
            best = max(best, (after.progress - before.progress) / span)
    return best


def _processing_samples(history: Sequence[Observation], now: Observation) -> list[Observation]:
    """Recent processing samples, led by a virtual (start, 0) point when the start was seen."""
    everything = [*history, now]
    samples = [o for o in everything if o.status == _PROCESSING]
    first = everything.index(samples[0])
    if first > 0 and everything[first - 1].status != _PROCESSING:
        before = everything[first - 1]
        # Processing began somewhere between the two polls; the midpoint is the best guess.
        start = (before.elapsed + samples[0].elapsed) / 2
        samples.insert(0, Observation(start, _PROCESSING, 0.0))
    return samples


def _flat_since(samples: Sequence[Observation], now: Observation) -> float:
    """When the current progress value was first seen."""
    since = now.elapsed
    for sample in reversed(samples):
        if sample.progress != now.progress:
            break
        since = sample.elapsed
    return since


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

    ``history`` holds earlier observations, oldest first (only the last ``policy.window``
    matter); ``jitter`` in [0, 1) is the caller's random draw. Pure: equal inputs, equal output.
    """
    if policy.interval is not None:
        return policy.interval
    now = Observation(elapsed, int(status), float(progress))
    recent = list(history)[-policy.window :]
    if now.status != _PROCESSING:
        waited = elapsed - _flat_since([o for o in recent if o.status == now.status], now)
        delay = _clamp(
            policy.queued_interval + policy.queued_growth * waited,
            policy.queued_interval,
            policy.queued_max,
        )
    else:
        delay = _processing_delay(policy, now, _processing_samples(recent, now))
    delay *= 1.0 - policy.jitter * _clamp(jitter, 0.0, 1.0)
    return _clamp(delay, policy.min_interval, policy.max_interval)


def _processing_delay(policy: PollPolicy, now: Observation, samples: list[Observation]) -> float:
    flat_for = now.elapsed - _flat_since(samples, now)
    # Lag bound while the rate is not trusted: at most this long, shrinking towards 100 %.
    cap = policy.flat_min + policy.flat_per_percent * (_DONE - now.progress)
    if len(samples) < 2 or now.progress <= 0:
        # No movement seen yet: sample again soon, backing off while nothing happens.
        return _clamp(policy.probe_interval + flat_for, policy.probe_interval, policy.queued_max)
    prev = samples[-2]
    if flat_for > 0:
        # A plateau (stall or step): the latest rate is meaningless, but the average rate up
        # to when this value was first seen predicts the finish; wait a fraction of the time
        # left, capped tighter as progress nears 100 so a final jump is seen quickly.
        seen = now.elapsed - flat_for
        average = now.progress / max(seen - samples[0].elapsed, 1e-9)
        remaining = seen + (_DONE - now.progress) / average - now.elapsed
        return _clamp(policy.flat_fraction * remaining, policy.flat_min, cap)
    last = (now.progress - prev.progress) / max(now.elapsed - prev.elapsed, 1e-9)
    steady = False
    # Steady = two similar consecutive rates and no plateau in the window (a plateau means
    # stepwise or stalling progress, where a rate extrapolates badly).
    plateau = any(a.progress == b.progress for a, b in itertools.pairwise(samples))
    if len(samples) >= 3 and not plateau and prev.progress > samples[-3].progress:
        before = (prev.progress - samples[-3].progress) / max(
            prev.elapsed - samples[-3].elapsed, 1e-9
        )
        steady = 2 / 3 <= last / before <= 3 / 2
    # Unsure (first estimate, or the rate just changed): use the fastest recent rate, so
    # the prediction errs early (one more request) rather than late (detection lag).
    rate = last if steady else max(last, _fastest_rate(samples))
    remaining = (_DONE - now.progress) / rate
    if remaining <= policy.near:
        return remaining + policy.overshoot
    if steady:
        return remaining * (1.0 - policy.lead)
    # An unconfirmed rate may be far off (processing may have begun just before the first
    # sample), so never jump further ahead than twice the time the estimate is based on.
    span = now.elapsed - samples[0].elapsed
    cap = policy.flat_min + policy.flat_per_percent * (_DONE - now.progress)
    return min(remaining * (1.0 - policy.unsure_lead), max(policy.probe_interval, 2 * span), cap)


class PollState:
    """Per-wait memory of recent observations; feeds ``next_delay``.

    Mutable by design (one per wait loop); ``next_delay`` itself stays pure. The batch engine
    can keep one per job: ``state.observe(...)`` after each poll, then ``state.delay(...)``.
    """

    __slots__ = ("_history", "policy")

    def __init__(self, policy: PollPolicy) -> None:
        self.policy = policy
        self._history: deque[Observation] = deque(maxlen=policy.window + 1)

    @property
    def history(self) -> tuple[Observation, ...]:
        """Observations so far, oldest first (at most ``policy.window + 1``)."""
        return tuple(self._history)

    def observe(self, elapsed: float, status: int, progress: float) -> None:
        """Record one poll's answer."""
        self._history.append(Observation(elapsed, int(status), float(progress)))

    def delay(self, jitter: float = 0.0) -> float:
        """``next_delay`` for the latest observation (``policy.min_interval`` before any)."""
        if not self._history:
            return self.policy.min_interval
        *earlier, last = self._history
        return next_delay(
            self.policy,
            status=last.status,
            progress=last.progress,
            elapsed=last.elapsed,
            history=earlier,
            jitter=jitter,
        )

    def with_policy(self, policy: PollPolicy) -> PollState:
        """A copy that uses ``policy`` (history kept)."""
        state = PollState(policy)
        state._history.extend(self._history)
        return state
