"""The pure core of a batch: entry states, transitions, summaries and retry delays.

No I/O and no asyncio here. ``Batch`` (batch.py) is a thin shell that feeds these functions
what happened (a submit answered, a poll returned a record, an error was raised) and acts on
what they return: the new immutable entry and which event kind, if any, to announce.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from headswap_nb._batch_summary import BatchSummary, Tally, summarize
from headswap_nb._entry_state import EntryState
from headswap_nb.models import Analysis, Status

if TYPE_CHECKING:
    from headswap_nb._task_state import TaskEntry

__all__ = [
    "BatchEntry",
    "BatchEvent",
    "BatchSummary",
    "EntryState",
    "Tally",
    "backoff_delay",
    "on_cancel",
    "on_record",
    "on_submit_error",
    "on_submitted",
    "on_submitting",
    "state_for_status",
    "summarize",
]


def state_for_status(status: Status) -> EntryState:
    """Map a server status to an entry state; unknown values count as still processing."""
    if status is Status.QUEUED:
        return EntryState.QUEUED
    if status is Status.COMPLETED:
        return EntryState.COMPLETED
    if status is Status.FAILED:
        return EntryState.FAILED
    return EntryState.PROCESSING


@dataclass(frozen=True, slots=True)
class BatchEntry:
    """Immutable snapshot of one URL's state in a batch."""

    url: str
    """The exact string submitted (and to be reused for the head-swap task)."""
    state: EntryState = EntryState.PENDING
    """Where this URL is in its lifecycle."""
    analysis: Analysis | None = None
    """Latest analysis record; ``None`` before an id exists."""
    analysis_id: str | None = None
    """The analysis ``_id``, once the submit answered."""
    progress: float = 0.0
    """0 to 100, as last reported by the server."""
    error: str | None = None
    """Human-readable reason for ERROR, UNKNOWN or FAILED; never contains a credential."""
    error_code: int | None = None
    """API business code or the record's ``error_code``, when there is one."""
    submitted_at: datetime | None = None
    """When the submit answered (aware UTC)."""
    finished_at: datetime | None = None
    """When the entry reached a terminal state (aware UTC)."""
    attempts: int = 0
    """Submissions made for this URL in this journal (``retry_failed`` adds one)."""

    @property
    def elapsed_s(self) -> float | None:
        """Seconds from submission to the end (or to now while it runs); ``None`` before."""
        if self.submitted_at is None:
            return None
        end = self.finished_at or datetime.now(timezone.utc)
        return (end - self.submitted_at).total_seconds()


@dataclass(frozen=True, slots=True)
class BatchEvent:
    """Something that happened in a batch, with the summary right after it."""

    kind: str
    """submitted, progress, completed, failed, error, unknown, cancelled, added, retry or done
    for analyses; task_submitted, task_progress, task_completed, task_failed, task_error,
    task_unknown, task_cancelled, task_added or task_retry for head-swap tasks."""
    entry: BatchEntry | None
    """The analysis entry concerned; ``None`` for ``done`` and for task events."""
    summary: BatchSummary
    """The analysis summary right after the event."""
    task: TaskEntry | None = None
    """The head-swap task concerned, for ``task_*`` events; ``None`` otherwise."""


# --- transitions: (entry, what happened) -> (new entry, event kind or None) ------------------


def on_submitting(entry: BatchEntry) -> BatchEntry:
    """A submit is about to be sent for ``entry`` (the intent is journaled)."""
    return replace(
        entry, state=EntryState.SUBMITTING, attempts=entry.attempts + 1, error=None, error_code=None
    )


def on_submitted(entry: BatchEntry, analysis: Analysis, now: datetime) -> tuple[BatchEntry, str]:
    """The submit answered with a record."""
    new, _ = on_record(replace(entry, analysis_id=analysis.id, submitted_at=now), analysis, now)
    return new, "submitted"


def on_record(
    entry: BatchEntry, analysis: Analysis, now: datetime
) -> tuple[BatchEntry, str | None]:
    """A poll returned ``analysis``. The kind is ``None`` when nothing visible changed."""
    state = state_for_status(analysis.status)
    previous = entry.analysis
    changed = (
        previous is None
        or previous.status != analysis.status
        or previous.progress != analysis.progress
        or entry.state is not state
    )
    failed = state is EntryState.FAILED
    new = replace(
        entry,
        state=state,
        analysis=analysis,
        analysis_id=analysis.id,
        progress=100.0 if state is EntryState.COMPLETED else analysis.progress,
        error=(analysis.error_reason or "analysis failed") if failed else None,
        error_code=analysis.error_code if failed else None,
        finished_at=now if state.is_terminal else None,
    )
    if not changed and new.error == entry.error:  # (a good poll clears a polling error)
        return new, None
    if state is EntryState.COMPLETED:
        return new, "completed"
    if failed:
        return new, "failed"
    return new, "progress"


def on_submit_error(
    entry: BatchEntry, message: str, *, code: int | None, unknown: bool, now: datetime
) -> tuple[BatchEntry, str]:
    """The submit (or polling) raised. ``unknown``: the submit may exist on the server."""
    state = EntryState.UNKNOWN if unknown else EntryState.ERROR
    new = replace(entry, state=state, error=message, error_code=code, finished_at=now)
    return new, state.value


def on_cancel(entry: BatchEntry, now: datetime) -> tuple[BatchEntry, str | None]:
    """The user stopped tracking ``entry``; terminal entries are left alone."""
    if entry.state.is_terminal:
        return entry, None
    return replace(entry, state=EntryState.CANCELLED, finished_at=now), "cancelled"


def backoff_delay(
    failures: int, *, retry_after: float | None = None, base: float = 1.0, cap: float = 30.0
) -> float:
    """Delay before the next poll after ``failures`` consecutive transient errors (≥ 1).

    Doubling from ``base`` up to ``cap``; the server's ``retry_after`` hint wins when larger.
    Jitter is added by the caller's poll policy, which owns randomness.
    """
    delay = min(cap, base * 2.0 ** max(0, failures - 1))
    return max(delay, retry_after) if retry_after is not None else delay
