"""The board as plain text and static HTML, for front ends without the widget extension.

Like tqdm's fallback: plain IPython, nbconvert, or a front end that cannot show widgets
still gets a readable picture of the same state (summary + the same rows). Pure functions,
no ipywidgets.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any

from headswap_nb.jobs.pace import approximate
from headswap_nb.widgets.present import (
    BADGE_COLOURS,
    badge_html,
    format_elapsed,
    select_visible,
    short_url,
)

if TYPE_CHECKING:
    from headswap_nb.batch import Batch
    from headswap_nb.jobs import BatchSummary, JobEntry

__all__ = ["board_html", "board_text", "fallback_bundle"]


def fallback_bundle(
    batch: Batch | None, client: Any, limit: int, hidden: Collection[str]
) -> dict[str, str]:
    """``text/plain`` and ``text/html`` of a board driving ``batch`` through ``client``."""
    from headswap_nb.connection import describe
    from headswap_nb.jobs import BatchSummary

    summary = batch.summary if batch is not None else BatchSummary()
    entries = batch.entries if batch is not None else ()
    info = describe(client).describe() if client is not None else "not connected"
    options: dict[str, Any] = {
        "limit": limit,
        "hidden": hidden,
        "connection": info,
        "shown": batch.shown if batch is not None else None,
        "pace": batch.pace().describe() if batch is not None and not summary.done else "",
    }
    return {
        "text/plain": board_text(summary, entries, **options),
        "text/html": board_html(summary, entries, **options),
    }


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


def board_html(
    summary: BatchSummary,
    entries: Sequence[JobEntry],
    *,
    limit: int = 50,
    hidden: Collection[str] = (),
    connection: str = "",
    shown: Callable[[JobEntry], tuple[float, float | None]] | None = None,
    pace: str = "",
) -> str:
    """A static HTML table of the same state; every user string escaped."""
    visible = select_visible(entries, limit, hidden)
    rows = []
    for i in visible:
        entry = entries[i]
        state = entry.state.value
        width, _ = _shown(entry, shown)
        colour = BADGE_COLOURS.get(state, "#757575")
        bar = (
            '<div style="width:120px;height:10px;background:#8883;border-radius:3px">'
            f'<div style="width:{width:.0f}%;height:10px;background:{colour};'
            'border-radius:3px"></div></div>'
        )
        rows.append(
            "<tr>"
            f'<td title="{html.escape(entry.url)}">{html.escape(short_url(entry.url))}</td>'
            f"<td>{badge_html(state)}</td><td>{bar}</td><td>{width:.0f}%</td>"
            f"<td>{format_elapsed(entry.elapsed_s)}</td>"
            f"<td><code>{html.escape(entry.analysis_id or '')}</code></td>"
            f'<td style="color:#c62828">{html.escape(entry.error or "")}</td>'
            "</tr>"
        )
    more = ""
    if len(visible) < len(entries):
        more = f"<div>showing {len(visible)} of {len(entries)}</div>"
    head = "".join(
        f'<th style="text-align:left;padding:2px 6px">{name}</th>'
        for name in ("url", "status", "progress", "%", "elapsed", "analysis id", "error")
    )
    conn = f"<div>{html.escape(connection)}</div>" if connection else ""
    line = summary.describe() + (f" · {pace}" if pace else "")
    return (
        f'<div class="hs-fallback">{conn}<div><b>{html.escape(line)}</b></div>'
        f'<table style="border-collapse:collapse;font-size:12px"><thead><tr>{head}</tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table>{more}</div>"
    )
