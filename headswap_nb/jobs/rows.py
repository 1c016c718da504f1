"""``JournalRow``: what the journal holds for one job, read back tolerantly.

A journal is a file on a user's disk: it may be damaged, edited by hand or written by a
process that died mid-way. Reading it must never raise a bare ``JSONDecodeError``,
``TypeError`` or ``ValueError`` that blocks a whole resume. So, per row: a cached record that
cannot be parsed is dropped (the job keeps its id and is simply polled again); a timestamp
that is not a number reads as unknown; a task whose options cannot be read, or a row whose
state is not one we wrote, is set aside as needing attention with a ``damage`` note naming
the file and the row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from headswap_nb.jobs.entry import ANALYSIS, TASK
from headswap_nb.jobs.request import TaskRequest
from headswap_nb.jobs.states import EntryState
from headswap_nb.jobs.store import as_datetime
from headswap_nb.models import Analysis, Task

__all__ = ["JournalRow", "read_rows"]

_STATES = frozenset(s.value for s in EntryState)


@dataclass(frozen=True, slots=True)
class JournalRow:
    """The latest state the journal holds for one job."""

    row: int
    """The row's id in the journal (stable for the job's whole life)."""
    kind: str
    """``"analysis"`` or ``"task"``."""
    url: str
    """The video URL, exactly as sent."""
    request: TaskRequest | None
    """A task's options; ``None`` for an analysis (or a task whose options are damaged)."""
    state: str
    """An ``EntryState`` value; ``pending``: never claimed; ``submitting``: claimed, no id."""
    job_id: str | None
    """``None`` until the submit answered."""
    record: Analysis | Task | None
    """Latest record seen, parsed; ``None`` before the first answer (or if damaged)."""
    error: str | None
    error_code: int | None
    attempts: int
    """How many times it was claimed (sent, or about to be)."""
    added_at: datetime | None
    claimed_at: datetime | None
    """When the latest claim was written (before its submit)."""
    submitted_at: datetime | None
    finished_at: datetime | None
    damage: str | None = None
    """Why this row could not be read in full (file and row named), if it could not."""
    owner: str | None = None
    """Which process (and journal opening) made the latest claim."""
    lease_until: float | None = None
    """Until when (epoch seconds) that claim is its owner's alone."""

    def claimed_by_another(self, owner: str, now: float) -> bool:
        """True while another live process (not ``owner``) is sending this job: it claimed
        it, has not written the id yet, and its lease has not run out."""
        return (
            self.job_id is None
            and self.state == "submitting"
            and self.owner != owner
            and self.lease_until is not None
            and self.lease_until > now
        )

    @property
    def analysis(self) -> Analysis | None:
        """The latest analysis record (analyses only)."""
        return self.record if isinstance(self.record, Analysis) else None

    @property
    def task(self) -> Task | None:
        """The latest task record (tasks only)."""
        return self.record if isinstance(self.record, Task) else None

    @property
    def analysis_id(self) -> str | None:
        """The analysis id (analyses only)."""
        return self.job_id if self.kind == ANALYSIS else None

    @property
    def task_id(self) -> str | None:
        """The task id (tasks only)."""
        return self.job_id if self.kind == TASK else None

    @property
    def needs_attention(self) -> bool:
        """True when a submit may have reached the server without its id being recorded, or
        the row is damaged."""
        return self.damage is not None or (
            self.job_id is None and self.state in ("submitting", "unknown")
        )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _record(kind: str, raw: str | None, url: str) -> Analysis | Task | None:
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        return (
            Task.from_json(data, source_video_url=url) if kind == TASK else Analysis.from_json(data)
        )
    except (ValueError, TypeError, RecursionError):
        return None  # only a cache of the server's answer: the job is polled again by its id


def read_rows(
    rows: Sequence[tuple[Any, ...]], latest: Mapping[tuple[str, str], str], *, path: str
) -> list[JournalRow]:
    """``JournalRow`` of each ``jobs`` row (columns as ``journal._COLUMNS``), with its latest
    raw record from ``latest`` ((kind, job_id) → JSON text)."""
    out = []
    for rid, kind, url, request, state, job_id, error, code, attempts, *rest in rows:
        times, owner, lease = rest[:4], rest[4], rest[5]
        damage = []
        url, job_id = _text(url) or "", _text(job_id) or None
        if kind not in (ANALYSIS, TASK) or not url:
            damage.append("no usable kind or URL")
            kind = kind if kind in (ANALYSIS, TASK) else ANALYSIS
        if state not in _STATES:
            damage.append(f"unknown state {state!r}")
            state = "unknown"
        parsed_request = None
        if kind == TASK:
            try:
                parsed_request = TaskRequest.from_json(str(request))
            except (ValueError, TypeError, KeyError, RecursionError) as exc:
                damage.append(f"its task options cannot be read ({type(exc).__name__})")
        record = _record(kind, latest.get((kind, job_id)) if job_id else None, url)
        added, claimed, submitted, finished = (as_datetime(t) for t in times)
        out.append(
            JournalRow(
                row=int(rid),
                kind=kind,
                url=url,
                request=parsed_request,
                state=str(state),
                job_id=job_id,
                record=record,
                error=_text(error),
                error_code=_int(code),
                attempts=_int(attempts) or 0,
                added_at=added,
                claimed_at=claimed,
                submitted_at=submitted,
                finished_at=finished,
                damage=(
                    f"row {rid} of the journal {path!r} is damaged: {'; '.join(damage)}"
                    if damage
                    else None
                ),
                owner=_text(owner),
                lease_until=lease if isinstance(lease, (int, float)) else None,
            )
        )
    return out
