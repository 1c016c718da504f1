"""A real Jupyter kernel runs a journaled batch of 200; it is SIGKILLed mid-way; a fresh
kernel resumes from the journal (``Batch.resume`` + ``add`` of the same list).

To make the ambiguous case certain rather than lucky, the first kernel's submits meet
dropped connections (5 %: the job exists, the client cannot know its id), and right before
the kill every submit reaching the server is held back, so the kill lands with submits in
flight whose jobs exist. Then: every URL ends with exactly one analysis on the simulator,
all of them reach a terminal state, and the ambiguous ones are reported (``needs_attention``,
state ``unknown``), not resubmitted.

Reuses the kernel helpers of ``test_batch_kernel.py`` (the 120-URL re-run test).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

pytest.importorskip("jupyter_client")
from kernel_helpers import execute, journaled, start_kernel

from headswap_nb.simulator import FaultConfig, Simulator

pytestmark = [pytest.mark.slow, pytest.mark.sim(speed=10.0, seed=11)]

N_URLS = 200


def _urls() -> list[str]:
    # 0.1–1.5 s of real time each at speed 10; 1 in 10 fails (a terminal state too).
    return [
        f"https://kill200.example/{i}.mp4?duration=10&queue={i % 2}&time={5 + (i * 7) % 10}"
        f"&fail={1 if i % 10 == 3 else 0}"
        for i in range(N_URLS)
    ]


def _without_id(path: Path) -> dict[str, str]:
    """URL → journal state of analyses claimed without an id yet (read by another process);
    ``pending`` ones were never sent."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        rows = conn.execute(
            "SELECT url, state FROM jobs "
            "WHERE kind = 'analysis' AND job_id IS NULL AND state != 'pending'"
        ).fetchall()
    finally:
        conn.close()
    return dict(rows)


def test_sigkill_mid_batch_then_resume_in_a_fresh_kernel(sim: Simulator, tmp_path: Path) -> None:
    journal = tmp_path / "batch.sqlite"
    urls = _urls()
    sim.set_faults(FaultConfig(drop=0.05, scope="submits", seed=5))
    manager, client = start_kernel(sim)
    try:
        execute(
            client,
            "from headswap_nb import Batch\n"
            f"urls = {json.dumps(urls)}\n"
            f"batch = Batch(urls, journal={str(journal)!r}, concurrency=4)\n"
            "task = batch.start()\nprint('started')",
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            ids, running = journaled(journal)
            try:
                unknown = "unknown" in _without_id(journal).values()
            except sqlite3.OperationalError:
                unknown = False
            if ids >= N_URLS // 3 and running > 0 and unknown:
                break
            time.sleep(0.02)
        else:
            pytest.fail(f"the batch never got going: {journaled(journal)}")
        # From now on every submit reaching the server creates its job, then waits: the
        # kill below lands on submits whose jobs exist but whose ids nobody recorded.
        sim.set_faults(FaultConfig(slow=1.0, slow_seconds=4.0, scope="submits"))
        time.sleep(1.0)
        os.kill(manager.provisioner.pid, signal.SIGKILL)
    finally:
        client.stop_channels()
        manager.cleanup_resources()
    sim.set_faults(FaultConfig())
    ids_at_kill, running_at_kill = journaled(journal)
    ambiguous = _without_id(journal)
    assert 0 < ids_at_kill < N_URLS and running_at_kill > 0, "killed mid-way"
    assert "unknown" in ambiguous.values() and "submitting" in ambiguous.values(), ambiguous
    submitted_at_kill = sum(sim.stats()["analyses_per_url"].values())
    assert submitted_at_kill < N_URLS

    manager, client = start_kernel(sim)
    try:
        out = execute(
            client,
            "import json\n"
            "from headswap_nb import Batch\n"
            f"batch = Batch.resume({str(journal)!r}, concurrency=4)\n"
            "resumed = len(batch.entries)\n"
            "attention_before = sorted(e.url for e in batch.needs_attention)\n"
            f"added = batch.add({json.dumps(urls)})\n"
            "summary = batch.run_sync()\n"
            "print(json.dumps({'resumed': resumed, 'added': len(added.valid),\n"
            "  'done': summary.done, 'unknown': summary.unknown,\n"
            "  'attention_before': attention_before,\n"
            "  'attention': sorted(e.url for e in batch.needs_attention),\n"
            "  'errors': {e.url: e.error for e in batch.needs_attention},\n"
            "  'states': {e.url: e.state.value for e in batch.entries}}))",
            timeout=150,
        )
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    result = json.loads(out.strip().splitlines()[-1])
    # The journal knew the whole batch, the never-claimed URLs included: nothing to add.
    assert result["done"] and result["resumed"] == N_URLS and result["added"] == 0

    # Ambiguous submissions are reported (from the start of the resume), never resubmitted.
    assert result["attention_before"] == result["attention"] == sorted(ambiguous)
    assert result["unknown"] == len(ambiguous)
    for url, error in result["errors"].items():
        assert error, url  # says why it needs attention
    # Every URL ends with exactly one analysis on the simulator, submitted once.
    stats = sim.stats()
    per_url = stats["analyses_per_url"]
    assert {url: per_url.get(url, 0) for url in urls} == dict.fromkeys(urls, 1)
    assert max(stats["submissions_per_url"].values()) == 1
    for url in urls:
        expected = {"unknown"} if url in ambiguous else {"completed", "failed"}
        assert result["states"][url] in expected, (url, result["states"][url])
    # All of them reach a terminal state on the server, the ambiguous ones included.
    deadline = time.monotonic() + 30
    for analysis in stats["analyses"]:
        schedule = sim.job(analysis["_id"])
        assert schedule is not None
        while schedule["now"] < schedule["finished_at"]:
            assert time.monotonic() < deadline, schedule
            time.sleep(0.1)
            schedule = sim.job(analysis["_id"])
            assert schedule is not None
    assert sim.api_key.encode() not in journal.read_bytes()
