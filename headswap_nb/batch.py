"""Many analyses — and the head-swap tasks made from them — at once: bounded submits, one
shared poll scheduler, events, a durable journal.

``Batch`` is a thin asyncio shell over pure cores (``_batch_state``, ``_task_state``). One
scheduler loop (``_batch_scheduler``) starts at most ``concurrency`` submits and
``max_polls_in_flight`` GETs at a time, and keeps a heap of next-poll instants computed by
the poll policy, so 10,000 analyses cost one sleeping coroutine rather than 10,000.

Head-swap tasks: ``create_task(url, mappings)`` checks locally (nothing is sent on a
mistake), queues the create ahead of pending analysis submits and returns the ``TaskEntry``
at once; the result shows on the entry and in ``task_*`` events, like analyses.
``await create_task_async(...)`` does the same, starts the batch if needed, and returns once
the create has answered — raising the server's refusal (e.g. ``InsufficientCreditsError``)
or ``SubmissionUnknownError`` to the awaiting caller; the entry records it either way.

The API has no server-side cancel: ``cancel()`` only stops tracking; the jobs run on.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING

from headswap_nb._batch_analyses import AnalysisWork
from headswap_nb._batch_run import RunModes
from headswap_nb._batch_state import BatchEntry, BatchEvent, BatchSummary, EntryState
from headswap_nb._batch_tasks import TaskWork
from headswap_nb._task_state import TaskEntry
from headswap_nb.journal import Journal
from headswap_nb.models import Analysis, Task
from headswap_nb.urls import ParsedUrls, parse_urls

if TYPE_CHECKING:
    from headswap_nb.client import AsyncClient
    from headswap_nb.polling import PollPolicy

__all__ = ["Batch", "BatchEntry", "BatchEvent", "BatchSummary", "EntryState", "TaskEntry"]


def _source(urls: object) -> str | Iterable[object]:
    if isinstance(urls, str):
        return urls
    if hasattr(urls, "tolist"):  # a pandas Series, without importing pandas here
        return list(urls.tolist())
    if isinstance(urls, Iterable):
        return urls
    raise TypeError(f"urls must be a string, a list/tuple or a pandas Series, not {type(urls)}")


class Batch(AnalysisWork, TaskWork, RunModes):
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
        super().__init__(
            client=client,
            concurrency=concurrency,
            poll=poll,
            journal=journal
            if isinstance(journal, Journal) or journal is None
            else Journal(journal),
            owns_journal=journal is not None and not isinstance(journal, Journal),
            on_event=on_event,
            max_polls_in_flight=max_polls_in_flight,
        )
        parsed = parse_urls(_source(urls))
        self.rejected = parsed.rejected
        try:
            self._add(parsed.valid)
        except BaseException:  # e.g. an unreadable journal: close the one we opened
            if self._owns_journal and self._journal is not None:
                self._journal.close()
            raise

    # --- views ----------------------------------------------------------------------------

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
    def tasks(self) -> tuple[TaskEntry, ...]:
        """Every head-swap task, in creation order (restored ones first)."""
        return tuple(self._task_entries.values())

    @property
    def task_records(self) -> dict[str, Task]:
        """Latest ``Task`` per task id, for the tasks that have one."""
        return {t.task.id: t.task for t in self._task_entries.values() if t.task is not None}

    @property
    def needs_attention(self) -> tuple[BatchEntry, ...]:
        """UNKNOWN entries: a submit may exist on the server without us knowing its id."""
        return tuple(e for e in self._entries.values() if e.state is EntryState.UNKNOWN)

    @property
    def tasks_needing_attention(self) -> tuple[TaskEntry, ...]:
        """UNKNOWN tasks: a create may exist (and be billed) without us knowing its id."""
        return tuple(t for t in self._task_entries.values() if t.state is EntryState.UNKNOWN)

    @property
    def journal(self) -> Journal | None:
        """The journal this batch writes to, if any."""
        return self._journal

    def __repr__(self) -> str:
        return f"<Batch {self.summary.describe()}>"

    # --- changing what is tracked -------------------------------------------------------

    def add(self, urls: str | Iterable[str] | object) -> ParsedUrls:
        """Add URLs (deduplicated against those held); picked up at once if running."""
        parsed = parse_urls(_source(urls))
        new = tuple(u for u in parsed.valid if u not in self._entries)
        self._add(new)
        self.rejected = self.rejected + parsed.rejected
        self._poke()
        return ParsedUrls(new, parsed.rejected, parsed.duplicates + len(parsed.valid) - len(new))

    def _add(self, urls: tuple[str, ...]) -> None:
        # Both journal reads first: if one fails (JournalError), nothing was added.
        journal = self._journal
        analyses = [] if journal is None else journal.records()
        tasks = [] if journal is None else journal.task_records()
        self._add_urls(urls, analyses)
        self._restore_tasks(frozenset(urls), tasks)

    def create_task(
        self,
        url: str,
        mappings: object,
        *,
        resolution: str = "720p",
        keep_original_sound: bool = True,
        model_name: str = "akool-premium",
        force: bool = False,
    ) -> TaskEntry:
        """Queue a head-swap task on ``url``'s completed analysis; returns its entry (PENDING).

        ``mappings``: 1–5 ``{"obj_id": int, "img_url": str}`` (or ``{obj_id: img_url}``) with
        distinct ``obj_id`` among the analysis' people and http(s) face URLs. The exact
        ``url`` string of the analysis is sent. Raises ``InvalidRequestError`` (nothing sent)
        on a mistake, or when the same URL, mappings and options were already created and
        may be running or done — unless ``force=True`` (billed again). Picked up at once if
        the batch runs, else by the next ``start()`` / ``wait()`` / ``run_sync()``.
        """
        entry = self._new_task(
            url, mappings, resolution=resolution, model_name=model_name,
            keep_original_sound=keep_original_sound, force=force,
        )  # fmt: skip
        self._poke()
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
    ) -> TaskEntry:
        """``create_task``, then start the batch if needed and return the entry once the
        create answered. Raises what the create raised (``InsufficientCreditsError``,
        ``InvalidRequestError``, ``SubmissionUnknownError``…); the entry shows it too."""
        entry = self._new_task(
            url, mappings, resolution=resolution, model_name=model_name,
            keep_original_sound=keep_original_sound, force=force,
        )  # fmt: skip
        future: asyncio.Future[Task] = asyncio.get_running_loop().create_future()
        self._task_waiters[entry.ref] = future
        self.start()
        await future
        return self._task_entries[entry.ref]

    def cancel(self, urls: Iterable[str] | str | None = None) -> None:
        """Stop tracking all (or some) URLs and their tasks. The API has no server-side
        cancel: jobs already submitted run on (and are billed). A submit in flight is let
        finish so its id is journaled, then marked cancelled."""
        targets = list(self._entries) if urls is None else [urls] if isinstance(urls, str) else urls
        targets = list(targets)
        for url in targets:
            self._cancel_url(url)
        self._cancel_tasks(None if urls is None else frozenset(targets))
        self._poke()

    def retry_failed(self) -> list[str]:
        """Resubmit FAILED analyses and those in ERROR; never UNKNOWN ones.

        An ERROR entry that has an analysis id (polling failed) is polled again, not
        resubmitted: it already exists and is billed. Tasks: see ``retry_failed_tasks``.
        """
        return self._retry_analyses()

    def retry_failed_tasks(self) -> list[TaskEntry]:
        """Create FAILED and refused tasks again (billed again); a task whose polling failed
        is polled again. UNKNOWN tasks are never created again automatically."""
        return self._retry_tasks()

    # --- events ---------------------------------------------------------------------------

    def subscribe(self, callback: Callable[[BatchEvent], object]) -> Callable[[], None]:
        """Call ``callback(event)`` on every event; returns an unsubscribe function.

        Exceptions raised by the callback are logged, never raised into the batch."""
        return self._hub.subscribe(callback)

    def events(self) -> AsyncIterator[BatchEvent]:
        """Async iterator over events from now on, ending after ``done`` or ``aclose()``."""
        return self._hub.stream()

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

        Jobs with an id are polled, never submitted again; intents without an id are
        UNKNOWN (``needs_attention``, ``tasks_needing_attention``); nothing is submitted
        unless ``retry_failed()`` / ``retry_failed_tasks()``.
        """
        held = journal if isinstance(journal, Journal) else Journal(journal)
        try:
            batch = cls(
                [r.url for r in held.records()],
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
        batch._owns_journal = not isinstance(journal, Journal)
        return batch
