"""The board as plain text, for front ends without the widget extension.

Like tqdm's fallback: plain IPython, a log, or a front end that cannot show widgets still
gets a readable picture of the same state (summary + the same rows). The static HTML
picture is ``snapshot``'s. Pure functions, no ipywidgets.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any

from headswap_nb.jobs.pace import approximate
from headswap_nb.present import short_url
from headswap_nb.widgets.visible import select_visible

if TYPE_CHECKING:
    from headswap_nb.batch import Batch
    from headswap_nb.jobs import BatchSummary, JobEntry

__all__ = ["board_text", "fallback_text"]


def fallback_text(batch: Batch | None, client: Any, limit: int, hidden: Collection[str]) -> str:
    """The ``text/plain`` of a board driving ``batch`` through ``client``."""
    from headswap_nb.connection import describe
    from headswap_nb.jobs import BatchSummary

    summary = batch.summary if batch is not None else BatchSummary()
    entries = batch.entries if batch is not None else ()
    info = describe(client).describe() if client is not None else "not connected"
    return board_text(
        summary,
        entries,
        limit=limit,
        hidden=hidden,
        connection=info,
        shown=batch.shown if batch is not None else None,
        pace=batch.pace().describe() if batch is not None and not summary.done else "",
    )


def board_text(
    summary: BatchSummary,
    entries: Sequence[JobEntry],
    *,
    limit: int = 50,
    hidden: Collection[str] = (),
    connection: str = "",
    shown: Callable[[JobEntry], tuple[float, float | None]] | None = None,
    pace: str = "",
) -> str:
    """A few lines: connection, summary (with the batch's ``pace``), then one line per
    visible analysis at the progress ``shown`` gives (default: as last reported)."""
    visible = select_visible(entries, limit, hidden)
    lines = [f"AnalysisBoard: {summary.describe()}" + (f" · {pace}" if pace else "")]
    if connection:
        lines.append(connection)
    for i in visible:
        entry = entries[i]
        value, eta = _shown(entry, shown)
        line = f"  {entry.state.value:<10} {value:5.1f}%  {_bar(value)}  {short_url(entry.url, 60)}"
        if eta is not None and entry.state.is_active:
            line += f"  {approximate(eta)} left"
        if entry.analysis_id:
            line += f"  id={entry.analysis_id}"
        if entry.error:
            line += f"  error: {entry.error}"
        lines.append(line)
    if len(visible) < len(entries):
        lines.append(f"  (showing {len(visible)} of {len(entries)})")
    return "\n".join(lines)


def _shown(
    entry: JobEntry, shown: Callable[[JobEntry], tuple[float, float | None]] | None
) -> tuple[float, float | None]:
    if entry.state.value == "completed":
        return 100.0, 0.0
    return shown(entry) if shown is not None else (entry.progress, None)


def _bar(value: float, width: int = 10) -> str:
    """``[####......]``: a failed job's bar stays where it stopped, like the widget's."""
    filled = round(min(100.0, max(0.0, value)) / 100 * width)
    return "[" + "#" * filled + "." * (width - filled) + "]"
