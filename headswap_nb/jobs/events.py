"""Fan-out of batch events to callbacks and async iterators.

Callbacks run synchronously on the event loop, in subscription order. A callback that raises
is logged and skipped: a broken widget must never stop the batch that pays for analyses.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from headswap_nb.jobs.entry import JobEntry
from headswap_nb.jobs.summary import BatchSummary

__all__ = ["BatchEvent", "EventHub"]

logger = logging.getLogger("headswap_nb.batch")


@dataclass(frozen=True, slots=True)
class BatchEvent:
    """Something that happened in a batch, with the analyses' summary right after it."""

    kind: str
    """submitted, progress, completed, failed, error, unknown, cancelled, added, retry, held,
    released or done for analyses; task_submitted, task_progress, task_completed,
    task_failed, task_error, task_unknown, task_cancelled, task_added or task_retry for
    head-swap tasks."""
    job: JobEntry | None
    """The job concerned (an analysis or a task); ``None`` for ``done``."""
    summary: BatchSummary
    """The analyses' summary right after the event."""

    @property
    def entry(self) -> JobEntry | None:
        """The analysis concerned, for analysis events; ``None`` otherwise."""
        return self.job if self.job is not None and not self.job.is_task else None

    @property
    def task(self) -> JobEntry | None:
        """The head-swap task concerned, for ``task_*`` events; ``None`` otherwise."""
        return self.job if self.job is not None and self.job.is_task else None


class EventHub:
    """Delivers each event to every subscriber and every open ``stream()``."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[BatchEvent], object]] = []
        self._queues: list[asyncio.Queue[BatchEvent | None]] = []

    def subscribe(self, callback: Callable[[BatchEvent], object]) -> Callable[[], None]:
        """Call ``callback(event)`` for every event; returns a function that unsubscribes."""
        self._callbacks.append(callback)

        def unsubscribe() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return unsubscribe

    def emit(self, event: BatchEvent) -> None:
        """Deliver ``event``; callback exceptions are logged, never raised."""
        for callback in tuple(self._callbacks):
            try:
                callback(event)
            except Exception:
                logger.exception("batch event callback %r raised; the batch goes on", callback)
        for queue in self._queues:
            queue.put_nowait(event)

    def stream(self) -> AsyncIterator[BatchEvent]:
        """Events from the moment of this call (not of the first ``anext``), ending after
        ``done`` or ``close()``."""
        queue: asyncio.Queue[BatchEvent | None] = asyncio.Queue()
        self._queues.append(queue)
        return self._drain(queue)

    async def _drain(self, queue: asyncio.Queue[BatchEvent | None]) -> AsyncIterator[BatchEvent]:
        try:
            while True:
                event = await queue.get()
                if event is None:
                    return
                yield event
                if event.kind == "done":
                    return
        finally:
            if queue in self._queues:
                self._queues.remove(queue)

    def close(self) -> None:
        """End every open stream."""
        for queue in self._queues:
            queue.put_nowait(None)
