"""The simulator's memory: teams, credits, tokens, analyses and tasks, on an injectable clock.

No I/O and no asyncio: the HTTP layer calls these methods and renders what they return.
Simulated time is ``(clock() - start) * speed`` seconds; ``create_time`` is the wall-clock
anchor ``epoch_ms`` plus simulated time, so ids and timestamps advance with the simulation.
A lock guards every mutation because the notebook thread (``Simulator.stats()``,
``add_team()``) and the server thread share one instance.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from headswap_nb.simulator.billing import ANALYSIS_COST, INSUFFICIENT_CREDIT, Ledger, task_lock
from headswap_nb.simulator.ids import ObjectIdMinter
from headswap_nb.simulator.jobs import (
    COMPLETED,
    AnalysisJob,
    FaceMapping,
    TaskJob,
    Team,
    job_view,
    times_for,
)
from headswap_nb.simulator.profiles import Profile
from headswap_nb.simulator.rejection import Rejection
from headswap_nb.simulator.scenarios import scenario_for
from headswap_nb.simulator.teams import TeamRegistry

__all__ = ["Rejection", "SimState", "TaskRequest"]

_PRIORITY = 9  # akool-api.md §4.4 example; its meaning is undocumented


@dataclass(frozen=True)
class TaskRequest:
    """A task/create body that passed structural validation."""

    video_url: str
    mappings: tuple[FaceMapping, ...]
    resolution: str
    model_name: str
    keep_original_sound: bool
    template_id: str | None
    webhook_url: str | None


class SimState:
    """All mutable simulator state behind one lock."""

    def __init__(
        self,
        *,
        seed: int,
        speed: float,
        clock: Callable[[], float] = time.monotonic,
        epoch_ms: int | None = None,
        credits: int,
        profile: Profile | None = None,
        token_ttl_seconds: int,
    ) -> None:
        self.seed = seed
        self.speed = speed
        self.profile = profile
        self._clock = clock
        self._start = clock()
        self._epoch_ms = int(time.time() * 1000) if epoch_ms is None else epoch_ms
        self._credits_default = credits
        self._lock = threading.Lock()
        self._teams = TeamRegistry(
            seed=seed, epoch_ms=self._epoch_ms, token_ttl_seconds=token_ttl_seconds
        )
        self._analysis_ids = ObjectIdMinter(seed=seed, label="analysis-records")
        self._task_ids = ObjectIdMinter(seed=seed, label="task-records")
        self._worker_ids = ObjectIdMinter(seed=seed, label="workers")
        self.teams_by_key: dict[str, Team] = self._teams.by_key
        """Every team by its API key (read-only outside ``TeamRegistry``)."""
        self._ledger = Ledger()
        self.analyses: dict[str, AnalysisJob] = {}
        self.tasks: dict[str, TaskJob] = {}
        self._by_url: dict[tuple[str, str], list[AnalysisJob]] = {}

    # -- time ---------------------------------------------------------------------------
    def now(self) -> float:
        """Simulated seconds since the simulator started."""
        return (self._clock() - self._start) * self.speed

    def wall_ms(self, now: float) -> int:
        """Epoch milliseconds at simulated instant ``now``."""
        return self._epoch_ms + int(now * 1000)

    # -- teams and auth -----------------------------------------------------------------
    def add_team(self, *, api_key: str, credits: int | None = None) -> Team:
        """Register ``api_key`` as its own team (idempotent for a known key)."""
        with self._lock:
            team, new = self._teams.add(api_key)
            if new:
                self._ledger.open(
                    team.team_id, self._credits_default if credits is None else credits
                )
            return team

    def balance(self, team: Team) -> int:
        """The team's credits now (``billing.py`` has the rule)."""
        with self._lock:
            return self._ledger.balance(team.team_id, self.now())

    def issue_token(self, client_id: str, client_secret: str) -> str | None:
        """A token for the team whose key is ``client_secret`` and client id ``client_id``."""
        now_unix = self.wall_ms(self.now()) // 1000
        return self._teams.issue_token(client_id, client_secret, now_unix=now_unix)

    def authenticate(self, api_key: str | None, authorization: str | None) -> Team | Rejection:
        """The team behind the request headers (``teams.py``)."""
        now_unix = self.wall_ms(self.now()) / 1000
        return self._teams.authenticate(api_key, authorization, now_unix=now_unix)

    # -- analyses -----------------------------------------------------------------------
    def submit_analysis(self, team: Team, video_url: str) -> AnalysisJob | Rejection:
        """Create an analysis of ``video_url`` for ``team``, paid from its credits."""
        scenario = scenario_for(video_url, seed=self.seed, profile=self.profile)
        with self._lock:
            now = self.now()
            if not self._ledger.charge(team.team_id, ANALYSIS_COST, now):
                return Rejection(*INSUFFICIENT_CREDIT)
            create_time = self.wall_ms(now)
            job = AnalysisJob(
                id=self._analysis_ids.mint(create_time // 1000),
                task_id=self._worker_ids.mint(create_time // 1000),
                team=team,
                video_url=video_url,
                create_time=create_time,
                scenario=scenario,
                times=times_for(scenario.analysis, now),
            )
            self.analyses[job.id] = job
            self._by_url.setdefault((team.team_id, video_url), []).append(job)
            return job

    def analysis(self, team: Team, analysis_id: str) -> AnalysisJob | None:
        """The team's analysis with this id; None for unknown and foreign ids alike."""
        job = self.analyses.get(analysis_id)
        return job if job is not None and job.team.team_id == team.team_id else None

    def task(self, team: Team, task_id: str) -> TaskJob | None:
        """The team's task with this id; None for unknown and foreign ids alike."""
        job = self.tasks.get(task_id)
        return job if job is not None and job.team.team_id == team.team_id else None

    def another_job(
        self, team_id: str, *, not_id: str, tasks_first: bool, draw: float
    ) -> AnalysisJob | TaskJob | None:
        """One of the team's latest jobs other than ``not_id``, preferring tasks or analyses
        (for the ``mismatched_id`` fault); None when the team has no other job."""
        with self._lock:
            # Newest first and lazily: with one team this looks at a handful of jobs, not at
            # all of them (it runs on a polled path while the fault is on).
            tasks: Iterator[AnalysisJob | TaskJob] = reversed(self.tasks.values())
            analyses: Iterator[AnalysisJob | TaskJob] = reversed(self.analyses.values())
            for newest in (tasks, analyses) if tasks_first else (analyses, tasks):
                others = (j for j in newest if j.team.team_id == team_id and j.id != not_id)
                found = list(itertools.islice(others, 8))
                if found:
                    return found[min(len(found) - 1, int(draw * len(found)))]
        return None

    # -- tasks --------------------------------------------------------------------------
    def create_task(self, team: Team, request: TaskRequest) -> TaskJob | Rejection:
        """Link ``request`` to the team's analysis of the identical URL and start a task."""
        with self._lock:
            now = self.now()
            analysis = self._completed_analysis(team, request.video_url, now)
            if isinstance(analysis, Rejection):
                return analysis
            people = analysis.scenario.people
            for mapping in request.mappings:
                if not 0 <= mapping.obj_id < people:
                    return Rejection(
                        1003,
                        f"obj_id {mapping.obj_id} is not in the analysis media "
                        f"({people} people detected).",
                    )
            duration = analysis.scenario.duration_seconds
            lock = task_lock(duration)
            if not self._ledger.charge(team.team_id, lock, now):
                return Rejection(*INSUFFICIENT_CREDIT)
            create_time = self.wall_ms(now)
            plan = analysis.scenario.task
            job = TaskJob(
                id=self._task_ids.mint(create_time // 1000),
                task_id=self._worker_ids.mint(create_time // 1000),
                team=team,
                video_url=request.video_url,
                analysis_id=analysis.id,
                mappings=request.mappings,
                resolution=request.resolution,
                model_name=request.model_name,
                keep_original_sound=request.keep_original_sound,
                template_id=request.template_id,
                webhook_url=request.webhook_url,
                create_time=create_time,
                plan=plan,
                times=times_for(plan, now),
                video_duration=duration,
                deduction_lock_duration=lock,
                # Reproduces the §4.4 example (10 s → 15); its meaning is [UNCONFIRMED]
                # (akool-api.md §12.5) and the simulator's credits never use it.
                deduction_duration=math.ceil(duration * 1.5),
                priority=_PRIORITY,
                hangs="task" in analysis.scenario.hang,
            )
            self.tasks[job.id] = job
            if plan.error_code is not None:
                self._ledger.refund_at(team.team_id, lock, job.times.finished_at)
            return job

    def _completed_analysis(
        self, team: Team, video_url: str, now: float
    ) -> AnalysisJob | Rejection:
        # [UNCONFIRMED] (akool-api.md §12.9): with several analyses of one URL, the most recent
        # *completed* one is used, so a newer re-analysis still running does not block a task.
        candidates = self._by_url.get((team.team_id, video_url), [])
        for job in reversed(candidates):
            if job_view(job.scenario.analysis, job.times, now).status == COMPLETED:
                return job
        if not candidates:
            return Rejection(
                1003, "No analysis of this video_url; call analyze with the identical URL first."
            )
        latest = job_view(candidates[-1].scenario.analysis, candidates[-1].times, now)
        return Rejection(
            1003, f"The analysis of this video_url has not completed (status {latest.status})."
        )

    def reset(self) -> None:
        """Forget every job and restore each team's credits; teams, keys and tokens stay."""
        with self._lock:
            self.analyses.clear()
            self.tasks.clear()
            self._by_url.clear()
            self._ledger.reset()
