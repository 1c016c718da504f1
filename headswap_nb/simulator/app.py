"""The Starlette app: the six Akool endpoints (akool-api.md §2.1, §4, §14) and ``create_app``.

Handlers are thin: authenticate, validate (``validation.py``), act on the state
(``state.py``), render (``payloads.py``). Every error leaves as an envelope via
``RejectedRequest``; unknown paths, wrong methods and crashes get envelopes too.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from headswap_nb.simulator import payloads, validation
from headswap_nb.simulator.admin import admin_routes
from headswap_nb.simulator.config import SimulatorConfig
from headswap_nb.simulator.core import SimulatorCore
from headswap_nb.simulator.envelope import (
    RejectedRequest,
    envelope,
    json_response,
    read_json_object,
    rejected,
    unwrap,
)
from headswap_nb.simulator.jobs import Team
from headswap_nb.simulator.media_routes import media_routes
from headswap_nb.simulator.middleware import SimulatorMiddleware, hang_until_gone

__all__ = ["core_of", "create_app"]


def create_app(config: SimulatorConfig | None = None) -> Starlette:
    """The simulator as an ASGI app (for ``httpx.ASGITransport`` or any ASGI server).

    Its live state is ``core_of(app)``: keys, stats, faults, reset.
    """
    core = SimulatorCore(config or SimulatorConfig())
    routes = [
        # The polled detail routes first: the router tries routes in order, and no two
        # routes share a path, so the order changes nothing but the cost of a poll.
        Route("/api/open/v4/headswap/analyze/detail", _analysis_detail, methods=["GET"]),
        Route("/api/open/v4/headswap/task/detail", _task_detail, methods=["GET"]),
        Route("/api/open/v3/getToken", _get_token, methods=["POST"]),
        Route("/api/open/v4/headswap/analyze", _analyze, methods=["POST"]),
        Route("/api/open/v4/headswap/task/create", _task_create, methods=["POST"]),
        Route("/api/open/v3/faceswap/quota/info", _quota_info, methods=["GET"]),
        *admin_routes(),
        *media_routes(),
    ]
    app = _SimulatorApp(
        routes=routes,
        exception_handlers={
            RejectedRequest: _on_rejected,
            HTTPException: _on_http_exception,
            Exception: _on_crash,
        },
    )
    app.state.core = core
    return app


class _SimulatorApp(Starlette):
    """Starlette with ``SimulatorMiddleware`` outside even its ServerErrorMiddleware, so a
    deliberate drop or hang cuts the connection instead of turning into a 500 reply."""

    def build_middleware_stack(self) -> ASGIApp:
        return SimulatorMiddleware(super().build_middleware_stack(), core_of(self))


def core_of(app: Starlette) -> SimulatorCore:
    """The live simulator behind an app made by ``create_app``."""
    core: SimulatorCore = app.state.core
    return core


async def _get_token(request: Request) -> Response:
    body = await read_json_object(request, limit=_core(request).config.max_body_bytes)
    client_id, client_secret = unwrap(validation.check_get_token(body))
    token = _core(request).state.issue_token(client_id, client_secret)
    if token is None:
        raise RejectedRequest(1101, "Invalid clientId or clientSecret")
    return json_response({"code": 1000, "token": token})  # token at the top level (§2.1)


async def _analyze(request: Request) -> Response:
    core = _core(request)
    team = _authenticate(request)
    body = await read_json_object(request, limit=core.config.max_body_bytes)
    if isinstance(body.get("video_url"), str):
        core.stats.submission(body["video_url"])
    video_url = unwrap(validation.check_analyze(body))
    job = unwrap(core.state.submit_analysis(team, video_url))
    return envelope(1000, "Analyze success", payloads.analysis_submitted(job))


async def _quota_info(request: Request) -> Response:
    # akool-api.md §14: {"code":1000,"msg":"OK","data":{"credit":123}}; the team's balance
    # under the simulator's own pricing (billing.py).
    team = _authenticate(request)
    return envelope(1000, "OK", {"credit": _core(request).state.balance(team)})


async def _analysis_detail(request: Request) -> Response:
    core = _core(request)
    team = _authenticate(request)
    job_id = unwrap(validation.check_detail_id(_query_id(request)))
    job = core.state.analysis(team, job_id)
    if job is None:
        raise RejectedRequest(1014, "Resource not found")
    if "detail" in job.scenario.hang:
        return await _hang(request)
    data = payloads.analysis_detail(job, core.state.now(), _base_url(request))
    return envelope(1000, "OK", data)


async def _task_create(request: Request) -> Response:
    core = _core(request)
    team = _authenticate(request)
    body = await read_json_object(request, limit=core.config.max_body_bytes)
    task_request = unwrap(validation.check_task_create(body))
    job = unwrap(core.state.create_task(team, task_request))
    return envelope(1000, "OK", payloads.task_created(job))


async def _task_detail(request: Request) -> Response:
    core = _core(request)
    team = _authenticate(request)
    job_id = unwrap(validation.check_detail_id(_query_id(request)))
    job = core.state.task(team, job_id)
    if job is None:
        raise RejectedRequest(1014, "Resource not found")
    if job.hangs:
        return await _hang(request)
    data = payloads.task_detail(job, core.state.now(), _base_url(request))
    return envelope(1000, "OK", data)


def _core(request: Request) -> SimulatorCore:
    core: SimulatorCore = request.app.state.core
    return core


def _query_id(request: Request) -> str | None:
    """``request.query_params.get("_id")``, without building the multidict for the plain
    ``_id=<hex>`` a poll sends. Anything with ``&``, ``%`` or ``+`` takes Starlette's path."""
    raw: bytes = request.scope["query_string"]
    if b"&" in raw or b"%" in raw or b"+" in raw:
        return request.query_params.get("_id")
    name, _, value = raw.decode("latin-1").partition("=")
    return value if name == "_id" else None


def _authenticate(request: Request) -> Team:
    headers = request.headers
    team: Team = unwrap(
        _core(request).state.authenticate(headers.get("x-api-key"), headers.get("authorization"))
    )
    return team


def _base_url(request: Request) -> str:
    # Built from the Host header (cheaper than request.base_url on the polling hot path),
    # so media URLs point back at whatever address the client used: socket or ASGITransport.
    scope = request.scope
    host = request.headers.get("host")
    if host is None:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}".rstrip("/")


async def _hang(request: Request) -> Response:
    # A URL with hang=detail: accept and never answer. If the client has left, this reply goes
    # nowhere; if the server stops or hang_seconds pass first, it looks like a gateway timeout.
    await hang_until_gone(_core(request), request.receive)
    return envelope(2001, "Gateway Timeout", status=504, has_data=False)


async def _on_rejected(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RejectedRequest)
    return rejected(exc)


async def _on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return envelope(1014, "Not found", status=404, has_data=False)
    if exc.status_code == 405:
        response = envelope(1003, "Method not allowed", status=405, has_data=False)
        if exc.headers and "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    return envelope(1003, str(exc.detail), status=exc.status_code, has_data=False)


async def _on_crash(request: Request, exc: Exception) -> Response:
    return envelope(2001, "Server error", status=500, has_data=False)
