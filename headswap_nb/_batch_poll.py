"""Per-job poll timing for a batch: the client's ``PollState`` for each analysis or task.

The decision itself is ``polling.next_delay`` (pure, shared with ``wait_for_analysis``); this
only keeps one ``PollState`` per job key (an analysis' URL, a task's key), measures elapsed
time from that job's first answer, and draws the jitter that spreads thousands of polls apart.
"""

from __future__ import annotations

import random
from collections.abc import Hashable

from headswap_nb.models import Analysis, Task
from headswap_nb.polling import PollPolicy, PollState, resolve_policy

__all__ = ["PollClock"]


class PollClock:
    """Next-poll delays for many analyses under one policy."""

    __slots__ = ("_random", "_states", "policy")

    def __init__(self, policy: PollPolicy | float | None, *, seed: int | None = None) -> None:
        # resolve_policy reads HEADSWAP_POLL_INTERVAL now, when a batch starts, never at import.
        self.policy = resolve_policy(policy)
        self._states: dict[Hashable, tuple[float, PollState]] = {}
        self._random = random.Random(seed)

    def next_delay(self, key: Hashable, record: Analysis | Task, now: float) -> float:
        """Record ``record`` as seen at loop time ``now``; seconds until the next poll."""
        held = self._states.get(key)
        if held is None:
            held = self._states[key] = (now, PollState(self.policy))
        start, state = held
        state.observe(now - start, int(record.status), record.progress)
        return state.delay(self._random.random())

    def forget(self, key: Hashable) -> None:
        """Drop the memory of a finished job."""
        self._states.pop(key, None)

    def __len__(self) -> int:
        return len(self._states)
