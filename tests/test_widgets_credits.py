"""Credits on the board: the balance in the connection line, what the board spent, and a
paste the balance cannot cover held back until "Send anyway"."""

from __future__ import annotations

from typing import Any

import pytest
from widget_helpers import fast_poll, run_with_client, until

from headswap_nb.jobs import EntryState
from headswap_nb.widgets import AnalysisBoard
from headswap_nb.widgets.credits import CreditMeter

pytestmark = pytest.mark.sim(speed=40.0, seed=5, credits=5)

QUICK = "?duration=5&queue=0.2&time=3&fail=0"


def test_the_price_of_an_analysis_is_measured_not_guessed() -> None:
    meter = CreditMeter().read(100)
    assert meter.describe() == "100 credits" and meter.price is None
    assert meter.shortfall(1000) is None  # nothing measured yet: no warning made up
    meter = meter.sent(analyses=4).read(92)
    assert meter.price == 2.0 and meter.spent == 8
    assert meter.describe() == "92 credits · 8 spent since this board opened"
    assert meter.shortfall(46) is None
    assert "would cost about 94 credits" in (meter.shortfall(47) or "")
    # Tasks sent in between: the fall is not an analysis's price, the old price stands.
    meter = meter.sent(analyses=1, tasks=1).read(50)
    assert meter.price == 2.0
    # Sent but not read yet: counted as spent at the known price.
    assert meter.sent(analyses=20).shortfall(6) is not None
    assert "no credits left" in (CreditMeter().read(0).shortfall(1) or "")


def test_the_board_shows_the_balance_and_holds_back_what_it_cannot_cover(
    sim: Any,
) -> None:
    async def body(client: Any) -> None:
        board = AnalysisBoard(client=client, poll=fast_poll(), preflight=False)
        try:
            line = board.connection.status
            await until(lambda: "5 credits" in line.value)
            first = [f"https://e.com/first-{i}.mp4{QUICK}" for i in range(2)]
            board.inputs.text.value = "\n".join(first)
            board.inputs.analyze.click()
            await until(lambda: board.batch.summary.completed == 2)
            await until(lambda: "3 credits · 2 spent since this board opened" in line.value)
            more = [f"https://e.com/more-{i}.mp4{QUICK}" for i in range(4)]
            board.inputs.text.value = "\n".join(more)
            board.inputs.analyze.click()
            held = [board.batch.entry(u) for u in more]
            assert all(e.state is EntryState.HELD for e in held)
            assert "would cost about 4 credits" in (held[0].error or "")
            assert sim.stats()["submissions_per_url"].keys() == set(first)  # nothing sent
            board.controller.release(more[:3])  # "Send anyway" on three of them
            await until(lambda: board.batch.summary.completed == 5)
            await until(lambda: "0 credits · 5 spent" in line.value)
        finally:
            board.close()

    run_with_client(body, sim)
