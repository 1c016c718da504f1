"""headswap_nb.widgets.looks: the board looks at each pasted video before anything is sent.

Real probes of the simulator's own clips (real MP4s at its loopback URLs): thumbnails and
"12.0 s · 160×90 · 10 fps" on the rows, a 25 s clip held back with its reason until "Send
anyway", and a board without the probe extra that says how to enable it and sends as before.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
from widget_helpers import fast_poll, run_with_client, until

from headswap_nb.widgets import AnalysisBoard
from headswap_nb.widgets.looks import ENABLE

pytestmark = pytest.mark.sim(speed=40.0, seed=5)
pytest.importorskip("av")


def _row(board: AnalysisBoard, url: str) -> Any:
    return next(r for r in board.renderer.rows if r.entry_url == url)


def test_pasted_videos_are_looked_at_and_a_long_one_is_held_back(sim: Any) -> None:
    fine, long_one = sim.video_url("clip-12s"), sim.video_url("clip-25s")

    async def body(client: Any) -> None:
        board = AnalysisBoard(client=client, poll=fast_poll())
        try:
            board.inputs.text.value = f"{fine}\n{long_one}"
            await until(lambda: "looked at 2 of 2" in board.inputs.looks.value)
            assert "1 would be held back" in board.inputs.looks.value
            assert "25.0 s long: the API accepts 3–20 s" in board.inputs.looks.value
            before = sim.stats()["requests"].get("analyze", 0)
            board.inputs.analyze.click()
            await until(
                lambda: board.batch.entry(fine).state.value == "completed",
                30,
                state=lambda: (board.batch.entry(fine), sim.stats()),
            )
            held = board.batch.entry(long_one)
            assert held.state.value == "held" and "25.0 s long" in (held.error or "")
            assert sim.stats()["requests"].get("analyze", 0) == before + 1  # only the fine one
            board.refresh()
            row = _row(board, long_one)
            assert "hs-row-held" in row._dom_classes and "25.0 s long" in row.detail.value
            assert 'src="data:image/' in row.thumb.value  # its first frame, before it is sent
            done = _row(board, fine)
            assert "12.0 s · 160×90 · 10 fps" in done.detail.value
            assert 'src="data:image/' in done.thumb.value  # and it stays after the analysis
            row.release.click()  # "Send anyway"
            await until(
                lambda: board.batch.entry(long_one).state.value == "failed",
                30,
                state=lambda: (board.batch.entry(long_one), sim.stats()),
            )
            assert "between 3 and 20 seconds" in (board.batch.entry(long_one).error or "")
            board.tabs.selected_index = 1
            assert board.results.table.value.count('src="data:image/') == 2
        finally:
            board.close()

    run_with_client(body, sim)


def test_a_video_still_being_looked_at_waits_then_goes(sim: Any) -> None:
    fine = sim.video_url("clip-8s") + "?take=2"

    async def body(client: Any) -> None:
        board = AnalysisBoard(client=client, poll=fast_poll())
        try:
            board.inputs.text.value = fine
            board.inputs.analyze.click()  # at once, before typing paused: not looked at yet
            entry = board.batch.entry(fine)
            assert entry.state.value == "held" and "looking at the video" in (entry.error or "")
            await until(
                lambda: board.batch.entry(fine).state.value == "completed",
                30,
                state=lambda: (board.batch.entry(fine), sim.stats()),
            )
        finally:
            board.close()

    run_with_client(body, sim)


def test_without_the_probe_extra_the_board_says_how_and_sends_as_before(
    sim: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "av", None)
    url = sim.video_url("clip-25s")

    async def body(client: Any) -> None:
        board = AnalysisBoard(client=client, poll=fast_poll())
        try:
            board.inputs.text.value = url
            await until(lambda: ENABLE in board.inputs.looks.value.replace("&#x27;", "'"))
            board.inputs.analyze.click()
            assert board.batch.entry(url).state.value in ("pending", "submitting", "queued")
            await until(lambda: board.batch.entry(url).state.value == "failed", 30)
        finally:
            board.close()

    run_with_client(body, sim)
