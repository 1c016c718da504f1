"""What the terminal says about a batch, as pure functions of its state.

``snapshot`` takes what the screen needs once per refresh (the counts, the pace, the
active jobs with the progress the board shows); the other functions turn a snapshot or one
change into words. Both screens — the live one and the plain one for logs — say the same
things from here; only how they draw differs (``screen``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from headswap_nb.jobs import BatchSummary, JobEntry
from headswap_nb.jobs.pace import Pace, approximate
from headswap_nb.present import elapsed_text, short_url

__all__ = [
    "JobLine",
    "Snapshot",
    "change_line",
    "counts_text",
    "finished_text",
    "headline",
    "snapshot",
]

_MARKS = {"completed": "✓", "failed": "✗", "error": "✗", "unknown": "!", "cancelled": "–"}
_CHANGES = frozenset({"submitted", "completed", "failed", "error", "unknown", "cancelled", "retry"})


@dataclass(frozen=True, slots=True)
class JobLine:
    """One active job's line."""

    url: str
    state: str
    shown: float
    """The progress to draw (``Batch.shown``: extrapolated between polls, never back)."""
    eta: float | None
    """Seconds left, when known."""
    job_id: str | None
    note: str | None
    """A polling problem being retried, shown meanwhile."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one refresh of the screen shows."""

    noun: str
    """``analyses`` or ``tasks``."""
    summary: BatchSummary
    pace: Pace
    active: tuple[JobLine, ...]
    """The active jobs with a line (oldest first), at most the screen's limit."""
    more: int
    """Active jobs without a line."""


def snapshot(
    jobs: Sequence[JobEntry],
    *,
    noun: str,
    summary: BatchSummary,
    pace: Pace,
    shown: Callable[[JobEntry], tuple[float, float | None]],
    limit: int,
) -> Snapshot:
    """The snapshot of ``jobs`` (``shown``: ``Batch.shown``), ``limit`` lines at most:
    the processing ones first (their bars move), then the queued and submitting, each group
    in batch order so that lines do not jump around."""
    active = [j for j in jobs if j.state.is_active]
    active.sort(key=lambda j: j.state.value != "processing")  # stable
    lines = []
    for job in active[:limit]:
        progress, eta = shown(job)
        lines.append(JobLine(job.url, job.state.value, progress, eta, job.job_id, job.error))
    return Snapshot(noun, summary, pace, tuple(lines), max(0, len(active) - limit))


def counts_text(summary: BatchSummary) -> str:
    """``28/50 done · 7 running · 1 failed · 1 need attention``: the counts a log line
    carries (``running`` includes submits in flight)."""
    s = summary
    done = s.completed + s.failed + s.errors + s.unknown + s.cancelled
    parts = [f"{done}/{s.total} done"]
    running = s.submitting + s.queued + s.processing
    for count, label in (
        (running, "running"),
        (s.pending, "waiting"),
        (s.failed + s.errors, "failed"),
        (s.unknown, "need attention"),
        (s.cancelled, "stopped"),
    ):
        if count:
            parts.append(f"{count} {label}")
    return " · ".join(parts)


def headline(snap: Snapshot) -> str:
    """The overall line: ``50 total · 4 processing · 28 completed · 58% · 12.0/min · ~3
    min left``."""
    pace = snap.pace.describe()
    return snap.summary.describe() + (f" · {pace}" if pace else "")


def eta_text(eta: float | None) -> str:
    """``~4 s left``, or ``""`` when unknown (or done)."""
    return f"{approximate(eta)} left" if eta else ""


def finished_text(job: JobEntry) -> str:
    """What a finished job's line says after its id and URL: people found and time taken,
    the output link of a task (which may expire), or the reason it did not complete."""
    state = job.state.value
    if state == "completed":
        if job.is_task:
            return f"{job.output_url or 'no output URL'} (may expire, about 7 days)"
        record = job.analysis
        people = len(record.people) if record is not None else 0
        noun = "person" if people == 1 else "people"
        return f"{people} {noun} · {elapsed_text(job.elapsed_s)}"
    reason = job.error or ""
    if job.error_code is not None and str(job.error_code) not in reason:
        reason = f"{reason} (code {job.error_code})" if reason else f"code {job.error_code}"
    return reason


def mark(state: str) -> str:
    """``✓`` completed, ``✗`` failed, ``!`` needs attention, ``–`` stopped, ``·`` other."""
    return _MARKS.get(state, "·")


def change_line(kind: str, job: JobEntry | None) -> str | None:
    """What one batch event says about its job (``kind`` without its ``task_`` prefix):
    ``✓ completed  <id>  <url>  2 people · 12 s``; ``None`` for events a log does not need
    (progress, added). The screen adds the counts (``counts_text``) where it wants them."""
    if job is None or kind not in _CHANGES:
        return None
    state = job.state.value
    words = finished_text(job) if job.state.is_terminal else ""
    label = {"retry": "retrying", "submitted": "submitted"}.get(kind, state)
    parts = [f"{mark(state)} {label:<10}", job.job_id or "-", short_url(job.url, 56)]
    if words:
        parts.append(words)
    return ("task " if job.is_task else "") + " ".join(parts)
