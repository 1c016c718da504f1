"""The head-swap half of a batch: create tasks on completed analyses, poll them to the end.

Tasks ride the same scheduler and poll policy as analyses. A create is checked locally
first (``_task_state.check_task_request``: nothing is sent on a mistake), refused when the
same (URL, mappings, options) is already running or done unless ``force``, journaled before
it is sent, and never re-sent when its answer was lost (UNKNOWN: needs attention).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Collection, Hashable
from dataclasses import replace

from headswap_nb._batch_core import TRANSIENT, BatchCore, now, poll_trouble
from headswap_nb._batch_restore import restore_task
from headswap_nb._batch_scheduler import Step
from headswap_nb._batch_state import EntryState
from headswap_nb._journal_tasks import TaskJournalRecord
from headswap_nb._task_state import (
    TaskEntry,
    check_task_request,
    live_duplicate,
    on_task_created,
    on_task_error,
    on_task_record,
    on_task_submitting,
)
from headswap_nb.errors import (
    APIError,
    HeadswapError,
    InvalidRequestError,
    JournalError,
    SubmissionUnknownError,
)
from headswap_nb.models import Task

__all__ = ["TaskWork"]

logger = logging.getLogger("headswap_nb.batch")


def _key(ref: int) -> Hashable:
    return ("task", ref)  # a poll key that can never equal a URL string


class TaskWork(BatchCore):
    """Creates, polls and restores head-swap tasks."""

    def _new_task(
        self,
        url: str,
        mappings: object,
        *,
        resolution: object,
        model_name: object,
        keep_original_sound: object,
        force: bool,
    ) -> TaskEntry:
        """Check, add and queue a create; raises ``InvalidRequestError`` (nothing sent)."""
        if self._closed:
            raise RuntimeError("this Batch is closed; create a new one")
        request = check_task_request(
            self._entries.get(url),
            url,
            mappings,
            resolution=resolution,
            model_name=model_name,
            keep_original_sound=keep_original_sound,
        )
        held = None if force else live_duplicate(self._task_entries.values(), url, request)
        if held is not None:
            what = held.task_id or f"#{held.ref}, no id yet ({held.state.value})"
            raise InvalidRequestError(
                f"already created: task {what}; pass force=True to create (and pay for) "
                "another one with the same face mappings.",
                field="mappings",
                subject=url,
            )
        ref = next(self._task_refs)
        entry = TaskEntry(
            url,
            mappings=request.mappings,
            resolution=request.resolution,
            model_name=request.model_name,
            keep_original_sound=request.keep_original_sound,
            ref=ref,
        )
        if force:
            self._task_forced.add(ref)
        self._set_task(entry, "task_added")
        self._queue_create(ref)
        return entry

    def _queue_create(self, ref: int) -> None:
        # first=True: a user's create goes ahead of thousands of queued analysis submits.
        self._sched.submit(lambda: self._start_create(ref), first=True)

    def _start_create(self, ref: int) -> Step | None:
        if self._task_entries[ref].state is not EntryState.PENDING:
            return None
        return self._create(ref)

    def _schedule_task_poll(self, ref: int, delay: float) -> None:
        self._sched.schedule(_key(ref), delay, lambda: self._poll_task(ref))

    async def _create(self, ref: int) -> None:
        client = self._active_client()
        entry = on_task_submitting(self._task_entries[ref])
        self._set_task(entry, None)
        journal = self._journal
        if journal is not None:
            try:
                claim = journal.claim_task_intent(
                    entry.url, entry.request.to_json(), force=ref in self._task_forced
                )
            except JournalError as exc:  # nothing was sent: safe to retry later
                self._task_fail(ref, exc, unknown=False)
                return
            if isinstance(claim, str):  # journaled by another process (or an earlier run)
                refusal = InvalidRequestError(f"already created: {claim}", subject=entry.url)
                self._task_fail(ref, refusal, unknown=False)
                return
            self._task_intents[ref] = claim
        try:
            task = await client.create_task(
                entry.url,
                [{"obj_id": o, "img_url": u} for o, u in entry.mappings],
                resolution=entry.resolution,
                model_name=entry.model_name,
                keep_original_sound=entry.keep_original_sound,
            )
        except asyncio.CancelledError:
            stopped = SubmissionUnknownError(
                "stopped while the create was in flight", video_url=entry.url
            )
            self._task_fail(ref, stopped, unknown=True)
            raise
        except SubmissionUnknownError as exc:
            self._task_fail(ref, exc, unknown=True)
        except HeadswapError as exc:  # refused (1003, 1104, 1014…) or never sent
            self._task_fail(ref, exc, unknown=False)
        except Exception as exc:  # unexpected: we cannot know whether it was sent
            logger.exception("create of a task on %s raised unexpectedly", entry.url)
            self._task_fail(ref, exc, unknown=True)
        else:
            self._journal_record(_key(ref), task, self._task_intents.get(ref))
            new, kind = on_task_created(self._task_entries[ref], task, now())
            self._set_task(new, kind)
            self._resolve(ref, task)
            if _key(ref) in self._cancel_requested:
                self._cancel_requested.discard(_key(ref))
                self._cancel_task(ref)
            elif not new.state.is_terminal:
                self._schedule_task_poll(ref, self._next_poll(_key(ref), task))

    def _task_fail(self, ref: int, exc: BaseException, *, unknown: bool) -> None:
        message = str(exc) or type(exc).__name__
        code = exc.code if isinstance(exc, APIError) else None
        intent = self._task_intents.get(ref)
        if intent is not None:
            what = f"the failed create of task {ref}"
            self._journaled(
                what, lambda j: j.record_task_error(intent, message, code=code, unknown=unknown)
            )
        self._cancel_requested.discard(_key(ref))
        new, kind = on_task_error(
            self._task_entries[ref], message, code=code, unknown=unknown, now=now()
        )
        self._set_task(new, kind)
        self._resolve(ref, exc)

    def _resolve(self, ref: int, outcome: Task | BaseException) -> None:
        future = self._task_waiters.pop(ref, None)
        if future is None or future.done():  # nobody awaits, or the awaiting caller left
            return
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)

    async def _poll_task(self, ref: int) -> None:
        entry = self._task_entries[ref]
        assert entry.task_id is not None
        key = _key(ref)
        try:
            task = await self._active_client().get_task(entry.task_id)
        except TRANSIENT as exc:  # the task is not lost: poll again, later
            entry = self._task_entries[ref]
            if entry.state.is_active:
                failures = self._failures[key] = self._failures.get(key, 0) + 1
                delay, message = poll_trouble(failures, exc, jitter=random.random())
                if delay is None:
                    new, kind = on_task_error(entry, message, code=None, unknown=False, now=now())
                    self._set_task(new, kind)
                    self._journal_task_state(ref, "error", message)
                else:  # shown on the row until the next good record clears it
                    self._set_task(replace(entry, error=message), "task_progress")
                    self._schedule_task_poll(ref, delay)
            return
        except HeadswapError as exc:  # not found, credential refused: polling cannot go on
            if self._task_entries[ref].state.is_active:
                code = exc.code if isinstance(exc, APIError) else None
                new, kind = on_task_error(entry, str(exc), code=code, unknown=False, now=now())
                self._set_task(new, kind)
                self._journal_task_state(ref, "error", str(exc))
            return
        self._failures.pop(key, None)
        entry = self._task_entries[ref]
        if not entry.state.is_active:  # cancelled while the GET was in flight
            return
        new, change = on_task_record(entry, task, now())
        if change is not None or key in self._unjournaled:
            self._journal_record(key, task, None)
        self._set_task(new, change)
        if not new.state.is_terminal:
            self._schedule_task_poll(ref, self._next_poll(key, task))
        elif self._clock is not None:
            self._clock.forget(key)

    def _journal_task_state(self, ref: int, state: str, error: str | None = None) -> None:
        intent = self._task_intents.get(ref)
        if intent is not None and self._settle_id(_key(ref)):  # id first (see _journal_state)
            what = f"the state {state} of task {ref}"
            self._journaled(what, lambda j: j.record_task_state(intent, state, error=error))

    def _cancel_task(self, ref: int) -> None:
        entry = self._task_entries[ref]
        if entry.state is EntryState.SUBMITTING:
            self._cancel_requested.add(_key(ref))  # let the create answer: its id matters
        elif not entry.state.is_terminal:
            self._sched.unschedule(_key(ref))
            self._set_task(
                replace(entry, state=EntryState.CANCELLED, finished_at=now()), "task_cancelled"
            )
            self._journal_task_state(ref, "cancelled")

    def _cancel_tasks(self, urls: Collection[str] | None) -> None:
        for ref, entry in tuple(self._task_entries.items()):
            if urls is None or entry.url in urls:
                self._cancel_task(ref)

    def _retry_tasks(self) -> list[TaskEntry]:
        """FAILED and refused tasks are created again; polling errors are polled again."""
        retried = []
        for ref, entry in tuple(self._task_entries.items()):
            if entry.state is EntryState.ERROR and entry.task_id is not None:
                new = replace(entry, state=EntryState.QUEUED, error=None, finished_at=None)
                self._schedule_task_poll(ref, 0.0)
            elif entry.state is EntryState.FAILED or (
                entry.state is EntryState.ERROR and entry.task_id is None
            ):
                if not self._settle_id(_key(ref)):  # its task must be on record first
                    continue
                new = TaskEntry(
                    entry.url, mappings=entry.mappings, resolution=entry.resolution,
                    model_name=entry.model_name, keep_original_sound=entry.keep_original_sound,
                    ref=ref, attempts=entry.attempts,
                )  # fmt: skip
                self._task_intents.pop(ref, None)
                self._queue_create(ref)
            else:
                continue
            self._set_task(new, "task_retry")
            retried.append(new)
        self._poke()
        return retried

    def _restore_tasks(self, urls: Collection[str], records: list[TaskJournalRecord]) -> None:
        """Re-attach to the journal's ``records`` of tasks on ``urls``: poll those with an id,
        flag the rest."""
        held = set(self._task_intents.values())
        for record in records:
            if record.url in urls and record.intent_id not in held:
                ref = next(self._task_refs)
                self._task_intents[ref] = record.intent_id
                entry = restore_task(record, ref)
                self._set_task(entry, "task_added")
                if entry.state.is_active:
                    self._schedule_task_poll(ref, 0.0)
