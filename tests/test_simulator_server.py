"""Ways to run the simulator: serve() with and without ``with``, the CLI, admin routes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx
import pytest

from headswap_nb.simulator import FaultConfig, Simulator, serve
from headswap_nb.simulator.cli import build_parser


def test_importing_the_package_does_not_load_the_simulator() -> None:
    code = (
        "import sys, headswap_nb;"
        "assert not any(m.split('.')[0] in ('starlette', 'uvicorn') for m in sys.modules);"
        "assert 'headswap_nb.simulator' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_serve_without_with_and_close_twice() -> None:
    sim = serve(api_key="k1", seed=3)
    try:
        assert sim.running and sim.base_url.startswith("http://127.0.0.1:")
        assert sim.api_key == sim.client_secret == "k1" and len(sim.client_id) == 24
        assert "k1" not in repr(sim)
        health = httpx.get(f"{sim.base_url}/_sim/health").json()
        assert health["status"] == "ok"
    finally:
        sim.close()
    sim.close()
    assert not sim.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{sim.base_url}/_sim/health")


def test_generated_keys_differ_and_admin_routes_work() -> None:
    with serve(speed=100) as first, serve(speed=100) as second:
        assert first.api_key != second.api_key
        headers = {"x-api-key": first.api_key}
        with httpx.Client(base_url=first.base_url, headers=headers) as client:
            _exercise_admin(first, client)


def _exercise_admin(first: Simulator, client: httpx.Client) -> None:
    body = {"video_url": "https://e.com/v.mp4?people=1&fail=0", "type": "head"}
    job = client.post("/api/open/v4/headswap/analyze", json=body).json()["data"]
    stats = client.get("/_sim/stats").json()
    assert stats["analyses_per_url"] == {body["video_url"]: 1}
    assert stats["submissions_per_url"] == {body["video_url"]: 1}
    assert stats["analyses"][0] == {
        "_id": job["_id"],
        "video_url": body["video_url"],
        "team_id": job["team_id"],
        "task_id": job["task_id"],
    }
    assert stats["requests"]["analyze"] == 1 and stats["in_flight_max"]["analyze"] == 1
    schedule = client.get(f"/_sim/jobs/{job['_id']}").json()
    assert set(schedule) >= {"created_at", "started_at", "finished_at", "profile", "outcome"}
    assert client.get("/_sim/jobs/nope").status_code == 404
    assert first.job(job["_id"]) is not None
    assert client.post("/_sim/reset").json() == {"reset": True}
    assert first.stats()["analyses"] == []
    first.set_faults(FaultConfig(throttle_code=1.0))
    assert client.get("/_sim/faults").json()["throttle_code"] == 1.0


def test_cli_parser_defaults_to_loopback() -> None:
    args = build_parser().parse_args(["--fault-drop", "0.1", "--fault-scope", "reads"])
    assert args.host == "127.0.0.1" and args.port == 0
    assert args.fault_drop == 0.1 and args.fault_scope == "reads"


def test_python_m_runs_until_interrupted() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "headswap_nb.simulator", "--speed", "10", "--api-key", "cli-key"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]
        exports = dict(
            line.removeprefix("export ").strip().split("=", 1)
            for line in lines
            if line.startswith("export ")
        )
        assert exports["AKOOL_API_KEY"] == "cli-key"
        assert exports["AKOOL_BASE_URL"].startswith("http://127.0.0.1:")
        reply = httpx.post(
            exports["AKOOL_BASE_URL"] + "/api/open/v4/headswap/analyze",
            json={"video_url": "https://e.com/v.mp4", "type": "head"},
            headers={"x-api-key": "cli-key"},
        )
        assert reply.json()["code"] == 1000
        os.kill(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=10)
        assert process.returncode == 0 and "stopped" in out
        assert "Traceback" not in err and "e.com" not in err  # no access log
    finally:
        if process.poll() is None:
            process.kill()
