"""The one loop that drives a batch: bounded submits and a heap of next-poll instants.

The scheduler knows nothing of analyses or tasks. The engine hands it work — "start this
submit when a slot is free", "run this poll at that instant" — and it runs each piece as an
asyncio task under two bounds, keeping a reference to every task (design.md §2). 10,000
jobs cost one sleeping coroutine plus a heap item each, rather than 10,000 sleepers.
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import itertools
import logging
from collections import deque
from collections.abc import Callable, Coroutine, Hashable
from typing import Any

__all__ = ["Scheduler"]

logger = logging.getLogger("headswap_nb.batch")

Step = Coroutine[Any, Any, None]
StartSubmit = Callable[[], "Step | None"]
"""Returns the submit coroutine, or ``None`` when there is nothing to do any more."""


class Scheduler:
    """Runs submits (at most ``concurrency`` at once) and polls (at most ``max_polls``)."""

    def __init__(self, *, concurrency: int, max_polls: int) -> None:
        self.concurrency = concurrency
        self.max_polls = max_polls
        self._pending: deque[StartSubmit] = deque()
        # (due instant, sequence, key, poll factory): the sequence breaks ties, so keys and
        # factories are never compared.
        self._heap: list[tuple[float, int, Hashable, Callable[[], Step]]] = []
        self._live: dict[Hashable, int] = {}  # key -> sequence number of its live heap item
        self._seq = itertools.count()
        self._running: set[asyncio.Task[None]] = set()
        self._polling: dict[Hashable, asyncio.Task[None]] = {}  # key -> its poll in flight
        self._submits = 0
        self._polls = 0
        self._wake: asyncio.Event | None = None  # exists only while ``run`` runs
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def busy(self) -> bool:
        """True while any submit is queued, any poll is due later or any step runs."""
        return bool(self._pending or self._live or self._running)

    @property
    def submits_in_flight(self) -> int:
        """Submits running now."""
        return self._submits

    def poke(self) -> None:
        """Make the loop look at its queues again (new work, a changed bound)."""
        if self._wake is not None:
            self._wake.set()

    def submit(self, start: StartSubmit, *, first: bool = False) -> None:
        """Queue a submit; ``first`` puts it ahead of everything queued (a user's click)."""
        if first:
            self._pending.appendleft(start)
        else:
            self._pending.append(start)
        self.poke()

    def schedule(self, key: Hashable, delay: float, poll: Callable[[], Step]) -> None:
        """Run ``poll()`` in ``delay`` seconds, replacing any poll already planned for ``key``."""
        seq = next(self._seq)
        self._live[key] = seq
        # Before the loop runs, items are stamped 0.0: due as soon as it starts.
        now = self._loop.time() if self._loop is not None else 0.0
        heapq.heappush(self._heap, (now + delay, seq, key, poll))
        # No poke: a sleeping loop's timer covers the earliest item, and a poll is only
        # scheduled from a step whose completion wakes the loop anyway (or before it runs).

    def unschedule(self, key: Hashable) -> None:
        """Forget the poll planned for ``key`` (its heap item is dropped when reached)."""
        self._live.pop(key, None)

    def cancel(self, key: Hashable) -> None:
        """Forget ``key``'s planned poll and cancel its poll in flight, if any (a cancelled
        job must not hold ``run()`` open until a slow request answers)."""
        self._live.pop(key, None)
        task = self._polling.pop(key, None)
        if task is not None:
            task.cancel()

    async def run(self) -> None:
        """Run until nothing is queued, planned or running; cancels steps if cancelled."""
        loop = self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        try:
            while True:
                self._launch(loop)
                if not self.busy:
                    break
                await self._sleep(loop)
        finally:
            for task in tuple(self._running):
                task.cancel()
            if self._running:
                await asyncio.gather(*self._running, return_exceptions=True)
            self._wake = None
            self._loop = None

    def _launch(self, loop: asyncio.AbstractEventLoop) -> None:
        pending = self._pending
        while pending and self._submits < self.concurrency:
            step = pending.popleft()()
            if step is not None:
                self._submits += 1
                self._spawn(loop, step).add_done_callback(self._submit_done)
        now = loop.time()
        heap, live = self._heap, self._live
        while heap and self._polls < self.max_polls:
            due, seq, key, poll = heap[0]
            if live.get(key) != seq:
                heapq.heappop(heap)  # stale: rescheduled, cancelled or finished
            elif due <= now:
                heapq.heappop(heap)
                del live[key]
                self._polls += 1
                task = self._polling[key] = self._spawn(loop, self._started(poll))
                task.add_done_callback(functools.partial(self._poll_done, key))
            else:
                break

    # The counts are given back in done callbacks, not in a ``finally``: a task cancelled
    # before its first step never enters its body, and a slot must not leak with it.

    @staticmethod
    async def _started(poll: Callable[[], Step]) -> None:
        await poll()  # made only once running: a poll cancelled first is never even created

    def _submit_done(self, _task: asyncio.Task[None]) -> None:
        self._submits -= 1

    def _poll_done(self, key: Hashable, task: asyncio.Task[None]) -> None:
        self._polls -= 1
        if self._polling.get(key) is task:
            del self._polling[key]

    async def _sleep(self, loop: asyncio.AbstractEventLoop) -> None:
        assert self._wake is not None
        self._wake.clear()
        timer = None
        if self._heap and self._polls < self.max_polls:
            timer = loop.call_at(self._heap[0][0], self._wake.set)
        await self._wake.wait()
        if timer is not None:
            timer.cancel()

    def _spawn(self, loop: asyncio.AbstractEventLoop, step: Step) -> asyncio.Task[None]:
        task = loop.create_task(step)
        self._running.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("batch step failed", exc_info=task.exception())
        self.poke()
