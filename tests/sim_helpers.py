"""Shared helpers for the simulator tests: a fake clock and an in-process client."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from headswap_nb.simulator import SimulatorConfig, SimulatorCore, core_of, create_app

ANALYZE = "/api/open/v4/headswap/analyze"
ANALYZE_DETAIL = "/api/open/v4/headswap/analyze/detail"
TASK_CREATE = "/api/open/v4/headswap/task/create"
TASK_DETAIL = "/api/open/v4/headswap/task/detail"
GET_TOKEN = "/api/open/v3/getToken"
QUOTA_INFO = "/api/open/v3/faceswap/quota/info"
EPOCH_MS = 1778806019014  # create_time of the analyze example (akool-api.md §4.1)


class SyncASGIClient:
    """Synchronous calls into an ASGI app over ``httpx.ASGITransport`` on a private loop."""

    def __init__(self, app: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self._loop.run_until_complete(self._client.request(method, path, **kwargs))

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def close(self) -> None:
        self._loop.run_until_complete(self._client.aclose())
        self._loop.close()


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Sim:
    """An in-process simulator: client, core and the clock that drives it."""

    client: SyncASGIClient
    core: SimulatorCore
    clock: FakeClock

    @property
    def headers(self) -> dict[str, str]:
        return {"x-api-key": self.core.api_key}

    def post(self, path: str, body: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("headers", self.headers)
        return self.client.post(path, json=body, **kwargs)

    def get(self, path: str, job_id: str, **kwargs: Any) -> Any:
        kwargs.setdefault("headers", self.headers)
        return self.client.get(path, params={"_id": job_id}, **kwargs)

    def analyze(self, url: str) -> dict[str, Any]:
        reply = self.post(ANALYZE, {"video_url": url, "type": "head"}).json()
        assert reply["code"] == 1000, reply
        data: dict[str, Any] = reply["data"]
        return data

    def detail(self, job_id: str) -> dict[str, Any]:
        reply = self.get(ANALYZE_DETAIL, job_id).json()
        assert reply["code"] == 1000, reply
        data: dict[str, Any] = reply["data"]
        return data

    def finish(self, job_id: str) -> None:
        schedule = self.core.job_schedule(job_id)
        assert schedule is not None
        self.clock.advance(schedule["finished_at"] - schedule["now"] + 0.001)

    def task_body(self, url: str, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "video_url": url,
            "mappings": [{"obj_id": 0, "img_url": "https://example.com/faces/reference.jpeg"}],
            "model_name": "akool-premium",
            "resolution": "720p",
            "keep_original_sound": True,
            "webhookUrl": "https://example.com/your-webhook",
        }
        body.update(overrides)
        return body


@contextmanager
def in_process(**config: Any) -> Iterator[Sim]:
    """A simulator app on a fake clock, driven in-process over ``httpx.ASGITransport``."""
    clock = FakeClock()
    config.setdefault("epoch_ms", EPOCH_MS)
    app = create_app(SimulatorConfig(clock=clock, **config))
    client = SyncASGIClient(app)
    try:
        yield Sim(client=client, core=core_of(app), clock=clock)
    finally:
        client.close()


def completed_analysis(sim: Sim, url: str) -> dict[str, Any]:
    """Submit ``url`` and move the clock until its analysis is done."""
    data = sim.analyze(url)
    sim.finish(data["_id"])
    detail = sim.detail(data["_id"])
    assert detail["status"] in (3, 4)
    return detail
