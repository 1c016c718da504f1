"""Admin routes under ``/_sim/`` (media routes are in ``media_routes.py``).

They answer plain JSON (they are not part of the Akool contract) and need no credentials:
the simulator binds to loopback. They never reveal an API key or a token.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from headswap_nb.simulator.core import SimulatorCore
from headswap_nb.simulator.envelope import RejectedRequest, json_response, read_json_object
from headswap_nb.simulator.faults import FaultConfig

__all__ = ["admin_routes"]


def admin_routes() -> list[Route]:
    """Every ``/_sim/`` admin route."""
    return [
        Route("/_sim/health", _health, methods=["GET"]),
        Route("/_sim/stats", _stats, methods=["GET"]),
        Route("/_sim/reset", _reset, methods=["POST"]),
        Route("/_sim/faults", _faults, methods=["GET", "POST"]),
        Route("/_sim/jobs/{job_id}", _job, methods=["GET"]),
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
