"""Injected faults, over a real loopback socket where the transport matters."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from sim_helpers import ANALYZE, ANALYZE_DETAIL, TASK_CREATE

from headswap_nb.simulator import (
    FaultConfig,
    FaultKind,
    Simulator,
    SimulatorConfig,
    core_of,
    create_app,
    serve,
)
from headswap_nb.simulator.faults import choose_fault

pytestmark = pytest.mark.sim(speed=1000.0)

URL = "https://example.com/v.mp4?fail=0&people=1&duration=5"
BODY = {"video_url": URL, "type": "head"}


@pytest.fixture
def client(sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url, headers={"x-api-key": sim.api_key}) as c:
        yield c


def _analyses(sim: Simulator) -> int:
    return len(sim.stats()["analyses"])


def test_faults_are_off_by_default(sim: Simulator, client: httpx.Client) -> None:
    for _ in range(50):
        assert client.post(ANALYZE, json=BODY).json()["code"] == 1000
    assert sim.stats()["faults"] == {}


def test_5xx_comes_before_the_job_and_varies(sim: Simulator, client: httpx.Client) -> None:
    sim.set_faults(FaultConfig(http_5xx=1.0, seed=7))
    replies = [client.post(ANALYZE, json=BODY) for _ in range(30)]
    assert {r.status_code for r in replies} == {502, 503}
    assert {r.headers["content-type"].split(";")[0] for r in replies} == {
        "text/html",
        "application/json",
    }
    assert _analyses(sim) == 0
    assert sim.stats()["faults"] == {"http_5xx": 30}


def test_throttling_as_http_429_and_as_code_1005(sim: Simulator, client: httpx.Client) -> None:
    sim.set_faults(FaultConfig(throttle_http=1.0, retry_after_seconds=3))
    reply = client.post(ANALYZE, json=BODY)
    assert reply.status_code == 429 and reply.headers["retry-after"] == "3"
    assert reply.json()["code"] == 1005
    sim.set_faults(FaultConfig(throttle_code=1.0))
    reply = client.get(ANALYZE_DETAIL, params={"_id": "x"})
    assert reply.status_code == 200 and reply.json()["code"] == 1005
    assert "data" not in reply.json()
    assert _analyses(sim) == 0


def test_drop_cuts_the_connection_after_the_job_exists(
    sim: Simulator, client: httpx.Client
) -> None:
    sim.set_faults(FaultConfig(drop=1.0))
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(ANALYZE, json=BODY)
    assert _analyses(sim) == 1  # the ambiguous case: the submit did land
    sim.set_faults(FaultConfig())
    assert client.get("/_sim/health").json()["status"] == "ok"  # still serving


def test_malformed_bodies(sim: Simulator, client: httpx.Client) -> None:
    sim.set_faults(FaultConfig(malformed=1.0, seed=1))
    kinds = Counter()
    for _ in range(20):
        reply = client.post(ANALYZE, json=BODY)
        assert reply.status_code == 200
        with pytest.raises(ValueError):
            reply.json()
        kinds[reply.headers["content-type"]] += 1
    assert set(kinds) == {"application/json", "text/html"}
    assert _analyses(sim) == 20


def test_slow_replies_arrive_late(sim: Simulator, client: httpx.Client) -> None:
    sim.set_faults(FaultConfig(slow=1.0, slow_seconds=0.3, scope="reads"))
    started = time.monotonic()
    assert client.post(ANALYZE, json=BODY).json()["code"] == 1000  # submits not in scope
    assert sim.stats()["faults"].get("slow", 0) == 0  # (a loaded CI machine can be slow anyway)
    started = time.monotonic()
    assert client.get(ANALYZE_DETAIL, params={"_id": "x"}).json()["code"] == 1014
    assert time.monotonic() - started >= 0.3
    with pytest.raises(httpx.ReadTimeout):
        client.get(ANALYZE_DETAIL, params={"_id": "x"}, timeout=0.1)


def test_hang_never_answers_until_the_client_gives_up(sim: Simulator, client: httpx.Client) -> None:
    sim.set_faults(FaultConfig(hang=1.0, scope="submits"))
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        client.post(ANALYZE, json=BODY, timeout=0.3)
    assert time.monotonic() - started >= 0.3  # (no upper bound: CI machines can be loaded)
    assert _analyses(sim) == 1
    assert client.get("/_sim/health").status_code == 200
    deadline = time.monotonic() + 2
    while sim.stats()["requests"].get("analyze", 0) and time.monotonic() < deadline:
        # the server notices the disconnect and releases the hanging request
        if sim.core.stats.in_flight["analyze"] == 0:
            break
        time.sleep(0.02)
    assert sim.core.stats.in_flight["analyze"] == 0


def test_hang_hint_on_one_url_only(sim: Simulator, client: httpx.Client) -> None:
    hanging = "https://example.com/h.mp4?hang=detail&people=1"
    job_id = client.post(ANALYZE, json={"video_url": hanging, "type": "head"}).json()["data"]
    other = client.post(ANALYZE, json=BODY).json()["data"]
    with pytest.raises(httpx.ReadTimeout):
        client.get(ANALYZE_DETAIL, params={"_id": job_id["_id"]}, timeout=0.2)
    assert client.get(ANALYZE_DETAIL, params={"_id": other["_id"]}).json()["code"] == 1000


def test_close_releases_hanging_requests_quickly() -> None:
    sim = serve()
    sim.set_faults(FaultConfig(hang=1.0))

    async def hang_then_close() -> None:
        async with httpx.AsyncClient(base_url=sim.base_url) as ac:
            request = asyncio.ensure_future(ac.get(ANALYZE_DETAIL, timeout=10))
            await asyncio.sleep(0.2)
            started = time.monotonic()
            await asyncio.to_thread(sim.close)
            assert time.monotonic() - started < 10  # closing does not wait for the hang
            with pytest.raises(httpx.HTTPError):
                await request

    asyncio.run(hang_then_close())
    assert not sim.running


def test_scope_limits_faults() -> None:
    reads = FaultConfig(http_5xx=1.0, scope="reads")
    assert choose_fault(reads, is_submit=True, draw=0.1) is None
    assert choose_fault(reads, is_submit=False, draw=0.1) is FaultKind.HTTP_5XX
    submits = FaultConfig(drop=0.5, scope="submits")
    assert choose_fault(submits, is_submit=False, draw=0.1) is None
    assert choose_fault(submits, is_submit=True, draw=0.1) is FaultKind.DROP
    assert choose_fault(submits, is_submit=True, draw=0.6) is None


def test_fault_config_is_validated() -> None:
    for bad in ({"http_5xx": 1.5}, {"drop": 0.6, "hang": 0.6}, {"scope": "everything"}):
        with pytest.raises(ValueError):
            FaultConfig(**bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        FaultConfig.from_dict({"drop": "0.5"})
    with pytest.raises(ValueError):
        FaultConfig.from_dict({"explode": 1})


def test_rates_are_respected_and_seeded(sim: Simulator, client: httpx.Client) -> None:
    config = FaultConfig(throttle_code=0.2, http_5xx=0.1, seed=3)
    outcomes = []
    for _ in range(2):
        sim.set_faults(config)
        outcomes.append(
            [client.get(ANALYZE_DETAIL, params={"_id": "x"}).status_code for _ in range(300)]
        )
    assert outcomes[0] == outcomes[1]
    faults = sim.stats()["faults"]
    assert 90 <= faults["throttle_code"] <= 150 and 40 <= faults["http_5xx"] <= 85


def test_admin_endpoint_changes_faults_at_runtime(sim: Simulator, client: httpx.Client) -> None:
    reply = client.post("/_sim/faults", json={"throttle_code": 1.0, "scope": "reads"})
    assert reply.json()["throttle_code"] == 1.0
    assert client.get(ANALYZE_DETAIL, params={"_id": "x"}).json()["code"] == 1005
    assert client.post(ANALYZE, json=BODY).json()["code"] == 1000
    bad = client.post("/_sim/faults", json={"throttle_code": 2})
    assert bad.status_code == 400 and bad.json()["code"] == 1003
    assert client.get("/_sim/faults").json()["throttle_code"] == 1.0
    client.post("/_sim/faults", json={})
    assert client.get(ANALYZE_DETAIL, params={"_id": "x"}).json()["code"] == 1014


def test_drop_over_asgi_transport_raises_an_httpx_error() -> None:
    app = create_app(SimulatorConfig(faults=FaultConfig(drop=1.0, scope="submits")))
    core = core_of(app)

    async def run() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sim") as ac:
            with pytest.raises(httpx.RemoteProtocolError):
                await ac.post(TASK_CREATE, json={}, headers={"x-api-key": core.api_key})

    asyncio.run(run())


def test_submits_can_have_their_own_rates() -> None:
    from headswap_nb.simulator.faults import FaultConfig, FaultKind, choose_fault

    config = FaultConfig(http_5xx=1.0, submits=FaultConfig(throttle_code=1.0))
    assert choose_fault(config, is_submit=False, draw=0.5) is FaultKind.HTTP_5XX
    assert choose_fault(config, is_submit=True, draw=0.5) is FaultKind.THROTTLE_CODE
    assert FaultConfig.from_dict(config.to_dict()) == config
    assert FaultConfig(submits=FaultConfig(drop=0.1)).enabled
