"""What every part of ``Batch`` shares: its entries, counts, events, journal and scheduler.

``Batch`` is assembled from small parts, each a subclass of ``BatchCore`` with one job:
``_batch_analyses`` (submit and poll analyses), ``_batch_tasks`` (head-swap tasks),
``_batch_run`` (start / wait / run_sync / close) and ``batch`` (the public facade). This
module holds the state they share and the few helpers that keep that state consistent: an
entry is only ever replaced through ``_set``, which also updates the running tally and
announces the change.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Hashable
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from headswap_nb._batch_events import EventHub
from headswap_nb._batch_poll import PollClock
from headswap_nb._batch_scheduler import Scheduler
from headswap_nb._batch_state import BatchEntry, BatchEvent, BatchSummary, Tally, backoff_delay
from headswap_nb._task_state import TaskEntry
from headswap_nb.errors import (
    JournalError,
    ProtocolError,
    RateLimitError,
    ServerError,
    TransportError,
)
from headswap_nb.journal import Journal
from headswap_nb.models import Analysis, Task

if TYPE_CHECKING:
    from headswap_nb.client import AsyncClient
    from headswap_nb.polling import PollPolicy

__all__ = ["MAX_POLL_FAILURES", "TRANSIENT", "BatchCore", "now", "poll_trouble"]

logger = logging.getLogger("headswap_nb.batch")

TRANSIENT = (RateLimitError, ServerError, TransportError, ProtocolError)
"""Errors while polling that leave the job intact on the server: poll again later."""

MAX_POLL_FAILURES = 6
"""Consecutive failed polls (each already retried by the client) before a job is shown as
ERROR. With the doubling backoff that is about a minute of a server not answering; the job
keeps its id, so "Retry failed" (``retry_failed``) simply polls it again."""


def poll_trouble(failures: int, exc: Exception, *, jitter: float) -> tuple[float | None, str]:
    """After the ``failures``-th consecutive failed poll: the delay before the next one
    (``None``: give up and show the job as ERROR) and the text to show on its row.

    ``jitter`` in [0, 1) spreads the delay over its upper half, so that after an outage the
    failed polls of many jobs do not all come back in the same instant."""
    if failures >= MAX_POLL_FAILURES:
        return None, f"{exc} (gave up after {failures} failed polls; Retry failed polls again)"
    hint = exc.retry_after if isinstance(exc, RateLimitError) else None
    delay = backoff_delay(failures, retry_after=hint)
    if hint is None or delay > hint:
        delay = max(hint or 0.0, delay * (0.5 + 0.5 * jitter))
    return delay, f"{exc} (polling again in {delay:.0f} s)"


def now() -> datetime:
    """Aware UTC now (entries' ``submitted_at`` / ``finished_at``)."""
    return datetime.now(timezone.utc)


class BatchCore:
    """Shared state of a batch; see the module docstring."""

    def __init__(
        self,
        *,
        client: AsyncClient | None,
        concurrency: int,
        poll: PollPolicy | None,
        journal: Journal | None,
        owns_journal: bool,
        on_event: Callable[[BatchEvent], object] | None,
        max_polls_in_flight: int,
    ) -> None:
        if max_polls_in_flight < 1:
            raise ValueError("max_polls_in_flight must be at least 1")
        # Polls are bounded so the client's connection pool is never exhausted by polls alone.
        self._sched = Scheduler(concurrency=1, max_polls=max_polls_in_flight)
        self.concurrency = concurrency
        self._client = client
        self._owns_client = client is None
        self._policy = poll
        self._journal = journal
        self._owns_journal = owns_journal
        self._entries: dict[str, BatchEntry] = {}
        self._intents: dict[str, int] = {}  # url -> journal intent id
        self._tally = Tally()
        self._hub = EventHub()
        if on_event is not None:
            self._hub.subscribe(on_event)
        self._clock: PollClock | None = None  # made when a run starts (reads the env then)
        self._failures: dict[Hashable, int] = {}  # poll key -> consecutive transient errors
        self._cancel_requested: set[Hashable] = set()  # URLs / task keys mid-submit
        # Head-swap tasks, by the batch-local ``ref`` of each TaskEntry.
        self._task_entries: dict[int, TaskEntry] = {}
        self._task_intents: dict[int, int] = {}  # ref -> journal task intent id
        # url or task key -> (intent, newest record) whose job id the journal could not take
        # yet: retried at every poll of that job, at the end of a run and on close.
        self._unjournaled: dict[Hashable, tuple[int, Analysis | Task]] = {}
        self._task_waiters: dict[int, asyncio.Future[Task]] = {}  # create_task_async callers
        self._task_forced: set[int] = set()  # refs created with force=True
        self._task_refs = itertools.count(1)
        self._runner: asyncio.Task[BatchSummary] | None = None
        self._closed = False

    @property
    def concurrency(self) -> int:
        """Submits in flight at most; a change applies to the next submits."""
        return self._sched.concurrency

    @concurrency.setter
    def concurrency(self, value: int) -> None:
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"concurrency must be a positive int, got {value!r}")
        self._sched.concurrency = value
        self._sched.poke()

    @property
    def max_polls_in_flight(self) -> int:
        """GETs in flight at most."""
        return self._sched.max_polls

    @max_polls_in_flight.setter
    def max_polls_in_flight(self, value: int) -> None:
        if not isinstance(value, int) or value < 1:
            raise ValueError("max_polls_in_flight must be at least 1")
        self._sched.max_polls = value
        self._sched.poke()

    @property
    def summary(self) -> BatchSummary:
        """Counts per analysis state and overall progress, always available (O(1))."""
        return self._tally.summary()

    # --- keeping state consistent --------------------------------------------------------

    def _emit(self, kind: str, entry: BatchEntry | None, task: TaskEntry | None = None) -> None:
        self._hub.emit(BatchEvent(kind, entry, self._tally.summary(), task))

    def _set(self, new: BatchEntry, kind: str | None) -> None:
        self._tally.replace(self._entries[new.url], new)
        self._entries[new.url] = new
        if kind is not None:
            self._emit(kind, new)

    def _set_task(self, new: TaskEntry, kind: str | None) -> None:
        self._task_entries[new.ref] = new
        if kind is not None:
            self._emit(kind, None, new)

    def _journal_state(self, url: str, state: str, error: str | None = None) -> None:
        intent = self._intents.get(url)
        # A state on a row whose id is owed would make it look never sent: id first.
        if intent is not None and self._settle_id(url):
            what = f"the state {state} of {url}"
            self._journaled(what, lambda j: j.record_state(intent, state, error=error))

    def _journaled(self, what: str, write: Callable[[Journal], object]) -> bool:
        """One journal write that must not stop the batch: a ``JournalError`` (file locked,
        disk full, journal closed...) is logged and reported as ``False``; tracking goes on
        in memory."""
        if self._journal is None:
            return True
        try:
            write(self._journal)
        except JournalError as exc:
            logger.error("%s was not journaled; the batch goes on in memory: %s", what, exc)
            return False
        return True

    def _journal_record(self, key: Hashable, record: Analysis | Task, intent: int | None) -> None:
        """Journal a job's new record: with its id, right after the submit (``intent``) and
        for as long as an earlier id write failed; otherwise as a status record."""
        owed = self._unjournaled.get(key)
        if intent is None:
            if owed is None:
                what = f"the status of {_job(key, record)}"
                self._journaled(what, lambda j: _write_status(j, record))
                return
            intent = owed[0]
        elif owed is not None:  # cannot happen: a retry waits until the id is settled
            logger.error("the id of %s was never journaled", _job(key, owed[1]))
        self._unjournaled[key] = (intent, record)
        self._settle_id(key)

    def _settle_id(self, key: Hashable) -> bool:
        """Write the id owed for ``key`` (with the newest record); True once none is owed.

        Until then nothing else is written on that intent's row, and the job may not be
        submitted again: on a resume the row reads as "may exist on the server"."""
        owed = self._unjournaled.get(key)
        if owed is None:
            return True
        intent, record = owed
        if not self._journaled(
            f"the id of {_job(key, record)}", lambda j: _write_id(j, intent, record)
        ):
            return False
        del self._unjournaled[key]
        return True

    def _settle_ids(self, *, last: bool = False) -> None:
        """Try every owed id again (at the end of a run and on close); on the ``last`` try,
        name each one the journal never took, so that it can be noted by hand."""
        for key in list(self._unjournaled):
            self._settle_id(key)
        if last:
            for key, (_, record) in self._unjournaled.items():
                logger.error(
                    "the journal never took the id of %s; a resume will show it as needing "
                    "attention (it exists on the server)",
                    _job(key, record),
                )

    def _poke(self) -> None:
        self._sched.poke()

    def _active_client(self) -> AsyncClient:
        assert self._client is not None, "polls and submits run only inside a run"
        return self._client

    def _ensure_client(self) -> AsyncClient:
        if self._client is None:
            from headswap_nb.connection import default_async_client

            self._client = default_async_client()
            self._owns_client = True
        return self._client

    def _loop_time(self) -> float:
        return asyncio.get_running_loop().time()

    def _next_poll(self, key: Hashable, record: Analysis | Task) -> float:
        """Seconds until ``key``'s next poll under the batch's policy, given ``record``."""
        assert self._clock is not None
        return self._clock.next_delay(key, record, self._loop_time())


def _write_status(journal: Journal, record: Analysis | Task) -> None:
    if isinstance(record, Task):
        journal.record_task_status(record)
    else:
        journal.record_status(record)


def _write_id(journal: Journal, intent: int, record: Analysis | Task) -> None:
    if isinstance(record, Task):
        journal.record_task_submitted(intent, record)
    else:
        journal.record_submitted(intent, record)


def _job(key: Hashable, record: Analysis | Task) -> str:
    of_url = f" of {key}" if isinstance(key, str) else ""  # a task's key is internal
    return f"{type(record).__name__.lower()} {record.id}{of_url}"
