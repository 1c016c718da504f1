"""When each job of a batch is polled next: the poll policy per job, and backing off after a
failed poll (``client.retry.backoff``: the package's one backoff formula).

``PollClock`` keeps one ``polling.PollState`` per job (elapsed time measured from that job's
first answer) and draws the jitter that spreads thousands of polls apart; it also answers
what the board shows between polls (``shown``). ``poll_trouble`` decides, after the n-th
consecutive failed poll, how long to wait — never longer than ``retry_after_cap``, whatever
the server's ``Retry-After`` said — or that polling gives up (the job keeps its id, and
"Retry failed" polls it again).
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable

from headswap_nb.client.deadline import RETRY_AFTER_CAP
from headswap_nb.client.retry import backoff
from headswap_nb.errors import RateLimitError
from headswap_nb.models import Analysis, Task
from headswap_nb.polling import PollPolicy, PollState, resolve_policy

__all__ = ["MAX_POLL_FAILURES", "PollClock", "poll_trouble"]

MAX_POLL_FAILURES = 6
"""Consecutive failed polls (each already retried by the client) before a job is shown as
ERROR. With the doubling backoff that is about a minute of a server not answering."""
_BASE, _CAP = 1.0, 30.0


def poll_trouble(
    failures: int, exc: Exception, *, jitter: float, retry_after_cap: float = RETRY_AFTER_CAP
) -> tuple[float | None, str]:
    """After the ``failures``-th consecutive failed poll: the delay before the next one
    (``None``: give up and show the job as ERROR) and the text to show on its row."""
    if failures >= MAX_POLL_FAILURES:
        return None, f"{exc} (gave up after {failures} failed polls; Retry failed polls again)"
    delay = backoff(failures - 1, jitter, base=_BASE, cap=_CAP)
    hint = exc.retry_after if isinstance(exc, RateLimitError) else None
    if hint is not None and math.isfinite(hint):
        delay = max(delay, min(hint, retry_after_cap))
    return delay, f"{exc} (polling again in {delay:.0f} s)"


class PollClock:
    """Next-poll delays (and the progress shown meanwhile) for many jobs under one policy."""

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

    def shown(self, key: Hashable, now: float) -> tuple[float, float | None] | None:
        """What to show for ``key`` at loop time ``now``: the progress (extrapolated between
        polls, never backwards, ``polling.PollState.shown_progress``) and the seconds left
        (``None`` while nothing says); ``None`` for a job this clock does not know."""
        held = self._states.get(key)
        if held is None:
            return None
        start, state = held
        return state.shown_progress(now - start), state.eta(now - start)

    def forget(self, key: Hashable) -> None:
        """Drop the memory of a finished job."""
        self._states.pop(key, None)

    def __len__(self) -> int:
        return len(self._states)
