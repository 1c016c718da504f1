"""Rebuild batch entries and task entries from what a journal holds (pure).

The rule that keeps money safe: a URL with an analysis id is never submitted again — it is
re-attached and polled; a URL whose intent has no id may exist on the server, so it becomes
UNKNOWN (needs attention) and is never resubmitted automatically.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from headswap_nb._batch_state import BatchEntry, EntryState, state_for_status
from headswap_nb._task_state import TaskEntry, TaskRequest, on_task_record
from headswap_nb.journal import JournalRecord, TaskJournalRecord

__all__ = ["restore_entry", "restore_task"]

_NEEDS_ATTENTION = (
    "a submit was journaled at {at} but its analysis id never was (the process stopped "
    "before the answer): the analysis may exist on the server and be billed. Check the "
    "account before submitting this URL again."
)


def restore_entry(url: str, record: JournalRecord | None) -> BatchEntry:
    """The entry for ``url`` given its latest journal record (``None``: never journaled)."""
    if record is None:
        return BatchEntry(url)
    if record.analysis_id is not None:
        analysis = record.analysis
        # Whatever the batch had decided (cancelled, a polling error), the analysis exists:
        # re-attach and let the server say where it is.
        state = EntryState.QUEUED if analysis is None else state_for_status(analysis.status)
        failed = state is EntryState.FAILED
        return BatchEntry(
            url,
            state=state,
            analysis=analysis,
            analysis_id=record.analysis_id,
            progress=100.0
            if state is EntryState.COMPLETED
            else (analysis.progress if analysis is not None else 0.0),
            error=(analysis.error_reason if analysis and failed else None),
            error_code=(analysis.error_code if analysis and failed else None),
            submitted_at=record.submitted_at,
            finished_at=record.finished_at if state.is_terminal else None,
            attempts=record.attempts,
        )
    if record.state in ("error", "cancelled"):  # refused, or stopped before it was sent
        return BatchEntry(
            url,
            state=EntryState(record.state),
            error=record.error,
            attempts=record.attempts,
            finished_at=record.finished_at,
        )
    # "submitting" (killed mid-submit) or "unknown" (the client said so): needs attention.
    message = record.error or _NEEDS_ATTENTION.format(at=record.intent_at.isoformat())
    return BatchEntry(
        url,
        state=EntryState.UNKNOWN,
        error=message,
        attempts=record.attempts,
        finished_at=record.finished_at,
    )


def restore_task(record: TaskJournalRecord, ref: int) -> TaskEntry:
    """The entry for one journaled task intent, with the batch-local handle ``ref``."""
    request = TaskRequest.from_json(record.request)
    base = TaskEntry(
        record.url, mappings=request.mappings, resolution=request.resolution,
        model_name=request.model_name, keep_original_sound=request.keep_original_sound,
        ref=ref, attempts=1, submitted_at=record.submitted_at,
    )  # fmt: skip
    if record.task_id is not None:
        task = record.task
        # Whatever the batch had decided (cancelled, a polling error), the task exists:
        # re-attach and let the server say where it is.
        state = EntryState.QUEUED if task is None else state_for_status(task.status)
        entry = replace(base, task_id=record.task_id, state=state)
        if task is not None:
            entry, _ = on_task_record(entry, task, record.finished_at or datetime.now(timezone.utc))
        return entry
    if record.state in ("error", "cancelled"):
        return replace(
            base, state=EntryState(record.state), error=record.error,
            error_code=record.error_code, finished_at=record.finished_at,
        )  # fmt: skip
    message = record.error or (
        f"a create was journaled at {record.intent_at.isoformat()} but its task id never was "
        "(the process stopped before the answer): the task may exist on the server and be "
        "billed. Check the account before creating it again (force=True)."
    )
    return replace(base, state=EntryState.UNKNOWN, error=message, finished_at=record.finished_at)
