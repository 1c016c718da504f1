"""One monotonic deadline per probed URL, visible to every read made for it.

The deadline is held in a context variable set by the worker thread for the duration of
one URL. The network backend of ``_transport`` reads it on every socket operation, which
is what makes it hold against a server that sends one byte at a time: httpx's own read
timeout restarts with every byte received.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from headswap_nb.preflight._errors import ProbeTimeout

__all__ = ["Deadline", "active", "current"]


@dataclass(frozen=True, slots=True)
class Deadline:
    """A point in time on ``clock`` after which the probe of one URL gives up."""

    at: float
    """The clock reading at which time is up."""
    budget: float
    """The timeout it was made from, in seconds (for messages)."""
    clock: Callable[[], float]
    """A monotonic clock (``time.monotonic``, or a fake one in tests)."""

    @classmethod
    def start(cls, budget: float, clock: Callable[[], float]) -> Deadline:
        """A deadline ``budget`` seconds from now."""
        return cls(clock() + budget, budget, clock)

    def left(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.at - self.clock())

    def check(self) -> float:
        """Seconds left; raises ``ProbeTimeout`` when none are."""
        left = self.at - self.clock()
        if left <= 0:
            raise ProbeTimeout(f"timed out after {self.budget:g} s")
        return left

    def timeout(self) -> httpx.Timeout:
        """An httpx timeout no longer than what is left, for every phase of one request."""
        return httpx.Timeout(self.check())


_current: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar(
    "headswap_nb_probe_deadline", default=None
)


def current() -> Deadline | None:
    """The deadline of the URL this thread is probing, if any."""
    return _current.get()


@contextmanager
def active(deadline: Deadline) -> Iterator[Deadline]:
    """Make ``deadline`` the current one in this thread until the block ends.

    Reset on exit: a pool thread runs many URLs and keeps its context between them.
    """
    token = _current.set(deadline)
    try:
        yield deadline
    finally:
        _current.reset(token)
