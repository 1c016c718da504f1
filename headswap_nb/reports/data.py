"""What a report shows, taken once from a running ``Batch`` or from a ``Journal`` on disk.

A journal's rows become entries through the very function a resume uses
(``jobs.restore``), so a report of a journal says what ``Batch.resume`` would see: a claim
without an id needs attention, a job with an id is where its latest record left it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from headswap_nb.jobs import ANALYSIS, TASK, BatchSummary, JobEntry, Journal
from headswap_nb.jobs.restore import restore
from headswap_nb.jobs.summary import summarize

if TYPE_CHECKING:
    from headswap_nb.batch import Batch

__all__ = ["Job", "ReportData", "collect", "open_journal"]


@dataclass(frozen=True, slots=True)
class Job:
    """One job as the report shows it."""

    entry: JobEntry
    """The job's snapshot (an analysis or a task)."""
    shown: float
    """The progress to draw: ``Batch.shown`` for a live batch, the recorded one otherwise."""
    eta: float | None = None
    """Seconds left, when known (a live batch only)."""


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything one report (or board snapshot) shows."""

    analyses: tuple[Job, ...]
    tasks: tuple[Job, ...]
    summary: BatchSummary
    """The analyses' counts and overall progress."""
    task_summary: BatchSummary
    """The tasks' counts."""
    pace: str = ""
    """``"12.0/min · ~3 min left"`` while a live batch runs, else ``""``."""
    source: str = ""
    """Where it came from, for the page's header (a journal's file name, or "batch")."""
    made_at: datetime | None = None
    """When it was collected (aware UTC)."""


def open_journal(path: str | os.PathLike[str]) -> Journal:
    """The journal at ``path``, refusing to create one where there is none (a typo must
    not silently report an empty batch). Raises ``FileNotFoundError``."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"no journal at {os.fspath(path)!r}")
    return Journal(path)


def collect(source: Batch | Journal | str | os.PathLike[str]) -> ReportData:
    """Take the report's data from a ``Batch``, a ``Journal`` or a journal's path."""
    made_at = datetime.now(timezone.utc)
    if isinstance(source, (str, os.PathLike)):
        with open_journal(source) as journal:
            return _from_journal(journal, made_at)
    if isinstance(source, Journal):
        return _from_journal(source, made_at)
    shown = getattr(source, "shown", None)
    if shown is None or not hasattr(source, "entries"):
        raise TypeError(f"report() takes a Batch, a Journal or a journal path, not {source!r}")
    batch = source

    def job(entry: JobEntry) -> Job:
        progress, eta = batch.shown(entry)
        return Job(entry, progress, eta)

    analyses = tuple(job(e) for e in batch.entries)
    tasks = tuple(job(t) for t in batch.tasks)
    pace = batch.pace().describe() if not batch.summary.done else ""
    return ReportData(
        analyses,
        tasks,
        batch.summary,
        summarize(t.entry for t in tasks),
        pace=pace,
        source="batch",
        made_at=made_at,
    )


def _from_journal(journal: Journal, made_at: datetime) -> ReportData:
    rows = journal.rows()
    entries = [restore(row, ref) for ref, row in enumerate(rows, start=1)]
    analyses = _jobs(e for e in entries if e.kind == ANALYSIS)
    tasks = _jobs(e for e in entries if e.kind == TASK)
    return ReportData(
        analyses,
        tasks,
        summarize(j.entry for j in analyses),
        summarize(j.entry for j in tasks),
        source=Path(journal.path).name,
        made_at=made_at,
    )


def _jobs(entries: Iterable[JobEntry]) -> tuple[Job, ...]:
    return tuple(Job(e, 100.0 if e.state.value == "completed" else e.progress) for e in entries)
