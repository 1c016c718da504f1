"""Helpers for kernel-side board tests: a fast poll policy, an event loop with a client of
the test's simulator, and waiting for a condition without sleeping blindly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any


def fast_poll() -> Any:
    """A fixed, short poll interval: board tests watch state changes, not the schedule."""
    from headswap_nb.polling import PollPolicy

    return PollPolicy(interval=0.05, min_interval=0.02)


def run_with_client(body: Callable[[Any], Awaitable[None]], sim: Any) -> None:
    """Run ``body(client)`` on a fresh loop with an ``AsyncClient`` of ``sim``, then close it."""

    async def main() -> None:
        from headswap_nb.client import AsyncClient

        client = AsyncClient(api_key=sim.api_key, base_url=sim.base_url)
        try:
            await body(client)
        finally:
            await client.aclose()

    asyncio.run(main())


async def until(
    check: Callable[[], bool], timeout: float = 20.0, *, state: Callable[[], object] | None = None
) -> None:
    """Return once ``check()`` is true; fail the test after ``timeout`` seconds, saying
    what ``state()`` was then so that a failure in CI can be read without rerunning it."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            seen = f": {state()!r}" if state is not None else ""
            raise AssertionError(f"condition not reached in {timeout} s{seen}")
        await asyncio.sleep(0.02)


def max_per_window(times: list[float], window: float = 1.0) -> int:
    """Most events in any half-open interval [t, t + window)."""
    from bisect import bisect_left

    times = sorted(times)
    return max((bisect_left(times, t + window) - i for i, t in enumerate(times)), default=0)
