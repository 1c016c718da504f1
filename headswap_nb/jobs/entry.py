"""``JobEntry``: one immutable snapshot of one job in a batch — an analysis or a task.

One type for both kinds of job (``kind`` says which). What only one kind has is read through
properties named after that kind (``analysis``/``analysis_id`` for analyses; ``task``,
``task_id``, ``mappings``... for head-swap tasks), so code written for either reads
naturally. Changes are made by the pure functions of ``transitions``, never in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from headswap_nb.jobs.request import TaskRequest
from headswap_nb.jobs.states import EntryState
from headswap_nb.models import Analysis, Task

__all__ = ["ANALYSIS", "TASK", "JobEntry"]

ANALYSIS = "analysis"
TASK = "task"
_NO_REQUEST = TaskRequest(())


@dataclass(frozen=True, slots=True)
class JobEntry:
    """Immutable snapshot of one job (an analysis or a head-swap task) in a batch."""

    url: str
    """The video URL, exactly as given (a task sends the very string of its analysis)."""
    state: EntryState = EntryState.PENDING
    """Where this job is in its lifecycle."""
    kind: str = ANALYSIS
    """``"analysis"`` or ``"task"``."""
    ref: int = 0
    """Batch-local handle, stable across snapshots of this job (the id comes later)."""
    request: TaskRequest | None = None
    """A task's options (mappings, resolution, ...); ``None`` for an analysis."""
    record: Analysis | Task | None = None
    """Latest record from the API; ``None`` before the submit answered."""
    job_id: str | None = None
    """The record's ``_id``, once the submit answered (kept exactly as returned)."""
    progress: float = 0.0
    """0 to 100, as last reported by the server."""
    error: str | None = None
    """Plain reason for ERROR, UNKNOWN or FAILED (or a polling problem shown meanwhile);
    never contains a credential."""
    error_code: int | None = None
    """API business code or the record's ``error_code``, when there is one."""
    submitted_at: datetime | None = None
    """When the submit answered (aware UTC)."""
    finished_at: datetime | None = None
    """When the job reached a terminal state (aware UTC)."""
    attempts: int = 0
    """Submissions made for this job (a retry that resends adds one)."""

    @property
    def is_task(self) -> bool:
        """True for a head-swap task, False for an analysis."""
        return self.kind == TASK

    @property
    def elapsed_s(self) -> float | None:
        """Seconds from submission to the end (or to now while it runs); ``None`` before."""
        if self.submitted_at is None:
            return None
        end = self.finished_at or datetime.now(timezone.utc)
        return (end - self.submitted_at).total_seconds()

    # --- an analysis ---------------------------------------------------------------------

    @property
    def analysis(self) -> Analysis | None:
        """The latest analysis record (analyses only)."""
        return self.record if isinstance(self.record, Analysis) else None

    @property
    def analysis_id(self) -> str | None:
        """The analysis ``_id`` once the submit answered (analyses only)."""
        return self.job_id if self.kind == ANALYSIS else None

    # --- a head-swap task ----------------------------------------------------------------

    @property
    def task(self) -> Task | None:
        """The latest task record (tasks only)."""
        return self.record if isinstance(self.record, Task) else None

    @property
    def task_id(self) -> str | None:
        """The task ``_id`` once the create answered (tasks only; for ``get_task``)."""
        return self.job_id if self.kind == TASK else None

    @property
    def mappings(self) -> tuple[tuple[int, str], ...]:
        """``(obj_id, face image URL)`` pairs a task sends (empty for an analysis)."""
        return (self.request or _NO_REQUEST).mappings

    @property
    def resolution(self) -> str:
        """A task's ``480p`` or ``720p``."""
        return (self.request or _NO_REQUEST).resolution

    @property
    def model_name(self) -> str:
        """A task's model."""
        return (self.request or _NO_REQUEST).model_name

    @property
    def keep_original_sound(self) -> bool:
        """Whether a task keeps the source audio."""
        return (self.request or _NO_REQUEST).keep_original_sound

    @property
    def output_url(self) -> str | None:
        """The swapped video of a completed task (links may expire, about 7 days)."""
        task = self.task
        return task.output_url if task is not None else None
