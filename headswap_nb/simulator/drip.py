"""Replies that trickle out one byte at a time: the ``drip_body`` and ``drip_headers`` faults.

Each byte resets a client's per-read timeout, so only a total deadline catches either.

``drip_body``: the real status line and headers (with the full Content-Length) at once, then
the body one byte every ``interval`` seconds, through ordinary ASGI ``send`` calls.

``drip_headers``: the status line and the headers themselves one byte at a time, then the body
at once. ASGI has no message for "part of the headers", so this writes the raw HTTP/1.1 bytes
to the connection's asyncio transport itself. uvicorn passes ``send`` as a bound method of its
per-request cycle object, which holds the transport as ``.transport`` (both the httptools and
the h11 protocols; uvloop's transport is duck-typed, it is no ``asyncio.Transport``). The raw
reply says ``Connection: close`` and the connection is closed after it, so uvicorn never
writes a reply of its own. Where no transport is reachable (``httpx.ASGITransport``, another
server) the body drips instead: the documented fallback.

Both stop as soon as the client goes away or the server stops, and never log.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, Protocol

from starlette.types import Message, Receive, Send

__all__ = ["Outcome", "drip_body", "drip_headers", "raw_transport"]

_CLOSE_WAIT_SECONDS = 1.0


class Outcome(enum.Enum):
    """How a dripped reply ended."""

    SENT = "sent"
    """Every byte went out."""
    GONE = "gone"
    """The client left, or the connection is closed already: nothing more to do."""
    STOPPED = "stopped"
    """The server is stopping and the reply is unfinished: the caller cuts the connection."""


class _Transport(Protocol):
    def write(self, data: bytes) -> None: ...
    def close(self) -> None: ...
    def is_closing(self) -> bool: ...


async def drip_body(
    start: Message,
    body: bytes,
    send: Send,
    receive: Receive,
    *,
    interval: float,
    stopping: Callable[[], bool],
) -> Outcome:
    """Send ``start`` now, then ``body`` one byte per ``interval`` seconds."""
    async with _ClientWatch(receive) as watch:
        await send(start)
        for index in range(len(body)):
            await asyncio.sleep(interval)
            if watch.gone:
                return Outcome.GONE
            if stopping():
                return Outcome.STOPPED
            last = index == len(body) - 1
            chunk = body[index : index + 1]
            await send({"type": "http.response.body", "body": chunk, "more_body": not last})
        if not body:
            await send({"type": "http.response.body", "body": b""})
        return Outcome.SENT


async def drip_headers(
    start: Message,
    body: bytes,
    send: Send,
    receive: Receive,
    *,
    interval: float,
    stopping: Callable[[], bool],
) -> Outcome:
    """The status line and headers one byte per ``interval`` seconds, then ``body``; falls
    back to ``drip_body`` where the raw connection is out of reach."""
    found = raw_transport(send)
    if found is None:
        return await drip_body(start, body, send, receive, interval=interval, stopping=stopping)
    cycle, transport = found
    head = _head(start)
    sent_all = False
    async with _ClientWatch(receive) as watch:
        try:
            for index in range(len(head)):
                await asyncio.sleep(interval)
                if watch.gone or transport.is_closing() or stopping():
                    break
                transport.write(head[index : index + 1])
            else:
                transport.write(body)
                sent_all = True
        except (OSError, RuntimeError):  # the peer is gone: the transport refuses writes
            sent_all = False
        transport.close()
    # uvicorn marks the request disconnected once the close is processed; returning earlier
    # would make it report "returned without starting response" and try to answer 500.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + _CLOSE_WAIT_SECONDS
    while not getattr(cycle, "disconnected", True) and loop.time() < deadline:
        await asyncio.sleep(0.005)
    if not getattr(cycle, "disconnected", True):
        return Outcome.STOPPED
    return Outcome.SENT if sent_all else Outcome.GONE


def raw_transport(send: Send) -> tuple[Any, _Transport] | None:
    """uvicorn's request cycle behind ``send`` and its connection's transport, or None."""
    cycle = getattr(send, "__self__", None)
    transport: _Transport | None = getattr(cycle, "transport", None)
    methods = ("write", "close", "is_closing")
    if transport is None or not all(callable(getattr(transport, m, None)) for m in methods):
        return None
    return cycle, transport


def _head(start: Message) -> bytes:
    status: int = start["status"]
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    lines = [f"HTTP/1.1 {status} {reason}".encode("latin-1")]
    for name, value in start.get("headers", []):
        if name.lower() != b"connection":
            lines.append(bytes(name) + b": " + bytes(value))
    lines.append(b"connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n"


class _ClientWatch:
    """Notices, in the background, when the client disconnects."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._task: asyncio.Task[None] | None = None

    @property
    def gone(self) -> bool:
        return self._task is not None and self._task.done()

    async def _wait(self) -> None:
        try:
            while (await self._receive())["type"] != "http.disconnect":
                pass
        except Exception:  # a receive that fails means the client is as good as gone
            return

    async def __aenter__(self) -> _ClientWatch:
        self._task = asyncio.ensure_future(self._wait())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._task is not None:
            self._task.cancel()
