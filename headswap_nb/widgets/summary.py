"""The summary bar on top of the rows, and the action buttons under it."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as W

from headswap_nb.widgets.present import BADGE_COLOURS
from headswap_nb.widgets.sync import Changes

if TYPE_CHECKING:
    from headswap_nb.jobs import BatchSummary

__all__ = ["ActionBar", "SummaryBar", "summary_counts"]


def summary_counts(summary: BatchSummary) -> list[tuple[str, int]]:
    """(label, count) pairs shown in the summary; zero counts of rare states are left out."""
    counts = [
        ("total", summary.total),
        ("queued", summary.pending + summary.submitting + summary.queued),
        ("processing", summary.processing),
        ("completed", summary.completed),
        ("failed", summary.failed + summary.errors),
    ]
    counts += [
        (k, v) for k, v in (("unknown", summary.unknown), ("cancelled", summary.cancelled)) if v
    ]
    return counts


class SummaryBar(W.VBox):  # type: ignore[misc]
    """One bar and one line: overall progress, %, counts per state, "showing N of M".

    Two widgets carry the live state (``bar`` and ``text``), so an update costs at most two
    comm messages; ``problem`` shows a board-level error.
    """

    def __init__(self) -> None:
        self.bar = W.FloatProgress(
            min=0.0,
            max=100.0,
            layout=W.Layout(width="30%", flex="0 0 auto"),
            _dom_classes=("hs-summary-progress",),
        )
        self.text = W.HTML(layout=W.Layout(flex="1 1 0"), _dom_classes=("hs-summary-text",))
        self.problem = W.HTML(_dom_classes=("hs-board-error",))
        super().__init__(
            children=(
                W.HBox((self.bar, self.text), layout=W.Layout(align_items="center")),
                self.problem,
            ),
            _dom_classes=("hs-summary",),
        )

    def targets(self, summary: BatchSummary, *, shown: int, hidden: int) -> Changes:
        """Widget → traits showing ``summary`` (``shown`` rows visible, ``hidden`` cleared)."""
        cells = []
        for label, count in summary_counts(summary):
            colour = BADGE_COLOURS.get(label, "inherit")
            cells.append(
                f'<span class="hs-count hs-count-{label}" style="margin-right:1em">'
                f'<b style="color:{colour}">{count}</b> {label}</span>'
            )
        style = ""
        if summary.done and summary.total:
            style = (
                "success"
                if summary.completed == summary.total
                else ("warning" if summary.completed else "danger")
            )
        showing = f"showing {shown} of {summary.total}"
        if hidden:
            showing += f" ({hidden} cleared)"
        text = (
            f'<b class="hs-summary-percent" style="margin-right:1em">{summary.progress:.0f}%'
            f'</b>{"".join(cells)}<span class="hs-showing">{showing}</span>'
        )
        return {
            self.bar: {"value": float(summary.progress), "bar_style": style},
            self.text: {"value": text},
        }

    def show_problem(self, message: str | None) -> None:
        """Show (or clear) a board-level error, e.g. a failed connection or a crashed task."""
        self.problem.value = (
            "" if not message else f'<span style="color:#c62828">{html.escape(message)}</span>'
        )


class ActionBar(W.VBox):  # type: ignore[misc]
    """Cancel · Retry failed · Clear finished · Export, and where the export went."""

    def __init__(self) -> None:
        self.cancel = W.Button(description="Cancel", icon="stop", tooltip="Stop tracking all")
        self.cancel.add_class("hs-cancel")
        self.retry = W.Button(description="Retry failed", icon="redo")
        self.retry.add_class("hs-retry")
        self.clear = W.Button(description="Clear finished", icon="eraser")
        self.clear.add_class("hs-clear")
        self.export = W.Button(description="Export CSV", icon="download")
        self.export.add_class("hs-export")
        self.link = W.HTML()
        self.link.add_class("hs-export-link")
        super().__init__(
            children=(W.HBox((self.cancel, self.retry, self.clear, self.export)), self.link)
        )
        self.add_class("hs-actions")
