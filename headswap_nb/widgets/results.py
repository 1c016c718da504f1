"""The Results tab: the analyses DataFrame, a gallery of the detected people (with "Swap
these people" for a chosen analysis) and the head-swap tasks DataFrame.

Rendered on demand (Refresh, the tab being opened, the batch finishing), never per event:
a DataFrame of thousands of rows is not rebuilt ten times a second.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as W

from headswap_nb.present import is_web_url, short_url
from headswap_nb.widgets.sync import Changes, apply, changes

if TYPE_CHECKING:
    from headswap_nb.jobs import JobEntry

__all__ = ["ResultsPanel", "gallery_html"]

_MAX_GALLERY = 100  # analyses shown in the gallery; the DataFrame has them all
RESULT_COLUMNS = {
    "analysis_id": "id", "video_url": "video", "state": "state", "progress": "progress %",
    "people": "people", "duration_s": "duration s", "elapsed_s": "elapsed s",
    "error_reason": "error",
}  # fmt: skip
"""The Results tab's table: what a person reads; ``board.to_dataframe()`` has every column."""
_FULL_FRAME = (
    '<div class="hs-full-frame" style="font-size:11px;opacity:.7">Every column, as a '
    "DataFrame: <code>board.to_dataframe()</code></div>"
)
_NO_TASKS = "<i>No head-swap tasks yet.</i>"


def gallery_html(entries: Sequence[JobEntry], *, limit: int = _MAX_GALLERY) -> str:
    """Preview images with their ``obj_id``, grouped by completed analysis; all escaped."""
    groups = []
    completed = [e for e in entries if e.state.value == "completed" and e.analysis is not None]
    for entry in completed[-limit:]:
        assert entry.analysis is not None
        figures = []
        for person in entry.analysis.people:
            label = f"obj_id {person.obj_id}"
            if is_web_url(person.img_url):
                image = (
                    f'<img class="hs-person-img" src="{html.escape(str(person.img_url))}" '
                    f'alt="{label}" title="{label}" loading="lazy" '
                    'style="height:96px;border-radius:4px;display:block">'
                )
            else:
                image = '<div style="height:96px;width:64px;background:#8883"></div>'
            figures.append(
                '<figure class="hs-person" style="margin:0 8px 8px 0;text-align:center">'
                f"{image}<figcaption>{label}</figcaption></figure>"
            )
        people = "".join(figures) or "<i>no people detected</i>"
        groups.append(
            '<div class="hs-gallery-group" style="margin-bottom:10px">'
            f'<div title="{html.escape(entry.url)}"><b>{html.escape(short_url(entry.url, 70))}'
            f"</b> · <code>{html.escape(entry.analysis_id or '')}</code></div>"
            f'<div style="display:flex;flex-wrap:wrap">{people}</div></div>'
        )
    if not groups:
        return "<i>No completed analyses yet.</i>"
    more = ""
    if len(completed) > limit:
        more = f"<div>showing the last {limit} of {len(completed)} completed analyses</div>"
    return "".join(groups) + more


class ResultsPanel(W.VBox):  # type: ignore[misc]
    """Refresh button, the DataFrame (escaped HTML) and the people gallery."""

    def __init__(self) -> None:
        self.refresh = W.Button(description="Refresh", icon="refresh")
        self.refresh.add_class("hs-refresh")
        self.note = W.HTML()
        self.note.add_class("hs-results-note")
        self.table = W.HTML()
        self.table.add_class("hs-dataframe")
        self.gallery = W.HTML()
        self.gallery.add_class("hs-gallery")
        self.swap_pick = W.Dropdown(
            options=(), description="Analysis", style={"description_width": "initial"},
            layout=W.Layout(width="auto", max_width="60ch"), _dom_classes=("hs-swap-pick",),
        )  # fmt: skip
        self.swap_open = W.Button(
            description="Swap these people", icon="exchange",
            layout=W.Layout(width="auto"),  # the default 148 px cuts the words short
        )  # fmt: skip
        self.swap_open.add_class("hs-swap-from-gallery")
        self.tasks_table = W.HTML(_NO_TASKS)
        self.tasks_table.add_class("hs-tasks-dataframe")
        super().__init__(
            children=(
                W.HBox((self.refresh, self.note)),
                W.HTML("<h4>Analyses</h4>"),
                self.table,
                W.HTML("<h4>Detected people</h4>"),
                self.gallery,
                W.HBox((self.swap_pick, self.swap_open)),
                W.HTML("<h4>Head-swap tasks</h4>"),
                self.tasks_table,
            )
        )
        self.add_class("hs-results")

    def targets(self, batch: Any, *, thumbnails: Mapping[str, str] | None = None) -> Changes:
        """Widget → traits showing ``batch``: the table (``frames.to_dataframe`` +
        ``frames.to_html``), the gallery and the note."""
        from headswap_nb import frames

        frame = frames.to_dataframe(batch)
        tasks = frames.tasks_dataframe(getattr(batch, "tasks", ()))
        swappable = tuple(
            (short_url(e.url, 60), e.url)
            for e in batch.entries
            if e.state.value == "completed" and e.analysis is not None and e.analysis.people
        )
        urls = [url for _, url in swappable]
        pick = self.swap_pick.value if self.swap_pick.value in urls else None
        table = ""
        if len(frame):
            columns = dict(RESULT_COLUMNS)
            if thumbnails:  # what the pre-flight look saw, first
                columns = {"thumbnail": "", **columns}
            readable = frames.readable(frame, thumbnails=thumbnails)
            table = frames.to_html(readable, columns=columns) + _FULL_FRAME
        return {
            self.table: {"value": table or "<i>No analyses yet.</i>"},
            self.gallery: {"value": gallery_html(batch.entries)},
            self.note: {"value": f"{len(frame)} analyses with a record"},
            self.swap_pick: {
                "options": swappable,
                "value": pick or (urls[-1] if urls else None),
            },
            self.tasks_table: {"value": frames.to_html(tasks) if len(tasks) else _NO_TASKS},
        }

    def render(self, batch: Any, *, thumbnails: Mapping[str, str] | None = None) -> int:
        """Rebuild the table and the gallery now; returns the comm messages sent."""
        return apply(changes(self.targets(batch, thumbnails=thumbnails)))
