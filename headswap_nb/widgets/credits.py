"""The account's credits on the board: the balance, what this board spent, and a warning
before sending analyses the balance cannot cover.

Akool publishes no prices (akool-api.md §14), so the cost of an analysis is *measured*:
the balance read at connect and again each time the batch settles; when only analyses were
sent between two readings, what the balance fell by, divided by how many were sent, is
what one costs here. A paste whose analyses would cost more than the balance — at that
measured price, or at any price when the balance is 0 — is held back with the reason, for
"Send anyway". Nothing is guessed before a measurement; a balance that cannot be read
(an older server, a proxy) just leaves the line out.

``CreditMeter`` is the pure part; ``Credits`` reads the balance in the background.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headswap_nb.client import AsyncClient

__all__ = ["CreditMeter", "Credits"]

logger = logging.getLogger("headswap_nb.widgets")


@dataclass(frozen=True, slots=True)
class CreditMeter:
    """Balances read so far, and the price of an analysis they show."""

    first: float | None = None
    """The balance when the board connected."""
    latest: float | None = None
    price: float | None = None
    """Credits one analysis cost here, once measured."""
    sent_since: int = 0
    """Analyses sent since the latest reading."""
    tasks_since: int = 0
    """Tasks sent since the latest reading (their cost is not an analysis's)."""

    def read(self, balance: float) -> CreditMeter:
        """A new reading of the balance."""
        price = self.price
        if self.latest is not None and self.sent_since and not self.tasks_since:
            spent = self.latest - balance
            if spent > 0:
                price = spent / self.sent_since
        first = balance if self.first is None else self.first
        return CreditMeter(first, balance, price, 0, 0)

    def sent(self, *, analyses: int = 0, tasks: int = 0) -> CreditMeter:
        """Jobs were sent since the latest reading."""
        return replace(
            self, sent_since=self.sent_since + analyses, tasks_since=self.tasks_since + tasks
        )

    @property
    def spent(self) -> float | None:
        """What the balance fell by since the board connected (top-ups count against it)."""
        if self.first is None or self.latest is None:
            return None
        return self.first - self.latest

    def shortfall(self, analyses: int) -> str | None:
        """Why ``analyses`` more should wait for the user's word, if they should."""
        if self.latest is None or analyses <= 0:
            return None
        if self.latest <= 0:
            return "the account has no credits left: sending is likely refused (1104)"
        if self.price is None:
            return None
        cost = analyses * self.price
        # Readings lag behind analyses still running: count those as spent already.
        left = self.latest - self.sent_since * self.price
        if cost <= left:
            return None
        return (
            f"these {analyses} would cost about {cost:,.0f} credits (at {self.price:,.4g} "
            f"each, as measured here) and about {max(left, 0):,.0f} are left"
        )

    def describe(self) -> str:
        """``9,990 credits · 10 spent since this board opened`` (or ``""``)."""
        if self.latest is None:
            return ""
        text = f"{self.latest:,.0f} credits"
        spent = self.spent
        if spent:
            text += f" · {spent:,.0f} spent since this board opened"
        return text


class Credits:
    """Reads the balance through ``client`` in the background; ``on_change`` after each."""

    def __init__(self, client: AsyncClient, on_change: Callable[[], object]) -> None:
        self.client = client
        self.meter = CreditMeter()
        self._on_change = on_change
        self._reading: asyncio.Task[None] | None = None

    def refresh(self) -> None:
        """Read the balance again (soon; at most one read at a time)."""
        if self._reading is not None and not self._reading.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # a plain script: no background reads (the board is not watched)
        self._reading = loop.create_task(self._read(), name="headswap-credits")

    def sent(self, *, analyses: int = 0, tasks: int = 0) -> None:
        """This board just sent jobs."""
        self.meter = self.meter.sent(analyses=analyses, tasks=tasks)

    def close(self) -> None:
        """Stop a read in flight."""
        if self._reading is not None:
            self._reading.cancel()

    async def _read(self) -> None:
        try:
            balance = await self.client.get_credits()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # not fatal: the board works without it
            logger.info("could not read the credit balance: %s", exc)
            return
        self.meter = self.meter.read(balance)
        self._on_change()
