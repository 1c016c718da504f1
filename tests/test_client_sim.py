"""Client and AsyncClient against the simulator: sync over a loopback socket, async in
process (ASGI), and both over a socket for faults that need one (drop, slow, hang)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from client_fixtures import FACE, MODES, Driver, FakeTime

from headswap_nb import AsyncClient, Client, PollPolicy
from headswap_nb.errors import (
    AuthenticationError,
    ConnectionError,
    InvalidRequestError,
    NotFoundError,
    ProtocolError,
    RateLimitError,
    ServerError,
    SubmissionUnknownError,
    TimeoutError,
)
from headswap_nb.models import Status
from headswap_nb.simulator import FaultConfig, SimulatorConfig, core_of, create_app, serve

KEY = "fake-sim-SENTINEL-1234"
VIDEO = "https://example.com/clip.mp4?duration=10&people=2&queue=2&time=8&fail=0"


@dataclass
class Harness:
    client: Driver
    stats: Callable[[], dict[str, Any]]
    set_faults: Callable[[FaultConfig], None]
    client_id: str
    time: FakeTime


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[Any, FakeTime]]:
    fake = FakeTime()
    with serve(seed=3, api_key=KEY, clock=fake.clock) as sim:
        yield sim, fake


@pytest.fixture(params=MODES)
def harness_factory(
    request: pytest.FixtureRequest, shared: tuple[Any, FakeTime]
) -> Iterator[Callable[..., Harness]]:
    mode = request.param
    loop = asyncio.new_event_loop() if mode == "async" else None
    made: list[Driver] = []

    def make(*, socket: bool = False, **kwargs: Any) -> Harness:
        sim, fake = shared
        sim.reset()
        sim.set_faults(FaultConfig())
        kwargs.setdefault("api_key", KEY)
        kwargs.setdefault("env", {})
        kwargs.setdefault("clock", fake.clock)
        if mode == "sync":
            kwargs.setdefault("base_url", sim.base_url)
            client = Driver(Client(sleep=fake.sleep, **kwargs), None)
            harness = Harness(client, sim.stats, sim.set_faults, sim.client_id, fake)
        elif socket:
            kwargs.setdefault("base_url", sim.base_url)
            client = Driver(AsyncClient(sleep=fake.async_sleep, **kwargs), loop)
            harness = Harness(client, sim.stats, sim.set_faults, sim.client_id, fake)
        else:
            local = FakeTime()
            app = create_app(SimulatorConfig(seed=3, api_key=KEY, clock=local.clock))
            core = core_of(app)
            transport = httpx.ASGITransport(app=app)
            kwargs["clock"] = local.clock
            kwargs.setdefault("base_url", "http://sim.test")
            client = Driver(
                AsyncClient(transport=transport, sleep=local.async_sleep, **kwargs), loop
            )
            harness = Harness(client, core.snapshot, core.set_faults, core.client_id, local)
        made.append(harness.client)
        return harness

    yield make
    for driver in made:
        driver.close()
    if loop is not None:
        loop.close()


def test_full_flow(harness_factory: Callable[..., Harness]) -> None:
    h = harness_factory()
    analysis = h.client.analyze(VIDEO)
    assert analysis.status is Status.QUEUED and analysis.video_url == VIDEO
    updates: list[tuple[str, float]] = []
    done = h.client.wait_for_analysis(
        analysis.id, on_update=lambda a: updates.append((a.status.label, a.progress))
    )
    assert done.status is Status.COMPLETED and len(done.people) == 2
    assert updates[0][0] == "queued" and updates[-1] == ("completed", 100.0)
    reads = h.stats()["requests"]["analyze_detail"]
    assert reads <= 10, f"adaptive polling of a 10 s analysis took {reads} requests"  # 1 s: 12
    task = h.client.create_task(VIDEO, [(p.obj_id, FACE) for p in done.people], resolution="480p")
    finished = h.client.wait_for_task(task.id, poll=PollPolicy.fixed(2.0))
    assert finished.status is Status.COMPLETED and finished.output_url
    assert h.stats()["submissions_per_url"] == {VIDEO: 1}


def test_failed_analysis_is_returned(harness_factory: Callable[..., Harness]) -> None:
    h = harness_factory()
    analysis = h.client.analyze("https://example.com/bad.mp4?fail=1&time=5")
    done = h.client.wait_for_analysis(analysis.id)
    assert done.status is Status.FAILED and done.error_code == 1015


def test_simulator_error_codes(harness_factory: Callable[..., Harness]) -> None:
    h = harness_factory()
    with pytest.raises(NotFoundError):
        h.client.get_analysis("6a066d03625746c797390f55")
    analysis = h.client.wait_for_analysis(h.client.analyze(VIDEO).id)
    with pytest.raises(InvalidRequestError) as info:  # obj_id 4 was not detected: server's 1003
        h.client.create_task(VIDEO, [(4, FACE)])
    assert info.value.code == 1003 and analysis.people
    bad = harness_factory(api_key="wrong-key-wrong-key")
    with pytest.raises(AuthenticationError) as auth:
        bad.client.get_analysis(analysis.id)
    assert auth.value.code == 1101


def test_client_credentials_against_simulator(harness_factory: Callable[..., Harness]) -> None:
    first = harness_factory()
    h = harness_factory(api_key=None, client_id=first.client_id, client_secret=KEY)
    assert h.client.get_analysis(h.client.analyze(VIDEO).id).id
    assert h.stats()["requests"].get("get_token", h.stats()["requests"].get("getToken")) == 1


# --- faults: each kind, on reads and on submits --------------------------------------------

READ_FAULTS = {
    "http_5xx": ServerError,
    "throttle_http": RateLimitError,
    "throttle_code": RateLimitError,
    "malformed": ProtocolError,
    "drop": ConnectionError,
    "slow": TimeoutError,
    "hang": TimeoutError,
}
SOCKET_ONLY = {"drop", "slow", "hang"}
FAULT_OPTIONS = {"slow_seconds": 0.4, "hang_seconds": 2.0, "retry_after_seconds": 1}


def faults(kind: str, scope: str, rate: float = 1.0) -> FaultConfig:
    return FaultConfig(**{kind: rate}, scope=scope, seed=1, **FAULT_OPTIONS)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", sorted(READ_FAULTS))
def test_read_faults_are_retried_then_raised(
    harness_factory: Callable[..., Harness], kind: str
) -> None:
    h = harness_factory(
        socket=kind in SOCKET_ONLY, max_retries=2, timeout=httpx.Timeout(0.15, connect=2)
    )
    analysis = h.client.analyze(VIDEO)
    h.set_faults(faults(kind, "reads"))
    with pytest.raises(READ_FAULTS[kind]):
        h.client.get_analysis(analysis.id)
    assert h.stats()["requests"]["analyze_detail"] == 3  # 1 + max_retries
    if kind == "throttle_http":
        assert h.time.sleeps[-2:] == [1.0, 1.0]  # Retry-After honoured


@pytest.mark.parametrize("kind", sorted(READ_FAULTS))
def test_reads_survive_occasional_faults(
    harness_factory: Callable[..., Harness], kind: str
) -> None:
    h = harness_factory(
        socket=kind in SOCKET_ONLY, max_retries=8, timeout=httpx.Timeout(0.15, connect=2)
    )
    analysis = h.client.analyze(VIDEO)
    h.set_faults(faults(kind, "reads", rate=0.3))
    done = h.client.wait_for_analysis(analysis.id)
    assert done.status is Status.COMPLETED
    assert h.stats()["faults"].get(kind, 0) >= 1 or h.stats()["requests"]["analyze_detail"] <= 3


SUBMIT_FAULTS = {
    "http_5xx": (SubmissionUnknownError, 1),
    "malformed": (SubmissionUnknownError, 1),
    "drop": (SubmissionUnknownError, 1),
    "slow": (SubmissionUnknownError, 1),
    "hang": (SubmissionUnknownError, 1),
    "throttle_http": (RateLimitError, 3),  # explicitly throttled: safe to resend
    "throttle_code": (RateLimitError, 3),
}


@pytest.mark.parametrize("kind", sorted(SUBMIT_FAULTS))
def test_submit_faults(harness_factory: Callable[..., Harness], kind: str) -> None:
    cls, attempts = SUBMIT_FAULTS[kind]
    h = harness_factory(
        socket=kind in SOCKET_ONLY, max_retries=2, timeout=httpx.Timeout(0.15, connect=2)
    )
    h.set_faults(faults(kind, "submits"))
    with pytest.raises(cls) as info:
        h.client.analyze(VIDEO)
    assert h.stats()["requests"]["analyze"] == attempts
    if cls is SubmissionUnknownError:
        assert info.value.video_url == VIDEO  # type: ignore[attr-defined]
        assert h.stats()["submissions_per_url"].get(VIDEO, 0) <= 1


def test_connection_refused_is_a_connection_error(harness_factory: Callable[..., Harness]) -> None:
    h = harness_factory(socket=True, max_retries=1, base_url="http://127.0.0.1:9")
    with pytest.raises(ConnectionError):
        h.client.get_analysis("6a066d03625746c797390f55")
