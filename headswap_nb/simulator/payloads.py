"""Pure rendering of job records into the documented ``data`` objects (akool-api.md §4).

Key order and key sets follow the published examples exactly: the analyze submit record has
no ``analysis_result``/``error_reason``/``error_code`` keys; the detail adds them; task
create shows ``video_url: null``; task detail renames the input to ``source_video_url``.
"""

from __future__ import annotations

from typing import Any

from headswap_nb.simulator.jobs import COMPLETED, FAILED, AnalysisJob, TaskJob, job_view

__all__ = [
    "analysis_detail",
    "analysis_submitted",
    "output_video_url",
    "preview_url",
    "task_created",
    "task_detail",
]


def preview_url(base_url: str, analysis_id: str, obj_id: int) -> str:
    """Where the simulator serves a detected person's preview crop."""
    return f"{base_url}/_sim/media/preview/{analysis_id}/{obj_id}.png"


def output_video_url(base_url: str, task_id: str) -> str:
    """Where the simulator serves a completed task's output video."""
    return f"{base_url}/_sim/media/output/{task_id}.mp4"


def analysis_submitted(job: AnalysisJob) -> dict[str, Any]:
    """``data`` of the analyze response, exactly the example's keys (§4.1)."""
    return {
        "_id": job.id,
        "create_time": job.create_time,
        "uid": job.team.uid,
        "team_id": job.team.team_id,
        "video_url": job.video_url,
        "type": "head",
        "status": 1,
        "task_id": job.task_id,
        "progress": 0,
    }


def analysis_detail(job: AnalysisJob, now: float, base_url: str) -> dict[str, Any]:
    """``data`` of analyze/detail at simulated instant ``now`` (§4.2)."""
    view = job_view(job.scenario.analysis, job.times, now)
    result: dict[str, Any] | None = None
    if view.status == COMPLETED:
        scenario = job.scenario
        result = {
            "detected_objects": scenario.people,
            "media": [
                {
                    "media_type": "images",
                    "obj_id": obj_id,
                    "img_url": preview_url(base_url, job.id, obj_id),
                }
                for obj_id in range(scenario.people)
            ],
            "video_info": {
                "width": scenario.width,
                "height": scenario.height,
                "fps": scenario.fps,
                "frame_count": scenario.frame_count,
            },
        }
    data = analysis_submitted(job)
    del data["progress"]  # the completed example puts progress after analysis_result
    data["status"] = view.status
    data["analysis_result"] = result
    data["progress"] = view.progress
    # The completed example shows "success"/0; while running, empty text and 0
    # [UNCONFIRMED: no running or failed example is published].
    data["error_reason"] = (
        view.error_reason if view.status == FAILED else _running_reason(view.status)
    )
    data["error_code"] = view.error_code if view.error_code is not None else 0
    return data


def task_created(job: TaskJob) -> dict[str, Any]:
    """``data`` of task/create, exactly the example's keys (§4.3)."""
    return {
        "_id": job.id,
        "create_time": job.create_time,
        "uid": job.team.uid,
        "team_id": job.team.team_id,
        "video_duration": _number(job.video_duration),
        "task_id": job.task_id,
        "resolution": job.resolution,
        "status": 1,
        "deduction_lock_duration": job.deduction_lock_duration,
        "model_name": job.model_name,
        "file_name": f"Headswap_{job.create_time}.mp4",
        "video_url": None,
    }


def task_detail(job: TaskJob, now: float, base_url: str) -> dict[str, Any]:
    """``data`` of task/detail at simulated instant ``now`` (§4.4).

    ``error_reason``/``error_code`` appear only on failure, as the field table says
    ("when failed") and the completed example omits them.
    """
    view = job_view(job.plan, job.times, now)
    data: dict[str, Any] = {
        "_id": job.id,
        "uid": job.team.uid,
        "team_id": job.team.team_id,
        "source_video_url": job.video_url,
        "create_time": job.create_time,
        "status": view.status,
        "video_duration": _number(job.video_duration),
        "resolution": job.resolution,
        "deduction_duration": job.deduction_duration,
        "video_url": output_video_url(base_url, job.id) if view.status == COMPLETED else None,
        "progress": view.progress,
        "priority": job.priority,
        "task_id": job.task_id,
        "file_name": f"Headswap_{job.create_time}.mp4",
        "model_name": job.model_name,
    }
    if view.status == FAILED:
        data["error_reason"] = view.error_reason
        data["error_code"] = view.error_code
    return data


def _running_reason(status: int) -> str:
    return "success" if status == COMPLETED else ""


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value
