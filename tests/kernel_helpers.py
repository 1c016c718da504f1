"""Driving real Jupyter kernels from tests: start one wired to a simulator, run code, and read
a batch journal from outside the kernel (as a second process would)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import jupyter_client

REPO = Path(__file__).resolve().parent.parent


def start_kernel(sim: Any) -> Any:
    env = {
        **os.environ,
        "AKOOL_BASE_URL": sim.base_url,
        "AKOOL_API_KEY": sim.api_key,
        "NO_PROXY": "127.0.0.1,localhost",
        "PYTHONPATH": str(REPO),
    }
    manager = jupyter_client.KernelManager(kernel_name="python3")
    manager.start_kernel(env=env, cwd=str(REPO))
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    return manager, client


def execute(client: Any, code: str, timeout: float = 60) -> str:
    """Run ``code``; return its stdout, raising if the cell raised."""
    reply = client.execute_interactive(code, timeout=timeout, output_hook=_collect(out := []))
    if reply["content"]["status"] != "ok":
        raise AssertionError("\n".join(reply["content"].get("traceback", [])) + "".join(out))
    return "".join(out)


def _collect(out: list[str]) -> Any:
    def hook(message: dict[str, Any]) -> None:
        if message["msg_type"] == "stream":
            out.append(message["content"]["text"])
        elif message["msg_type"] == "error":
            out.append("\n".join(message["content"]["traceback"]))

    return hook


def journaled(path: Path) -> tuple[int, int]:
    """(analyses with an id, of which still non-terminal) as another process sees them."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        with conn:
            ids, running = conn.execute(
                "SELECT COUNT(job_id), "
                "SUM(job_id IS NOT NULL AND state IN ('queued', 'processing')) FROM jobs "
                "WHERE kind = 'analysis'"
            ).fetchone()
        conn.close()
        return ids or 0, running or 0
    except sqlite3.OperationalError:
        return 0, 0
