"""The pure core of the job engine: states, transitions and summaries."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headswap_nb.jobs import EntryState, JobEntry
from headswap_nb.jobs.summary import Tally, summarize
from headswap_nb.jobs.transitions import (
    on_cancel,
    on_error,
    on_record,
    on_submitted,
    on_submitting,
)
from headswap_nb.models import Analysis

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def record(status: int, progress: float, **extra: object) -> Analysis:
    return Analysis.from_json({"_id": "a" * 24, "status": status, "progress": progress, **extra})


def test_state_flags() -> None:
    terminal = {s for s in EntryState if s.is_terminal}
    active = {s for s in EntryState if s.is_active}
    assert terminal == {
        EntryState.COMPLETED,
        EntryState.FAILED,
        EntryState.ERROR,
        EntryState.UNKNOWN,
        EntryState.CANCELLED,
    }
    assert active == {EntryState.SUBMITTING, EntryState.QUEUED, EntryState.PROCESSING}


def test_transitions_emit_only_real_changes() -> None:
    entry = on_submitting(JobEntry("https://e/x.mp4"))
    assert (entry.state, entry.attempts) == (EntryState.SUBMITTING, 1)
    entry, kind = on_submitted(entry, record(1, 0), NOW)
    assert (kind, entry.state, entry.analysis_id) == ("submitted", EntryState.QUEUED, "a" * 24)
    assert on_record(entry, record(1, 0), NOW)[1] is None  # nothing changed: no event
    entry, kind = on_record(entry, record(2, 0), NOW)
    assert (kind, entry.state) == ("progress", EntryState.PROCESSING)
    assert on_record(entry, record(2, 0), NOW)[1] is None
    entry, kind = on_record(entry, record(2, 40), NOW)
    assert (kind, entry.progress) == ("progress", 40)
    done, kind = on_record(entry, record(3, 100), NOW)
    assert (kind, done.state, done.finished_at, done.error) == (
        "completed",
        EntryState.COMPLETED,
        NOW,
        None,
    )
    failed, kind = on_record(entry, record(4, 60, error_reason="no face", error_code=1015), NOW)
    assert (kind, failed.state, failed.error, failed.error_code) == (
        "failed",
        EntryState.FAILED,
        "no face",
        1015,
    )
    # A status the docs do not list counts as processing (not terminal).
    assert on_record(entry, record(7, 40), NOW)[0].state is EntryState.PROCESSING


def test_error_unknown_and_cancel_transitions() -> None:
    entry = on_submitting(JobEntry("https://e/x.mp4"))
    unknown, kind = on_error(entry, "maybe sent", code=None, unknown=True, now=NOW)
    assert (kind, unknown.state) == ("unknown", EntryState.UNKNOWN)
    error, kind = on_error(entry, "bad url", code=1003, unknown=False, now=NOW)
    assert (kind, error.state, error.error_code) == ("error", EntryState.ERROR, 1003)
    assert on_cancel(error, NOW) == (error, None)  # terminal entries stay as they are
    cancelled, kind = on_cancel(JobEntry("https://e/y.mp4"), NOW)
    assert (kind, cancelled.state) == ("cancelled", EntryState.CANCELLED)


def test_summary_counts_and_describe() -> None:
    entries = [
        JobEntry("a", EntryState.PENDING),
        JobEntry("b", EntryState.QUEUED),
        JobEntry("c", EntryState.PROCESSING, progress=50),
        JobEntry("d", EntryState.COMPLETED, progress=100),
        JobEntry("e", EntryState.FAILED, progress=60),
    ]
    summary = summarize(entries)
    assert (summary.total, summary.pending, summary.queued, summary.processing) == (5, 1, 1, 1)
    assert (summary.completed, summary.failed, summary.done) == (1, 1, False)
    assert summary.progress == pytest.approx((0 + 0 + 50 + 100 + 100) / 5)
    assert summary.describe() == (
        "5 total · 1 pending · 1 queued · 1 processing · 1 completed · 1 failed · 50%"
    )
    assert summarize([JobEntry("d", EntryState.ERROR)]).done
    assert summarize([]).describe() == "0 total · 0%"


@given(
    st.lists(
        st.tuples(st.integers(0, 9), st.sampled_from(list(EntryState)), st.floats(0, 100)),
        max_size=60,
    )
)
def test_running_tally_matches_recomputing(changes: list[tuple[int, EntryState, float]]) -> None:
    entries: dict[int, JobEntry] = {}
    tally = Tally()
    for slot, state, progress in changes:
        new = JobEntry(f"u{slot}", state, progress=progress)
        tally.replace(entries.get(slot), new)
        entries[slot] = new
    expected = summarize(entries.values())
    got = tally.summary()
    assert got.progress == pytest.approx(expected.progress, abs=1e-6)
    assert got == type(got)(**{**_fields(expected), "progress": got.progress})


def _fields(summary: object) -> dict[str, object]:
    return {name: getattr(summary, name) for name in summary.__slots__}  # type: ignore[attr-defined]
