"""``Batch``: many analyses — and the head-swap tasks made from them — at once.

A small facade over the one job engine (``headswap_nb.jobs``): bounded submits, one shared
poll scheduler, events, and an optional durable journal that knows the whole batch (every
URL and task is written before anything is sent) so that ``Batch.resume`` picks it all up
after a crash without ever sending a job twice.

Head-swap tasks: ``create_task(url, mappings)`` checks locally (nothing is sent on a
mistake), queues the create ahead of pending analysis submits and returns the task's entry at
once; ``await create_task_async(...)`` also starts the batch and returns once the create has
answered, raising the server's refusal (e.g. ``InsufficientCreditsError``) or
``SubmissionUnknownError`` to the awaiting caller; the entry records it either way.

The API has no server-side cancel: ``cancel()`` only stops tracking; the jobs run on.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import replace
from types import TracebackType
from typing import TYPE_CHECKING

from headswap_nb.client.urls import ParsedUrls, parse_urls
from headswap_nb.errors import InvalidRequestError
from headswap_nb.jobs.engine import Engine
from headswap_nb.jobs.entry import ANALYSIS, TASK, JobEntry
from headswap_nb.jobs.events import BatchEvent
from headswap_nb.jobs.journal import Journal
from headswap_nb.jobs.kinds import check_task_request
from headswap_nb.jobs.pace import Pace
from headswap_nb.jobs.restore import restore
from headswap_nb.jobs.runner import run_blocking
from headswap_nb.jobs.states import EntryState, may_send_again
from headswap_nb.jobs.summary import BatchSummary
from headswap_nb.models import Analysis, Task

if TYPE_CHECKING:
    from headswap_nb.client import AsyncClient
    from headswap_nb.polling import PollPolicy

__all__ = ["Batch", "BatchEntry", "BatchEvent", "BatchSummary", "EntryState", "TaskEntry"]

BatchEntry = JobEntry
"""An analysis' entry: a ``JobEntry`` of kind ``"analysis"`` (one type for every job)."""
TaskEntry = JobEntry
"""A head-swap task's entry: a ``JobEntry`` of kind ``"task"``."""


def _source(urls: object) -> str | Iterable[object]:
    if isinstance(urls, str):
        return urls
    if hasattr(urls, "tolist"):  # a pandas Series, without importing pandas here
        return list(urls.tolist())
    if isinstance(urls, Iterable):
        return urls
    raise TypeError(f"urls must be a string, a list/tuple or a pandas Series, not {type(urls)}")


class Batch:
    """Submit and track many analyses and their head-swap tasks; see the module docstring."""

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
        held = journal if isinstance(journal, Journal) or journal is None else Journal(journal)
        self._owns_journal = held is not journal
        self._journal = held
        self._runner: asyncio.Task[BatchSummary] | None = None
        self._closing: asyncio.Task[None] | None = None
        self._closed = False
        self.rejected: tuple[object, ...] = ()
        """Entries of the given URLs that are not usable video URLs (with the reason)."""
        try:
            self._engine = Engine(
                client=client,
                concurrency=concurrency,
                poll=poll,
                journal=held,
                on_event=on_event,
                max_polls_in_flight=max_polls_in_flight,
            )
            self.add(urls)
        except BaseException:  # e.g. an unreadable journal: close the one we opened
            if self._owns_journal and held is not None:
                held.close()
            raise

    # --- views ----------------------------------------------------------------------------

    @property
    def entries(self) -> tuple[JobEntry, ...]:
        """Every analysis, in the order URLs were given."""
        return self._engine.jobs(ANALYSIS)

    def entries_by_url(self) -> dict[str, JobEntry]:
        """Every analysis by its exact URL."""
        return {e.url: e for e in self.entries}

    def entry(self, url: str) -> JobEntry:
        """The analysis of ``url`` (``KeyError`` if the batch does not hold it)."""
        found = self._engine.analysis(url)
        if found is None:
            raise KeyError(url)
        return found

    @property
    def records(self) -> dict[str, Analysis]:
        """Latest ``Analysis`` per URL, for the URLs that have one."""
        return {e.url: e.analysis for e in self.entries if e.analysis is not None}

    @property
    def tasks(self) -> tuple[JobEntry, ...]:
        """Every head-swap task, in creation order (restored ones first)."""
        return self._engine.jobs(TASK)

    @property
    def task_records(self) -> dict[str, Task]:
        """Latest ``Task`` per task id, for the tasks that have one."""
        return {t.task.id: t.task for t in self.tasks if t.task is not None}

    @property
    def needs_attention(self) -> tuple[JobEntry, ...]:
        """UNKNOWN analyses: a submit may exist on the server without us knowing its id."""
        return tuple(e for e in self.entries if e.state is EntryState.UNKNOWN)

    @property
    def tasks_needing_attention(self) -> tuple[JobEntry, ...]:
        """UNKNOWN tasks: a create may exist (and be billed) without us knowing its id."""
        return tuple(t for t in self.tasks if t.state is EntryState.UNKNOWN)

    @property
    def summary(self) -> BatchSummary:
        """Counts per analysis state and overall progress, always available (O(1))."""
        return self._engine.summary

    def shown(self, entry: JobEntry) -> tuple[float, float | None]:
        """What to show of ``entry`` (an analysis or a task of this batch) now: its progress
        — extrapolated between polls while it runs, never backwards, 100 only once done —
        and the seconds it has left (``None`` while nothing says, 0 once done). What the
        board, the text view and the terminal show."""
        return self._engine.shown(entry.ref)

    def pace(self) -> Pace:
        """The analyses' rate (finished per second) and the time left for all of them."""
        return self._engine.pace()

    @property
    def problem(self) -> str | None:
        """Why this batch stopped sending, if it did: its journal file was deleted or
        replaced while in use. What was already sent is still followed; nothing new is
        sent, so that nothing is paid for without a record of it."""
        return self._engine.problem

    @property
    def journal(self) -> Journal | None:
        """The journal this batch writes to, if any."""
        return self._journal

    @property
    def concurrency(self) -> int:
        """Submits in flight at most; a change applies to the next submits."""
        return self._engine.sched.concurrency

    @concurrency.setter
    def concurrency(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"concurrency must be a positive int, got {value!r}")
        self._engine.sched.concurrency = value
        self._engine.sched.poke()

    @property
    def max_polls_in_flight(self) -> int:
        """GETs in flight at most."""
        return self._engine.sched.max_polls

    @max_polls_in_flight.setter
    def max_polls_in_flight(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError("max_polls_in_flight must be at least 1")
        self._engine.sched.max_polls = value
        self._engine.sched.poke()

    @property
    def running(self) -> bool:
        """True while the background task runs."""
        return self._runner is not None and not self._runner.done()

    def __repr__(self) -> str:
        return f"<Batch {self.summary.describe()}>"

    # --- changing what is tracked -------------------------------------------------------

    def add(self, urls: str | Iterable[str] | object, *, hold: str | None = None) -> ParsedUrls:
        """Add URLs (deduplicated against those held); picked up at once if running.

        ``hold``: add them held back with this reason instead, not sent until ``release``.
        With a journal, every new URL is written before anything is sent, with the tasks the
        journal already holds on it (a journal read failure adds nothing)."""
        parsed = parse_urls(_source(urls))
        engine = self._engine
        new = tuple(u for u in parsed.valid if engine.analysis(u) is None)
        journal = self._journal
        # The read first: if it fails (JournalError), nothing was written or added.
        tasks = journal.rows(TASK, urls=new) if journal is not None and new else []
        rows = journal.add(new) if journal is not None else None
        for index, url in enumerate(new):
            ref = engine.new_ref()
            row = rows[index] if rows is not None else None
            entry = restore(row, ref) if row is not None else JobEntry(url, ref=ref)
            if hold is not None and entry.state is EntryState.PENDING:
                entry = replace(entry, state=EntryState.HELD, error=hold)
                if row is not None and journal is not None:
                    journal.set_state(row.row, "held", error=hold)
            engine.take(entry, row)
        for row in tasks:
            engine.take(restore(row, engine.new_ref()), row)
        self.rejected = self.rejected + parsed.rejected
        engine.sched.poke()
        return ParsedUrls(new, parsed.rejected, parsed.duplicates + len(parsed.valid) - len(new))

    def create_task(
        self,
        url: str,
        mappings: object,
        *,
        resolution: str = "720p",
        keep_original_sound: bool = True,
        model_name: str = "akool-premium",
        force: bool = False,
    ) -> JobEntry:
        """Queue a head-swap task on ``url``'s completed analysis; returns its entry (PENDING).

        ``mappings``: 1–5 ``{"obj_id": int, "img_url": str}`` (or ``{obj_id: img_url}``) with
        distinct ``obj_id`` among the analysis' people and http(s) face URLs. The exact
        ``url`` string of the analysis is sent. Raises ``InvalidRequestError`` (nothing sent)
        on a mistake, or when the same URL, mappings and options were already created and
        may be running or done — unless ``force=True`` (billed again). Picked up at once if
        the batch runs, else by the next ``start()`` / ``wait()`` / ``run_sync()``.
        """
        if self._closed:
            raise RuntimeError("this Batch is closed; create a new one")
        request = check_task_request(
            self._engine.analysis(url),
            url,
            mappings,
            resolution=resolution,
            model_name=model_name,
            keep_original_sound=keep_original_sound,
        )
        held = None if force else _live_twin(self.tasks, url, request.to_json())
        described = held and (held.task_id or f"#{held.ref}, no id yet ({held.state.value})")
        row = None
        if described is None and self._journal is not None:
            added = self._journal.add_task(url, request.to_json(), force=force)
            if isinstance(added, str):  # written by another process (or an earlier run)
                described = added
            else:
                row = added
        if described is not None:
            raise InvalidRequestError(
                f"already created: task {described}; pass force=True to create (and pay for) "
                "another one with the same face mappings.",
                field="mappings",
                subject=url,
            )
        entry = JobEntry(url, kind=TASK, ref=self._engine.new_ref(), request=request)
        self._engine.take(entry, row)
        self._engine.sched.poke()
        return entry

    async def create_task_async(
        self,
        url: str,
        mappings: object,
        *,
        resolution: str = "720p",
        keep_original_sound: bool = True,
        model_name: str = "akool-premium",
        force: bool = False,
    ) -> JobEntry:
        """``create_task``, then start the batch if needed and return the entry once the
        create answered. Raises what the create raised (``InsufficientCreditsError``,
        ``InvalidRequestError``, ``SubmissionUnknownError``…); the entry shows it too."""
        entry = self.create_task(
            url, mappings, resolution=resolution, model_name=model_name,
            keep_original_sound=keep_original_sound, force=force,
        )  # fmt: skip
        future = self._engine.awaiting(entry.ref)
        self.start()
        await future
        return self._engine.job(entry.ref)

    def cancel(self, urls: Iterable[str] | str | None = None) -> None:
        """Stop tracking all (or some) URLs and their tasks. The API has no server-side
        cancel: jobs already submitted run on (and are billed). A submit in flight is let
        finish so its id is journaled, then marked cancelled; a poll in flight is cancelled."""
        wanted = None if urls is None else {urls} if isinstance(urls, str) else set(urls)
        self._engine.cancel(e.ref for e in self._engine.jobs() if wanted is None or e.url in wanted)

    def hold(self, urls: Iterable[str] | str, reason: str) -> list[str]:
        """Hold back these analyses (only those not sent yet), saying why: they wait for
        ``release``. Returns the URLs held."""
        wanted = {urls} if isinstance(urls, str) else set(urls)
        held = self._engine.hold((e.ref for e in self.entries if e.url in wanted), reason)
        return [e.url for e in held]

    def release(self, urls: Iterable[str] | str | None = None) -> list[str]:
        """Send these held-back analyses (all of them by default) after all: the user's
        "Send anyway". Returns the URLs released."""
        wanted = None if urls is None else {urls} if isinstance(urls, str) else set(urls)
        refs = (e.ref for e in self.entries if wanted is None or e.url in wanted)
        return [e.url for e in self._engine.release(refs)]

    def retry_failed(self, *, include_refused: bool = False) -> list[str]:
        """Try the failed analyses again; returns the URLs retried.

        One whose polling gave up (it has an id) is polled again, never resubmitted. One
        that failed on the server, or was not submitted, or met a transport, server or
        throttling error is submitted again (an analysis that failed is billed again). A
        refusal a resend cannot change (1003 invalid, 1104 credits...) is sent again only
        with ``include_refused=True``; an UNKNOWN one (it may exist) never. Tasks:
        ``retry_failed_tasks``."""
        retried = self._engine.retry((e.ref for e in self.entries), include_refused=include_refused)
        return [e.url for e in retried]

    def retryable(self, *, include_refused: bool = False) -> list[JobEntry]:
        """The analyses ``retry_failed`` would try again now (nothing is changed): with
        ``include_refused``, only those it would try because they were asked for by name."""
        refs = [e.ref for e in self.entries]
        plain = self._engine.retryable(refs)
        if not include_refused:
            return plain
        wanted = {e.ref for e in plain}
        return [
            e for e in self._engine.retryable(refs, include_refused=True) if e.ref not in wanted
        ]

    def retry_failed_tasks(self, *, include_refused: bool = False) -> list[JobEntry]:
        """``retry_failed`` for head-swap tasks (a failed task created again is billed
        again); returns the task entries retried."""
        return self._engine.retry((t.ref for t in self.tasks), include_refused=include_refused)

    # --- events ---------------------------------------------------------------------------

    def subscribe(self, callback: Callable[[BatchEvent], object]) -> Callable[[], None]:
        """Call ``callback(event)`` on every event; returns an unsubscribe function.

        Exceptions raised by the callback are logged, never raised into the batch."""
        return self._engine.hub.subscribe(callback)

    def events(self) -> AsyncIterator[BatchEvent]:
        """Async iterator over events from now on, ending after ``done`` or ``aclose()``."""
        return self._engine.hub.stream()

    # --- running --------------------------------------------------------------------------

    def start(self) -> asyncio.Task[BatchSummary]:
        """Run in the background on the running loop (idempotent while running).

        In Jupyter the task keeps running, and events keep coming, after the cell ends."""
        if self._closed:
            raise RuntimeError("this Batch is closed; create a new one")
        if self._runner is not None and not self._runner.done():
            return self._runner
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "Batch.start() needs a running event loop (a notebook cell or a coroutine); "
                "in a plain script use batch.run_sync() instead"
            ) from None
        self._runner = loop.create_task(self._engine.run(), name="headswap-batch")
        return self._runner

    def stop(self) -> None:
        """Stop this run and leave every job as it is: nothing new is sent and nothing
        more is polled, but submits in flight are let answer, so their ids are kept. URLs
        never sent stay pending (in the journal too), and running jobs stay as last seen:
        ``start``/``run_sync`` again, or ``Batch.resume`` in another process, goes on from
        there without sending anything twice. (``cancel`` instead drops jobs for good.)"""
        self._engine.stop()

    async def wait(self) -> BatchSummary:
        """Start if needed and return the summary once nothing is pending or active."""
        # shield: cancelling one waiter must not stop a batch others are watching.
        return await asyncio.shield(self.start())

    def run_sync(self) -> BatchSummary:
        """Block until done: ``asyncio.run`` in a script; inside a running loop (Jupyter),
        re-enter it with nest-asyncio2 so other background work keeps running meanwhile."""
        return run_blocking(self.wait, in_script=self._run_in_script)

    async def _run_in_script(self) -> BatchSummary:
        try:
            return await self.wait()
        finally:
            # The loop dies with asyncio.run; a client we made cannot outlive it.
            await self._engine.close_client()

    async def aclose(self) -> None:
        """Stop the background task, close the client if the batch made it, and the journal
        if it opened it. Submits in flight become UNKNOWN (they may have left)."""
        if self._runner is not None and not self._runner.done():
            self._runner.cancel()
            await asyncio.gather(self._runner, return_exceptions=True)
        await self._engine.close_client()
        self._engine.ledger.settle_all(last=True)
        if self._owns_journal and self._journal is not None:
            self._journal.close()
        self._closed = True
        self._engine.hub.close()

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
        """Re-attach to every URL and task in ``journal`` after a restart.

        Jobs with an id are polled, never submitted again; claims without an id are UNKNOWN
        (``needs_attention``, ``tasks_needing_attention``); jobs that were never sent are
        pending and go out when the batch runs."""
        held = journal if isinstance(journal, Journal) else Journal(journal)
        try:
            urls = [row.url for row in held.rows(ANALYSIS)]
            batch = cls(
                urls,
                client=client,
                concurrency=concurrency,
                poll=poll,
                journal=held,
                on_event=on_event,
                max_polls_in_flight=max_polls_in_flight,
            )
        except BaseException:  # e.g. an unreadable journal: close the one we opened
            if held is not journal:
                held.close()
            raise
        batch._owns_journal = held is not journal
        return batch


def _live_twin(tasks: Iterable[JobEntry], url: str, request: str) -> JobEntry | None:
    """A held task with the same URL and request that is, or is about to be, paid for."""
    for task in tasks:
        if task.url != url or task.request is None or task.request.to_json() != request:
            continue
        if task.state is EntryState.PENDING or not may_send_again(task.state.value, task.job_id):
            return task
    return None
