"""What a row shows of a URL (headswap_nb.present), and which jobs get a row (widgets.visible)."""

from __future__ import annotations

import pytest

from headswap_nb.present import short_url
from headswap_nb.widgets.visible import select_visible

pytestmark = pytest.mark.sim(speed=40.0, seed=3)


def test_short_url_keeps_host_and_tail() -> None:
    url = "https://cdn.example.com/a/very/long/path/to/some/folder/clip-0001.mp4?x=1"
    short = short_url(url, 48)
    assert short == "cdn.example.com/…/clip-0001.mp4?x=1"
    assert short_url("https://e.com/a.mp4") == "e.com/a.mp4"
    assert short_url(url, 30) == "…/clip-0001.mp4?x=1"  # the file name before the host
    long_name = "https://cdn.example.com/spring/final-cut-v1-with-a-rather-long-name.mp4"
    assert short_url(long_name, 38) == "…/final-cut-v1-with…ther-long-name.mp4"
    assert len(short_url(long_name, 38)) == 38


def test_select_visible_prefers_active_then_recent() -> None:
    from datetime import datetime, timedelta, timezone

    from headswap_nb.batch import BatchEntry, EntryState

    t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
    entries = [
        BatchEntry(f"https://e.com/{i}", EntryState.COMPLETED, finished_at=t0 + timedelta(i))
        for i in range(5)
    ]
    entries += [BatchEntry("https://e.com/run", EntryState.PROCESSING)]
    entries += [BatchEntry("https://e.com/next", EntryState.PENDING)]
    assert select_visible(entries, 3, ()) == [3, 4, 5]
    assert select_visible(entries, 10, ()) == list(range(7))
    assert select_visible(entries, 3, {"https://e.com/4"}) == [2, 3, 5]
    # Rows on screen are kept over equally relevant ones (fewer rows change entries).
    assert select_visible(entries, 3, (), keep={"https://e.com/0"}) == [0, 4, 5]
