"""What happens to a job, as pure functions: (entry, what happened) → (new entry, event).

No I/O and no asyncio. The engine feeds these what happened (a submit answered, a poll
returned a record, a call raised, the user cancelled) and acts on what they return: the new
immutable ``JobEntry`` and the base name of the event to announce, if any (``submitted``,
``progress``, ``completed``, ``failed``, ``error``, ``unknown``, ``cancelled``, ``retry``;
the engine prefixes task events with ``task_``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from headswap_nb.jobs.entry import JobEntry
from headswap_nb.jobs.states import EntryState, may_send_again, state_for_record
from headswap_nb.models import Analysis, Task

__all__ = [
    "REFUSALS",
    "on_cancel",
    "on_error",
    "on_hold",
    "on_poll_trouble",
    "on_record",
    "on_release",
    "on_repoll",
    "on_resend",
    "on_submitted",
    "on_submitting",
    "retry_plan",
]

REFUSALS = frozenset({1003, 1101, 1102, 1104, 1109, 1200})
"""Codes of a submit the server refused for a reason a plain resend cannot change: invalid
parameters, a refused credential, too few credits, a banned account (akool-api.md §6, §14)."""


def on_submitting(entry: JobEntry) -> JobEntry:
    """A submit is about to be sent (its intent is journaled)."""
    return replace(
        entry, state=EntryState.SUBMITTING, attempts=entry.attempts + 1, error=None, error_code=None
    )


def on_submitted(entry: JobEntry, record: Analysis | Task, now: datetime) -> tuple[JobEntry, str]:
    """The submit answered with ``record``."""
    new, _ = on_record(replace(entry, job_id=record.id, submitted_at=now), record, now)
    return new, "submitted"


def on_record(
    entry: JobEntry, record: Analysis | Task, now: datetime
) -> tuple[JobEntry, str | None]:
    """A poll returned ``record``; the event is ``None`` when nothing visible changed."""
    state = state_for_record(record)
    previous = entry.record
    changed = (
        previous is None
        or previous.status != record.status
        or previous.progress != record.progress
        or entry.state is not state
    )
    failed = state is EntryState.FAILED
    new = replace(
        entry,
        state=state,
        record=record,
        job_id=record.id,
        progress=100.0 if state is EntryState.COMPLETED else record.progress,
        error=(record.error_reason or f"{entry.kind} failed") if failed else None,
        error_code=record.error_code if failed else None,
        finished_at=now if state.is_terminal else None,
    )
    if not changed and new.error == entry.error:  # (a good poll clears a polling error)
        return new, None
    if state is EntryState.COMPLETED:
        return new, "completed"
    return new, "failed" if failed else "progress"


def on_error(
    entry: JobEntry, message: str, *, code: int | None, unknown: bool, now: datetime
) -> tuple[JobEntry, str]:
    """The submit (or polling) raised. ``unknown``: the submit may exist on the server."""
    state = EntryState.UNKNOWN if unknown else EntryState.ERROR
    new = replace(entry, state=state, error=message, error_code=code, finished_at=now)
    return new, state.value


def on_poll_trouble(entry: JobEntry, message: str) -> tuple[JobEntry, str]:
    """A poll failed but will be tried again: the job goes on, the reason shows meanwhile."""
    return replace(entry, error=message), "progress"


def on_cancel(entry: JobEntry, now: datetime) -> tuple[JobEntry, str | None]:
    """The user stopped tracking ``entry``; terminal entries are left alone."""
    if entry.state.is_terminal:
        return entry, None
    return replace(entry, state=EntryState.CANCELLED, finished_at=now), "cancelled"


def on_hold(entry: JobEntry, reason: str) -> tuple[JobEntry, str | None]:
    """Hold a job that was not sent yet back, saying why; others are left alone."""
    if entry.state not in (EntryState.PENDING, EntryState.HELD):
        return entry, None
    return replace(entry, state=EntryState.HELD, error=reason), "held"


def on_release(entry: JobEntry) -> tuple[JobEntry, str | None]:
    """Let a held job go: it is sent as soon as its turn comes."""
    if entry.state is not EntryState.HELD:
        return entry, None
    return replace(entry, state=EntryState.PENDING, error=None), "released"


def on_repoll(entry: JobEntry) -> tuple[JobEntry, str]:
    """Retry a job whose *polling* gave up: it exists (it has an id), so poll it again."""
    return replace(entry, state=EntryState.QUEUED, error=None, finished_at=None), "retry"


def on_resend(entry: JobEntry) -> tuple[JobEntry, str]:
    """Retry a job that may be sent again: a fresh pending attempt (attempts are kept)."""
    fresh = JobEntry(
        entry.url, kind=entry.kind, ref=entry.ref, request=entry.request, attempts=entry.attempts
    )
    return fresh, "retry"


def retry_plan(entry: JobEntry, *, include_refused: bool = False) -> str | None:
    """What "Retry failed" does with ``entry``: ``"poll"`` (its polling gave up, but it
    exists: poll it again), ``"send"`` (send it again: it failed on the server, or was never
    sent, or met a transport, server or throttling error), or ``None`` (leave it).

    A refusal a resend cannot change (``REFUSALS``: 1003, 1104...) is sent again only with
    ``include_refused``; an UNKNOWN job (it may exist and be billed) never is."""
    if entry.state is EntryState.ERROR and entry.job_id is not None:
        return "poll"
    if entry.state not in (EntryState.FAILED, EntryState.ERROR):
        return None
    if not may_send_again(entry.state.value, entry.job_id):
        return None
    refused = entry.state is EntryState.ERROR and entry.error_code in REFUSALS
    return "send" if include_refused or not refused else None
