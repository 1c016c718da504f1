"""Which jobs get a row when there are thousands (pure, no ipywidgets): the active ones
first, then the most recently finished, then the next pending."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headswap_nb.jobs import JobEntry

__all__ = ["ACTIVE_STATES", "TERMINAL_STATES", "select_visible"]

ACTIVE_STATES = frozenset({"submitting", "queued", "processing"})
"""Entry states (``EntryState.value``) of jobs being worked on."""
TERMINAL_STATES = frozenset({"completed", "failed", "error", "unknown", "cancelled"})


def select_visible(
    entries: Sequence[JobEntry],
    limit: int,
    hidden: Collection[str] = (),
    keep: Collection[str] = (),
) -> list[int]:
    """Indexes of the entries that get a row, in batch order.

    All of them when there are at most ``limit``; otherwise the active ones first, then the
    most recently finished, then the next pending, up to ``limit``. Within each group the
    URLs in ``keep`` (those already on screen) come first, so rows are not swapped for
    equally relevant ones.
    """
    candidates = [i for i, entry in enumerate(entries) if entry.url not in hidden]
    if len(candidates) <= limit:
        return candidates
    active = [i for i in candidates if entries[i].state.value in ACTIVE_STATES]
    finished = [i for i in candidates if entries[i].state.value in TERMINAL_STATES]
    finished.sort(key=lambda i: (_stamp(entries[i]), i), reverse=True)
    pending = [
        i
        for i in candidates
        if entries[i].state.value not in ACTIVE_STATES
        and entries[i].state.value not in TERMINAL_STATES
    ]
    if keep:
        for group in (active, finished, pending):
            group.sort(key=lambda i: entries[i].url not in keep)  # stable: kept ones first
    return sorted((active + finished + pending)[:limit])


def _stamp(entry: JobEntry) -> float:
    when = entry.finished_at or entry.submitted_at
    return when.timestamp() if when is not None else 0.0
