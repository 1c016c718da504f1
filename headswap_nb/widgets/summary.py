"""The summary bar on top of the rows, and the action buttons under it."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as W

from headswap_nb.present import STATE_COLOURS
from headswap_nb.widgets.sync import Changes

if TYPE_CHECKING:
    from headswap_nb.jobs import BatchSummary
    from headswap_nb.jobs.pace import Pace

__all__ = ["ActionBar", "SummaryBar", "summary_counts"]


def summary_counts(summary: BatchSummary) -> list[tuple[str, int]]:
    """(label, count) pairs shown in the summary: the total, then every state that has any
    (so the line stays short enough for two lines in a narrow notebook)."""
    counts = [
        ("total", summary.total),
        ("queued", summary.pending + summary.submitting + summary.queued),
        ("processing", summary.processing),
        ("completed", summary.completed),
        ("failed", summary.failed + summary.errors),
        ("held back", summary.held),
        ("unknown", summary.unknown),
        ("cancelled", summary.cancelled),
    ]
    return [(label, n) for label, n in counts if n or label in ("total", "completed")]


class SummaryBar(W.VBox):  # type: ignore[misc]
    """One bar and one line: overall progress, %, counts per state, "showing N of M".

    Two widgets carry the live state (``bar`` and ``text``), so an update costs at most two
    comm messages; ``problem`` shows a board-level error.
    """

    def __init__(self) -> None:
        self.bar = W.FloatProgress(
            min=0.0,
            max=100.0,
            layout=W.Layout(flex="0 1 22%", min_width="90px"),
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

    def targets(
        self, summary: BatchSummary, *, shown: int, hidden: int, pace: Pace | None = None
    ) -> Changes:
        """Widget → traits showing ``summary`` (``shown`` rows visible, ``hidden`` cleared)
        and ``pace`` (the overall percent shown, rate and time left), on two lines."""
        cells = []
        for label, count in summary_counts(summary):
            colour = STATE_COLOURS.get(label.split()[0], "inherit")
            css = label.replace(" ", "-")
            cells.append(
                f'<span class="hs-count hs-count-{css}" style="margin-right:.8em">'
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
        percent = summary.progress if pace is None or pace.progress is None else pace.progress
        if summary.done:
            percent = summary.progress
        moving = pace.describe() if pace is not None and not summary.done else ""
        text = (
            f'<div><b class="hs-summary-percent" style="margin-right:1em">{percent:.0f}%'
            f'</b>{"".join(cells)}</div><div class="hs-summary-line2" style="opacity:.8">'
            f'<span class="hs-pace">{html.escape(moving)}</span>'
            f'{" · " if moving else ""}<span class="hs-showing">{showing}</span></div>'
        )
        return {
            self.bar: {"value": round(float(percent), 1), "bar_style": style},
            self.text: {"value": text},
        }

    def show_problem(self, message: str | None) -> None:
        """Show (or clear) a board-level error, e.g. a failed connection or a crashed task."""
        self.problem.value = (
            "" if not message else f'<span style="color:#c62828">{html.escape(message)}</span>'
        )


class ActionBar(W.VBox):  # type: ignore[misc]
    """Cancel · Retry failed (n) · Retry refused (m) · Clear finished · Export, and a line
    for what the last action did (where the export went, what a retry sent)."""

    def __init__(self) -> None:
        self.cancel = W.Button(
            description="Cancel", icon="stop", tooltip="Stop tracking all", disabled=True
        )
        self.cancel.add_class("hs-cancel")
        self.retry = W.Button(
            description="Retry failed", icon="redo", disabled=True,
            tooltip="Send again what may succeed now: not sent, transport, server or "
            "throttling errors, failed analyses (billed again); poll again what stopped "
            "being polled",
        )  # fmt: skip
        self.retry.add_class("hs-retry")
        self.refused = W.Button(
            description="Retry refused", icon="exclamation-triangle",
            tooltip="Send again what Akool refused (1003 invalid, 1104 credits...): only after "
            "you fixed the cause", layout=W.Layout(display="none"),
        )  # fmt: skip
        self.refused.add_class("hs-retry-refused")
        self.clear = W.Button(description="Clear finished", icon="eraser", disabled=True)
        self.clear.add_class("hs-clear")
        self.export = W.Button(description="Export CSV", icon="download")
        self.export.add_class("hs-export")
        self.link = W.HTML()
        """What the last action did (an export's link, what a retry sent)."""
        self.link.add_class("hs-export-link")
        buttons = (self.cancel, self.retry, self.refused, self.clear, self.export)
        super().__init__(
            children=(W.HBox(buttons, layout=W.Layout(flex_flow="row wrap")), self.link)
        )
        self.add_class("hs-actions")

    def targets(self, *, retryable: int, refused: int, running: int, finished: int) -> Changes:
        """Widget → traits saying how many a retry would send (and the refused ones); a
        button with nothing to act on (nothing running to cancel, nothing finished to
        clear) is greyed out rather than pressable for nothing."""
        return {
            self.cancel: {"disabled": not running},
            self.clear: {"disabled": not finished},
            self.retry: {
                "description": f"Retry failed ({retryable})" if retryable else "Retry failed",
                "disabled": not retryable,
            },
            self.refused: {"description": f"Retry refused ({refused})"},
            self.refused.layout: {"display": "" if refused else "none"},
        }
