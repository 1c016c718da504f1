"""Routes outside the Akool paths, under ``/_sim/``: admin documents and served media.

Admin routes answer plain JSON (they are not part of the Akool contract) and need no
credentials: the simulator binds to loopback. They never reveal an API key or a token.
Media routes stand in for Akool's CDN, which needs no credentials either.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from headswap_nb.simulator import media
from headswap_nb.simulator.core import SimulatorCore
from headswap_nb.simulator.envelope import RejectedRequest, json_response, read_json_object
from headswap_nb.simulator.faults import FaultConfig
from headswap_nb.simulator.jobs import COMPLETED, job_view

__all__ = ["admin_routes"]

_MAX_FACES = 100


def admin_routes() -> list[Route]:
    """Every ``/_sim/`` route."""
    return [
        Route("/_sim/health", _health, methods=["GET"]),
        Route("/_sim/stats", _stats, methods=["GET"]),
        Route("/_sim/reset", _reset, methods=["POST"]),
        Route("/_sim/faults", _faults, methods=["GET", "POST"]),
        Route("/_sim/jobs/{job_id}", _job, methods=["GET"]),
        Route("/_sim/media/preview/{analysis_id}/{obj_id:int}.png", _preview, methods=["GET"]),
        Route("/_sim/media/faces/{number:int}.png", _face, methods=["GET"]),
        Route("/_sim/media/output/{task_id}.mp4", _output, methods=["GET"]),
    ]


def _core(request: Request) -> SimulatorCore:
    core: SimulatorCore = request.app.state.core
    return core


async def _health(request: Request) -> Response:
    state = _core(request).state
    return json_response({"status": "ok", "now": state.now(), "speed": state.speed})


async def _stats(request: Request) -> Response:
    return json_response(_core(request).snapshot())


async def _reset(request: Request) -> Response:
    _core(request).reset()
    return json_response({"reset": True})


async def _faults(request: Request) -> Response:
    core = _core(request)
    if request.method == "POST":
        body = await read_json_object(request, limit=core.config.max_body_bytes)
        try:
            core.set_faults(FaultConfig.from_dict(body))
        except (ValueError, TypeError) as exc:
            raise RejectedRequest(1003, str(exc), status=400) from None
    return json_response(core.faults.config.to_dict())


async def _job(request: Request) -> Response:
    schedule = _core(request).job_schedule(request.path_params["job_id"])
    if schedule is None:
        raise RejectedRequest(1014, "Resource not found", status=404)
    return json_response(schedule)


async def _preview(request: Request) -> Response:
    analysis_id: str = request.path_params["analysis_id"]
    obj_id: int = request.path_params["obj_id"]
    job = _core(request).state.analyses.get(analysis_id)
    if job is None or not 0 <= obj_id < job.scenario.people:
        raise RejectedRequest(1014, "Resource not found", status=404)
    return _png(media.preview_png(analysis_id, obj_id))


async def _face(request: Request) -> Response:
    number: int = request.path_params["number"]
    if not 0 <= number < _MAX_FACES:
        raise RejectedRequest(1014, "Resource not found", status=404)
    return _png(media.face_png(number))


async def _output(request: Request) -> Response:
    state = _core(request).state
    job = state.tasks.get(request.path_params["task_id"])
    if job is None or job_view(job.plan, job.times, state.now()).status != COMPLETED:
        raise RejectedRequest(1014, "Resource not found", status=404)
    video = media.output_video()
    size = len(video)
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "public, max-age=3600"}
    wanted = media.parse_range(request.headers.get("range"), size)
    if wanted == media.UNSATISFIABLE:
        headers["Content-Range"] = f"bytes */{size}"
        return Response(b"", status_code=416, headers=headers)
    if wanted is None:
        return Response(video, media_type="video/mp4", headers=headers)
    first, last = wanted
    headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    return Response(
        video[first : last + 1], status_code=206, media_type="video/mp4", headers=headers
    )


def _png(data: bytes) -> Response:
    return Response(data, media_type="image/png", headers={"Cache-Control": "public, max-age=3600"})
