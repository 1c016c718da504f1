"""Routes under ``/_sim/media/``: the simulator's stand-in for Akool's CDN and for the
public hosts source videos live on.

Like a CDN they need no credentials and are never faulted. Every MP4 (the task output and
the source clips of ``videos.py``) goes through ``ranged_mp4`` so a browser ``<video>`` can
seek (HTTP Range: 206, Content-Range, 416).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from headswap_nb.simulator import media, videos
from headswap_nb.simulator.core import SimulatorCore
from headswap_nb.simulator.envelope import RejectedRequest, json_response
from headswap_nb.simulator.jobs import COMPLETED, job_view

__all__ = ["media_routes", "ranged_mp4"]

_MAX_FACES = 100
_CACHE = "public, max-age=3600"


def media_routes() -> list[Route]:
    """Every ``/_sim/media/`` route."""
    return [
        Route("/_sim/media/preview/{analysis_id}/{obj_id:int}.png", _preview, methods=["GET"]),
        Route("/_sim/media/faces/{number:int}.png", _face, methods=["GET"]),
        Route("/_sim/media/output/{task_id}.mp4", _output, methods=["GET"]),
        Route(videos.VIDEOS_PATH, _video_index, methods=["GET"]),
        Route(videos.VIDEOS_PATH.rstrip("/"), _video_index, methods=["GET"]),  # no redirect
        Route(videos.VIDEOS_PATH + "{name}", _video, methods=["GET"]),
    ]


def ranged_mp4(request: Request, video: bytes) -> Response:
    """``video`` whole (200) or the one byte range the request asks for (206 or 416)."""
    size = len(video)
    headers = {"Accept-Ranges": "bytes", "Cache-Control": _CACHE}
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


def _core(request: Request) -> SimulatorCore:
    core: SimulatorCore = request.app.state.core
    return core


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
    return ranged_mp4(request, media.output_video())


async def _video_index(request: Request) -> Response:
    base = str(request.base_url).rstrip("/")
    return json_response(
        {
            "videos": [
                {
                    "name": clip.name,
                    "duration": clip.duration_seconds,
                    "width": clip.width,
                    "height": clip.height,
                    "fps": clip.fps,
                    "frame_count": clip.frame_count,
                    "bytes": len(videos.clip_bytes(clip)),
                    "path": clip.path,
                    "url": base + clip.path,
                }
                for clip in videos.SOURCE_CLIPS
            ]
        }
    )


async def _video(request: Request) -> Response:
    clip = videos.clip_named(request.path_params["name"])
    if clip is None:
        raise RejectedRequest(1014, "Resource not found", status=404)
    return ranged_mp4(request, videos.clip_bytes(clip))


def _png(data: bytes) -> Response:
    return Response(data, media_type="image/png", headers={"Cache-Control": _CACHE})
