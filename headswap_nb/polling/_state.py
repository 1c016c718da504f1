"""``PollState``: one job's observations, its next delay and the progress to show."""

from __future__ import annotations

from collections import deque

from headswap_nb.polling._delay import delay_for
from headswap_nb.polling._display import Bar, advance
from headswap_nb.polling._policy import PollPolicy
from headswap_nb.polling._reading import (
    PROCESSING,
    SAME_INSTANT,
    Observation,
    Reading,
    clean,
    read_clean,
)

__all__ = ["PollState"]

_RECENT = 4
"""Latest observations kept: a reading looks at the last three processing ones at most."""


class PollState:
    """Per-job memory of observations: feeds ``next_delay`` and the progress bar.

    Mutable by design (one per wait loop or batch job); the arithmetic is pure. It keeps
    the latest few observations plus those that bound the start of processing (the last
    look before it and the first two during it), which the average pace needs however long
    a job runs, so memory stays bounded. ``observe`` reads them once; ``delay``,
    ``shown_progress`` and ``eta`` are then a few operations each, cheap enough for a
    board that asks for every visible row several times a second.

    ``elapsed`` is one clock for all of them: ``observe`` takes the instant the answer was
    seen (so never before a ``shown_progress`` call already made: that is what keeps the
    bar from moving back), and ``shown_progress``/``eta`` take "now". Observations never go
    back in time: an earlier stamp counts as simultaneous with the latest.
    """

    __slots__ = ("_bar", "_count", "_pinned", "_reading", "_recent", "policy")

    def __init__(self, policy: PollPolicy) -> None:
        self.policy = policy
        self._recent: deque[tuple[int, Observation]] = deque(maxlen=_RECENT)
        self._pinned: list[tuple[int, Observation]] = []
        self._count = 0
        self._reading: Reading | None = None
        self._bar = Bar()

    @property
    def history(self) -> tuple[Observation, ...]:
        """Observations kept, oldest first: the start bounds and the latest few."""
        if not self._recent:
            return ()
        # Indices only grow and the recent ones are the latest: a pinned entry at or after
        # the oldest recent one is in both.
        oldest = self._recent[0][0]
        older = [o for index, o in self._pinned if index < oldest]
        return (*older, *(o for _, o in self._recent))

    def observe(self, elapsed: float, status: int, progress: float) -> None:
        """Record one poll's answer, seen at ``elapsed``."""
        after = self._recent[-1][1].elapsed if self._recent else None
        seen = clean(Observation(elapsed, status, progress), after)
        entry = (self._count, seen)
        self._count += 1
        if seen.status == PROCESSING:
            self._pin(entry)
        self._recent.append(entry)
        self._reading = reading = read_clean(self.history)
        # The bar aims at the next poll as scheduled; the jitter only makes it come earlier.
        self._bar = advance(self._bar, seen, reading, delay_for(self.policy, reading))

    def _pin(self, entry: tuple[int, Observation]) -> None:
        """Keep the first two processing instants, and the last look before the first."""
        during = [e for e in self._pinned if e[1].status == PROCESSING]
        if not during:
            if self._recent and self._recent[-1][1].status != PROCESSING:
                self._pinned.append(self._recent[-1])
            self._pinned.append(entry)
        elif len(during) == 1:
            if entry[1].elapsed - during[0][1].elapsed < SAME_INSTANT:
                self._pinned.remove(during[0])  # one instant: the later answer wins
            self._pinned.append(entry)

    def delay(self, jitter: float = 0.0) -> float:
        """``next_delay`` for the latest observation (``policy.min_interval`` before any)."""
        if self._reading is None:
            return self.policy.min_interval
        return delay_for(self.policy, self._reading, jitter)

    def shown_progress(self, elapsed: float) -> float:
        """Progress to show at ``elapsed``: 0–100, never decreasing, 100 only once completed.

        Between polls it extrapolates the job's pace; a poll that says less than is shown
        slows it down instead of moving it back.
        """
        return self._bar.value(elapsed)

    def eta(self, elapsed: float) -> float | None:
        """Predicted seconds left at ``elapsed``; ``None`` while nothing says, 0 once terminal."""
        return self._bar.eta(elapsed)

    def with_policy(self, policy: PollPolicy) -> PollState:
        """A copy that uses ``policy`` from the next observation on (history and bar kept)."""
        state = PollState(policy)
        state._recent.extend(self._recent)
        state._pinned = list(self._pinned)
        state._count = self._count
        state._reading = self._reading
        state._bar = self._bar
        return state
