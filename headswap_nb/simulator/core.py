"""One simulator instance: state, faults and counters, shared by the app and the handle.

Both the ASGI app (server thread) and the ``Simulator`` handle (notebook thread) talk to this
object; it is the only thing ``/_sim/`` admin routes and handle methods touch.
"""

from __future__ import annotations

import secrets
from collections import Counter
from typing import Any

from headswap_nb.simulator.config import SimulatorConfig
from headswap_nb.simulator.faults import FaultConfig, FaultInjector
from headswap_nb.simulator.jobs import JobTimes
from headswap_nb.simulator.scenarios import JobPlan
from headswap_nb.simulator.state import SimState
from headswap_nb.simulator.stats import Stats

__all__ = ["SimulatorCore"]


class SimulatorCore:
    """The live parts of a simulator built from a ``SimulatorConfig``."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.state = SimState(
            seed=config.seed,
            speed=config.speed,
            clock=config.clock,
            epoch_ms=config.epoch_ms,
            credits=config.credits,
            profile=config.profile,
            token_ttl_seconds=config.token_ttl_seconds,
        )
        self.faults = FaultInjector(config.faults)
        self.stats = Stats()
        self.stopping = False
        """Set when the server shuts down, so hanging requests let go."""
        self.primary_team = self.state.add_team(api_key=config.api_key or secrets.token_urlsafe(24))

    @property
    def api_key(self) -> str:
        """Key of the first team (``x-api-key``; also its ``clientSecret``)."""
        return self.primary_team.api_key

    @property
    def client_id(self) -> str:
        """The ``clientId`` paired with ``api_key`` for getToken."""
        return self.primary_team.client_id

    def add_team(self, *, api_key: str, credits: int | None = None) -> str:
        """Register another key as its own team; returns that team's client id."""
        if not api_key or api_key != api_key.strip():
            raise ValueError("api_key must be a non-empty string without surrounding spaces")
        return self.state.add_team(api_key=api_key, credits=credits).client_id

    def set_faults(self, faults: FaultConfig) -> None:
        """Replace the fault settings (and restart their RNG)."""
        self.faults.set(faults)

    def reset(self) -> None:
        """Forget jobs and counters, restore credits; keys, teams and faults stay."""
        self.state.reset()
        self.stats.reset()

    def snapshot(self) -> dict[str, Any]:
        """The ``/_sim/stats`` document. Never contains an API key or token."""
        state = self.state
        analyses = list(state.analyses.values())
        tasks = list(state.tasks.values())
        out = self.stats.snapshot()
        out["now"] = state.now()
        out["speed"] = state.speed
        out["analyses_per_url"] = dict(Counter(job.video_url for job in analyses))
        out["analyses"] = [
            {"_id": j.id, "video_url": j.video_url, "team_id": j.team.team_id, "task_id": j.task_id}
            for j in analyses
        ]
        out["tasks_per_url"] = dict(Counter(job.video_url for job in tasks))
        out["tasks"] = [
            {
                "_id": j.id,
                "video_url": j.video_url,
                "team_id": j.team.team_id,
                "analysis_id": j.analysis_id,
            }
            for j in tasks
        ]
        out["teams"] = [
            {
                "team_id": t.team_id,
                "client_id": t.client_id,
                "uid": t.uid,
                "credits": state.balance(t),
            }
            for t in list(state.teams_by_key.values())
        ]
        return out

    def job_schedule(self, job_id: str) -> dict[str, Any] | None:
        """The ``/_sim/jobs/{id}`` document: a job's schedule in simulated seconds."""
        analysis = self.state.analyses.get(job_id)
        if analysis is not None:
            return self._schedule(
                job_id,
                "analysis",
                analysis.video_url,
                analysis.team.team_id,
                analysis.scenario.analysis,
                analysis.times,
            )
        task = self.state.tasks.get(job_id)
        if task is not None:
            return self._schedule(
                job_id, "task", task.video_url, task.team.team_id, task.plan, task.times
            )
        return None

    def _schedule(
        self, job_id: str, kind: str, video_url: str, team_id: str, plan: JobPlan, times: JobTimes
    ) -> dict[str, Any]:
        return {
            "_id": job_id,
            "kind": kind,
            "video_url": video_url,
            "team_id": team_id,
            "created_at": times.created_at,
            "started_at": times.started_at,
            "finished_at": times.finished_at,
            "profile": plan.profile.value,
            "outcome": "completed" if plan.error_code is None else "failed",
            "error_code": plan.error_code,
            "now": self.state.now(),
            "speed": self.state.speed,
        }
