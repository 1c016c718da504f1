"""Every validation rule of analyze and task/create (akool-api.md §4, §5)."""

from __future__ import annotations

from typing import Any

import pytest
from sim_helpers import ANALYZE, ANALYZE_DETAIL, TASK_CREATE, TASK_DETAIL, in_process

URL = "https://example.com/v.mp4?duration=8&people=2&fail=0&task_fail=0"
FACE = "https://example.com/face.png"


@pytest.mark.parametrize(
    "body",
    [
        {"type": "head"},
        {"video_url": 5, "type": "head"},
        {"video_url": "", "type": "head"},
        {"video_url": "ftp://example.com/v.mp4", "type": "head"},
        {"video_url": "/relative/v.mp4", "type": "head"},
        {"video_url": "https:///nohost.mp4", "type": "head"},
        {"video_url": URL},
        {"video_url": URL, "type": "face"},
    ],
)
def test_bad_analyze_bodies_give_1003(body: dict[str, Any]) -> None:
    with in_process() as sim:
        reply = sim.post(ANALYZE, body).json()
        assert reply["code"] == 1003 and reply["msg"] and "data" not in reply
        assert sim.core.snapshot()["analyses"] == []


@pytest.mark.parametrize("path", [ANALYZE_DETAIL, TASK_DETAIL])
def test_detail_needs_an_id(path: str) -> None:
    with in_process() as sim:
        assert sim.client.get(path, headers=sim.headers).json()["code"] == 1003
        assert sim.get(path, "nope").json()["code"] == 1014


def _ready(sim: Any, url: str = URL) -> None:
    sim.finish(sim.analyze(url)["_id"])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"mappings": []}, "mappings"),
        ({"mappings": "x"}, "mappings"),
        (
            {"mappings": [{"obj_id": i % 2, "img_url": FACE} for i in range(6)]},
            "Up to 5 characters can be replaced at one time.",
        ),
        ({"mappings": [{"obj_id": 5, "img_url": FACE}]}, "obj_id 5"),
        ({"mappings": [{"obj_id": -1, "img_url": FACE}]}, "obj_id -1"),
        ({"mappings": [{"obj_id": "0", "img_url": FACE}]}, "integer"),
        ({"mappings": [{"obj_id": True, "img_url": FACE}]}, "integer"),
        ({"mappings": [{"obj_id": 0.5, "img_url": FACE}]}, "integer"),
        ({"mappings": [{"obj_id": 0, "img_url": "file:///etc/passwd"}]}, "img_url"),
        ({"mappings": [{"obj_id": 0}]}, "img_url"),
        ({"mappings": [7]}, "object"),
        (
            {"mappings": [{"obj_id": 0, "img_url": FACE}, {"obj_id": 0, "img_url": FACE}]},
            "distinct",
        ),
        ({"resolution": "1080p"}, "resolution"),
        ({"resolution": None}, "resolution"),
        ({"model_name": "akool-basic"}, "Your current account does not support this feature."),
        ({"model_name": None}, "model_name"),
        ({"keep_original_sound": "yes"}, "keep_original_sound"),
        ({"template_id": 3}, "template_id"),
        ({"webhookUrl": 3}, "webhookUrl"),
        ({"video_url": "https://example.com/never-analyzed.mp4"}, "analy"),
        ({"video_url": "gopher://example.com/v.mp4"}, "video_url"),
    ],
)
def test_bad_task_bodies_give_1003(overrides: dict[str, Any], message: str) -> None:
    with in_process() as sim:
        _ready(sim)
        reply = sim.post(TASK_CREATE, sim.task_body(URL, **overrides)).json()
        assert reply["code"] == 1003 and "data" not in reply
        assert message in reply["msg"]
        assert sim.core.snapshot()["tasks"] == []


def test_identical_url_is_required() -> None:
    with in_process() as sim:
        _ready(sim)
        for variant in (URL + "&", URL.replace("https", "HTTPS"), URL.replace("v.mp4", "V.mp4")):
            assert sim.post(TASK_CREATE, sim.task_body(variant)).json()["code"] == 1003


def test_task_needs_a_completed_analysis() -> None:
    with in_process() as sim:
        job = sim.analyze(URL)
        reply = sim.post(TASK_CREATE, sim.task_body(URL)).json()
        assert reply["code"] == 1003 and "not completed" in reply["msg"]
        failing = "https://example.com/f.mp4?fail=1"
        sim.analyze(failing)
        sim.finish(job["_id"])
        sim.clock.advance(1000)
        assert sim.post(TASK_CREATE, sim.task_body(failing)).json()["code"] == 1003
        assert sim.post(TASK_CREATE, sim.task_body(URL)).json()["code"] == 1000


def test_most_recent_completed_analysis_is_used() -> None:
    with in_process() as sim:
        first = sim.analyze(URL)
        sim.finish(first["_id"])
        second = sim.analyze(URL)  # still queued
        task = sim.post(TASK_CREATE, sim.task_body(URL)).json()["data"]
        assert sim.core.state.tasks[task["_id"]].analysis_id == first["_id"]
        sim.finish(second["_id"])
        task = sim.post(TASK_CREATE, sim.task_body(URL)).json()["data"]
        assert sim.core.state.tasks[task["_id"]].analysis_id == second["_id"]


def test_optional_fields_default_and_are_accepted() -> None:
    with in_process() as sim:
        _ready(sim)
        body = sim.task_body(URL, resolution="480p", template_id="tpl-1")
        del body["keep_original_sound"], body["webhookUrl"]
        data = sim.post(TASK_CREATE, body).json()["data"]
        job = sim.core.state.tasks[data["_id"]]
        assert job.keep_original_sound is True and job.template_id == "tpl-1"
        assert data["resolution"] == "480p"
        mappings = [{"obj_id": i, "img_url": FACE} for i in range(2)]
        assert sim.post(TASK_CREATE, sim.task_body(URL, mappings=mappings)).json()["code"] == 1000


def test_credits_are_deducted_and_checked() -> None:
    with in_process(credits=250) as sim:
        _ready(sim)  # the analysis costs 1; 8 s clip: 80 credits per task (billing.py)
        codes = [sim.post(TASK_CREATE, sim.task_body(URL)).json()["code"] for _ in range(4)]
        assert codes == [1000, 1000, 1000, 1104]
        assert sim.core.snapshot()["teams"][0]["credits"] == 9
        sim.client.post("/_sim/reset")
        assert sim.core.snapshot()["teams"][0]["credits"] == 250
