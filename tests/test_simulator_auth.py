"""Authentication and tenancy (akool-api.md §1, §2)."""

from __future__ import annotations

from sim_helpers import ANALYZE, ANALYZE_DETAIL, GET_TOKEN, TASK_CREATE, TASK_DETAIL, in_process

URL = "https://example.com/v.mp4?duration=8&people=2&fail=0&task_fail=0"
BODY = {"video_url": URL, "type": "head"}


def _token(sim, client_id=None, secret=None):  # type: ignore[no-untyped-def]
    body = {"clientId": client_id or sim.core.client_id, "clientSecret": secret or sim.core.api_key}
    return sim.client.post(GET_TOKEN, json=body).json()


def test_missing_credentials_give_1102_without_data() -> None:
    with in_process() as sim:
        for path, method in (
            (ANALYZE, "POST"),
            (ANALYZE_DETAIL, "GET"),
            (TASK_CREATE, "POST"),
            (TASK_DETAIL, "GET"),
        ):
            reply = sim.client.request(method, path, json=BODY, params={"_id": "x"})
            assert reply.status_code == 200
            assert reply.json() == {"code": 1102, "msg": "Authorization cannot be empty"}


def test_wrong_key_and_bad_bearer_give_1101() -> None:
    with in_process() as sim:
        for headers in (
            {"x-api-key": "nope"},
            {"Authorization": "Bearer nope"},
            {"Authorization": "Basic abc"},
            {"Authorization": "Bearer a.b.c"},
        ):
            reply = sim.post(ANALYZE, BODY, headers=headers).json()
            assert reply["code"] == 1101 and "data" not in reply


def test_bearer_token_authenticates_and_wins_over_a_bad_key() -> None:
    with in_process() as sim:
        token = _token(sim)["token"]
        headers = {"Authorization": f"Bearer {token}", "x-api-key": "wrong"}
        assert sim.post(ANALYZE, BODY, headers=headers).json()["code"] == 1000
        # Authorization takes precedence (v5 docs), so a bad token fails even with a good key.
        headers = {"Authorization": "Bearer forged", "x-api-key": sim.core.api_key}
        assert sim.post(ANALYZE, BODY, headers=headers).json()["code"] == 1101


def test_get_token_rejects_wrong_pairs() -> None:
    with in_process() as sim:
        assert _token(sim, secret="wrong")["code"] == 1101
        assert _token(sim, client_id="64db241f6d9e5c4bd136c187")["code"] == 1101
        reply = sim.client.post(GET_TOKEN, json={"clientId": "x"}).json()
        assert reply["code"] == 1003 and "data" not in reply


def test_tokens_expire_on_the_simulated_clock() -> None:
    with in_process(token_ttl_seconds=60, speed=2.0) as sim:
        headers = {"Authorization": f"Bearer {_token(sim)['token']}"}
        assert sim.post(ANALYZE, BODY, headers=headers).json()["code"] == 1000
        sim.clock.advance(31)  # 62 simulated seconds
        assert sim.post(ANALYZE, BODY, headers=headers).json()["code"] == 1101
        fresh = {"Authorization": f"Bearer {_token(sim)['token']}"}
        assert sim.post(ANALYZE, BODY, headers=fresh).json()["code"] == 1000


def test_another_team_cannot_see_or_use_my_jobs() -> None:
    with in_process() as sim:
        other_client_id = sim.core.add_team(api_key="other-key")
        assert other_client_id != sim.core.client_id
        other = {"x-api-key": "other-key"}
        mine = sim.analyze(URL)
        sim.finish(mine["_id"])
        foreign = sim.get(ANALYZE_DETAIL, mine["_id"], headers=other).json()
        assert foreign == {"code": 1014, "msg": "Resource not found"}
        assert sim.get(ANALYZE_DETAIL, "0" * 24).json()["code"] == 1014
        # The other team has no analysis of this URL, so it cannot create a task from mine.
        assert sim.post(TASK_CREATE, sim.task_body(URL), headers=other).json()["code"] == 1003
        task = sim.post(TASK_CREATE, sim.task_body(URL)).json()["data"]
        assert sim.get(TASK_DETAIL, task["_id"], headers=other).json()["code"] == 1014
        theirs = sim.post(ANALYZE, BODY, headers=other).json()["data"]
        assert theirs["team_id"] != mine["team_id"] and theirs["uid"] != mine["uid"]
        token = _token(sim, client_id=other_client_id, secret="other-key")["token"]
        assert (
            sim.get(
                ANALYZE_DETAIL, theirs["_id"], headers={"Authorization": f"Bearer {token}"}
            ).json()["code"]
            == 1000
        )


def test_stats_never_contain_keys_or_tokens() -> None:
    with in_process(api_key="secret-key-123") as sim:
        token = _token(sim)["token"]
        sim.analyze(URL)
        text = sim.client.get("/_sim/stats").text
        assert "secret-key-123" not in text and token not in text
