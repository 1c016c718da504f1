"""Rebuild batch entries from what a journal holds (pure): one path for every kind of job.

The rule that keeps money safe: a job with an id is never submitted again — it is
re-attached and polled, whatever the batch had decided about it before (cancelled, a polling
error): the server says where it is. A claim without an id may exist on the server, so it
becomes UNKNOWN (needs attention) and is never resubmitted automatically. A job that was
only added (``pending``) was never sent: it is pending again. A damaged row with an id is
still re-attached by that id; one without is set aside as needing attention.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from headswap_nb.jobs.entry import JobEntry
from headswap_nb.jobs.rows import JournalRow
from headswap_nb.jobs.states import EntryState
from headswap_nb.jobs.transitions import on_record

__all__ = ["restore"]

_NEEDS_ATTENTION = (
    "a submit was journaled at {at} but its id never was (the process stopped before the "
    "answer): the {kind} may exist on the server and be billed. Check the account before "
    "sending it again{force}."
)


def restore(row: JournalRow, ref: int) -> JobEntry:
    """The entry of one journaled job, with the batch-local handle ``ref``."""
    base = JobEntry(
        row.url,
        kind=row.kind,
        ref=ref,
        request=row.request,
        attempts=row.attempts,
        submitted_at=row.submitted_at,
    )
    if row.damage is not None and row.job_id is None:  # nothing to re-attach to: set aside
        return replace(
            base, state=EntryState.UNKNOWN, error=row.damage, finished_at=row.finished_at
        )
    if row.job_id is not None:
        entry = replace(base, job_id=row.job_id, state=EntryState.QUEUED)
        if row.record is None:
            return entry
        when = row.finished_at or datetime.now(timezone.utc)
        restored, _ = on_record(entry, row.record, when)
        return restored
    if row.state == "pending":
        return replace(base, state=EntryState.PENDING, submitted_at=None)
    if row.state == "held":  # never sent, and still held back: the user decides
        return replace(base, state=EntryState.HELD, error=row.error, submitted_at=None)
    if row.state in ("error", "cancelled"):  # refused, or stopped before it was sent
        return replace(
            base,
            state=EntryState(row.state),
            error=row.error,
            error_code=row.error_code,
            finished_at=row.finished_at,
        )
    # "submitting" (killed mid-submit) or "unknown" (the client said so): needs attention.
    at = row.claimed_at.isoformat() if row.claimed_at is not None else "an unknown time"
    force = " (force=True)" if row.kind == "task" else ""
    message = row.error or _NEEDS_ATTENTION.format(at=at, kind=row.kind, force=force)
    return replace(base, state=EntryState.UNKNOWN, error=message, finished_at=row.finished_at)
