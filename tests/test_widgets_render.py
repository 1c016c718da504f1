"""headswap_nb.widgets.render and rowlist: what a flush sends first, within a budget."""

from __future__ import annotations

import ipywidgets
import pytest
from widget_helpers import max_per_window

pytestmark = pytest.mark.sim(speed=40.0, seed=3)


def test_flush_sends_most_important_first() -> None:
    """Summary, then state changes, then progress, then ticks; what does not fit waits."""
    from dataclasses import replace
    from types import SimpleNamespace

    from headswap_nb.batch import BatchEntry, BatchSummary, EntryState
    from headswap_nb.widgets.render import BoardRenderer
    from headswap_nb.widgets.results import ResultsPanel
    from headswap_nb.widgets.summary import SummaryBar

    r = BoardRenderer(ipywidgets.VBox(), SummaryBar(), ResultsPanel(), capacity=5)
    entries = [BatchEntry(f"https://e.com/{i}.mp4", EntryState.QUEUED, ref=i + 1) for i in range(4)]
    batch = SimpleNamespace(entries=tuple(entries), summary=BatchSummary(total=4, queued=4))

    def flush(allowance: int, now: float, limit: int = 4) -> tuple[int, int]:
        return r.render(batch, limit=limit, hidden=(), allowance=allowance, now=now)

    # Rows are created with their content: only the summary (2) and the row list (1) cost.
    assert flush(5, 0.0) == (3, 0) and len(r.rows) == 4
    # Two rows complete, one moves on: the summary is not due yet; state changes first
    # (3 messages each), oldest-updated first; what does not fit is asked for (need).
    done = EntryState.COMPLETED
    entries[0] = replace(entries[0], state=done, progress=100.0)
    entries[1] = replace(entries[1], state=done, progress=100.0)
    entries[2] = replace(entries[2], progress=40.0)
    batch.entries = tuple(entries)
    batch.summary = BatchSummary(total=4, completed=2, queued=2, progress=60.0)
    assert flush(4, 0.1) == (3, 3)
    assert "hs-row-completed" in r.rows[0]._dom_classes
    assert "hs-row-queued" in r.rows[1]._dom_classes and r.rows[2].bar.value == 0.0
    assert flush(5, 0.2) == (4, 2)  # row 1's state, then row 2's bar; the summary waits
    assert r.rows[2].bar.value == 40.0 and r.rows[2].bar.description == "40%"
    assert flush(5, 0.6) == (2, 0)  # the summary, now due
    assert ">60%</b>" in r.summary.text.value
    assert flush(5, 0.7) == (0, 0)  # nothing changed: nothing sent
    # With 3 rows, a finished row goes (the row list: 1; "showing 3 of 4": 1)...
    assert flush(5, 1.2, limit=3) == (2, 0)
    urls = [e.url for e in entries]
    assert [row.entry_url for row in r.rows_box.children] == [urls[1], urls[2], urls[3]]
    # ...and when a retried entry is active again, the other finished row makes way: the
    # new entry takes it in place (url, class, bar, detail: 4) once the bucket holds 4.
    entries[0] = replace(entries[0], state=EntryState.QUEUED, progress=0.0)
    batch.entries = tuple(entries)
    assert flush(3, 1.3, limit=3) == (0, 4)
    assert flush(5, 1.4, limit=3) == (4, 0)
    assert [row.entry_url for row in r.rows_box.children] == [urls[0], urls[2], urls[3]]


def test_twenty_moving_rows_none_frozen_for_two_seconds_within_30_messages() -> None:
    """The front-end budget on a virtual clock: with 20 rows processing (their shown progress
    moving all the time), every bar is updated at least every 2 s, while the whole board
    sends at most about 30 messages a second."""
    from types import SimpleNamespace

    from headswap_nb.jobs import BatchSummary, EntryState, JobEntry
    from headswap_nb.jobs.pace import Pace
    from headswap_nb.widgets.render import BoardRenderer
    from headswap_nb.widgets.results import ResultsPanel
    from headswap_nb.widgets.summary import ActionBar, SummaryBar
    from headswap_nb.widgets.throttle import Coalescer

    clock = [0.0]
    entries = [
        JobEntry(f"https://e.com/{i}.mp4", EntryState.PROCESSING, ref=i + 1, job_id=f"{i:024x}")
        for i in range(20)
    ]

    def shown(entry: JobEntry) -> tuple[float, float | None]:
        # Each job moves at its own pace, so every bar differs every tenth of a second.
        value = min(99.0, clock[0] * (1.0 + entry.ref / 10))
        return round(value, 1), 30.0

    batch = SimpleNamespace(
        entries=tuple(entries),
        summary=BatchSummary(total=20, processing=20),
        shown=shown,
        pace=lambda: Pace(None, 30.0),
        retryable=lambda include_refused=False: [],
    )
    pacer = Coalescer(10, budget=30.0)
    r = BoardRenderer(
        ipywidgets.VBox(), SummaryBar(), ResultsPanel(), capacity=pacer.capacity,
        actions=ActionBar(),
    )  # fmt: skip
    last_change: dict[int, float] = {}
    longest = 0.0
    sent_at: list[float] = []
    while clock[0] < 40.0:
        pacer.mark()  # the bars move on all the time
        delay = pacer.delay(clock[0]) or 0.0
        clock[0] += max(delay, 0.01)
        before = {row.key: row.bar.value for row in r.rows}
        sent, need = r.render(
            batch, limit=50, hidden=(), allowance=pacer.take(clock[0]), now=clock[0]
        )
        pacer.charge(sent, need=need)
        sent_at += [clock[0]] * sent
        for row in r.rows:
            if row.key is None:
                continue
            if before.get(row.key) != row.bar.value:
                if clock[0] > 2.0 and row.key in last_change:  # after the rows exist
                    longest = max(longest, clock[0] - last_change[row.key])
                last_change[row.key] = clock[0]
    print(f"longest frozen bar {longest:.2f} s; {len(sent_at) / clock[0]:.1f} messages/s")
    assert longest <= 2.0, longest
    assert len(sent_at) <= 30 * clock[0] + pacer.capacity
    assert max_per_window(sent_at) <= 30 + pacer.capacity
