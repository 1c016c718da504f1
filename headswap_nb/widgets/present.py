"""Pure presentation helpers shared by the widget views and the text/HTML fallback.

No ipywidgets here: what a row says about a ``JobEntry`` (state label, percentage, elapsed
time, shortened URL) and which entries are worth a row when there are thousands.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from headswap_nb.jobs import JobEntry

__all__ = [
    "ACTIVE_STATES",
    "BADGE_COLOURS",
    "badge_html",
    "format_elapsed",
    "is_web_url",
    "select_visible",
    "short_url",
]

ACTIVE_STATES = frozenset({"submitting", "queued", "processing"})
"""Entry states (``EntryState.value``) of analyses being worked on."""
TERMINAL_STATES = frozenset({"completed", "failed", "error", "unknown", "cancelled"})

# Background colour of the status badge, in the spirit of Bootstrap's/tqdm's palette.
BADGE_COLOURS = {
    "pending": "#90a4ae",
    "held": "#f57c00",
    "held back": "#f57c00",
    "submitting": "#4fc3f7",
    "queued": "#29b6f6",
    "processing": "#1e88e5",
    "completed": "#43a047",
    "failed": "#e53935",
    "error": "#e53935",
    "unknown": "#fb8c00",
    "cancelled": "#757575",
}


def short_url(url: str, width: int = 48) -> str:
    """Host and file name, the middle path and the query elided to fit ``width``:
    ``example.com/…/broken.mp4?dura…`` (the scheme is dropped; the tooltip has it all)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or not parts.hostname:
        return url if len(url) <= width else url[: width - 1] + "…"
    host, segments = parts.netloc, [s for s in parts.path.split("/") if s]
    base = host + ("/…/" if len(segments) > 1 else "/") + segments[-1] if segments else host
    text = base + (f"?{parts.query}" if parts.query else "")
    if len(text) <= width:
        return text
    if len(base) < width:
        return text[: width - 1] + "…"
    if width > len(host) + 8:  # the file name itself is too long: keep its end
        return f"{host}/…{base[-(width - len(host) - 2) :]}"
    return "…" + base[-(width - 1) :]


def format_elapsed(seconds: float | None) -> str:
    """``—``, ``7s``, ``3m 05s`` or ``2h 04m``."""
    if seconds is None or seconds < 0:
        return "—"
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    return f"{whole // 3600}h {whole % 3600 // 60:02d}m"


def badge_html(state: str) -> str:
    """A small coloured pill naming the state."""
    colour = BADGE_COLOURS.get(state, "#757575")
    return (
        f'<span class="hs-badge-pill hs-state-{html.escape(state)}" style="background:{colour};'
        'color:white;border-radius:8px;padding:0 6px;font-size:11px;white-space:nowrap">'
        f"{html.escape(state)}</span>"
    )


def is_web_url(url: object) -> bool:
    """True for an absolute http(s) URL (the only kind we put in an ``src``/``href``)."""
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


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
