"""Job lifecycle 1 → 2 → 3|4 on the simulated clock, and the admin schedule."""

from __future__ import annotations

import time

from sim_helpers import TASK_CREATE, TASK_DETAIL, in_process

from headswap_nb.simulator import serve

URL = "https://example.com/v.mp4?duration=10&people=2&queue=4&time=20&task_queue=5&task_time=60"


def test_analysis_goes_queued_processing_completed() -> None:
    with in_process(speed=1.0) as sim:
        job_id = sim.analyze(URL)["_id"]
        schedule = sim.client.get(f"/_sim/jobs/{job_id}").json()
        assert schedule["kind"] == "analysis" and schedule["outcome"] == "completed"
        assert schedule["started_at"] - schedule["created_at"] == 4
        assert schedule["finished_at"] - schedule["started_at"] == 20
        seen = []
        for _ in range(30):
            data = sim.detail(job_id)
            seen.append((data["status"], data["progress"]))
            sim.clock.advance(1)
        statuses = [s for s, _ in seen]
        assert statuses == sorted(statuses) and set(statuses) == {1, 2, 3}
        progress = [p for _, p in seen]
        assert progress == sorted(progress) and progress[-1] == 100
        assert all(p == 0 for s, p in seen if s == 1)
        assert all(p < 100 for s, p in seen if s == 2)


def test_failed_analysis_reports_code_and_reason() -> None:
    with in_process() as sim:
        job_id = sim.analyze("https://example.com/f.mp4?fail=1208&time=5")["_id"]
        sim.finish(job_id)
        data = sim.detail(job_id)
        assert data["status"] == 4 and data["analysis_result"] is None
        assert (data["error_code"], data["error_reason"]) == (1208, "Video parsing error")
        assert data["progress"] < 100


def test_duration_outside_window_fails_with_1003() -> None:
    with in_process() as sim:
        for duration in (2.5, 25):
            job_id = sim.analyze(f"https://example.com/d.mp4?duration={duration}")["_id"]
            sim.finish(job_id)
            data = sim.detail(job_id)
            assert data["status"] == 4 and data["error_code"] == 1003
            assert "between 3 and 20 seconds" in data["error_reason"]
        for duration in (3, 20):
            job_id = sim.analyze(f"https://example.com/d.mp4?duration={duration}&fail=0")["_id"]
            sim.finish(job_id)
            assert sim.detail(job_id)["status"] == 3


def test_task_lifecycle_and_failure() -> None:
    with in_process() as sim:
        sim.finish(sim.analyze(URL)["_id"])
        task_id = sim.post(TASK_CREATE, sim.task_body(URL)).json()["data"]["_id"]
        assert sim.get(TASK_DETAIL, task_id).json()["data"]["status"] == 1
        sim.clock.advance(5 + 30)
        halfway = sim.get(TASK_DETAIL, task_id).json()["data"]
        assert halfway["status"] == 2 and 0 < halfway["progress"] < 100
        assert halfway["video_url"] is None
        sim.clock.advance(31)
        assert sim.get(TASK_DETAIL, task_id).json()["data"]["status"] == 3

        bad = "https://example.com/t.mp4?duration=6&people=1&fail=0&task_fail=1"
        sim.finish(sim.analyze(bad)["_id"])
        task_id = sim.post(TASK_CREATE, sim.task_body(bad)).json()["data"]["_id"]
        sim.finish(task_id)
        data = sim.get(TASK_DETAIL, task_id).json()["data"]
        assert data["status"] == 4 and data["video_url"] is None
        assert (data["error_code"], data["error_reason"]) == (1016, "Face swapping error")


def test_speed_compresses_time_and_create_time_follows() -> None:
    with in_process(speed=50.0) as sim:
        first = sim.analyze(URL)
        sim.clock.advance(1.0)  # 50 simulated seconds
        second = sim.analyze(URL)
        assert second["create_time"] - first["create_time"] == 50_000
        assert sim.detail(first["_id"])["status"] == 3


def test_real_clock_under_speed_finishes_in_a_fraction_of_a_second() -> None:
    with serve(speed=400.0) as sim:
        import httpx

        headers = {"x-api-key": sim.api_key}
        with httpx.Client(base_url=sim.base_url, headers=headers) as client:
            body = {"video_url": "https://example.com/v.mp4?queue=2&time=20&fail=0", "type": "head"}
            job_id = client.post("/api/open/v4/headswap/analyze", json=body).json()["data"]["_id"]
            deadline = time.monotonic() + 3
            status = 1
            while status not in (3, 4) and time.monotonic() < deadline:
                time.sleep(0.01)
                reply = client.get("/api/open/v4/headswap/analyze/detail", params={"_id": job_id})
                status = reply.json()["data"]["status"]
            assert status == 3
            schedule = client.get(f"/_sim/jobs/{job_id}").json()
            assert schedule["finished_at"] <= schedule["now"]
