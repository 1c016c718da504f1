"""``PollPolicy``: the handful of numbers the poll schedule is made of, and ``resolve_policy``."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

from headswap_nb.errors import ConfigurationError

__all__ = ["ENV_POLL_INTERVAL", "PollPolicy", "resolve_policy"]

ENV_POLL_INTERVAL = "HEADSWAP_POLL_INTERVAL"


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """How often a wait polls. The defaults are the adaptive policy (``headswap_nb.polling``)."""

    interval: float | None = None
    """Fixed seconds between polls; ``None`` (default) means adaptive."""
    min_interval: float = 0.25
    """Never poll one job more often than this."""
    max_interval: float = 30.0
    """Never leave one job unpolled longer than this."""
    jitter: float = 0.1
    """Largest fraction by which the caller's random draw shortens a delay (an aimed poll
    is never shortened): it spreads many jobs apart without adding lag."""
    queued_interval: float = 2.5
    """Seconds between polls while there is nothing to extrapolate from (queued, a status
    the docs do not list, processing at 0 %): the start of processing shows within about
    half of this on average."""
    step: float = 15.0
    """Progress points a moving job may cover, at its pace, between two polls (half of it
    while it stands still). This bounds how far the bar can run ahead into a stall and how
    late a jump is seen; a steady job gets about 100 / step polls, whatever its length."""
    overshoot: float = 0.3
    """Seconds after the predicted finish at which the aimed poll lands."""

    def __post_init__(self) -> None:
        if self.interval is not None and not (_real(self.interval) and self.interval > 0):
            raise ConfigurationError(
                f"PollPolicy interval must be a finite number of seconds > 0, not {self.interval!r}"
            )
        if not (
            _real(self.min_interval)
            and _real(self.max_interval)
            and 0 < self.min_interval <= self.max_interval
        ):
            raise ConfigurationError(
                "PollPolicy needs finite 0 < min_interval <= max_interval "
                f"(got {self.min_interval!r} and {self.max_interval!r})"
            )
        if not (_real(self.jitter) and 0 <= self.jitter < 1):
            raise ConfigurationError(f"PollPolicy jitter must be in [0, 1), not {self.jitter!r}")
        if not (_real(self.queued_interval) and self.queued_interval > 0):
            raise ConfigurationError(
                f"PollPolicy queued_interval must be a finite number of seconds > 0, "
                f"not {self.queued_interval!r}"
            )
        if not (_real(self.step) and 0 < self.step <= 100):
            raise ConfigurationError(
                f"PollPolicy step must be a number of progress points in (0, 100], "
                f"not {self.step!r}"
            )
        if not (_real(self.overshoot) and self.overshoot >= 0):
            raise ConfigurationError(
                f"PollPolicy overshoot must be a finite number of seconds >= 0, "
                f"not {self.overshoot!r}"
            )

    @classmethod
    def fixed(cls, interval: float) -> PollPolicy:
        """Poll every ``interval`` seconds, whatever the job does."""
        seconds = float(interval)
        # The bounds follow the interval so that a fixed delay is always within them.
        low = min(0.25, seconds) if seconds > 0 else 0.25
        return cls(interval=seconds, min_interval=low, max_interval=max(30.0, seconds, low))

    @property
    def is_fixed(self) -> bool:
        """True when the interval is fixed rather than adaptive."""
        return self.interval is not None


def _real(value: object) -> bool:
    """A finite int or float (not a bool): the only kind of number a policy holds."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


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
