"""Every documented example response, reproduced field for field (akool-api.md §2.1, §4)."""

from __future__ import annotations

import base64
import json
import re

from sim_helpers import (
    ANALYZE,
    ANALYZE_DETAIL,
    GET_TOKEN,
    TASK_CREATE,
    TASK_DETAIL,
    in_process,
)

from headswap_nb.simulator.ids import ObjectIdMinter, is_object_id, object_id_seconds

URL = "https://example.com/videos/source.mp4?duration=10&people=3&fail=0&task_fail=0"
OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")


def _types(data: dict[str, object]) -> dict[str, str]:
    return {key: type(value).__name__ for key, value in data.items()}


def test_get_token_returns_the_token_at_the_top_level() -> None:
    with in_process() as sim:
        body = {"clientId": sim.core.client_id, "clientSecret": sim.core.api_key}
        reply = sim.client.post(GET_TOKEN, json=body).json()
        assert list(reply) == ["code", "token"]
        assert reply["code"] == 1000
        header, payload, signature = reply["token"].split(".")
        assert json.loads(base64.urlsafe_b64decode(header + "==")) == {
            "alg": "HS256",
            "typ": "JWT",
        }
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        assert set(claims) == {
            "id",
            "type",
            "from",
            "email",
            "firstName",
            "uid",
            "code",
            "iat",
            "exp",
        }
        assert OBJECT_ID.match(claims["id"]) and isinstance(claims["uid"], int)
        assert claims["exp"] - claims["iat"] > 365 * 86400  # "valid for more than 1 year"
        assert signature


def test_analyze_submit_matches_the_example() -> None:
    with in_process() as sim:
        reply = sim.post(ANALYZE, {"video_url": URL, "type": "head"}).json()
        assert list(reply) == ["code", "msg", "data"]
        assert reply["code"] == 1000 and reply["msg"] == "Analyze success"
        data = reply["data"]
        assert list(data) == [
            "_id",
            "create_time",
            "uid",
            "team_id",
            "video_url",
            "type",
            "status",
            "task_id",
            "progress",
        ]
        assert _types(data) == {
            "_id": "str",
            "create_time": "int",
            "uid": "int",
            "team_id": "str",
            "video_url": "str",
            "type": "str",
            "status": "int",
            "task_id": "str",
            "progress": "int",
        }
        assert data["video_url"] == URL and data["type"] == "head"
        assert (data["status"], data["progress"]) == (1, 0)
        for key in ("_id", "team_id", "task_id"):
            assert OBJECT_ID.match(data[key])
        assert object_id_seconds(data["_id"]) == data["create_time"] // 1000
        assert object_id_seconds(data["task_id"]) == data["create_time"] // 1000


def test_analysis_detail_completed_matches_the_example() -> None:
    with in_process() as sim:
        submitted = sim.analyze(URL)
        sim.finish(submitted["_id"])
        reply = sim.get(ANALYZE_DETAIL, submitted["_id"]).json()
        assert reply["msg"] == "OK" and reply["code"] == 1000
        data = reply["data"]
        assert list(data) == [
            "_id",
            "create_time",
            "uid",
            "team_id",
            "video_url",
            "type",
            "status",
            "task_id",
            "analysis_result",
            "progress",
            "error_reason",
            "error_code",
        ]
        assert (data["status"], data["progress"]) == (3, 100)
        assert (data["error_reason"], data["error_code"]) == ("success", 0)
        for key in ("_id", "create_time", "uid", "team_id", "video_url", "task_id"):
            assert data[key] == submitted[key]
        result = data["analysis_result"]
        assert list(result) == ["detected_objects", "media", "video_info"]
        assert result["detected_objects"] == 3
        assert [m["obj_id"] for m in result["media"]] == [0, 1, 2]
        for item in result["media"]:
            assert list(item) == ["media_type", "obj_id", "img_url"]
            assert item["media_type"] == "images"
            assert item["img_url"].startswith("http://testserver/_sim/media/preview/")
        info = result["video_info"]
        assert list(info) == ["width", "height", "fps", "frame_count"]
        assert all(isinstance(v, int) for v in info.values())
        assert info["frame_count"] == 10 * info["fps"]


def test_analysis_detail_while_running_has_null_result() -> None:
    with in_process() as sim:
        data = sim.detail(sim.analyze(URL)["_id"])
        assert data["analysis_result"] is None and data["status"] == 1
        assert data["error_code"] == 0


def test_task_create_and_detail_match_the_examples() -> None:
    with in_process() as sim:
        sim.finish(sim.analyze(URL)["_id"])
        reply = sim.post(TASK_CREATE, sim.task_body(URL)).json()
        assert reply["code"] == 1000 and reply["msg"] == "OK"
        data = reply["data"]
        assert list(data) == [
            "_id",
            "create_time",
            "uid",
            "team_id",
            "video_duration",
            "task_id",
            "resolution",
            "status",
            "deduction_lock_duration",
            "model_name",
            "file_name",
            "video_url",
        ]
        assert data["video_duration"] == 10 and data["deduction_lock_duration"] == 100
        assert data["video_url"] is None and data["status"] == 1
        assert data["file_name"] == f"Headswap_{data['create_time']}.mp4"
        assert (data["resolution"], data["model_name"]) == ("720p", "akool-premium")
        assert object_id_seconds(data["_id"]) == data["create_time"] // 1000

        running = sim.get(TASK_DETAIL, data["_id"]).json()["data"]
        assert running["video_url"] is None and "error_code" not in running
        sim.finish(data["_id"])
        detail = sim.get(TASK_DETAIL, data["_id"]).json()
        assert detail["msg"] == "OK"
        done = detail["data"]
        assert list(done) == [
            "_id",
            "uid",
            "team_id",
            "source_video_url",
            "create_time",
            "status",
            "video_duration",
            "resolution",
            "deduction_duration",
            "video_url",
            "progress",
            "priority",
            "task_id",
            "file_name",
            "model_name",
        ]
        assert done["source_video_url"] == URL
        assert (done["status"], done["progress"], done["deduction_duration"]) == (3, 100, 15)
        assert done["video_url"] == f"http://testserver/_sim/media/output/{data['_id']}.mp4"
        assert done["priority"] == 9 and done["file_name"] == data["file_name"]


def test_task_ids_share_a_worker_segment_and_count_up() -> None:
    with in_process() as sim:
        analysis = sim.analyze(URL)
        sim.finish(analysis["_id"])
        task = sim.post(TASK_CREATE, sim.task_body(URL)).json()["data"]
        assert analysis["task_id"][8:18] == task["task_id"][8:18]
        assert int(task["task_id"][18:], 16) == int(analysis["task_id"][18:], 16) + 1
        assert analysis["_id"][8:18] != analysis["task_id"][8:18]


def test_minter_embeds_the_timestamp() -> None:
    minter = ObjectIdMinter(seed=1, label="x")
    first, second = minter.mint(1778806213), minter.mint(1778806213)
    assert is_object_id(first) and first.startswith("6a066dc5")
    assert first != second and first[:18] == second[:18]
