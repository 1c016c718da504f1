"""Raw ASGI layer around the app: request counters, fault injection and a crash guard.

Written as plain ASGI (not ``BaseHTTPMiddleware``) because a dropped connection needs control
of the exact messages sent, and because the hot polling path must stay cheap: without faults a
request costs two counter updates and one dict lookup here. See ``faults.py`` for what each
fault does and when.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from headswap_nb.simulator import tamper
from headswap_nb.simulator.core import SimulatorCore
from headswap_nb.simulator.drip import Outcome, drip_body, drip_headers
from headswap_nb.simulator.faults import AFTER_HANDLER, FaultKind

__all__ = ["ENDPOINTS", "SimulatedDrop", "SimulatorMiddleware", "hang_until_gone"]

ENDPOINTS: dict[str, tuple[str, bool | None]] = {
    "/api/open/v3/getToken": ("get_token", None),  # None: never faulted
    "/api/open/v4/headswap/analyze": ("analyze", True),
    "/api/open/v4/headswap/analyze/detail": ("analyze_detail", False),
    "/api/open/v4/headswap/task/create": ("task_create", True),
    "/api/open/v4/headswap/task/detail": ("task_detail", False),
    "/api/open/v3/faceswap/quota/info": ("quota_info", False),
}
"""Path → (stats name, is_submit) for the Akool endpoints."""
_DETAILS = frozenset({"analyze_detail", "task_detail"})

_logger = logging.getLogger("headswap_nb.simulator")
_BAD_GATEWAY_HTML = (
    "<html><head><title>{status} {reason}</title></head><body><center><h1>{status} {reason}"
    "</h1></center><hr><center>nginx</center></body></html>"
)
_REASONS = {502: "Bad Gateway", 503: "Service Temporarily Unavailable"}
_THROTTLED = {"code": 1005, "msg": "Requests are being made too frequently"}
_NO_ACCOUNT = {"code": 1109, "msg": "account not exist"}  # wording of akool-api.md §14


class SimulatedDrop(httpx.RemoteProtocolError):
    """Raised to cut a connection on purpose; uvicorn then closes the socket mid-response.

    It subclasses httpx's ``RemoteProtocolError`` so that over ``httpx.ASGITransport`` (which
    re-raises app exceptions) a client sees the same error class as over a real socket. Its
    log records are filtered out (``server.py``) so deliberate drops stay quiet.
    """


class SimulatorMiddleware:
    """Counts requests, injects faults into Akool endpoints and turns crashes into 2001."""

    def __init__(self, app: ASGIApp, core: SimulatorCore) -> None:
        self.app = app
        self.core = core

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        endpoint = ENDPOINTS.get(path)
        name, is_submit = (_other_name(path), None) if endpoint is None else endpoint
        stats = self.core.stats
        stats.started(name)
        try:
            fault = (
                None
                if is_submit is None
                else self.core.faults.pick(is_submit=is_submit, is_detail=name in _DETAILS)
            )
            if fault is None:
                await self._guarded(scope, receive, send)
                return
            stats.fault(fault.value)
            if fault not in AFTER_HANDLER:
                await self._reply_instead(fault, send)
                return
            messages: list[Message] = []

            async def capture(message: Message) -> None:
                messages.append(message)

            await self._guarded(scope, receive, capture)
            await self._deliver_faulty(fault, messages, scope, receive, send)
        finally:
            stats.finished(name)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except SimulatedDrop:
            raise
        except Exception:
            # Starlette has already answered with the 2001 envelope and re-raised; answer
            # here only if it could not. Never log headers: they carry credentials.
            _logger.exception("simulator handler crashed on %s", scope.get("path"))
            if not started:
                body = {"code": 2001, "msg": "Server error"}
                await _send_json(send, 500, body, [])

    async def _reply_instead(self, fault: FaultKind, send: Send) -> None:
        faults = self.core.faults
        if fault is FaultKind.THROTTLE_CODE:
            await _send_json(send, 200, _THROTTLED, [])
        elif fault is FaultKind.THROTTLE_HTTP:
            retry_after = str(faults.config.retry_after_seconds).encode()
            await _send_json(send, 429, _THROTTLED, [(b"retry-after", retry_after)])
        elif fault is FaultKind.ABSURD_RETRY_AFTER:
            status = 429 if faults.coin() < 0.5 else 200
            value = tamper.absurd_retry_after(faults.coin(), now_unix=time.time())
            await _send_json(send, status, _THROTTLED, [(b"retry-after", value.encode("latin-1"))])
        elif fault is FaultKind.ACCOUNT_NOT_EXIST:
            await _send_json(send, 200, _NO_ACCOUNT, [])
        else:
            status = 502 if self.core.faults.coin() < 0.5 else 503
            if self.core.faults.coin() < 0.5:
                await _send_json(send, status, {"code": 2001, "msg": _REASONS[status]}, [])
            else:
                page = _BAD_GATEWAY_HTML.format(status=status, reason=_REASONS[status])
                await _send(send, status, page.encode(), b"text/html", [])

    async def _deliver_faulty(
        self, fault: FaultKind, messages: list[Message], scope: Scope, receive: Receive, send: Send
    ) -> None:
        start = next((m for m in messages if m["type"] == "http.response.start"), None)
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        if start is not None and fault in _REWRITES:
            rewritten = self._rewrite(fault, body, scope)
            start, body = _with_length(start, len(rewritten)), rewritten
            messages = [start, {"type": "http.response.body", "body": body}]
        if start is not None and fault in (FaultKind.DRIP_BODY, FaultKind.DRIP_HEADERS):
            drip = drip_body if fault is FaultKind.DRIP_BODY else drip_headers
            outcome = await drip(
                start,
                body,
                send,
                receive,
                interval=self.core.faults.config.drip_interval,
                stopping=lambda: self.core.stopping,
            )
            if outcome is Outcome.STOPPED:
                raise SimulatedDrop("dripping reply cut: the server is stopping")
            return
        if fault is FaultKind.SLOW:
            await asyncio.sleep(self.core.faults.config.slow_seconds)
        elif fault is FaultKind.HANG:
            await hang_until_gone(self.core, receive)
            if start is not None:
                # Headers first, so uvicorn cuts the connection instead of sending its own 500.
                await send(start)
            raise SimulatedDrop("hanging request released")
        elif fault is FaultKind.MALFORMED:
            if self.core.faults.coin() < 0.5:
                await _send(send, 200, body[: len(body) // 2], b"application/json", [])
            else:
                page = b"<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>"
                await _send(send, 200, page, b"text/html", [])
            return
        elif fault is FaultKind.DROP and start is not None:
            await send(start)  # announces the full Content-Length ...
            await send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
            raise SimulatedDrop("connection dropped on purpose")  # ... and never delivers it
        for message in messages:
            await send(message)

    def _rewrite(self, fault: FaultKind, body: bytes, scope: Scope) -> bytes:
        if fault is FaultKind.ECHO_CREDENTIAL:
            credential = tamper.credential_of(scope.get("headers", []))
            return body if credential is None else tamper.echo_credential(body, credential)
        try:  # MISMATCHED_ID: whose record is this? The reply itself says which team.
            data = json.loads(body)["data"]
            job_id, team_id = str(data["_id"]), str(data["team_id"])
        except (ValueError, KeyError, TypeError):
            return body  # an error envelope: no record to mix up
        faults = self.core.faults
        other = self.core.state.another_job(
            team_id,
            not_id=job_id,
            tasks_first=scope["path"].endswith("/task/detail"),
            draw=faults.coin(),
        )
        if other is None:  # a fresh id with a plausible timestamp prefix
            return tamper.with_identity(body, {"_id": job_id[:8] + faults.hex_digits(16)})
        return tamper.with_identity(body, tamper.identity_of(other, whole=faults.coin() < 0.5))


_REWRITES = frozenset({FaultKind.ECHO_CREDENTIAL, FaultKind.MISMATCHED_ID})


async def hang_until_gone(core: SimulatorCore, receive: Receive) -> None:
    """Wait without answering until the client disconnects, the server stops or
    ``hang_seconds`` pass."""

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    watcher = asyncio.ensure_future(disconnected())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + core.faults.config.hang_seconds
    try:
        while not watcher.done() and not core.stopping and loop.time() < deadline:
            await asyncio.sleep(0.05)
    finally:
        watcher.cancel()


def _other_name(path: str) -> str:
    if path.startswith("/_sim/media/"):
        return "media"
    return "admin" if path.startswith("/_sim/") else "unknown"


def _with_length(start: Message, length: int) -> Message:
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    return {**start, "headers": [*headers, (b"content-length", str(length).encode())]}


async def _send_json(
    send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]
) -> None:
    payload = json.dumps(body, separators=(",", ":")).encode()
    await _send(send, status, payload, b"application/json", headers)


async def _send(
    send: Send, status: int, body: bytes, content_type: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    all_headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        *headers,
    ]
    await send({"type": "http.response.start", "status": status, "headers": all_headers})
    await send({"type": "http.response.body", "body": body})
