"""The two commands people type: ``headswap-nb simulate`` and ``headswap-nb demo``."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(args: list[str]) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKOOL_")}
    return subprocess.Popen(
        [sys.executable, "-m", "headswap_nb.cli", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO,
        start_new_session=True,
    )  # fmt: skip


def _read_until(proc: subprocess.Popen[str], pattern: str, timeout: float) -> tuple[str, str]:
    """Lines printed until one matches ``pattern``; returns (all text, the match)."""
    assert proc.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return "".join(seen), match.group(1)
    proc.kill()
    raise AssertionError(f"{pattern!r} never printed:\n{''.join(seen)}")


def _stop(proc: subprocess.Popen[str]) -> int:
    os.killpg(proc.pid, signal.SIGINT)
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise


def test_simulate_answers_the_readme_requests() -> None:
    """The README's curl examples, sent the same way, get the documented answers."""
    port = _free_port()
    proc = _start(["simulate", "--port", str(port), "--speed", "200", "--api-key", "demo-key"])
    try:
        printed, _ = _read_until(proc, r"(Press Ctrl-C)", 30)
        base = f"http://127.0.0.1:{port}"
        assert f"simulator on {base}" in printed
        assert "AKOOL_BASE_URL" in printed
        client_id = re.search(r"\b([0-9a-f]{24})\b", printed)
        headers = {"x-api-key": "demo-key"}
        video = "https://example.com/videos/source.mp4?people=2"  # as in the README
        with httpx.Client(base_url=base, timeout=10) as http:
            submit = http.post(
                "/api/open/v4/headswap/analyze",
                headers=headers,
                json={"video_url": video, "type": "head"},
            ).json()
            assert (submit["code"], submit["msg"]) == (1000, "Analyze success")
            analysis_id = submit["data"]["_id"]
            deadline = time.monotonic() + 30
            while True:
                detail = http.get(
                    "/api/open/v4/headswap/analyze/detail",
                    params={"_id": analysis_id},
                    headers=headers,
                ).json()
                if detail["data"]["status"] in (3, 4) or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            assert detail["data"]["status"] == 3, detail
            created = http.post(
                "/api/open/v4/headswap/task/create",
                headers=headers,
                json={
                    "video_url": video,
                    "model_name": "akool-premium",
                    "resolution": "720p",
                    "mappings": [{"obj_id": 0, "img_url": f"{base}/_sim/media/faces/1.png"}],
                },
            ).json()
            assert created["code"] == 1000 and created["data"]["video_url"] is None
            task = http.get(
                "/api/open/v4/headswap/task/detail",
                params={"_id": created["data"]["_id"]},
                headers=headers,
            ).json()
            assert task["data"]["source_video_url"] == video
            if client_id is not None:
                token = http.post(
                    "/api/open/v3/getToken",
                    json={"clientId": client_id.group(1), "clientSecret": "demo-key"},
                ).json()
                assert token["code"] == 1000 and token["token"].count(".") == 2
    finally:
        assert _stop(proc) == 0


@pytest.mark.slow
def test_demo_prints_a_working_jupyterlab_url_with_a_simulator_behind_it() -> None:
    port = _free_port()
    proc = _start(["demo", "--port", str(port), "--notebooks", str(REPO / "notebooks")])
    try:
        printed, _ = _read_until(proc, r"(Press Ctrl-C)", 120)
        lab_url = re.search(r"JupyterLab\s+(http://\S+)", printed).group(1)  # type: ignore[union-attr]
        simulator = re.search(r"Simulator\s+(http://127\.0\.0\.1:\d+)", printed)
        assert simulator is not None, printed
        assert lab_url.startswith(f"http://127.0.0.1:{port}/lab/tree/01-quickstart.ipynb?token=")
        assert "Voila" in printed and "/voila/render/03-stakeholder-demo.ipynb" in printed
        page = httpx.get(lab_url, timeout=30)
        assert page.status_code == 200 and "JupyterLab" in page.text
        voila_url = re.search(r"Voila app\s+(http://\S+)", printed).group(1)  # type: ignore[union-attr]
        voila = httpx.get(voila_url, timeout=90)  # Voila runs the notebook server-side
        assert voila.status_code == 200 and "widget" in voila.text
        health = httpx.get(f"{simulator.group(1)}/_sim/health", timeout=10).json()
        assert health["status"] == "ok"
        token = lab_url.rsplit("token=", 1)[1]
        contents = httpx.get(
            f"http://127.0.0.1:{port}/api/contents", params={"token": token}, timeout=30
        ).json()
        names = {item["name"] for item in contents["content"]}
        assert {"01-quickstart.ipynb", "03-stakeholder-demo.ipynb"} <= names
        assert "AKOOL_API_KEY=" not in printed  # the generated key is never printed
    finally:
        assert _stop(proc) == 0
