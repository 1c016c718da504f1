"""Hangs: the server accepts a connection and never answers (``?hang=detail`` hint, or the
``hang`` fault). The client gives up within its configured timeouts with a clear error; on
the board that error shows on the hanging analysis's row while the others complete."""

from __future__ import annotations

import asyncio
import builtins
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

from headswap_nb import Client, PollPolicy
from headswap_nb.client import AsyncClient
from headswap_nb.errors import SubmissionUnknownError, TimeoutError
from headswap_nb.simulator import FaultConfig, Simulator

pytestmark = pytest.mark.sim(speed=40.0, seed=2, api_key="hang-test-key")

HANGING = "https://example.com/hangs.mp4?hang=detail&duration=5&time=1&fail=0"
NORMAL = [f"https://example.com/fine{i}.mp4?duration=5&time=1&fail=0" for i in range(3)]
READ_TIMEOUT = 1.0
MAX_RETRIES = 1
# Every attempt waits one read timeout; the client's backoff sleeps at most 0.5·2^attempt.
CLIENT_BOUND = READ_TIMEOUT * (MAX_RETRIES + 1) + 0.5 * MAX_RETRIES + 1.0  # + 1 s slack

T = TypeVar("T")


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a worker thread. Playwright's sync API (the session-scoped
    ``browser`` fixture) leaves a running event loop in the main thread, so a plain
    ``asyncio.run`` fails in any test that runs after the first browser test."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_sync_client_gives_up_on_a_hanging_read_with_a_clear_error(sim: Simulator) -> None:
    with Client(
        api_key=sim.api_key, base_url=sim.base_url, timeout=READ_TIMEOUT, max_retries=MAX_RETRIES
    ) as client:
        analysis_id = client.analyze(HANGING).id
        started = time.monotonic()
        with pytest.raises(TimeoutError) as info:
            client.get_analysis(analysis_id)
        took = time.monotonic() - started
    # The lower bound is the point (every attempt waited out its timeout); the upper one only
    # guards against waiting forever, with room for a loaded CI machine.
    assert READ_TIMEOUT * (MAX_RETRIES + 1) <= took < 3 * CLIENT_BOUND, took
    message = str(info.value)
    assert "got no answer in time" in message and "timeout=" in message  # says what to do
    assert info.value.subject == analysis_id
    assert isinstance(info.value, builtins.TimeoutError)
    assert sim.stats()["requests"]["analyze_detail"] == MAX_RETRIES + 1


def test_hanging_submit_is_not_resent_and_says_so(sim: Simulator) -> None:
    sim.set_faults(FaultConfig(hang=1.0, scope="submits", hang_seconds=30))
    with Client(
        api_key=sim.api_key, base_url=sim.base_url, timeout=READ_TIMEOUT, max_retries=3
    ) as client:
        started = time.monotonic()
        with pytest.raises(SubmissionUnknownError) as info:
            client.analyze(NORMAL[0])
        took = time.monotonic() - started
    assert READ_TIMEOUT <= took < 3 * READ_TIMEOUT + 2.0, took  # one attempt: a submit is billed
    assert "NOT resent" in str(info.value) and info.value.video_url == NORMAL[0]
    assert sim.stats()["submissions_per_url"] == {NORMAL[0]: 1}


def _run(sim: Simulator, body: Any) -> None:
    async def main() -> None:
        client = AsyncClient(
            api_key=sim.api_key,
            base_url=sim.base_url,
            timeout=READ_TIMEOUT,
            max_retries=MAX_RETRIES,
        )
        try:
            await body(client)
        finally:
            await client.aclose()

    run_async(main())


async def _until(check: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


def test_board_shows_the_timeout_on_the_hanging_row_while_others_complete(
    sim: Simulator,
) -> None:
    from headswap_nb.widgets import AnalysisBoard

    async def body(client: AsyncClient) -> None:
        board = AnalysisBoard(client=client, poll=PollPolicy(interval=0.1, min_interval=0.05))
        try:
            board.submit([HANGING, *NORMAL])
            batch = board.batch
            done = await _until(
                lambda: all(batch.entry(u).state.value == "completed" for u in NORMAL), 15
            )
            assert done, [(e.url, e.state.value) for e in batch.entries]  # others continue
            # Within the client's bound (plus a poll interval and a flush), the hanging row
            # names the timeout, in red.
            shown = await _until(
                lambda: (
                    "got no answer in time" in (batch.entry(HANGING).error or "")
                    and any(
                        row.entry_url == HANGING and "hs-error" in row.detail.value
                        for row in board.rows_box.children
                    )
                ),
                CLIENT_BOUND + 2.0,
            )
            entry = batch.entry(HANGING)
            assert shown, (entry.state.value, entry.error)
            row = next(r for r in board.rows_box.children if r.entry_url == HANGING)
            assert 'style="color:#c62828"' in row.detail.value
            assert "got no answer in time" in row.detail.value
            assert entry.analysis_id is not None  # it exists; it is not resubmitted
            assert sim.stats()["submissions_per_url"][HANGING] == 1
        finally:
            board.close()
            await asyncio.sleep(0.05)

    _run(sim, body)
