"""The I/O under the shells: one HTTP exchange within a total deadline, and the client's locks.

httpx's timeouts apply to each read, so a server that drips one byte every 0.3 s — in its
headers or its body — resets them forever. The budget of a ``Send`` (``deadline``) is
enforced here, and only here:

* asyncio (``send_async``): ``asyncio.wait_for`` around the whole exchange; cancelling it
  closes the connection.
* blocking (``send_blocking``): a blocking read cannot be interrupted from its own thread,
  so the exchange runs on a short-lived worker thread and the caller waits for it at most
  the budget. On giving up, the caller shuts down the socket of a connection the exchange
  opened (httpcore's ``trace`` extension names it), which ends the worker's read at once;
  on a reused keep-alive connection whose socket is not known yet, the worker finishes on
  its own within one per-read timeout (itself capped by the budget) or when the server
  stops dripping, then drops the connection. Either way the caller is back on time.

``ThreadLocks`` and ``LoopLocks`` perform ``Acquire``/``Release`` (``effects``) for the two
shells and remember what each running flow holds, so that it can be released however the
flow ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Mapping
from typing import Any

import httpx

from headswap_nb.client.effects import Acquire, Expired, Failure, Reply, Send

__all__ = ["LoopLocks", "ThreadLocks", "send_async", "send_blocking"]


def _socket_of(stream: object) -> socket.socket | None:
    get = getattr(stream, "get_extra_info", None)
    found = get("socket") if callable(get) else None
    return found if isinstance(found, socket.socket) else None


def _shutdown(sock: socket.socket) -> None:
    # shutdown, not close: it wakes a recv() blocked in another thread.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Exchange:
    """One request on a worker thread; ``abandon`` stops it from the caller's thread."""

    def __init__(self, http: httpx.Client, send: Send, url: str) -> None:
        self._http, self._send, self._url = http, send, url
        self.done = threading.Event()
        self.outcome: Reply | Failure | BaseException | None = None
        self._lock = threading.Lock()
        self._abandoned = False
        self._sockets: list[socket.socket] = []

    def _track(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            abandoned = self._abandoned
        if abandoned:
            _shutdown(sock)

    def _trace(self, name: str, info: Mapping[str, Any]) -> None:
        # httpcore's trace extension: a new connection's stream, as soon as it exists.
        if name.endswith((".connect_tcp.complete", ".start_tls.complete")):
            self._track(_socket_of(info.get("return_value")))

    def run(self) -> None:
        request = self._send.request
        outcome: Reply | Failure | BaseException
        try:
            with self._http.stream(
                request.method,
                self._url,
                params=request.params,
                json=request.json,
                headers=self._send.headers,
                timeout=self._send.timeout,
                extensions={"trace": self._trace},
            ) as response:
                self._track(_socket_of(response.extensions.get("network_stream")))
                chunks: list[bytes] = []
                for chunk in response.iter_bytes():
                    if self._abandoned:  # leaving the block closes (drops) the connection
                        break
                    chunks.append(chunk)
                outcome = Reply(response.status_code, response.headers, b"".join(chunks))
        except httpx.RequestError as exc:
            outcome = Failure(exc)
        except BaseException as exc:  # e.g. a mock transport's assertion: the caller re-raises
            outcome = exc
        self.outcome = outcome
        self.done.set()

    def abandon(self) -> None:
        with self._lock:
            self._abandoned = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)


def send_blocking(http: httpx.Client, send: Send, url: str) -> Reply | Failure | Expired:
    """Perform ``send`` with ``http``; back within ``send.budget`` seconds whatever happens."""
    exchange = _Exchange(http, send, url)
    worker = threading.Thread(target=exchange.run, name="headswap-request", daemon=True)
    worker.start()
    try:
        finished = exchange.done.wait(send.budget)
    finally:
        if not exchange.done.is_set():  # out of time, or interrupted (KeyboardInterrupt)
            exchange.abandon()
    if not finished:
        return Expired(send.budget)
    outcome = exchange.outcome
    if isinstance(outcome, BaseException):
        raise outcome
    assert outcome is not None
    return outcome


async def send_async(http: httpx.AsyncClient, send: Send, url: str) -> Reply | Failure | Expired:
    """Perform ``send`` with ``http``, cancelled after ``send.budget`` seconds in all."""
    request = send.request
    try:
        response = await asyncio.wait_for(
            http.request(
                request.method,
                url,
                params=request.params,
                json=request.json,
                headers=send.headers,
                timeout=send.timeout,
            ),
            send.budget,
        )
    except asyncio.TimeoutError:
        return Expired(send.budget)
    except httpx.RequestError as exc:
        return Failure(exc)
    return Reply(response.status_code, response.headers, response.content)


class ThreadLocks:
    """The blocking client's locks (a ``Client`` may be shared by threads)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def _lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def acquire(self, effect: Acquire, held: list[str]) -> bool:
        timeout = -1 if effect.timeout is None else effect.timeout
        got = self._lock(effect.key).acquire(timeout=timeout)
        if got:
            held.append(effect.key)
        return got

    def release(self, key: str, held: list[str]) -> None:
        held.remove(key)
        self._lock(key).release()

    def release_all(self, held: list[str]) -> None:
        for key in reversed(list(held)):
            self.release(key, held)


class LoopLocks:
    """The asyncio client's locks, one set per event loop (an ``asyncio.Lock`` belongs to
    the loop it first waits on; a client may outlive one ``asyncio.run``)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._locks: dict[str, asyncio.Lock] = {}

    def _lock(self, key: str) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop, self._locks = loop, {}
        return self._locks.setdefault(key, asyncio.Lock())

    async def acquire(self, effect: Acquire, held: list[str]) -> bool:
        lock = self._lock(effect.key)
        if effect.timeout is None:
            await lock.acquire()
        else:
            try:
                await asyncio.wait_for(lock.acquire(), effect.timeout)
            except asyncio.TimeoutError:
                return False
        held.append(effect.key)
        return True

    def release(self, key: str, held: list[str]) -> None:
        held.remove(key)
        self._locks[key].release()

    def release_all(self, held: list[str]) -> None:
        for key in reversed(list(held)):
            self.release(key, held)
