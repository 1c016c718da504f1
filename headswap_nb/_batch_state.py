"""The pure core of a batch: entry states, transitions, summaries and retry delays.

No I/O and no asyncio here. ``Batch`` (batch.py) is a thin shell that feeds these functions
what happened (a submit answered, a poll returned a record, an error was raised) and acts on
what they return: the new immutable entry and which event kind, if any, to announce.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from headswap_nb.models import Analysis, Status

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


class EntryState(enum.Enum):
    """Lifecycle of one URL inside a batch."""

    PENDING = "pending"
    """Accepted, not yet submitted."""
    SUBMITTING = "submitting"
    """Intent journaled, POST in flight."""
    QUEUED = "queued"
    """Has an analysis id; server status 1."""
    PROCESSING = "processing"
    """Server status 2, or a status value the docs do not list (it is not terminal)."""
    COMPLETED = "completed"
    """Server status 3."""
    FAILED = "failed"
    """Server status 4: the analysis itself failed."""
    ERROR = "error"
    """We could not submit or poll (a client-side or API error; message in ``error``)."""
    UNKNOWN = "unknown"
    """A submit may have reached the server but no id came back: needs attention.

    Never resubmitted automatically, because a second submit is billed again."""
    CANCELLED = "cancelled"
    """Tracking stopped by the user. The API has no server-side cancel: the job runs on."""

    @property
    def is_terminal(self) -> bool:
        """True when the batch does nothing more for this entry."""
        return self in _TERMINAL

    @property
    def is_active(self) -> bool:
        """True while a submit is in flight or the analysis is being polled."""
        return self in _ACTIVE


_TERMINAL = frozenset(
    {
        EntryState.COMPLETED,
        EntryState.FAILED,
        EntryState.ERROR,
        EntryState.UNKNOWN,
        EntryState.CANCELLED,
    }
)
_ACTIVE = frozenset({EntryState.SUBMITTING, EntryState.QUEUED, EntryState.PROCESSING})


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
class BatchSummary:
    """Aggregate counts per state and overall progress."""

    total: int = 0
    pending: int = 0
    submitting: int = 0
    queued: int = 0
    processing: int = 0
    completed: int = 0
    failed: int = 0
    errors: int = 0
    unknown: int = 0
    cancelled: int = 0
    progress: float = 0.0
    """Overall percent: mean over entries, terminal ones counting 100."""
    done: bool = True
    """Nothing pending or active."""

    def describe(self) -> str:
        """One line: ``12 total · 3 queued · 4 processing · 4 completed · 1 failed · 58%``."""
        parts = [f"{self.total} total"]
        for label, count in (
            ("pending", self.pending),
            ("submitting", self.submitting),
            ("queued", self.queued),
            ("processing", self.processing),
            ("completed", self.completed),
            ("failed", self.failed),
            ("errors", self.errors),
            ("need attention", self.unknown),
            ("cancelled", self.cancelled),
        ):
            if count:
                parts.append(f"{count} {label}")
        parts.append(f"{self.progress:.0f}%")
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class BatchEvent:
    """Something that happened in a batch, with the summary right after it."""

    kind: str
    """submitted, progress, completed, failed, error, unknown, cancelled, added, retry or done."""
    entry: BatchEntry | None
    """The entry concerned; ``None`` for ``done``."""
    summary: BatchSummary


def _weight(entry: BatchEntry) -> float:
    return 100.0 if entry.state.is_terminal else entry.progress


class Tally:
    """Running per-state counts and progress sum, so a summary costs O(1) per event.

    Recomputing from all entries on every event would be quadratic for 10,000 analyses.
    """

    __slots__ = ("_counts", "_progress")

    def __init__(self, entries: Iterable[BatchEntry] = ()) -> None:
        self._counts: Counter[EntryState] = Counter()
        self._progress = 0.0
        for entry in entries:
            self.replace(None, entry)

    def replace(self, old: BatchEntry | None, new: BatchEntry | None) -> None:
        """Account for ``old`` becoming ``new`` (either may be ``None``)."""
        if old is not None:
            self._counts[old.state] -= 1
            self._progress -= _weight(old)
        if new is not None:
            self._counts[new.state] += 1
            self._progress += _weight(new)

    def summary(self) -> BatchSummary:
        """The current summary."""
        c = self._counts
        total = sum(c.values())
        busy = c[EntryState.PENDING] + sum(c[s] for s in _ACTIVE)
        return BatchSummary(
            total=total,
            pending=c[EntryState.PENDING],
            submitting=c[EntryState.SUBMITTING],
            queued=c[EntryState.QUEUED],
            processing=c[EntryState.PROCESSING],
            completed=c[EntryState.COMPLETED],
            failed=c[EntryState.FAILED],
            errors=c[EntryState.ERROR],
            unknown=c[EntryState.UNKNOWN],
            cancelled=c[EntryState.CANCELLED],
            # Clamp: float sums drift by ulps when thousands of updates are added and removed.
            progress=min(100.0, max(0.0, self._progress / total)) if total else 0.0,
            done=busy == 0,
        )


def summarize(entries: Iterable[BatchEntry]) -> BatchSummary:
    """Summary of ``entries`` computed from scratch."""
    return Tally(entries).summary()


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
    if not changed:
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
