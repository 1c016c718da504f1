"""Credits: each team's balance and what analyses and tasks cost. A rule of the simulator's own.

Akool publishes no head-swap prices (akool-api.md §14: the cost of a job is [UNCONFIRMED];
only the balance endpoint and the fields ``deduction_lock_duration`` / ``deduction_duration``
are documented), so the rule below is invented. It is kept simple enough to state in two
sentences, and its numbers live only here so that client tests can be checked against it:

    An analysis costs ``ANALYSIS_COST`` (1) credit, charged when it is submitted. A task holds
    its ``deduction_lock_duration``, ``TASK_LOCK_PER_SECOND`` (10) × ceil(source seconds), when
    it is created and gets it all back if the task fails; a completed task keeps the hold.

A submit the balance cannot cover is refused with ``INSUFFICIENT_CREDIT`` (1104, akool-api.md
§4.3 and §6) and costs nothing. The lock rule reproduces the §4.3 example (10 s → 100). The
refund of a failed task lands at the simulated instant it fails; nothing ticks in the
background, so refunds that have fallen due are settled whenever a balance is read or charged.
"""

from __future__ import annotations

import heapq
import math

__all__ = [
    "ANALYSIS_COST",
    "INSUFFICIENT_CREDIT",
    "TASK_LOCK_PER_SECOND",
    "Ledger",
    "task_lock",
]

ANALYSIS_COST = 1
"""Credits charged when an analysis is submitted (never refunded)."""
TASK_LOCK_PER_SECOND = 10
"""Credits a task holds per started second of its source video."""
INSUFFICIENT_CREDIT = (1104, "Insufficient credit balance")
"""``(code, msg)`` of a submit the balance cannot cover."""


def task_lock(duration_seconds: float) -> int:
    """The ``deduction_lock_duration`` a task on a source of this length holds."""
    return TASK_LOCK_PER_SECOND * math.ceil(duration_seconds)


class Ledger:
    """Per-team balances and the refunds due at simulated instants.

    Not thread-safe on its own: ``SimState`` calls it under its lock.
    """

    def __init__(self) -> None:
        self._initial: dict[str, int] = {}
        self._balances: dict[str, int] = {}
        self._refunds: list[tuple[float, int, str, int]] = []  # (due, order, team, amount)
        self._order = 0

    def open(self, team_id: str, amount: int) -> None:
        """Give a new team its starting balance (also what ``reset`` restores)."""
        self._initial[team_id] = amount
        self._balances[team_id] = amount

    def balance(self, team_id: str, now: float) -> int:
        """The team's credits at simulated instant ``now``."""
        self._settle(now)
        return self._balances.get(team_id, 0)

    def charge(self, team_id: str, amount: int, now: float) -> bool:
        """Take ``amount`` if the balance covers it; False (and nothing taken) otherwise."""
        if self.balance(team_id, now) < amount:
            return False
        self._balances[team_id] -= amount
        return True

    def refund_at(self, team_id: str, amount: int, due: float) -> None:
        """Give ``amount`` back at simulated instant ``due`` (when a task fails)."""
        self._order += 1
        heapq.heappush(self._refunds, (due, self._order, team_id, amount))

    def reset(self) -> None:
        """Every team back to its starting balance; pending refunds are forgotten."""
        self._refunds.clear()
        self._balances.update(self._initial)

    def _settle(self, now: float) -> None:
        while self._refunds and self._refunds[0][0] <= now:
            _, _, team_id, amount = heapq.heappop(self._refunds)
            self._balances[team_id] += amount
