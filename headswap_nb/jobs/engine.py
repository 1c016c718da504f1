"""The one engine that runs jobs of every kind: submit, poll, cancel, retry.

What differs per kind is data (``kinds``); how a job's entry changes is pure
(``transitions``); when it is polled next is ``timing``; durability is ``ledger``. This module
only sequences effects, and the order is what keeps money safe: a job is claimed in the
journal before its submit is sent and its id is written right after the answer; anything that
may have left without an answer becomes UNKNOWN and is never sent again automatically.

One ``Scheduler`` runs every submit (at most ``concurrency`` at once, a user's task first) and
every poll (at most ``max_polls_in_flight``), from one heap of next-poll instants.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from headswap_nb.client.validation import id_problem
from headswap_nb.errors import (
    APIError,
    HeadswapError,
    JournalError,
    ProtocolError,
    RateLimitError,
    ServerError,
    SubmissionUnknownError,
    TransportError,
    UnusableIdError,
)
from headswap_nb.jobs.entry import JobEntry
from headswap_nb.jobs.events import BatchEvent, EventHub
from headswap_nb.jobs.kinds import kind_of
from headswap_nb.jobs.ledger import Ledger
from headswap_nb.jobs.pace import Pace, Throughput
from headswap_nb.jobs.rows import JournalRow
from headswap_nb.jobs.scheduler import Scheduler, Step
from headswap_nb.jobs.states import EntryState
from headswap_nb.jobs.summary import BatchSummary, Tally
from headswap_nb.jobs.timing import PollClock, poll_trouble
from headswap_nb.jobs.transitions import (
    on_cancel,
    on_error,
    on_hold,
    on_poll_trouble,
    on_record,
    on_release,
    on_repoll,
    on_resend,
    on_submitted,
    on_submitting,
    retry_plan,
)
from headswap_nb.models import Analysis, Task

if TYPE_CHECKING:
    from headswap_nb.client import AsyncClient
    from headswap_nb.jobs.journal import Journal
    from headswap_nb.polling import PollPolicy

__all__ = ["TRANSIENT", "Engine", "now"]

logger = logging.getLogger("headswap_nb.batch")

TRANSIENT = (RateLimitError, ServerError, TransportError, ProtocolError)
"""Errors while polling that leave the job intact on the server: poll again later."""


def now() -> datetime:
    """Aware UTC now (entries' ``submitted_at`` / ``finished_at``)."""
    return datetime.now(timezone.utc)


class Engine:
    """Every job of one batch, and the loop that drives them (see the module doc)."""

    def __init__(
        self,
        *,
        client: AsyncClient | None,
        concurrency: int,
        poll: PollPolicy | None,
        journal: Journal | None,
        on_event: Callable[[BatchEvent], object] | None,
        max_polls_in_flight: int,
    ) -> None:
        _check_bound("max_polls_in_flight", max_polls_in_flight)
        _check_bound("concurrency", concurrency)
        self.sched = Scheduler(concurrency=concurrency, max_polls=max_polls_in_flight)
        """The loop: bounds, the submit queue and the poll heap."""
        self.client = client
        """The client every call goes through (made from the environment if ``None``)."""
        self.owns_client = client is None
        self.policy = poll
        self.ledger = Ledger(journal, on_lost=self._stop_sending)
        """The journal side of every job (``None`` journal: all writes are no-ops)."""
        self.hub = EventHub()
        if on_event is not None:
            self.hub.subscribe(on_event)
        self.clock: PollClock | None = None
        """Per-job poll timing; made when a run starts (it reads the environment then)."""
        self._entries: dict[int, JobEntry] = {}  # ref -> newest snapshot, in creation order
        self._by_url: dict[str, int] = {}  # analysis URL -> ref
        self._tally = Tally()  # analyses only: the summary
        self._failures: dict[int, int] = {}  # ref -> consecutive failed polls
        self._cancel_requested: set[int] = set()  # refs cancelled while their submit flew
        self._waiters: dict[int, asyncio.Future[Analysis | Task]] = {}
        self._refs = itertools.count(1)
        self._throughput = Throughput()
        self._stopping = False  # stop(): nothing new is sent or polled until the next run
        self.problem: str | None = None
        """Why the batch stopped sending (its journal was deleted or replaced), if it did."""

    # --- views -----------------------------------------------------------------------------

    def jobs(self, kind: str | None = None) -> tuple[JobEntry, ...]:
        """Every entry (of ``kind``), in the order they were added."""
        return tuple(e for e in self._entries.values() if kind is None or e.kind == kind)

    def job(self, ref: int) -> JobEntry:
        """The entry with handle ``ref`` (``KeyError`` if unknown)."""
        return self._entries[ref]

    def analysis(self, url: str) -> JobEntry | None:
        """The analysis of exactly ``url``, if the batch holds one."""
        ref = self._by_url.get(url)
        return None if ref is None else self._entries[ref]

    @property
    def summary(self) -> BatchSummary:
        """Counts per analysis state and overall progress (O(1))."""
        return self._tally.summary()

    def shown(self, ref: int) -> tuple[float, float | None]:
        """What to show of job ``ref`` now: its progress — extrapolated between polls while
        it runs, never backwards (``polling.PollState.shown_progress``) — and the seconds it
        has left (``None`` while nothing says; 0 once done)."""
        entry = self._entries[ref]
        if entry.state is EntryState.COMPLETED:
            return 100.0, 0.0
        if not entry.state.is_active:
            return entry.progress, None  # a failed job shows where it stopped
        seen = self.clock.shown(ref, _now()) if self.clock is not None else None
        if seen is None:
            return entry.progress, None
        return max(seen[0], 0.0), seen[1]

    def pace(self) -> Pace:
        """The analyses' rate and time left (``pace`` explains the rule)."""
        pending = active = total = 0
        longest: float | None = None
        points = 0.0
        for entry in self._entries.values():
            if entry.is_task:
                continue
            total += 1
            if entry.state is EntryState.HELD:
                continue  # waits for the user, not for the server: no work, no progress
            if entry.state is EntryState.CANCELLED:
                total -= 1  # stopped by the user: out of the percent, as in the summary
                continue
            if entry.state is EntryState.PENDING:
                pending += 1
            elif entry.state.is_active:
                active += 1
                shown, eta = self.shown(entry.ref)
                points += shown
                if eta is not None and (longest is None or eta > longest):
                    longest = eta
            else:
                points += 100.0
        progress = min(100.0, points / total) if total else None
        return self._throughput.pace(
            _now(), pending=pending, active=active, longest=longest, progress=progress
        )

    def busy(self) -> bool:
        """True while anything is pending or active."""
        return any(
            e.state is EntryState.PENDING or e.state.is_active for e in self._entries.values()
        )

    # --- adding --------------------------------------------------------------------------

    def new_ref(self) -> int:
        """A fresh batch-local handle."""
        return next(self._refs)

    def take(self, entry: JobEntry, row: JournalRow | None = None) -> JobEntry:
        """Take ``entry`` (new or restored, with its journal ``row``) and start on it: a
        pending one is queued for submission, an active one polled at once (a held one
        waits for ``release``)."""
        ref = entry.ref
        self.ledger.track(ref, row)
        self._entries[ref] = entry
        if not entry.is_task:
            self._by_url[entry.url] = ref
            self._tally.replace(None, entry)
        self._emit("added", entry)
        unusable = id_problem(entry.job_id) if entry.job_id is not None else None
        if entry.state is EntryState.PENDING:
            self._queue(ref)
        elif self.ledger.claimed_elsewhere(row):  # not dead mid-submit: still being sent
            self._adopt(ref)
        elif entry.state.is_active and entry.job_id is not None and unusable is not None:
            self._unfollowable(ref, entry.job_id, unusable)  # journaled by an older version
        elif entry.state.is_active:
            self._schedule_poll(ref, 0.0)
        return self._entries[ref]

    def awaiting(self, ref: int) -> asyncio.Future[Analysis | Task]:
        """A future resolved with job ``ref``'s submit answer (or its error)."""
        future = asyncio.get_running_loop().create_future()
        self._waiters[ref] = future
        return future

    # --- changing what runs ----------------------------------------------------------------

    def cancel(self, refs: Iterable[int]) -> None:
        """Stop tracking these jobs; a submit in flight is let finish first (its id matters),
        a poll in flight is cancelled. The API has no server-side cancel."""
        for ref in refs:
            entry = self._entries[ref]
            if entry.state is EntryState.SUBMITTING:
                self._cancel_requested.add(ref)
                continue
            new, event = on_cancel(entry, now())
            if event is not None:
                self.sched.cancel(ref)
                self._set(new, event)
                # A retry not sent yet changes nothing durable: its row still tells the
                # previous attempt (its id, how it ended), which a resume must see.
                if not (entry.state is EntryState.PENDING and entry.attempts):
                    self.ledger.state(ref, "cancelled")
        self.sched.poke()

    def hold(self, refs: Iterable[int], reason: str) -> list[JobEntry]:
        """Hold these jobs back (only those not sent yet), saying why; returns them."""
        held = []
        for ref in refs:
            new, event = on_hold(self._entries[ref], reason)
            if event is not None:
                self._set(new, event)
                self.ledger.state(ref, "held", reason)
                held.append(new)
        return held

    def release(self, refs: Iterable[int]) -> list[JobEntry]:
        """Let these held jobs go (the user chose "Send anyway"); returns them."""
        released: list[JobEntry] = []
        if self.problem is not None:  # nothing more is sent (the journal is gone)
            return released
        for ref in refs:
            new, event = on_release(self._entries[ref])
            if event is not None:
                self._set(new, event)
                self.ledger.state(ref, "pending")
                self._queue(ref)
                released.append(new)
        self.sched.poke()
        return released

    def retryable(self, refs: Iterable[int], *, include_refused: bool = False) -> list[JobEntry]:
        """The jobs ``retry`` would poll or send again, without touching any (for "Retry
        failed (3)" to say how many)."""
        out = []
        for ref in refs:
            entry = self._entries[ref]
            plan = retry_plan(entry, include_refused=include_refused)
            sendable = self.problem is None and (entry.request or not entry.is_task)
            if plan == "poll" or (plan == "send" and sendable):
                out.append(entry)
        return out

    def retry(self, refs: Iterable[int], *, include_refused: bool = False) -> list[JobEntry]:
        """Poll again the jobs whose polling gave up, and send again the ones that may
        succeed (``transitions.retry_plan``); returns the entries retried."""
        retried = []
        for ref in refs:
            entry = self._entries[ref]
            plan = retry_plan(entry, include_refused=include_refused)
            if plan == "poll":
                new, event = on_repoll(entry)
                self._schedule_poll(ref, 0.0)
            elif plan == "send" and (entry.request is not None or not entry.is_task):
                # Nothing is sent once the journal is gone; the failed job must be on
                # record first.
                if self.problem is not None or not self.ledger.settle(ref):
                    continue
                new, event = on_resend(entry)
                self._queue(ref)
            else:
                continue
            self._set(new, event)
            retried.append(new)
        self.sched.poke()
        return retried

    def stop(self) -> None:
        """End the run without touching any job: nothing new is sent and nothing more is
        polled, but every submit in flight is let answer (its id matters). What was never
        sent stays pending and what runs stays as last seen, here and in the journal, so
        the next ``run`` (or a resume) goes on where this one stopped."""
        self._stopping = True
        for ref, entry in self._entries.items():
            if entry.state.is_active:
                self.sched.cancel(ref)
        self.sched.poke()

    # --- running ---------------------------------------------------------------------------

    async def run(self) -> BatchSummary:
        """Run until nothing is pending or active (or ``stop``); returns the summary
        (``done`` event)."""
        self._client()
        self.clock = PollClock(self.policy)
        if self._stopping:  # the last run was stopped: pick up what it left
            self._stopping = False
            for ref, entry in self._entries.items():
                if entry.state is EntryState.PENDING:
                    self._queue(ref)
                elif entry.state.is_active and entry.job_id is not None:
                    self._schedule_poll(ref, 0.0)
                elif entry.state is EntryState.SUBMITTING:  # left to another process
                    self._adopt(ref)
        try:
            await self.sched.run()
        finally:
            for future in self._waiters.values():
                if not future.done():
                    future.set_exception(RuntimeError("the batch stopped before it was sent"))
            self._waiters.clear()
            self.ledger.settle_all()  # a job finished at its submit answer is never polled
        summary = self.summary
        self._emit("done", None)
        return summary

    async def close_client(self) -> None:
        """Close the client if the engine made it."""
        if self.owns_client and self.client is not None:
            client, self.client = self.client, None
            await client.aclose()

    # --- internals: state ----------------------------------------------------------------

    def _emit(self, event: str, entry: JobEntry | None) -> None:
        kind = kind_of(entry).event(event) if entry is not None else event
        self.hub.emit(BatchEvent(kind, entry, self._tally.summary()))

    def _set(self, new: JobEntry, event: str | None) -> None:
        if not new.is_task:
            old = self._entries[new.ref]
            self._tally.replace(old, new)
            ended = new.state.is_terminal and new.state is not EntryState.CANCELLED
            if ended and not old.state.is_terminal:  # a stop is not work done: not in the rate
                self._throughput.finished()
        self._entries[new.ref] = new
        if event is not None:
            self._emit(event, new)

    def _client(self) -> AsyncClient:
        if self.client is None:
            from headswap_nb.connection import default_async_client

            self.client = default_async_client()
            self.owns_client = True
        return self.client

    def _queue(self, ref: int) -> None:
        entry = self._entries[ref]
        self.sched.submit(lambda: self._start_submit(ref), first=kind_of(entry).first)

    def _schedule_poll(self, ref: int, delay: float) -> None:
        if not self._stopping:
            self.sched.schedule(ref, delay, lambda: self._poll(ref))

    def _next_poll(self, ref: int, record: Analysis | Task) -> float:
        assert self.clock is not None, "polls are planned only inside a run"
        return self.clock.next_delay(ref, record, asyncio.get_running_loop().time())

    # --- internals: submitting -----------------------------------------------------------

    def _start_submit(self, ref: int) -> Step | None:
        # Still pending when its turn came? (It may have been cancelled meanwhile.)
        if self._entries[ref].state is not EntryState.PENDING or self._stopping:
            return None
        if self.problem is not None:  # the journal is gone: this one is not sent, and says so
            entry = on_submitting(self._entries[ref])
            self._set(entry, None)
            message = f"not sent: {self.problem}"
            self._fail(ref, message, code=None, unknown=False, cause=RuntimeError(message))
            return None
        return self._submit(ref)

    async def _submit(self, ref: int) -> None:
        if self._stopping:  # stopped between its launch and its first step: not sent
            return
        try:
            claimed = self.ledger.claim(ref)  # before anything is sent (or shown as sent)
        except JournalError as exc:  # nothing was sent: safe to send later (unless the file
            entry = on_submitting(self._entries[ref])  # is gone: the ledger stopped sending)
            self._set(entry, None)
            self._fail(ref, f"not sent: {exc}", code=None, unknown=False, cause=exc)
            return
        entry = on_submitting(self._entries[ref])
        self._set(entry, None)
        if not claimed:  # another process sharing the journal owns it (or it has an id)
            self._adopt(ref)
            return
        if not entry.is_task:
            self._throughput.started(_now())
        try:
            record = await kind_of(entry).submit(self._client(), entry)
        except asyncio.CancelledError:
            stopped = SubmissionUnknownError(
                f"stopped while the submit of {entry.url} was in flight", video_url=entry.url
            )
            self._fail(ref, str(stopped), code=None, unknown=True, cause=stopped)
            raise
        except SubmissionUnknownError as exc:
            self._fail(ref, str(exc), code=None, unknown=True, cause=exc)
        except APIError as exc:  # refused (1003, 1104, 1014...): nothing was created
            self._fail(ref, str(exc), code=exc.code, unknown=False, cause=exc)
        except HeadswapError as exc:  # not sent (the client turns "maybe sent" into Unknown)
            self._fail(ref, str(exc), code=None, unknown=False, cause=exc)
        except Exception as exc:  # unexpected: we cannot know whether it was sent
            logger.exception("the submit of %s raised unexpectedly", entry.url)
            self._fail(ref, f"{type(exc).__name__}: {exc}", code=None, unknown=True, cause=exc)
        else:
            self._answered(ref, record)

    def _answered(self, ref: int, record: Analysis | Task) -> None:
        self.ledger.submitted(ref, record)  # the id exactly as the API returned it
        new, event = on_submitted(self._entries[ref], record, now())
        problem = id_problem(record.id)
        if problem is not None:  # sent, maybe billed, but it cannot be followed by this id
            self._set(new, None)
            self._unfollowable(ref, record.id, problem)
            return
        self._set(new, event)
        self._resolve(ref, record)
        if ref in self._cancel_requested:
            self._cancel_requested.discard(ref)
            self.cancel([ref])
        elif not new.state.is_terminal:
            self._schedule_poll(ref, self._next_poll(ref, record))

    def _unfollowable(self, ref: int, job_id: str, problem: str) -> None:
        """Job ``ref`` was sent (and may be billed) but its id cannot be queried: it needs
        attention, is never polled nor sent again."""
        entry = self._entries[ref]
        message = (
            f"the API answered with the id {job_id!r}, which {problem}: the {entry.kind} was "
            "sent and may exist (and be billed), but it cannot be followed. Check the account "
            "before sending it again."
        )
        self.ledger.state(ref, "unknown", message)
        self._set(*on_error(entry, message, code=None, unknown=True, now=now()))
        self._resolve(ref, UnusableIdError(message, job_id=job_id, video_url=entry.url))

    def _fail(
        self, ref: int, message: str, *, code: int | None, unknown: bool, cause: BaseException
    ) -> None:
        self.ledger.failed(ref, message, code=code, unknown=unknown)
        self._cancel_requested.discard(ref)
        self._set(*on_error(self._entries[ref], message, code=code, unknown=unknown, now=now()))
        self._resolve(ref, cause)

    def _adopt(self, ref: int) -> None:
        """Show what the journal says of a job another process (or run) has claimed.

        One still being sent by another live process is left to it: the entry waits
        (``submitting``, saying so) and looks at the journal again until that process wrote
        the id — then it is followed like any other — or its claim ran out (the process
        died mid-submit: needs attention, never sent again)."""
        entry = self._entries[ref]
        try:
            found = self.ledger.reread(ref, entry)
        except JournalError as exc:  # journaled as sent, but unreadable now: do not resend
            message = f"the journal has it as submitted, but cannot be read: {exc}"
            self._set(*on_error(entry, message, code=None, unknown=True, now=now()))
            return
        restored, elsewhere = found
        if elsewhere is not None:  # another live process is sending it: leave it to it
            waiting = replace(entry, state=EntryState.SUBMITTING, error=elsewhere.message)
            self._set(waiting, None if entry.state is EntryState.SUBMITTING else "submitted")
            if not self._stopping:
                self.sched.schedule(ref, elsewhere.recheck, lambda: self._recheck(ref))
            return
        event = "unknown" if restored.state is EntryState.UNKNOWN else "submitted"
        self._set(restored, event)
        self._resolve(ref, RuntimeError(restored.error or "sent by another process"))
        if restored.state.is_active:
            self._schedule_poll(ref, 0.0)

    async def _recheck(self, ref: int) -> None:
        if self._entries[ref].state is EntryState.SUBMITTING:  # (not cancelled meanwhile)
            self._adopt(ref)

    def _stop_sending(self, reason: str) -> None:
        """The journal is gone: send nothing more (what runs is still followed)."""
        if self.problem is None:
            logger.error("%s", reason)
            self.problem = reason
            self.hub.emit(BatchEvent("stopped", None, self._tally.summary()))

    def _resolve(self, ref: int, outcome: Analysis | Task | BaseException) -> None:
        future = self._waiters.pop(ref, None)
        if future is None or future.done():  # nobody awaits, or the awaiting caller left
            return
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)

    # --- internals: polling --------------------------------------------------------------

    async def _poll(self, ref: int) -> None:
        entry = self._entries[ref]
        assert entry.job_id is not None
        try:
            record = await kind_of(entry).fetch(self._client(), entry.job_id)
        except UnusableIdError as exc:  # sent, maybe billed, but cannot be followed by it
            self._unfollowable(ref, exc.job_id, str(exc))
            return
        except TRANSIENT as exc:  # the job is not lost: poll again, later
            self._poll_failed(ref, exc)
            return
        except HeadswapError as exc:  # not found, credential refused: polling cannot go on
            entry = self._entries[ref]
            if entry.state.is_active:
                code = exc.code if isinstance(exc, APIError) else None
                self._set(*on_error(entry, str(exc), code=code, unknown=False, now=now()))
                self.ledger.state(ref, "error", str(exc))
            return
        entry = self._entries[ref]
        if record.id != entry.job_id:  # another job's answer: never follow it instead
            self._poll_failed(ref, ProtocolError(
                f"the answer for {entry.job_id} carried the id {record.id!r} of another job; "
                "it was ignored, and this one is polled again"
            ))  # fmt: skip
            return
        self._failures.pop(ref, None)
        if not entry.state.is_active:  # cancelled while the GET was in flight
            return
        new, event = on_record(entry, record, now())
        self.ledger.seen(ref, record, changed=event is not None)
        self._set(new, event)
        if not new.state.is_terminal:
            self._schedule_poll(ref, self._next_poll(ref, record))
        elif self.clock is not None:
            self.clock.forget(ref)

    def _poll_failed(self, ref: int, exc: Exception) -> None:
        entry = self._entries[ref]
        if not entry.state.is_active:
            return
        failures = self._failures[ref] = self._failures.get(ref, 0) + 1
        delay, message = poll_trouble(failures, exc, jitter=random.random())
        if delay is None:
            self._set(*on_error(entry, message, code=None, unknown=False, now=now()))
            self.ledger.state(ref, "error", message)
        else:  # shown on the row until the next good record clears it
            self._set(*on_poll_trouble(entry, message))
            self._schedule_poll(ref, delay)


def _now() -> float:
    """The clock of the poll schedule: the running loop's, else the same monotonic one."""
    try:
        return asyncio.get_running_loop().time()
    except RuntimeError:
        return time.monotonic()


def _check_bound(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
