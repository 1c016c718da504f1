"""Job records and their status at an instant: pure values and pure functions.

A job's whole life is fixed when it is created (a ``JobPlan`` from the scenario plus the
creation instant), so its status, progress and outcome at any simulated instant are a pure
function of (plan, times, now). Nothing ticks in the background.
"""

from __future__ import annotations

from dataclasses import dataclass

from headswap_nb.simulator.profiles import progress_at
from headswap_nb.simulator.scenarios import JobPlan, Scenario

__all__ = [
    "AnalysisJob",
    "FaceMapping",
    "JobTimes",
    "JobView",
    "TaskJob",
    "Team",
    "job_view",
    "times_for",
]

QUEUED, PROCESSING, COMPLETED, FAILED = 1, 2, 3, 4
_FAILURE_POINT = 0.6


@dataclass(frozen=True)
class Team:
    """One API key's tenant (akool-api.md §1: each team sees only its own resources)."""

    api_key: str
    client_id: str
    """The legacy ``clientId`` paired with the key (the key is the ``clientSecret``)."""
    team_id: str
    user_id: str
    """The ``id`` claim of this team's tokens."""
    uid: int


@dataclass(frozen=True)
class JobTimes:
    """A job's schedule in simulated seconds since the simulator started."""

    created_at: float
    started_at: float
    """Leaves the queue (status 1 → 2)."""
    finished_at: float
    """Reaches status 3 or 4."""


@dataclass(frozen=True)
class JobView:
    """What a detail request shows at one instant."""

    status: int
    progress: int
    error_code: int | None
    error_reason: str | None


@dataclass(frozen=True)
class AnalysisJob:
    """An analysis as the simulator remembers it."""

    id: str
    task_id: str
    team: Team
    video_url: str
    create_time: int
    """Milliseconds since the epoch (akool-api.md §3)."""
    scenario: Scenario
    times: JobTimes


@dataclass(frozen=True)
class FaceMapping:
    """One ``mappings[]`` entry of a task request."""

    obj_id: int
    img_url: str


@dataclass(frozen=True)
class TaskJob:
    """A head-swap task as the simulator remembers it."""

    id: str
    task_id: str
    team: Team
    video_url: str
    """The source URL (``source_video_url`` in task/detail)."""
    analysis_id: str
    mappings: tuple[FaceMapping, ...]
    resolution: str
    model_name: str
    keep_original_sound: bool
    template_id: str | None
    webhook_url: str | None
    create_time: int
    plan: JobPlan
    times: JobTimes
    video_duration: float
    deduction_lock_duration: int
    deduction_duration: int
    priority: int
    hangs: bool
    """True when the URL's ``hang=task`` hint makes task/detail never answer."""


def times_for(plan: JobPlan, created_at: float) -> JobTimes:
    """The schedule of a job created at ``created_at`` that follows ``plan``."""
    started = created_at + plan.queue_seconds
    return JobTimes(created_at, started, started + plan.processing_seconds)


def job_view(plan: JobPlan, times: JobTimes, now: float) -> JobView:
    """Status and progress of a job at simulated instant ``now``.

    Progress never shows 100 before the job is done, so ``progress == 100`` always means
    status 3. A failed job keeps the progress it had reached [UNCONFIRMED: the failed payload
    is undocumented (akool-api.md §4.4); keeping the last value is the least surprising].
    """
    if now < times.started_at:
        return JobView(QUEUED, 0, None, None)
    # A failing job runs only part of its curve: its processing time already ends where it
    # breaks, so the curve is squeezed into the first _FAILURE_POINT of its shape.
    reach = 1.0 if plan.error_code is None else _FAILURE_POINT
    if now < times.finished_at:
        fraction = (now - times.started_at) / (times.finished_at - times.started_at)
        progress = progress_at(plan.profile, fraction * reach, variant=plan.variant)
        return JobView(PROCESSING, min(99, int(progress)), None, None)
    if plan.error_code is None:
        return JobView(COMPLETED, 100, None, None)
    progress = progress_at(plan.profile, reach, variant=plan.variant)
    return JobView(FAILED, min(99, int(progress)), plan.error_code, plan.error_reason)
