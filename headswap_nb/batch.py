"""Many analyses at once: bounded submits, one shared poll scheduler, events, a durable journal.

``Batch`` is a thin asyncio shell over the pure core in ``_batch_state``. One scheduler loop
owns everything: it starts at most ``concurrency`` submits and ``max_polls_in_flight`` GETs
at a time, and keeps a heap of next-poll instants computed by the poll policy, so 10,000
analyses cost one sleeping coroutine rather than 10,000.

The API has no server-side cancel: ``cancel()`` only stops tracking; the analyses run on.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import os
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import replace
from datetime import datetime, timezone
from types import TracebackType
from typing import TYPE_CHECKING

from headswap_nb._batch_events import EventHub
from headswap_nb._batch_poll import PollClock
from headswap_nb._batch_restore import restore_entry
from headswap_nb._batch_state import (
    BatchEntry,
    BatchEvent,
    BatchSummary,
    EntryState,
    Tally,
    backoff_delay,
    on_cancel,
    on_record,
    on_submit_error,
    on_submitted,
    on_submitting,
)
from headswap_nb.errors import (
    APIError,
    HeadswapError,
    ProtocolError,
    RateLimitError,
    ServerError,
    SubmissionUnknownError,
    TransportError,
)
from headswap_nb.journal import Journal, JournalRecord
from headswap_nb.models import Analysis
from headswap_nb.urls import ParsedUrls, parse_urls

if TYPE_CHECKING:
    from headswap_nb.client import AsyncClient
    from headswap_nb.polling import PollPolicy

__all__ = ["Batch", "BatchEntry", "BatchEvent", "BatchSummary", "EntryState"]

logger = logging.getLogger("headswap_nb.batch")

# Errors while polling that leave the analysis intact on the server: poll again later.
_TRANSIENT = (RateLimitError, ServerError, TransportError, ProtocolError)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _source(urls: object) -> str | Iterable[object]:
    if isinstance(urls, str):
        return urls
    if hasattr(urls, "tolist"):  # a pandas Series, without importing pandas here
        return list(urls.tolist())
    if isinstance(urls, Iterable):
        return urls
    raise TypeError(f"urls must be a string, a list/tuple or a pandas Series, not {type(urls)}")


class Batch:
    """Submit and track many analyses; see the module docstring."""

    def __init__(
        self,
        urls: str | Iterable[str] | object = (),
        *,
        client: AsyncClient | None = None,
        concurrency: int = 4,
        poll: PollPolicy | None = None,
        journal: str | os.PathLike[str] | Journal | None = None,
        on_event: Callable[[BatchEvent], object] | None = None,
        max_polls_in_flight: int = 32,
    ) -> None:
        self._wake: asyncio.Event | None = None  # exists only while the scheduler runs
        self._client = client
        self._owns_client = client is None
        self.concurrency = concurrency
        if max_polls_in_flight < 1:
            raise ValueError("max_polls_in_flight must be at least 1")
        # Bounded so the client's connection pool is never exhausted by polls alone.
        self.max_polls_in_flight = max_polls_in_flight
        self._policy = poll
        self._owns_journal = journal is not None and not isinstance(journal, Journal)
        self._journal: Journal | None = (
            journal if isinstance(journal, Journal) or journal is None else Journal(journal)
        )
        self._entries: dict[str, BatchEntry] = {}
        self._intents: dict[str, int] = {}
        self._tally = Tally()
        self._hub = EventHub()
        if on_event is not None:
            self._hub.subscribe(on_event)
        self._pending: deque[str] = deque()
        self._heap: list[tuple[float, int, str]] = []
        self._due: dict[str, int] = {}  # url -> sequence number of its live heap item
        self._seq = itertools.count()
        self._clock: PollClock | None = None
        self._failures: dict[str, int] = {}
        self._cancel_requested: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._submits = 0
        self._polls = 0
        self._task: asyncio.Task[BatchSummary] | None = None
        self._closed = False
        parsed = parse_urls(_source(urls))
        self.rejected = parsed.rejected
        self._add(parsed.valid)

    # --- views ----------------------------------------------------------------------------

    @property
    def concurrency(self) -> int:
        """Submits in flight at most; a change applies to the next submits."""
        return self._concurrency

    @concurrency.setter
    def concurrency(self, value: int) -> None:
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"concurrency must be a positive int, got {value!r}")
        self._concurrency = value
        self._poke()

    @property
    def entries(self) -> tuple[BatchEntry, ...]:
        """Every entry, in the order URLs were given."""
        return tuple(self._entries.values())

    def entry(self, url: str) -> BatchEntry:
        """The entry of ``url`` (``KeyError`` if the batch does not hold it)."""
        return self._entries[url]

    @property
    def records(self) -> dict[str, Analysis]:
        """Latest ``Analysis`` per URL, for the URLs that have one."""
        return {u: e.analysis for u, e in self._entries.items() if e.analysis is not None}

    @property
    def summary(self) -> BatchSummary:
        """Counts per state and overall progress, always available."""
        return self._tally.summary()

    @property
    def needs_attention(self) -> tuple[BatchEntry, ...]:
        """UNKNOWN entries: a submit may exist on the server without us knowing its id."""
        return tuple(e for e in self._entries.values() if e.state is EntryState.UNKNOWN)

    @property
    def journal(self) -> Journal | None:
        """The journal this batch writes to, if any."""
        return self._journal

    @property
    def running(self) -> bool:
        """True while the background task runs."""
        return self._task is not None and not self._task.done()

    def __repr__(self) -> str:
        return f"<Batch {self.summary.describe()}>"

    # --- changing the set of URLs -------------------------------------------------------

    def add(self, urls: str | Iterable[str] | object) -> ParsedUrls:
        """Add URLs (deduplicated against those held); picked up at once if running."""
        parsed = parse_urls(_source(urls))
        new = tuple(u for u in parsed.valid if u not in self._entries)
        self._add(new)
        self.rejected = self.rejected + parsed.rejected
        self._poke()
        return ParsedUrls(new, parsed.rejected, parsed.duplicates + len(parsed.valid) - len(new))

    def _add(self, urls: Iterable[str]) -> None:
        known: dict[str, JournalRecord] = {}
        if self._journal is not None:
            known = {r.url: r for r in self._journal.records()}
        for url in urls:
            record = known.get(url)
            entry = restore_entry(url, record)
            if record is not None:
                self._intents[url] = record.intent_id
            self._entries[url] = entry
            self._tally.replace(None, entry)
            if entry.state is EntryState.PENDING:
                self._pending.append(url)
            elif entry.state.is_active:
                self._schedule(url, 0.0)
            self._emit("added", entry)

    def cancel(self, urls: Iterable[str] | str | None = None) -> None:
        """Stop tracking all (or some) URLs. The API has no server-side cancel: analyses
        already submitted run on (and are billed). A submit in flight is let finish so its
        id is journaled, then marked cancelled."""
        targets = list(self._entries) if urls is None else [urls] if isinstance(urls, str) else urls
        now = _now()
        for url in targets:
            entry = self._entries[url]
            if entry.state is EntryState.SUBMITTING:
                self._cancel_requested.add(url)
                continue
            new, kind = on_cancel(entry, now)
            if kind is not None:
                self._due.pop(url, None)
                self._set(new, kind)
                self._journal_state(url, "cancelled")
        self._poke()

    def retry_failed(self) -> list[str]:
        """Resubmit FAILED entries and entries in ERROR; never UNKNOWN ones.

        An ERROR entry that has an analysis id (polling failed) is polled again, not
        resubmitted: it already exists and is billed.
        """
        retried = []
        for url, entry in self._entries.items():
            if entry.state is EntryState.ERROR and entry.analysis_id is not None:
                new = replace(entry, state=EntryState.QUEUED, error=None, finished_at=None)
                self._schedule(url, 0.0)
            elif entry.state in (EntryState.FAILED, EntryState.ERROR):
                new = BatchEntry(url, attempts=entry.attempts)
                self._pending.append(url)
            else:
                continue
            self._set(new, "retry")
            retried.append(url)
        self._poke()
        return retried

    # --- events ---------------------------------------------------------------------------

    def subscribe(self, callback: Callable[[BatchEvent], object]) -> Callable[[], None]:
        """Call ``callback(event)`` on every event; returns an unsubscribe function.

        Exceptions raised by the callback are logged, never raised into the batch."""
        return self._hub.subscribe(callback)

    def events(self) -> AsyncIterator[BatchEvent]:
        """Async iterator over events from now on, ending after ``done`` or ``aclose()``."""
        return self._hub.stream()

    def _emit(self, kind: str, entry: BatchEntry | None) -> None:
        self._hub.emit(BatchEvent(kind, entry, self._tally.summary()))

    def _set(self, new: BatchEntry, kind: str | None) -> None:
        self._tally.replace(self._entries[new.url], new)
        self._entries[new.url] = new
        if kind is not None:
            self._emit(kind, new)

    def _journal_state(self, url: str, state: str, error: str | None = None) -> None:
        intent = self._intents.get(url)
        if self._journal is not None and intent is not None:
            self._journal.record_state(intent, state, error=error)

    # --- running --------------------------------------------------------------------------

    def start(self) -> asyncio.Task[BatchSummary]:
        """Run in the background on the running loop (idempotent while running).

        In Jupyter the task keeps running, and events keep coming, after the cell ends."""
        if self._closed:
            raise RuntimeError("this Batch is closed; create a new one")
        if self._task is not None and not self._task.done():
            return self._task
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "Batch.start() needs a running event loop (a notebook cell or a coroutine); "
                "in a plain script use batch.run_sync() instead"
            ) from None
        self._task = loop.create_task(self._run(), name="headswap-batch")
        return self._task

    async def wait(self) -> BatchSummary:
        """Start if needed and return the summary once nothing is pending or active."""
        # shield: cancelling one waiter must not stop a batch others are watching.
        return await asyncio.shield(self.start())

    def run_sync(self) -> BatchSummary:
        """Block until done: ``asyncio.run`` in a script; inside a running loop (Jupyter),
        re-enter it with nest-asyncio2 so other background work keeps running meanwhile."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self._run_in_script())
        import nest_asyncio2  # lazily: patching asyncio is only needed inside a running loop

        nest_asyncio2.apply(loop)
        return loop.run_until_complete(self.wait())

    async def _run_in_script(self) -> BatchSummary:
        try:
            return await self.wait()
        finally:
            # The loop dies with asyncio.run; a client we made cannot outlive it.
            await self._close_client()

    def _ensure_client(self) -> AsyncClient:
        if self._client is None:
            from headswap_nb.connection import default_async_client

            self._client = default_async_client()
            self._owns_client = True
        return self._client

    def _poke(self) -> None:
        if self._wake is not None:
            self._wake.set()

    def _schedule(self, url: str, delay: float) -> None:
        seq = next(self._seq)
        self._due[url] = seq
        now = asyncio.get_running_loop().time() if self._wake is not None else 0.0
        heapq.heappush(self._heap, (now + delay, seq, url))

    def _spawn(self, coro: object) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("batch step failed", exc_info=task.exception())
        self._poke()

    async def _run(self) -> BatchSummary:
        loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        client = self._ensure_client()
        self._clock = PollClock(self._policy)
        # Items scheduled before the loop existed were stamped 0.0: due now.
        try:
            while True:
                self._launch(loop, client)
                if not self._pending and not self._due and not self._tasks:
                    break
                await self._sleep(loop)
        finally:
            for task in tuple(self._tasks):
                task.cancel()
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            self._wake = None
        summary = self.summary
        self._emit("done", None)
        return summary

    def _launch(self, loop: asyncio.AbstractEventLoop, client: AsyncClient) -> None:
        while self._pending and self._submits < self._concurrency:
            url = self._pending.popleft()
            if self._entries[url].state is EntryState.PENDING:
                self._submits += 1
                self._spawn(self._submit(client, url))
        now = loop.time()
        heap = self._heap
        while heap and self._polls < self.max_polls_in_flight:
            due, seq, url = heap[0]
            if self._due.get(url) != seq:
                heapq.heappop(heap)  # stale: rescheduled, cancelled or finished
            elif due <= now:
                heapq.heappop(heap)
                del self._due[url]
                self._polls += 1
                self._spawn(self._poll(client, url))
            else:
                break

    async def _sleep(self, loop: asyncio.AbstractEventLoop) -> None:
        assert self._wake is not None
        self._wake.clear()
        timer = None
        if self._heap and self._polls < self.max_polls_in_flight:
            timer = loop.call_at(self._heap[0][0], self._wake.set)
        await self._wake.wait()
        if timer is not None:
            timer.cancel()

    async def _submit(self, client: AsyncClient, url: str) -> None:
        try:
            await self._submit_one(client, url)
        finally:
            self._submits -= 1

    async def _submit_one(self, client: AsyncClient, url: str) -> None:
        journal = self._journal
        self._set(on_submitting(self._entries[url]), None)
        if journal is not None:
            intent = journal.claim_intent(url)
            if intent is None:  # another process sharing the journal owns this URL
                self._adopt(url, journal)
                return
            self._intents[url] = intent
        try:
            analysis = await client.analyze(url)
        except asyncio.CancelledError:
            # The POST may have left: the journal keeps an intent without id (UNKNOWN).
            self._fail(url, "stopped while the submit was in flight", None, unknown=True)
            raise
        except SubmissionUnknownError as exc:
            self._fail(url, str(exc), None, unknown=True)
        except APIError as exc:
            self._fail(url, str(exc), exc.code, unknown=False)
        except HeadswapError as exc:  # not sent (the client turns "maybe sent" into Unknown)
            self._fail(url, str(exc), None, unknown=False)
        except Exception as exc:  # unexpected: we cannot know whether it was sent
            logger.exception("submit of %s raised unexpectedly", url)
            self._fail(url, f"{type(exc).__name__}: {exc}", None, unknown=True)
        else:
            if journal is not None:
                journal.record_submitted(self._intents[url], analysis)
            new, kind = on_submitted(self._entries[url], analysis, _now())
            self._set(new, kind)
            if url in self._cancel_requested:
                self._cancel_requested.discard(url)
                self.cancel([url])
            elif not new.state.is_terminal:
                self._schedule(url, self._clock_next(url, analysis))

    def _adopt(self, url: str, journal: Journal) -> None:
        record = next((r for r in journal.records() if r.url == url), None)
        entry = restore_entry(url, record)
        if record is not None:
            self._intents[url] = record.intent_id
        self._set(entry, "unknown" if entry.state is EntryState.UNKNOWN else "submitted")
        if entry.state.is_active:
            self._schedule(url, 0.0)

    def _fail(self, url: str, message: str, code: int | None, *, unknown: bool) -> None:
        intent = self._intents.get(url)
        if self._journal is not None and intent is not None:
            self._journal.record_error(intent, message, unknown=unknown)
        self._cancel_requested.discard(url)
        new, kind = on_submit_error(
            self._entries[url], message, code=code, unknown=unknown, now=_now()
        )
        self._set(new, kind)

    def _clock_next(self, url: str, analysis: Analysis) -> float:
        assert self._clock is not None
        return self._clock.next_delay(url, analysis, asyncio.get_running_loop().time())

    async def _poll(self, client: AsyncClient, url: str) -> None:
        try:
            await self._poll_one(client, url)
        finally:
            self._polls -= 1

    async def _poll_one(self, client: AsyncClient, url: str) -> None:
        analysis_id = self._entries[url].analysis_id
        assert analysis_id is not None
        try:
            analysis = await client.get_analysis(analysis_id)
        except _TRANSIENT as exc:  # the analysis is not lost: poll again, later
            if self._entries[url].state.is_active:
                failures = self._failures[url] = self._failures.get(url, 0) + 1
                hint = exc.retry_after if isinstance(exc, RateLimitError) else None
                self._schedule(url, backoff_delay(failures, retry_after=hint))
            return
        except HeadswapError as exc:  # not found, credential refused: polling cannot go on
            if self._entries[url].state.is_active:
                code = exc.code if isinstance(exc, APIError) else None
                new, kind = on_submit_error(
                    self._entries[url], str(exc), code=code, unknown=False, now=_now()
                )
                self._set(new, kind)
                self._journal_state(url, "error", str(exc))
            return
        self._failures.pop(url, None)
        entry = self._entries[url]
        if not entry.state.is_active:  # cancelled while the GET was in flight
            return
        new, change = on_record(entry, analysis, _now())
        if change is not None and self._journal is not None:
            self._journal.record_status(analysis)
        self._set(new, change)
        if not new.state.is_terminal:
            self._schedule(url, self._clock_next(url, analysis))
        elif self._clock is not None:
            self._clock.forget(url)

    # --- closing --------------------------------------------------------------------------

    async def _close_client(self) -> None:
        if self._owns_client and self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    async def aclose(self) -> None:
        """Stop the background task, close the client if the batch made it, and the
        journal if it opened it. Submits in flight become UNKNOWN (they may have left)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._close_client()
        if self._owns_journal and self._journal is not None:
            self._journal.close()
        self._closed = True
        self._hub.close()

    def close(self) -> None:
        """``aclose()`` from synchronous code (scheduled on the running loop if there is one)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(self.aclose())
            return
        self._closing = loop.create_task(self.aclose())

    async def __aenter__(self) -> Batch:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    @classmethod
    def resume(
        cls,
        journal: str | os.PathLike[str] | Journal,
        *,
        client: AsyncClient | None = None,
        concurrency: int = 4,
        poll: PollPolicy | None = None,
        on_event: Callable[[BatchEvent], object] | None = None,
        max_polls_in_flight: int = 32,
    ) -> Batch:
        """Re-attach to every URL in ``journal`` after a restart.

        URLs with an analysis id are polled, never resubmitted; intents without an id are
        UNKNOWN (see ``needs_attention``); nothing is submitted unless ``retry_failed()``.
        """
        held = journal if isinstance(journal, Journal) else Journal(journal)
        batch = cls(
            [r.url for r in held.records()],
            client=client,
            concurrency=concurrency,
            poll=poll,
            journal=held,
            on_event=on_event,
            max_polls_in_flight=max_polls_in_flight,
        )
        batch._owns_journal = not isinstance(journal, Journal)
        return batch
