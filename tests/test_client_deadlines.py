"""Deadlines that hold: every request has a total deadline (connect, headers, whole body),
and a wait returns or raises within its timeout plus one request's deadline, whatever is in
flight or asleep. httpx's own timeouts apply per read, so a server that drips one byte every
0.3 s used to hold a ``Client(timeout=1.0)`` for minutes.

Mock transports (exact, both modes) and the simulator's ``drip_body`` / ``drip_headers``
faults over a real socket. Run this file as a script to print the measured worst cases:
``cd tests && ../.venv/bin/python test_client_deadlines.py``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from client_fixtures import (
    ANALYSIS_ID,
    FACE,
    VIDEO,
    FakeTime,
    MakeClient,
    Recorder,
    analysis_data,
    envelope,
    ok,
    replies,
)

from headswap_nb import AsyncClient, Client
from headswap_nb.errors import (
    RateLimitError,
    SubmissionUnknownError,
    TimeoutError,
    WaitTimeoutError,
)
from headswap_nb.simulator import FaultConfig, Simulator

SLACK = 0.75  # scheduling on a loaded 2-core machine; a drip step is 0.3 s


class SyncDrip(httpx.SyncByteStream):
    """A body that trickles out one byte every ``interval`` seconds (blocking)."""

    def __init__(self, body: bytes, interval: float) -> None:
        self.body, self.interval = body, interval

    def __iter__(self) -> Iterator[bytes]:
        for index in range(len(self.body)):
            time.sleep(self.interval)
            yield self.body[index : index + 1]


class AsyncDrip(httpx.AsyncByteStream):
    """The same, for the asyncio client."""

    def __init__(self, body: bytes, interval: float) -> None:
        self.body, self.interval = body, interval

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for index in range(len(self.body)):
            await asyncio.sleep(self.interval)
            yield self.body[index : index + 1]


def dripping(mode: str, body: bytes, interval: float = 0.05) -> Callable[[httpx.Request], Any]:
    """A handler answering every request with ``body``, one byte per ``interval``."""

    def respond(request: httpx.Request) -> httpx.Response:
        stream = SyncDrip(body, interval) if mode == "sync" else AsyncDrip(body, interval)
        return httpx.Response(200, stream=stream)

    return respond


def stalling(mode: str, seconds: float) -> Callable[[httpx.Request], Any]:
    """A handler that answers only after ``seconds`` (blocking, or awaiting)."""
    if mode == "sync":

        def respond(request: httpx.Request) -> httpx.Response:
            time.sleep(seconds)
            return ok(analysis_data())

        return respond

    async def respond_async(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(seconds)
        return ok(analysis_data())

    return respond_async


def real_time(mode: str) -> dict[str, Any]:
    """Client options for the real clock and sleep (the fixture's default is fake time)."""
    return {"clock": time.monotonic, "sleep": time.sleep if mode == "sync" else asyncio.sleep}


def timed(call: Callable[[], object]) -> tuple[float, BaseException | None]:
    started = time.monotonic()
    try:
        call()
    except BaseException as exc:  # the caller asserts on it
        return time.monotonic() - started, exc
    return time.monotonic() - started, None


BODY = envelope(analysis_data(2, 50))  # ~110 bytes: 5.5 s at 0.05 s a byte


# --- one request ---------------------------------------------------------------------------


@pytest.mark.timeout(30)
def test_a_dripping_body_cannot_hold_a_read_past_its_deadline(
    make_client: MakeClient, mode: str, fake_time: FakeTime
) -> None:
    rec = Recorder(dripping(mode, BODY))
    client = make_client(rec, timeout=0.5, max_retries=1)
    took, error = timed(lambda: client.get_analysis(ANALYSIS_ID))
    assert isinstance(error, TimeoutError), error
    assert "got no answer in time" in str(error) and "timeout=" in str(error)
    assert len(rec.requests) == 2 and len(fake_time.sleeps) == 1  # a read is retried
    assert took < 2 * 0.5 + SLACK, took
    assert client.request_deadline == 0.5


@pytest.mark.timeout(30)
def test_a_stalled_answer_is_cut_at_the_deadline(make_client: MakeClient, mode: str) -> None:
    client = make_client(Recorder(stalling(mode, 5.0)), timeout=0.4, max_retries=0)
    took, error = timed(lambda: client.get_analysis(ANALYSIS_ID))
    assert isinstance(error, TimeoutError) and took < 0.4 + SLACK, (took, error)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("submit", ["analyze", "create_task"])
def test_a_billed_submit_that_hits_the_deadline_is_unknown_and_never_resent(
    make_client: MakeClient, mode: str, fake_time: FakeTime, submit: str
) -> None:
    rec = Recorder(dripping(mode, BODY))
    client = make_client(rec, timeout=0.5, max_retries=3)
    call = (
        (lambda: client.analyze(VIDEO))
        if submit == "analyze"
        else (lambda: client.create_task(VIDEO, [(0, FACE)]))
    )
    took, error = timed(call)
    assert isinstance(error, SubmissionUnknownError), error
    assert error.video_url == VIDEO and "NOT resent" in str(error)
    assert len(rec.requests) == 1 and fake_time.sleeps == []
    assert took < 0.5 + SLACK, took


def test_the_total_deadline_comes_from_timeout() -> None:
    assert Client(api_key="k", env={}).request_deadline == 30.0  # DEFAULT_TIMEOUT: 30 s, 5 s
    assert Client(api_key="k", env={}, timeout=2).request_deadline == 2.0
    assert Client(api_key="k", env={}, timeout=httpx.Timeout(3, connect=9)).request_deadline == 9
    assert Client(api_key="k", env={}, timeout=httpx.Timeout(None)).request_deadline == 30.0
    injected = httpx.Client(timeout=7.0)
    assert Client(api_key="k", env={}, http_client=injected).request_deadline == 7.0
    injected.close()


# --- waits ---------------------------------------------------------------------------------


def test_a_wait_never_sleeps_past_its_deadline_for_a_retry_after(
    make_client: MakeClient, fake_time: FakeTime
) -> None:
    rec = Recorder(replies(httpx.Response(429, headers={"Retry-After": "30"})))
    start = fake_time.now
    with pytest.raises(WaitTimeoutError) as info:
        make_client(rec).wait_for_analysis(ANALYSIS_ID, timeout=10)
    assert fake_time.now - start <= 10 and all(s <= 10 for s in fake_time.sleeps)
    assert isinstance(info.value.__cause__, RateLimitError)
    assert info.value.last is None and "no record read yet" in str(info.value)


def test_a_wait_polls_once_more_at_its_deadline_and_then_gives_up(
    make_client: MakeClient, fake_time: FakeTime
) -> None:
    rec = Recorder(replies(ok(analysis_data(2, 5))))
    start = fake_time.now
    with pytest.raises(WaitTimeoutError) as info:
        make_client(rec).wait_for_analysis(ANALYSIS_ID, timeout=4, poll=1.5)
    assert fake_time.sleeps == [1.5, 1.5, 1.0] and fake_time.now - start == 4
    assert len(rec.requests) == 4 and info.value.last.progress == 5


@pytest.mark.timeout(30)
def test_a_wait_gives_the_request_in_flight_only_what_is_left(
    make_client: MakeClient, mode: str
) -> None:
    # A request may take 5 s, but the wait has 1 s: the dripping read is cut at 1 s.
    rec = Recorder(dripping(mode, BODY))
    client = make_client(rec, timeout=5.0, **real_time(mode))
    took, error = timed(lambda: client.wait_for_analysis(ANALYSIS_ID, timeout=1.0))
    assert isinstance(error, WaitTimeoutError), error
    assert isinstance(error.__cause__, TimeoutError)
    assert took < 1.0 + SLACK, took


@pytest.mark.timeout(30)
def test_a_wait_with_timeout_zero_still_looks_once(make_client: MakeClient) -> None:
    rec = Recorder(replies(ok(analysis_data(3, 100))))
    assert make_client(rec).wait_for_analysis(ANALYSIS_ID, timeout=0).progress == 100


# --- against the simulator's dripping faults, over a real socket ---------------------------

pytestmark = pytest.mark.sim(speed=100.0, seed=3)
URL = "https://example.com/drip.mp4?duration=5&time=30&fail=0"
DRIPS = ("drip_body", "drip_headers")


def _clients(sim: Simulator, mode: str, **options: Any) -> Any:
    options.setdefault("env", {})
    if mode == "sync":
        return Client(api_key=sim.api_key, base_url=sim.base_url, **options)
    return AsyncClient(api_key=sim.api_key, base_url=sim.base_url, **options)


def measure(sim: Simulator, mode: str, call: Callable[[Any], Any], **options: Any) -> Any:
    """``(seconds, error)`` of ``call(client)`` with a fresh client in ``mode``."""
    client = _clients(sim, mode, **options)
    if mode == "sync":
        with client:
            return timed(lambda: call(client))

    async def main() -> tuple[float, BaseException | None]:
        try:
            started = time.monotonic()
            try:
                await call(client)
            except BaseException as exc:
                return time.monotonic() - started, exc
            return time.monotonic() - started, None
        finally:
            await client.aclose()

    # In a worker thread: a browser test's sync Playwright leaves a loop in the main thread.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result()


def _analysis_id(sim: Simulator) -> str:
    with _clients(sim, "sync") as client:
        return str(client.analyze(URL).id)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", DRIPS)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_dripping_server_never_holds_a_read_past_its_deadline(
    sim: Simulator, mode: str, kind: str
) -> None:
    job = _analysis_id(sim)
    sim.set_faults(FaultConfig(**{kind: 1.0}, scope="reads", drip_interval=0.3))  # type: ignore[arg-type]
    took, error = measure(sim, mode, lambda c: c.get_analysis(job), timeout=1.0, max_retries=0)
    assert isinstance(error, TimeoutError), error
    assert 1.0 <= took < 1.0 + SLACK, took
    took, error = measure(sim, mode, lambda c: c.get_analysis(job), timeout=1.0, max_retries=1)
    assert isinstance(error, TimeoutError) and took < 2 * 1.0 + 0.5 + SLACK, took


@pytest.mark.timeout(60)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_dripping_submit_is_unknown_within_its_deadline(sim: Simulator, mode: str) -> None:
    sim.set_faults(FaultConfig(drip_body=1.0, scope="submits", drip_interval=0.3))
    took, error = measure(sim, mode, lambda c: c.analyze(URL), timeout=1.0, max_retries=3)
    assert isinstance(error, SubmissionUnknownError) and took < 1.0 + SLACK, (took, error)
    assert sim.stats()["submissions_per_url"] == {URL: 1}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", DRIPS)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_wait_on_a_dripping_server_ends_within_its_timeout(
    sim: Simulator, mode: str, kind: str
) -> None:
    job = _analysis_id(sim)
    sim.set_faults(FaultConfig(**{kind: 1.0}, scope="reads", drip_interval=0.3))  # type: ignore[arg-type]
    took, error = measure(sim, mode, lambda c: c.wait_for_analysis(job, timeout=1.5), timeout=10.0)
    assert isinstance(error, WaitTimeoutError), error
    assert took < 1.5 + SLACK, took


if __name__ == "__main__":  # the measured worst cases (see the module doc)
    from headswap_nb.simulator import serve

    print(f"{'mode':6} {'fault':13} {'deadline':>8} {'retries':>7} {'worst':>7}  error")
    with serve(speed=100.0, seed=3) as running:
        job = _analysis_id(running)
        for kind in DRIPS:
            running.set_faults(FaultConfig(**{kind: 1.0}, scope="reads", drip_interval=0.3))  # type: ignore[arg-type]
            for mode in ("sync", "async"):
                for deadline, retries in ((1.0, 0), (2.0, 0), (1.0, 2)):
                    runs = [
                        measure(
                            running,
                            mode,
                            lambda c: c.get_analysis(job),
                            timeout=deadline,
                            max_retries=retries,
                        )
                        for _ in range(3)
                    ]
                    worst = max(took for took, _ in runs)
                    name = type(runs[-1][1]).__name__
                    print(f"{mode:6} {kind:13} {deadline:8.1f} {retries:7d} {worst:7.3f}  {name}")
                waits = [
                    measure(
                        running, mode, lambda c: c.wait_for_analysis(job, timeout=1.5), timeout=10.0
                    )
                    for _ in range(3)
                ]
                worst = max(took for took, _ in waits)
                name = type(waits[-1][1]).__name__
                print(f"{mode:6} {kind:13} {'wait 1.5':>8} {'(10 s)':>7} {worst:7.3f}  {name}")
