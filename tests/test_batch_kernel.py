"""A real Jupyter kernel running a journaled batch is SIGKILLed mid-way, then a fresh kernel
re-runs the same cell: no URL is submitted twice, and every tracked analysis finishes.

The simulator runs in this test process; the kernels reach it over loopback with the key in
their environment, exactly as ``make demo`` configures a notebook.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from kernel_helpers import execute, journaled, start_kernel

jupyter_client = pytest.importorskip("jupyter_client")
simulator = pytest.importorskip("headswap_nb.simulator")

REPO = Path(__file__).resolve().parent.parent
N_URLS = 120

pytestmark = [pytest.mark.slow, pytest.mark.sim(speed=10.0, seed=3)]


def _urls() -> list[str]:
    # 0.5–2.5 s of real time each at speed 10; ~10 % of them fail (a terminal state too).
    return [
        f"https://crash.example/{i}.mp4?duration=10&queue=1&time={5 + (i * 7) % 20}"
        f"&fail={1 if i % 10 == 3 else 0}"
        for i in range(N_URLS)
    ]


def test_killed_kernel_then_rerun_submits_nothing_twice(sim: Any, tmp_path: Path) -> None:
    journal = tmp_path / "batch.sqlite"
    urls = _urls()
    cell = (
        f"from headswap_nb import Batch\n"
        f"urls = {json.dumps(urls)}\n"
        f"batch = Batch(urls, journal={str(journal)!r}, concurrency=2)\n"
    )
    manager, client = start_kernel(sim)
    try:
        # The cell returns at once; the batch runs in the background on the kernel's loop.
        execute(client, cell + "task = batch.start()\nprint('started')")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ids, running = journaled(journal)
            if ids >= N_URLS // 3 and running > 0:
                break
            time.sleep(0.01)
        else:
            pytest.fail(f"the batch never got going: {journaled(journal)}")
        os.kill(manager.provisioner.pid, signal.SIGKILL)
    finally:
        client.stop_channels()
        manager.cleanup_resources()
    ids_at_kill, running_at_kill = journaled(journal)
    assert 0 < ids_at_kill < N_URLS and running_at_kill > 0  # killed mid-way

    # A fresh kernel re-runs the same cell (blocking this time, via nest-asyncio2).
    manager, client = start_kernel(sim)
    try:
        out = execute(
            client,
            cell
            + "before = sum(e.analysis_id is not None for e in batch.entries)\n"
            + "summary = batch.run_sync()\n"
            + "import json\n"
            + "print(json.dumps({'before': before, 'done': summary.done,\n"
            + "  'states': {e.url: e.state.value for e in batch.entries},\n"
            + "  'attention': [e.url for e in batch.needs_attention]}))",
            timeout=120,
        )
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    result = json.loads(out.strip().splitlines()[-1])
    assert result["before"] >= ids_at_kill  # re-attached to every journaled id
    assert result["done"]
    per_url = sim.stats()["analyses_per_url"]
    assert max(per_url.values()) == 1, "a URL was submitted twice"
    for url in urls:
        state = result["states"][url]
        if url in result["attention"]:
            # Killed between the intent and the answer: at most the one submission, never a
            # second one; the user decides.
            assert state == "unknown" and per_url.get(url, 0) <= 1
        else:
            assert state in ("completed", "failed"), (url, state)
            assert per_url.get(url) == 1
    assert sim.api_key.encode() not in journal.read_bytes()  # the journal holds no secret
