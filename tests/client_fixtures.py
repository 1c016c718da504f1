"""Shared helpers for the client tests: fake time, a sync/async driver, mock servers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from headswap_nb.client import AsyncClient, Client

SENTINEL_KEY = "fake-SENTINEL-7f3a9c-do-not-leak"
ANALYSIS_ID = "6a066d03625746c797390f55"
TASK_ID = "6a066dc58570ecbf64f761a5"
VIDEO = "https://example.com/videos/source.mp4"
FACE = "https://example.com/faces/reference.jpeg"
MODES = ("sync", "async")


class FakeTime:
    """A clock that only moves when something sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


class Driver:
    """Calls a Client or AsyncClient the same way: async methods run to completion."""

    def __init__(self, client: Client | AsyncClient, loop: asyncio.AbstractEventLoop | None):
        self.client = client
        self._loop = loop

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.client, name)
        if self._loop is None or not asyncio.iscoroutinefunction(attr):
            return attr
        loop = self._loop

        def call(*args: Any, **kwargs: Any) -> Any:
            return loop.run_until_complete(attr(*args, **kwargs))

        return call

    def run(self, coro_or_value: Any) -> Any:
        if self._loop is not None and asyncio.iscoroutine(coro_or_value):
            return self._loop.run_until_complete(coro_or_value)
        return coro_or_value

    def close(self) -> None:
        if isinstance(self.client, AsyncClient):
            assert self._loop is not None
            self._loop.run_until_complete(self.client.aclose())
        else:
            self.client.close()


def envelope(data: Any = None, *, code: int = 1000, msg: str = "OK", **extra: Any) -> bytes:
    body: dict[str, Any] = {"code": code, "msg": msg, **extra}
    if data is not None:
        body["data"] = data
    return json.dumps(body).encode()


def analysis_data(status: int = 1, progress: float = 0, **extra: Any) -> dict[str, Any]:
    return {"_id": ANALYSIS_ID, "video_url": VIDEO, "type": "head", "status": status,
            "progress": progress, **extra}  # fmt: skip


def task_data(status: int = 1, progress: float = 0, **extra: Any) -> dict[str, Any]:
    return {"_id": TASK_ID, "status": status, "progress": progress, "resolution": "720p", **extra}


class Recorder:
    """A MockTransport handler from a function, remembering every request it saw."""

    def __init__(self, respond: Callable[[httpx.Request], httpx.Response]) -> None:
        self.respond = respond
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.respond(request)

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]


def replies(*items: httpx.Response | Exception) -> Callable[[httpx.Request], httpx.Response]:
    """Answer with ``items`` in order (an exception is raised), repeating the last one."""
    queue = list(items)

    def respond(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        # A fresh copy each time: a response object cannot be sent twice.
        return httpx.Response(item.status_code, headers=item.headers, content=item.content)

    return respond


def ok(data: Any = None, **kwargs: Any) -> httpx.Response:
    return httpx.Response(200, content=envelope(data, **kwargs))


MakeClient = Callable[..., Driver]


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_client(mode: str, fake_time: FakeTime) -> Iterator[MakeClient]:
    """``make_client(handler_or_transport=None, **client_kwargs)`` in the test's mode."""
    loop = asyncio.new_event_loop() if mode == "async" else None
    drivers: list[Driver] = []

    def make(handler: Any = None, **kwargs: Any) -> Driver:
        kwargs.setdefault("api_key", SENTINEL_KEY)
        kwargs.setdefault("base_url", "https://api.test")
        kwargs.setdefault("clock", fake_time.clock)
        kwargs.setdefault("env", {})
        if handler is not None and "transport" not in kwargs:
            kwargs["transport"] = httpx.MockTransport(handler)
        if mode == "sync":
            kwargs.setdefault("sleep", fake_time.sleep)
            driver = Driver(Client(**kwargs), None)
        else:
            kwargs.setdefault("sleep", fake_time.async_sleep)
            driver = Driver(AsyncClient(**kwargs), loop)
        drivers.append(driver)
        return driver

    yield make
    for driver in drivers:
        driver.close()
    if loop is not None:
        loop.close()
