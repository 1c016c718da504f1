"""A pure pacing rule: at most ``rate`` flushes and about ``budget`` comm messages a second.

The board marks work pending on every batch event (there can be thousands a second) and a
single background task asks this scheduler when it may flush and how many messages that
flush may send. Messages are paid from a token bucket: it refills at ``budget`` tokens a
second and holds at most ``capacity`` (``budget × carry`` seconds, at least ``min_burst``),
so unused budget carries over for at most ``carry`` seconds. Hence over any window of T
seconds at most ``capacity + budget × T`` messages go out: with the defaults (8 flushes/s,
10 messages/s, half a second of carry) that is ≤ 15 in any 1-second window and 10/s on
average, however many analyses run. No asyncio, no clock of its own: time is passed in,
so the rule is tested without sleeping.
"""

from __future__ import annotations

import math

__all__ = ["Coalescer"]


class Coalescer:
    """Coalesce "something changed" into paced flushes with a message allowance each.

    ``mark()`` records work, ``delay(now)`` says how long to wait before the next flush
    (``None`` when there is nothing to do), ``take(now)`` starts a flush and returns how many
    messages it may send, and ``charge(sent, need=n)`` reports what it sent and, when work
    was left over, that the next flush needs ``n`` messages (it waits until they are there).
    """

    def __init__(
        self,
        rate: float = 8.0,
        *,
        budget: float = 10.0,
        carry: float = 0.5,
        min_burst: int = 5,
    ) -> None:
        if rate <= 0 or budget <= 0 or carry < 0:
            raise ValueError(f"rate and budget must be positive, got {rate!r}, {budget!r}")
        self.interval = 1.0 / rate
        """Minimum seconds between two flushes."""
        self.budget = budget
        """Messages per second allowed on average."""
        self.capacity = max(float(min_burst), budget * carry)
        """Most messages one flush (or any burst) may send: the bucket's size."""
        self._tokens = self.capacity
        self._filled: float | None = None
        self._last: float | None = None
        self._pending = False
        self._need = 1.0
        self.flushes = 0
        """How many flushes were taken (for measuring)."""
        self.messages = 0
        """Messages reported by ``charge`` (for measuring)."""

    def mark(self) -> None:
        """Record that something changed: flush when allowed."""
        self._pending = True

    @property
    def pending(self) -> bool:
        """True when something waits to be flushed."""
        return self._pending

    def tokens(self, now: float) -> float:
        """Messages that could be sent at ``now``."""
        if self._filled is None:
            return self._tokens
        return min(self.capacity, self._tokens + (now - self._filled) * self.budget)

    def delay(self, now: float) -> float | None:
        """Seconds until a flush is allowed (0 if now), or ``None`` when nothing is pending."""
        if not self._pending:
            return None
        wait = 0.0 if self._last is None else self._last + self.interval - now
        short = self._need - self.tokens(now)
        return max(0.0, wait, short / self.budget)

    def take(self, now: float) -> int:
        """Start a flush at ``now``: clear pending, return the messages it may send."""
        self._tokens, self._filled = self.tokens(now), now
        self._pending, self._need = False, 1.0
        self._last = now
        self.flushes += 1
        return math.floor(self._tokens)

    def charge(self, sent: int, *, need: int = 0, now: float | None = None) -> None:
        """Pay for ``sent`` messages; ``need`` > 0: work is left that needs that many.

        ``now``: when they were sent outside a flush (a render the user asked for)."""
        if now is not None:
            self._tokens, self._filled = self.tokens(now), now
        self.messages += sent
        self._tokens = max(0.0, self._tokens - sent)
        if need > 0:
            self._pending = True
            self._need = min(float(need), self.capacity)
