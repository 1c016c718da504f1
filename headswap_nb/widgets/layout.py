"""The board's widget tree: every view, composed once.

Connection line · URL input · tabs: **Progress** (summary, actions, analysis rows),
**Results** (tables and the people gallery), **Head swap** (the swap panel and its task rows).
``BoardViews`` only builds and holds the views and the renderer that keeps them current; what
the controls do is ``controller``'s.
"""

from __future__ import annotations

import ipywidgets as W

from headswap_nb.widgets.connection_panel import ConnectionPanel
from headswap_nb.widgets.inputs import UrlInput
from headswap_nb.widgets.render import BoardRenderer
from headswap_nb.widgets.results import ResultsPanel
from headswap_nb.widgets.style import style_widget
from headswap_nb.widgets.summary import ActionBar, SummaryBar
from headswap_nb.widgets.swap_panel import SwapPanel

__all__ = ["BoardViews"]


class BoardViews:
    """The views of one board and their renderer."""

    def __init__(
        self, *, concurrency: int, offer_password: bool, summary_interval: float, capacity: float
    ) -> None:
        self.connection = ConnectionPanel(offer_password=offer_password)
        self.inputs = UrlInput(concurrency=concurrency)
        self.summary = SummaryBar()
        self.actions = ActionBar()
        self.rows_box = W.VBox(_dom_classes=("hs-rows",))
        self.results = ResultsPanel()
        self.swap = SwapPanel()
        """The head-swap panel (the "Head swap" tab)."""
        progress = W.VBox(
            (self.summary, self.actions, self.rows_box), _dom_classes=("hs-progress-tab",)
        )
        titles = ("Progress", "Results", "Head swap")
        self.tabs = W.Tab((progress, self.results, self.swap), titles=titles)
        self.tabs.add_class("hs-tabs")
        parts = (style_widget(), self.connection, self.inputs, self.tabs)
        self.view = W.VBox(parts, _dom_classes=("hs-board",))
        """The widget tree; the board displays as this."""
        self.renderer = BoardRenderer(
            self.rows_box,
            self.summary,
            self.results,
            summary_interval=summary_interval,
            capacity=capacity,
            tasks_box=self.swap.tasks_box,
            notice=self.swap.notice,
            actions=self.actions,
        )
        """What a flush sends, by priority; ``renderer.rows`` is the pool of analysis rows."""
