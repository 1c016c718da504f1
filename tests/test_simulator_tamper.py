"""Record-level and envelope faults: mismatched ids, echoed credentials, absurd Retry-After,
1109; and how every new fault is configured (FaultConfig, /_sim/faults, the CLI)."""

from __future__ import annotations

import email.utils
import time
from collections import Counter
from typing import Any
from urllib.parse import quote

import pytest
from sim_helpers import (
    ANALYZE,
    ANALYZE_DETAIL,
    GET_TOKEN,
    QUOTA_INFO,
    TASK_CREATE,
    TASK_DETAIL,
    Sim,
    completed_analysis,
    in_process,
)

from headswap_nb.simulator import FaultConfig, FaultKind
from headswap_nb.simulator.cli import build_parser, faults_from_args
from headswap_nb.simulator.faults import choose_fault
from headswap_nb.simulator.ids import is_object_id

URL = "https://example.com/v.mp4?duration=8&people=2&fail=0&task_fail=0"
OTHER_URL = "https://example.com/w.mp4?duration=9&people=1&fail=0&task_fail=0"
BODY = {"video_url": URL, "type": "head"}
NEW_KINDS = {
    "drip_body",
    "drip_headers",
    "mismatched_id",
    "echo_credential",
    "absurd_retry_after",
    "account_not_exist",
}


def _faulty(sim: Sim, **faults: Any) -> None:
    sim.core.set_faults(FaultConfig(**faults))


# -- mismatched_id ----------------------------------------------------------------------------
def test_a_detail_answer_can_carry_another_jobs_id_and_fields() -> None:
    with in_process() as sim:
        mine = sim.analyze(URL)
        others = {}
        for url in (OTHER_URL, URL):
            sim.clock.advance(1)  # so that each job has its own create_time
            others[sim.analyze(url)["_id"]] = url
        sim.core.add_team(api_key="stranger")
        sim.post(ANALYZE, BODY, headers={"x-api-key": "stranger"})  # never borrowed from
        _faulty(sim, mismatched_id=1.0, seed=4)
        shapes = Counter()
        for _ in range(40):
            data = sim.detail(mine["_id"])
            assert data["_id"] in others and data["team_id"] == mine["team_id"]
            borrowed = data["create_time"] != mine["create_time"]
            if borrowed:  # the whole identity of the other job...
                assert data["video_url"] == others[data["_id"]]
            else:  # ...or only its _id on my record
                assert data["video_url"] == URL and data["task_id"] == mine["task_id"]
            shapes[borrowed] += 1
        assert set(shapes) == {True, False}
        assert sim.core.snapshot()["faults"] == {"mismatched_id": 40}


def test_with_no_other_job_the_id_is_a_fresh_object_id() -> None:
    with in_process() as sim:
        mine = sim.analyze(URL)
        _faulty(sim, mismatched_id=1.0)
        data = sim.detail(mine["_id"])
        assert data["_id"] != mine["_id"] and is_object_id(data["_id"])
        assert data["_id"][:8] == mine["_id"][:8]  # a plausible timestamp prefix
        assert data["_id"] not in sim.core.state.analyses


def test_a_task_detail_borrows_another_task_then_an_analysis() -> None:
    with in_process() as sim:
        analysis = completed_analysis(sim, URL)
        first = sim.post(TASK_CREATE, sim.task_body(URL)).json()["data"]
        _faulty(sim, mismatched_id=1.0, seed=1)
        borrowed = sim.get(TASK_DETAIL, first["_id"]).json()["data"]["_id"]
        assert borrowed == analysis["_id"]  # the team's only other job
        _faulty(sim)
        second = sim.post(TASK_CREATE, sim.task_body(URL)).json()["data"]
        _faulty(sim, mismatched_id=1.0, seed=1)
        assert sim.get(TASK_DETAIL, first["_id"]).json()["data"]["_id"] == second["_id"]


def test_mismatched_id_strikes_detail_reads_only() -> None:
    with in_process() as sim:
        _faulty(sim, mismatched_id=1.0)
        job = sim.analyze(URL)
        assert job["_id"] in sim.core.state.analyses  # the submit answer is untouched
        assert sim.client.get(QUOTA_INFO, headers=sim.headers).json()["code"] == 1000
        assert sim.core.snapshot()["faults"] == {}
        assert sim.get(ANALYZE_DETAIL, "nope").json()["code"] == 1014  # errors stay errors
        assert sim.core.snapshot()["faults"] == {"mismatched_id": 1}
    assert choose_fault(FaultConfig(mismatched_id=1.0), is_submit=False, draw=0.5) is None
    config = FaultConfig(mismatched_id=1.0)
    assert choose_fault(config, is_submit=False, draw=0.5, is_detail=True) is (
        FaultKind.MISMATCHED_ID
    )


# -- echo_credential -------------------------------------------------------------------------
def test_the_api_key_is_echoed_into_records_and_error_messages() -> None:
    key = "fake/echo+me=="  # not a key; characters that change when URL-encoded
    with in_process(api_key=key) as sim:
        detail = completed_analysis(sim, URL)
        _faulty(sim, echo_credential=1.0)
        submitted = sim.analyze(URL)
        assert key in submitted["error_reason"] and submitted["task_id"] == key
        assert submitted["video_url"] == f"{URL}&x-api-key={quote(key, safe='')}"
        echoed = sim.detail(detail["_id"])
        assert all(
            m["img_url"].endswith(f"?x-api-key={quote(key, safe='')}")
            for m in echoed["analysis_result"]["media"]
        )
        missing = sim.get(ANALYZE_DETAIL, "nope").json()
        assert missing["code"] == 1014 and key in missing["msg"] and "data" not in missing
        wrong = sim.get(ANALYZE_DETAIL, "nope", headers={"x-api-key": "typo-key"}).json()
        assert wrong["code"] == 1101 and "typo-key" in wrong["msg"]
        assert sim.client.get(QUOTA_INFO).json() == {  # nothing to echo: unchanged
            "code": 1102,
            "msg": "Authorization cannot be empty",
        }


def test_a_bearer_token_is_echoed_instead_of_the_key() -> None:
    with in_process() as sim:
        body = {"clientId": sim.core.client_id, "clientSecret": sim.core.api_key}
        token = sim.client.post(GET_TOKEN, json=body).json()["token"]
        _faulty(sim, echo_credential=1.0)
        reply = sim.post(ANALYZE, BODY, headers={"Authorization": f"Bearer {token}"}).json()
        assert reply["data"]["task_id"] == token and sim.core.api_key not in str(reply)


# -- absurd_retry_after and account_not_exist ---------------------------------------------------
def test_absurd_retry_after_values() -> None:
    with in_process() as sim:
        _faulty(sim, absurd_retry_after=1.0, seed=2)
        replies = [sim.post(ANALYZE, BODY) for _ in range(80)]
        assert {r.status_code for r in replies} == {200, 429}
        assert all(
            r.json() == {"code": 1005, "msg": "Requests are being made too frequently"}
            for r in replies
        )
        values = Counter(r.headers["retry-after"] for r in replies)
        dates = [v for v in values if "GMT" in v]
        assert set(values) - set(dates) == {"86400", "1e308", "-5", "nan", "soon, probably"}
        assert len(dates) >= 1
        years_away = email.utils.parsedate_to_datetime(dates[0]).timestamp() - time.time()
        assert years_away > 5 * 365 * 86400
        assert sim.core.state.analyses == {}  # throttled before the job exists


def test_account_not_exist_is_1109_before_anything_happens() -> None:
    with in_process() as sim:
        _faulty(sim, account_not_exist=1.0)
        for reply in (sim.post(ANALYZE, BODY), sim.client.get(QUOTA_INFO, headers=sim.headers)):
            assert reply.status_code == 200
            assert reply.json() == {"code": 1109, "msg": "account not exist"}
        assert sim.core.state.analyses == {}


def test_submits_can_get_1109_while_reads_stay_clean() -> None:
    with in_process() as sim:
        job = sim.analyze(URL)
        _faulty(sim, submits=FaultConfig(account_not_exist=1.0))
        assert sim.post(ANALYZE, BODY).json()["code"] == 1109
        assert sim.detail(job["_id"])["_id"] == job["_id"]


# -- configuration ---------------------------------------------------------------------------
def test_new_faults_are_off_by_default_and_round_trip() -> None:
    defaults = FaultConfig()
    assert {kind.value for kind in FaultKind} >= NEW_KINDS
    assert all(getattr(defaults, name) == 0.0 for name in NEW_KINDS)
    assert defaults.drip_interval == 0.3 and not defaults.enabled
    config = FaultConfig(drip_headers=0.1, echo_credential=0.2, drip_interval=0.05)
    assert FaultConfig.from_dict(config.to_dict()) == config
    for bad in ({"drip_interval": -1.0}, {"drip_body": 0.6, "account_not_exist": 0.6}):
        with pytest.raises(ValueError):
            FaultConfig(**bad)
    with pytest.raises(ValueError):
        FaultConfig.from_dict({"drip_interval": "fast"})


def test_admin_route_sets_and_shows_the_new_faults() -> None:
    with in_process() as sim:
        reply = sim.client.post("/_sim/faults", json={"account_not_exist": 1.0, "scope": "reads"})
        assert reply.json()["account_not_exist"] == 1.0 and reply.json()["drip_interval"] == 0.3
        assert sim.get(ANALYZE_DETAIL, "x").json()["code"] == 1109
        assert sim.post(ANALYZE, BODY).json()["code"] == 1000
        assert sim.client.get("/_sim/stats").json()["faults"] == {"account_not_exist": 1}


def test_cli_options_reach_the_fault_config() -> None:
    args = build_parser().parse_args(
        [
            "--fault-drip-body=0.1",
            "--fault-drip-headers=0.05",
            "--fault-mismatched-id=0.02",
            "--fault-echo-credential=0.03",
            "--fault-absurd-retry-after=0.04",
            "--fault-account-not-exist=0.01",
            "--drip-interval=0.5",
        ]
    )
    assert faults_from_args(args) == FaultConfig(
        drip_body=0.1,
        drip_headers=0.05,
        mismatched_id=0.02,
        echo_credential=0.03,
        absurd_retry_after=0.04,
        account_not_exist=0.01,
        drip_interval=0.5,
    )
    assert faults_from_args(build_parser().parse_args([])) == FaultConfig()
