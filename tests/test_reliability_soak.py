"""The soak benchmark (``benchmarks/soak.py``) in a reduced size, as a test.

150 analyses through a journaled ``Batch`` against the simulator with faults on: every one
reaches a terminal state, no URL is submitted twice, no analysis id the simulator knows is
missing from the journal, the API key echoed back by the server shows in no sink, and no
request outlives its deadline. Faults really struck, and the client retried through them.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.slow

SOAK = Path(__file__).resolve().parent.parent / "benchmarks" / "soak.py"


def _soak_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("headswap_soak_benchmark", SOAK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_reduced_soak_meets_the_required_figures(tmp_path: Path) -> None:
    soak = _soak_module()
    journal = tmp_path / "soak.sqlite"
    result = soak.run(150, speed=40.0, journal=journal, deadline_s=90.0)
    table = soak.report(result, speed=40.0, read_timeout=2.5, slow_seconds=4.0)
    assert result.terminal_share == 1.0, table
    assert result.resubmitted_urls == 0 and result.multi_analysis_urls == 0, table
    assert result.missing_ids == 0, table
    assert result.simulator_ids == result.journal_ids == 150, table
    assert not result.attention, table
    # The faults were real: the simulator injected them, the client saw and retried them.
    assert sum(result.injected.values()) >= 10, table
    seen = {kind for (_, kind), count in result.seen.items() if count and kind != "ok"}
    assert {"HTTP 5xx", "throttled (HTTP 429 + Retry-After)", "throttled (code 1005)"} <= seen
    assert result.retries.get("read", 0) > 0 and result.retries.get("submit", 0) > 0, table
    assert "100.0%" in table and "MISSED" not in table
    # The hostile faults too: the key echoed back reached no sink, no drip outlived its
    # request's deadline.
    assert result.injected.get("echo_credential", 0) > 0, table
    assert result.injected.get("drip_body", 0) + result.injected.get("drip_headers", 0) > 0
    assert not any(result.sightings.values()), table
    assert result.longest_call_s <= result.deadline_s + soak.DEADLINE_SLACK, table
