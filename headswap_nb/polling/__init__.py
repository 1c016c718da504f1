"""When to poll next: ``PollPolicy`` and the pure ``next_delay`` (no I/O, no clock).

The API offers only polling (akool-api.md §8: no interval is documented; a community client
polls every 2 s). A fixed interval wastes requests on long jobs and adds lag on short ones,
so the default policy is *adaptive*. Only the lag at *completion* matters, so:

* **queued** (status 1, or a status the docs do not list): the submit answer already says
  "queued", and seeing the start of processing late costs nothing, so the first look waits
  ``queued_interval`` and later ones grow with the time spent queued, up to ``queued_max``;
* **processing** (status 2): progress is read as a curve from the estimated start, and the
  next poll aims just after the predicted finish once three points confirm the rate (or at
  a checkpoint on the way until then); on flat progress (stalls, steps, a long 0 %) the
  *average* rate predicts the finish instead of the meaningless instantaneous one, with
  delays capped by the progress still missing. Details in ``_estimate``;
* everything is clamped to ``[min_interval, max_interval]``; ``jitter`` (a number in [0, 1)
  supplied by the caller, so this stays a pure function) only ever *shortens* a delay, which
  spreads many clients apart without adding lag.

``PollPolicy.fixed(1.0)`` forces a fixed interval, and so does the ``HEADSWAP_POLL_INTERVAL``
environment variable, read by ``resolve_policy`` when a wait starts (never at import).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from headswap_nb.errors import ConfigurationError
from headswap_nb.polling._estimate import PROCESSING, Observation, processing_delay

__all__ = [
    "ENV_POLL_INTERVAL",
    "Observation",
    "PollPolicy",
    "PollState",
    "next_delay",
    "resolve_policy",
]

ENV_POLL_INTERVAL = "HEADSWAP_POLL_INTERVAL"


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """How often ``wait_for_*`` polls. The defaults are the adaptive policy."""

    interval: float | None = None
    """Fixed seconds between polls; ``None`` (default) means adaptive."""
    min_interval: float = 0.25
    """Never poll more often than this."""
    max_interval: float = 30.0
    """Never wait longer than this between polls."""
    queued_interval: float = 8.0
    """First delay while queued; grows by ``queued_growth`` × time spent queued."""
    queued_growth: float = 0.5
    queued_max: float = 10.0
    """Longest delay while queued or at 0 % (nothing to extrapolate from)."""
    probe_interval: float = 2.0
    """Delay while processing shows 0 %, and the shortest checkpoint."""
    probe_growth: float = 0.5
    """While processing stays at 0 %, the probe grows by this × the time spent there."""
    checkpoint: float = 0.7
    """While the rate is unconfirmed and the finish far, poll this fraction of the way…"""
    span_factor: float = 3.0
    """…never further ahead than this many times the interval the rate comes from…"""
    loose_min: float = 2.0
    loose_per_percent: float = 0.1
    """…and at most ``loose_min`` + this × (100 − progress) seconds ahead."""
    unanchored: float = 0.7
    """A rate confirmed without a well-known start aims this fraction of the way first."""
    start_trust: float = 0.2
    """The start counts as a point when its bounds span at most this × the time since."""
    near: float = 3.0
    """Within this many seconds of the predicted finish, aim just after it."""
    steady_ratio: float = 1.5
    """Two consecutive rates within this ratio of each other confirm the estimate…"""
    total_ratio: float = 1.3
    """…if the average rate since the start is within this ratio of the latest one."""
    slow_ratio: float = 1.35
    """A rate this many times slower than the slowest the previous interval can have been
    counts as a slowdown: the job is treated like one with a plateau."""
    late_fraction: float = 0.0
    """Aim this fraction of the predicted remaining time after the predicted finish."""
    overshoot: float = 0.4
    """…plus these seconds (progress shows at most 99 until the job is done)."""
    max_bend: float = 1.3
    """Largest exponent of the power-law finish estimate (1 = straight line only)."""
    progress_bias: float = 0.5
    """Progress is truncated to an integer: the true value is about this much higher."""
    flat_fraction: float = 0.5
    """While progress is flat, wait this fraction of the time left until the finish that
    the average rate since the start predicts…"""
    flat_growth: float = 0.5
    """…or, once that time has passed, this fraction of the length of the plateau so far,"""
    flat_min: float = 1.0
    """but at least this many seconds,"""
    flat_per_percent: float = 0.07
    """and at most ``flat_min`` + this × (100 − progress) seconds."""
    resume_rates: int = 3
    """After a plateau, this many consecutive rates…"""
    resume_ratio: float = 1.2
    """…within this ratio of each other mean the job moves steadily again."""
    jitter: float = 0.1
    """Largest fraction by which jitter shortens a delay…"""
    jitter_max: float = 0.5
    """…and at most this many seconds (a long jump aimed at the finish stays on target)."""
    trust_span: float = 2.0
    """A rate measured over an interval at least this fraction of the predicted remaining
    time is trusted enough to aim at the finish directly."""
    window: int = 6
    """Number of recent observations the estimate looks at (the start is always kept)."""

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

    ``history`` holds earlier observations, oldest first (``PollState`` keeps the recent ones
    plus those that bound the start of processing); ``jitter`` in [0, 1) is the caller's
    random draw. Pure: equal inputs, equal output.
    """
    if policy.interval is not None:
        return policy.interval
    now = Observation(float(elapsed), int(status), float(progress))
    if now.status != PROCESSING:
        since = now.elapsed
        for earlier in reversed(history):
            if earlier.status != now.status:
                break
            since = earlier.elapsed
        delay = min(
            policy.queued_max,
            policy.queued_interval + policy.queued_growth * (now.elapsed - since),
        )
    else:
        delay = processing_delay(policy, [*history, now])
    delay -= min(policy.jitter * delay, policy.jitter_max) * min(1.0, max(0.0, jitter))
    return min(policy.max_interval, max(policy.min_interval, delay))


class PollState:
    """Per-wait memory of observations; feeds ``next_delay``.

    Mutable by design (one per wait loop); ``next_delay`` itself stays pure. Keeps the last
    ``policy.window + 1`` observations plus the two that bound when processing began (the
    last one before it and the first one during it), which the average rate needs however
    long a job stalls. The batch engine keeps one per job: ``observe(...)``, then ``delay()``.
    """

    __slots__ = ("_pinned", "_recent", "policy")

    def __init__(self, policy: PollPolicy) -> None:
        self.policy = policy
        self._recent: deque[Observation] = deque(maxlen=policy.window + 1)
        self._pinned: tuple[Observation, ...] = ()

    @property
    def history(self) -> tuple[Observation, ...]:
        """Observations kept, oldest first: the pinned start bounds, then the recent ones."""
        if not self._pinned:
            return tuple(self._recent)
        last = self._pinned[-1].elapsed
        return (*self._pinned, *(o for o in self._recent if o.elapsed > last))

    def observe(self, elapsed: float, status: int, progress: float) -> None:
        """Record one poll's answer."""
        seen = Observation(float(elapsed), int(status), float(progress))
        if seen.status == PROCESSING and not self._pinned:
            before = (self._recent[-1],) if self._recent else ()
            self._pinned = (*(o for o in before if o.status != PROCESSING), seen)
        self._recent.append(seen)

    def delay(self, jitter: float = 0.0) -> float:
        """``next_delay`` for the latest observation (``policy.min_interval`` before any)."""
        if not self._recent:
            return self.policy.min_interval
        *earlier, last = self.history
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
        state._recent.extend(self._recent)
        state._pinned = self._pinned
        return state
