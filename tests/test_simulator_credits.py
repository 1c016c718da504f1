"""The credit balance endpoint (akool-api.md §14) and the simulator's own pricing (billing.py)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sim_helpers import ANALYZE, GET_TOKEN, QUOTA_INFO, TASK_CREATE, TASK_DETAIL, Sim, in_process

from headswap_nb.simulator import Simulator
from headswap_nb.simulator.billing import (
    ANALYSIS_COST,
    INSUFFICIENT_CREDIT,
    TASK_LOCK_PER_SECOND,
    task_lock,
)

pytestmark = pytest.mark.sim(speed=1000.0, seed=3)

URL = "https://example.com/v.mp4?duration=8&people=2&fail=0&task_fail=0"
FAILING = "https://example.com/f.mp4?duration=12.5&people=1&fail=0&task_fail=1&task_time=30"


def _credit(sim: Sim, headers: dict[str, str] | None = None) -> Any:
    reply = sim.client.get(QUOTA_INFO, headers=headers or sim.headers).json()
    assert reply["code"] == 1000 and reply["msg"] == "OK", reply
    assert set(reply) == {"code", "msg", "data"} and set(reply["data"]) == {"credit"}
    return reply["data"]["credit"]


def _task(sim: Sim, url: str) -> dict[str, Any]:
    sim.finish(sim.analyze(url)["_id"])
    reply = sim.post(TASK_CREATE, sim.task_body(url)).json()
    assert reply["code"] == 1000, reply
    data: dict[str, Any] = reply["data"]
    return data


def test_the_rule_reproduces_the_documented_lock() -> None:
    assert task_lock(10) == 100  # akool-api.md §4.3: 10 s → deduction_lock_duration 100
    assert task_lock(8.2) == 9 * TASK_LOCK_PER_SECOND
    assert ANALYSIS_COST == 1 and INSUFFICIENT_CREDIT == (1104, "Insufficient credit balance")


def test_quota_is_authenticated_like_every_endpoint() -> None:
    with in_process(credits=777) as sim:
        assert sim.client.get(QUOTA_INFO).json() == {
            "code": 1102,
            "msg": "Authorization cannot be empty",
        }
        for headers in ({"x-api-key": "nope"}, {"Authorization": "Bearer a.b.c"}):
            reply = sim.client.get(QUOTA_INFO, headers=headers).json()
            assert reply["code"] == 1101 and "data" not in reply
        assert _credit(sim) == 777
        body = {"clientId": sim.core.client_id, "clientSecret": sim.core.api_key}
        token = sim.client.post(GET_TOKEN, json=body).json()["token"]
        assert _credit(sim, {"Authorization": f"Bearer {token}"}) == 777
        wrong_method = sim.client.post(QUOTA_INFO, headers=sim.headers)
        assert wrong_method.status_code == 405 and wrong_method.json()["code"] == 1003


def test_analyses_cost_one_credit_and_are_refused_when_broke() -> None:
    with in_process(credits=2) as sim:
        sim.analyze(URL)
        sim.analyze(URL)
        assert _credit(sim) == 0
        reply = sim.post(ANALYZE, {"video_url": URL, "type": "head"}).json()
        assert reply == {"code": 1104, "msg": "Insufficient credit balance"}
        assert len(sim.core.state.analyses) == 2 and _credit(sim) == 0
        # A malformed body is refused before anything is charged.
        assert sim.post(ANALYZE, {"video_url": "ftp://x", "type": "head"}).json()["code"] == 1003


def test_a_task_holds_its_lock_and_keeps_it_when_completed() -> None:
    with in_process(credits=1000) as sim:
        task = _task(sim, URL)
        assert task["deduction_lock_duration"] == task_lock(8) == 80
        assert _credit(sim) == 1000 - ANALYSIS_COST - 80
        sim.finish(task["_id"])
        assert sim.get(TASK_DETAIL, task["_id"]).json()["data"]["status"] == 3
        assert _credit(sim) == 1000 - ANALYSIS_COST - 80


def test_a_failed_task_is_refunded_when_it_fails() -> None:
    with in_process(credits=1000) as sim:
        task = _task(sim, FAILING)
        lock = task["deduction_lock_duration"]
        assert lock == task_lock(12.5) == 130
        assert _credit(sim) == 1000 - ANALYSIS_COST - lock
        sim.clock.advance(5)  # still processing: the hold stands
        assert sim.get(TASK_DETAIL, task["_id"]).json()["data"]["status"] in (1, 2)
        assert _credit(sim) == 1000 - ANALYSIS_COST - lock
        sim.finish(task["_id"])
        assert sim.get(TASK_DETAIL, task["_id"]).json()["data"]["status"] == 4
        assert _credit(sim) == 1000 - ANALYSIS_COST


def test_a_refund_makes_room_for_the_next_task() -> None:
    with in_process(credits=ANALYSIS_COST + 130) as sim:
        task = _task(sim, FAILING)
        assert sim.post(TASK_CREATE, sim.task_body(FAILING)).json()["code"] == 1104
        sim.finish(task["_id"])
        assert sim.post(TASK_CREATE, sim.task_body(FAILING)).json()["code"] == 1000


def test_balances_are_per_team_shown_in_stats_and_restored_by_reset() -> None:
    with in_process(credits=500) as sim:
        poor_client_id = sim.core.add_team(api_key="poor-key", credits=ANALYSIS_COST)
        poor = {"x-api-key": "poor-key"}
        assert _credit(sim, poor) == 1
        sim.post(ANALYZE, {"video_url": URL, "type": "head"}, headers=poor)
        assert _credit(sim, poor) == 0 and _credit(sim) == 500
        _task(sim, FAILING)  # its refund is pending when reset comes
        teams = {
            t["client_id"]: t["credits"] for t in sim.client.get("/_sim/stats").json()["teams"]
        }
        assert teams == {sim.core.client_id: 500 - 1 - 130, poor_client_id: 0}
        sim.client.post("/_sim/reset")
        sim.clock.advance(10_000)  # the forgotten task's refund never lands
        assert _credit(sim) == 500 and _credit(sim, poor) == 1


def test_quota_over_a_real_socket(sim: Simulator) -> None:
    with httpx.Client(base_url=sim.base_url, headers={"x-api-key": sim.api_key}) as client:
        before = client.get(QUOTA_INFO).json()["data"]["credit"]
        body = {"video_url": URL, "type": "head"}
        assert client.post(ANALYZE, json=body).json()["code"] == 1000
        assert client.get(QUOTA_INFO).json()["data"]["credit"] == before - ANALYSIS_COST
    assert sim.stats()["requests"]["quota_info"] == 2
