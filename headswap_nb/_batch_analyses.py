"""The analysis half of a batch: take URLs in, submit each once, poll each to the end.

The order of effects is what keeps money safe: the journal intent is written before the
POST and the id right after it; anything that may have left without an answer becomes
UNKNOWN and is never submitted again automatically (a second submit is billed again).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterable
from dataclasses import replace

from headswap_nb._batch_core import TRANSIENT, BatchCore, now, poll_trouble
from headswap_nb._batch_restore import restore_entry
from headswap_nb._batch_scheduler import Step
from headswap_nb._batch_state import (
    BatchEntry,
    EntryState,
    on_cancel,
    on_record,
    on_submit_error,
    on_submitted,
    on_submitting,
)
from headswap_nb.errors import APIError, HeadswapError, JournalError, SubmissionUnknownError
from headswap_nb.journal import Journal, JournalRecord
from headswap_nb.models import Analysis

__all__ = ["AnalysisWork"]

logger = logging.getLogger("headswap_nb.batch")


class AnalysisWork(BatchCore):
    """Adds, submits and polls analyses (one entry per exact URL string)."""

    def _add_urls(self, urls: Iterable[str], records: list[JournalRecord]) -> None:
        """Hold ``urls``, each restored from its latest journal record among ``records``."""
        known = {r.url: r for r in records}
        for url in urls:
            record = known.get(url)
            entry = restore_entry(url, record)
            if record is not None:
                self._intents[url] = record.intent_id
            self._entries[url] = entry
            self._tally.replace(None, entry)
            if entry.state is EntryState.PENDING:
                self._queue_submit(url)
            elif entry.state.is_active:
                self._schedule_poll(url, 0.0)
            self._emit("added", entry)

    def _queue_submit(self, url: str) -> None:
        self._sched.submit(lambda: self._start_submit(url))

    def _start_submit(self, url: str) -> Step | None:
        # Still pending when its turn came? (It may have been cancelled meanwhile.)
        if self._entries[url].state is not EntryState.PENDING:
            return None
        return self._submit(url)

    def _schedule_poll(self, url: str, delay: float) -> None:
        self._sched.schedule(url, delay, lambda: self._poll(url))

    async def _submit(self, url: str) -> None:
        client = self._active_client()
        journal = self._journal
        self._set(on_submitting(self._entries[url]), None)
        if journal is not None:
            try:
                intent = journal.claim_intent(url)
            except JournalError as exc:  # nothing was sent: safe to retry later
                self._fail(url, f"not submitted: {exc}", None, unknown=False)
                return
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
            self._journal_record(url, analysis, self._intents.get(url))
            new, kind = on_submitted(self._entries[url], analysis, now())
            self._set(new, kind)
            if url in self._cancel_requested:
                self._cancel_requested.discard(url)
                self._cancel_url(url)
            elif not new.state.is_terminal:
                self._schedule_poll(url, self._next_poll(url, analysis))

    def _cancel_url(self, url: str) -> None:
        """Stop tracking ``url``; a submit in flight is let finish first (its id matters)."""
        entry = self._entries[url]
        if entry.state is EntryState.SUBMITTING:
            self._cancel_requested.add(url)
            return
        new, kind = on_cancel(entry, now())
        if kind is not None:
            self._sched.unschedule(url)
            self._set(new, kind)
            self._journal_state(url, "cancelled")

    def _adopt(self, url: str, journal: Journal) -> None:
        try:
            record = next((r for r in journal.records() if r.url == url), None)
        except JournalError as exc:  # journaled as sent, but unreadable now: do not resend
            message = f"the journal has it as submitted, but cannot be read: {exc}"
            self._set(
                *on_submit_error(self._entries[url], message, code=None, unknown=True, now=now())
            )
            return
        entry = restore_entry(url, record)
        if record is not None:
            self._intents[url] = record.intent_id
        self._set(entry, "unknown" if entry.state is EntryState.UNKNOWN else "submitted")
        if entry.state.is_active:
            self._schedule_poll(url, 0.0)

    def _fail(self, url: str, message: str, code: int | None, *, unknown: bool) -> None:
        intent = self._intents.get(url)
        if intent is not None:
            what = f"the failed submit of {url}"
            self._journaled(what, lambda j: j.record_error(intent, message, unknown=unknown))
        self._cancel_requested.discard(url)
        new, kind = on_submit_error(
            self._entries[url], message, code=code, unknown=unknown, now=now()
        )
        self._set(new, kind)

    async def _poll(self, url: str) -> None:
        analysis_id = self._entries[url].analysis_id
        assert analysis_id is not None
        try:
            analysis = await self._active_client().get_analysis(analysis_id)
        except TRANSIENT as exc:  # the analysis is not lost: poll again, later
            entry = self._entries[url]
            if entry.state.is_active:
                failures = self._failures[url] = self._failures.get(url, 0) + 1
                delay, message = poll_trouble(failures, exc, jitter=random.random())
                if delay is None:
                    self._set(*on_submit_error(entry, message, code=None, unknown=False, now=now()))
                    self._journal_state(url, "error", message)
                else:  # shown on the row until the next good record clears it
                    self._set(replace(entry, error=message), "progress")
                    self._schedule_poll(url, delay)
            return
        except HeadswapError as exc:  # not found, credential refused: polling cannot go on
            if self._entries[url].state.is_active:
                code = exc.code if isinstance(exc, APIError) else None
                new, kind = on_submit_error(
                    self._entries[url], str(exc), code=code, unknown=False, now=now()
                )
                self._set(new, kind)
                self._journal_state(url, "error", str(exc))
            return
        self._seen(url, analysis)

    def _seen(self, url: str, analysis: Analysis) -> None:
        if self._failures:
            self._failures.pop(url, None)
        entry = self._entries[url]
        if not entry.state.is_active:  # cancelled while the GET was in flight
            return
        new, change = on_record(entry, analysis, now())
        if change is not None or url in self._unjournaled:
            self._journal_record(url, analysis, None)
        self._set(new, change)
        if not new.state.is_terminal:
            self._schedule_poll(url, self._next_poll(url, analysis))
        elif self._clock is not None:
            self._clock.forget(url)

    def _retry_analyses(self) -> list[str]:
        retried = []
        for url, entry in self._entries.items():
            if entry.state is EntryState.ERROR and entry.analysis_id is not None:
                new = replace(entry, state=EntryState.QUEUED, error=None, finished_at=None)
                self._schedule_poll(url, 0.0)
            elif entry.state in (EntryState.FAILED, EntryState.ERROR):
                if not self._settle_id(url):  # the failed analysis must be on record first
                    continue
                new = BatchEntry(url, attempts=entry.attempts)
                # The new attempt gets its own journal intent; until it is claimed, nothing
                # (e.g. a cancel) may write over the previous attempt's row.
                self._intents.pop(url, None)
                self._queue_submit(url)
            else:
                continue
            self._set(new, "retry")
            retried.append(url)
        self._poke()
        return retried
