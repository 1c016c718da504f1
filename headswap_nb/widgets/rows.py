"""One row per analysis: a stock ``HBox[Label, FloatProgress, HTML, Button]`` view.

Label: the URL (host and file name; in full on hover). FloatProgress: the bar, its
percentage as the description (tqdm's ``42%|████``). HTML: status badge · elapsed · id ·
error. Button: "Swap…". The row's CSS class names the state (``hs-row-completed``...).
The row holds no state of its own: ``targets(entry)`` says what the widgets should show for
a ``BatchEntry`` snapshot; ``changes(...)`` of that is what a render would send, one comm
message per changed widget, so the renderer can price it:

* a state change (or the row taking another entry): row class, bar, detail (+ URL) = 3-4;
* a progress change: the bar alone = 1;
* the elapsed time ticking on: the detail alone = 1.

A new row is built with its entry's content, so creating it sends no update message. Its
"Swap…" button (open the head-swap panel) is made with it and shown by CSS on completed rows
only (``_swap_text.STYLE_HTML``), so it costs no message when the state changes.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as W

from headswap_nb.widgets._present import (
    FAILED_STATES,
    badge_html,
    format_elapsed,
    short_url,
)
from headswap_nb.widgets._sync import Changes

if TYPE_CHECKING:
    from headswap_nb.batch import BatchEntry

__all__ = ["BAR_STYLES", "AnalysisRow", "detail_html"]

BAR_STYLES: dict[str, str] = {
    "pending": "info",
    "submitting": "info",
    "queued": "info",
    "processing": "",
    "completed": "success",
    "failed": "danger",
    "error": "danger",
    "unknown": "danger",
    "cancelled": "warning",
}
"""Entry state → ``FloatProgress.bar_style``, as tqdm's notebook bar: info while queued,
plain while processing, success, danger (kept at full width so the failure stays visible;
also for UNKNOWN: an exception whose submit may have reached the server needs attention)."""


def row_traits(entry: BatchEntry) -> dict[str, dict[str, object]]:
    """What each part of a row shows for ``entry``: ``row`` (its classes), ``url``, ``bar``
    and ``detail``."""
    state = entry.state.value
    return {
        "row": {"_dom_classes": ("hs-row", f"hs-row-{state}")},
        "url": {"value": short_url(entry.url, 40), "tooltip": entry.url},
        "bar": {
            "value": 100.0 if state in FAILED_STATES else float(entry.progress),
            "bar_style": BAR_STYLES.get(state, ""),
            "description": f"{entry.progress:.0f}%",
        },
        "detail": {"value": detail_html(entry)},
    }


class AnalysisRow(W.HBox):  # type: ignore[misc]
    """URL (full on hover) · progress bar with its % · status badge, elapsed, id and error."""

    def __init__(self, entry: BatchEntry, *, on_swap: Callable[[str], Any] | None = None) -> None:
        # Everything passed to the constructors travels in the comm-open messages.
        t = row_traits(entry)
        self.url = W.Label(
            layout=W.Layout(width="36ch", flex="0 0 auto", overflow="hidden"),
            _dom_classes=("hs-url",),
            **t["url"],
        )
        self.bar = W.FloatProgress(
            min=0.0,
            max=100.0,
            layout=W.Layout(width="30%", flex="0 0 auto"),
            style={"description_width": "5ch"},
            _dom_classes=("hs-progress",),
            **t["bar"],
        )
        self.detail = W.HTML(
            layout=W.Layout(flex="1 1 0"), _dom_classes=("hs-detail",), **t["detail"]
        )
        self.swap = W.Button(
            description="Swap…", icon="exchange", tooltip="Head swap: map people to faces",
            layout=W.Layout(width="auto", flex="0 0 auto"), _dom_classes=("hs-swap-open",),
        )  # fmt: skip
        if on_swap is not None:
            self.swap.on_click(lambda _: self.entry_url is not None and on_swap(self.entry_url))
        super().__init__(
            children=(self.url, self.bar, self.detail, self.swap),
            layout=W.Layout(align_items="center", width="100%"),
            **t["row"],
        )
        self.entry_url: str | None = entry.url
        """URL of the entry this row shows (rows are reused); ``None`` while unused."""
        self.stamps = dict.fromkeys(("row", "url", "bar", "detail"), 0)
        """Part → the render sequence number that last updated it (for round-robin)."""

    def targets(self, entry: BatchEntry) -> Changes:
        """Widget → traits that show ``entry`` (pass to ``_sync.changes``)."""
        return {self.part(name): traits for name, traits in row_traits(entry).items()}

    def shows_state(self, entry: BatchEntry) -> bool:
        """True when the row's class already names ``entry``'s state (and it is its row)."""
        return self.entry_url == entry.url and f"hs-row-{entry.state.value}" in self._dom_classes

    def part(self, name: str) -> W.DOMWidget:
        """The widget of part ``name`` (``row`` is the row itself)."""
        return self if name == "row" else getattr(self, name)

    def name_of(self, widget: object) -> str:
        """The part name of one of this row's widgets."""
        return next(n for n in self.stamps if self.part(n) is widget)


def detail_html(entry: BatchEntry) -> str:
    """``[state] · 12s · <id> · error``, every user string escaped."""
    parts = [
        badge_html(entry.state.value),
        f'<span class="hs-elapsed">{format_elapsed(entry.elapsed_s)}</span>',
    ]
    if entry.analysis_id:
        parts.append(
            '<code class="hs-id" style="user-select:all;cursor:text" title="analysis id">'
            f"{html.escape(entry.analysis_id)}</code>"
        )
    if entry.error:
        parts.append(
            f'<span class="hs-error" style="color:#c62828">{html.escape(entry.error)}</span>'
        )
    return " · ".join(parts)
