"""One row per job — an analysis or a head-swap task — built from stock widgets.

``JobRow`` is a line ``HBox[Label, FloatProgress, HTML, Button]`` (the URL, in full on hover;
the bar with its percentage as the description, tqdm's ``42%|████``; the detail cell: state
badge · elapsed · id · error; the action: "Swap…" on an analysis, "Save to file" on a task),
and a task's row adds its output cell below (the swapped video, the expiry note, where it was
saved). The row's CSS class names the state (``hs-row-completed``, ``hs-task-row-failed``...).

The row holds no state of its own: ``targets(entry)`` says what its widgets should show for
a ``JobEntry`` snapshot; ``sync.changes`` of that is what a render would send, one comm
message per changed widget, so the renderer can price it: a state change costs 3–4
messages (class, bar, detail, URL), a progress change 1 (the bar), an elapsed tick 1.
A new row is built with its entry's content, so creating it sends no update message.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as W

from headswap_nb.present import short_url
from headswap_nb.widgets.cells import detail_html, output_html
from headswap_nb.widgets.sync import Changes

if TYPE_CHECKING:
    from headswap_nb.jobs import JobEntry

__all__ = ["BAR_STYLES", "JobRow", "row_traits"]

BAR_STYLES: dict[str, str] = {
    "pending": "info",
    "held": "warning",
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
plain while processing, success, danger (also for UNKNOWN: a submit that may have reached the
server needs attention)."""

# CSS classes of a row's parts, per kind of job (browser tests and the board CSS use them).
_CSS: Mapping[str, Mapping[str, str]] = {
    "analysis": {"row": "hs-row", "url": "hs-url", "bar": "hs-progress", "detail": "hs-detail",
                 "button": "hs-swap-open"},
    "task": {"row": "hs-task-row", "url": "hs-task-url", "bar": "hs-task-progress",
             "detail": "hs-task-detail", "button": "hs-swap-save"},
}  # fmt: skip
PARTS = ("row", "thumb", "url", "bar", "detail", "button", "output", "saved")


def _label(entry: JobEntry) -> str:
    if not entry.is_task:
        return short_url(entry.url, 38)
    faces = len(entry.mappings)
    return f"{short_url(entry.url, 30)} · {faces} face{'s' * (faces != 1)}"


Shown = tuple[float, "float | None"]
"""What a row shows of its job's progress: the value (extrapolated between polls) and the
seconds left (``Batch.shown``)."""
Preview = tuple["str | None", "str | None"]
"""What the pre-flight look found of an analysis' video: a thumbnail (a ``data:`` URI) and
one line (``"12.0 s · 1920×1080 · 30 fps"``), either unknown."""


def preview_html(preview: Preview | None) -> str:
    """The thumbnail cell of an analysis row (an empty frame while there is none)."""
    thumb, line = preview if preview is not None else (None, None)
    title = html.escape(line or "", quote=True)
    if thumb is not None and thumb.startswith("data:image/"):
        return (
            f'<img class="hs-thumb" src="{html.escape(thumb, quote=True)}" alt="first frame" '
            f'title="{title}" style="width:48px;height:27px;object-fit:cover;border-radius:3px;'
            'display:block">'
        )
    return '<div class="hs-thumb-none" style="width:48px;height:27px"></div>'


def row_traits(
    entry: JobEntry,
    saved: str = "",
    shown: Shown | None = None,
    preview: Preview | None = None,
) -> dict[str, dict[str, object]]:
    """What each part of ``entry``'s row shows: ``shown`` is its progress and time left
    (default: the last progress the server reported); ``saved``: a task's "saved to" note.

    A failed row's bar stays where the job stopped (red), not at a full width."""
    state = entry.state.value
    css = _CSS[entry.kind]["row"]
    value, eta = shown if shown is not None else (entry.progress, None)
    if state == "completed":
        value = 100.0
    traits: dict[str, dict[str, object]] = {
        "row": {"_dom_classes": (css, f"{css}-{state}")},
        "url": {"value": _label(entry), "tooltip": entry.url},
        "bar": {
            "value": round(float(value), 1),
            "bar_style": BAR_STYLES.get(state, ""),
            "description": f"{value:.0f}%",
        },
        "detail": {"value": detail_html(entry, eta=eta, about=preview[1] if preview else None)},
    }
    if not entry.is_task:
        traits["thumb"] = {"value": preview_html(preview)}
    if entry.is_task:
        done = state == "completed" and bool(entry.output_url)
        traits["button"] = {"display": "" if done else "none"}
        traits["output"] = {"value": output_html(entry)}
        traits["saved"] = {"value": saved}
    return traits


class JobRow(W.VBox):  # type: ignore[misc]
    """URL · progress bar with its % · detail · action; a task's output cell below."""

    def __init__(
        self,
        entry: JobEntry,
        *,
        on_action: Callable[[JobEntry], Any] | None = None,
        saved: str = "",
        shown: Shown | None = None,
        preview: Preview | None = None,
        on_release: Callable[[JobEntry], Any] | None = None,
    ) -> None:
        # Everything passed to the constructors travels in the comm-open messages.
        t, css = row_traits(entry, saved, shown, preview), _CSS[entry.kind]
        self.kind = entry.kind
        self._shown: JobEntry = entry
        self.url = W.Label(
            # The parts give way in turn as the notebook narrows: the URL shrinks first (it
            # is cut in the middle, whole in the tooltip), then the line wraps, so the
            # badge, id, time left and button always stay inside the board.
            layout=W.Layout(flex="0 1 38ch", min_width="14ch", overflow="hidden"),
            _dom_classes=(css["url"],),
            **t["url"],
        )
        self.bar = W.FloatProgress(
            min=0.0, max=100.0, layout=W.Layout(flex="0 1 22%", min_width="130px"),
            style={"description_width": "5ch"}, _dom_classes=(css["bar"],), **t["bar"],
        )  # fmt: skip
        self.detail = W.HTML(
            layout=W.Layout(flex="1 1 180px", min_width="0"),
            _dom_classes=(css["detail"],),
            **t["detail"],
        )
        if entry.is_task:
            self.button = W.Button(
                description="Save to file", icon="save", _dom_classes=(css["button"],),
                tooltip="Download the output video into the notebook's working directory",
                layout=W.Layout(width="auto", flex="0 0 auto", **t["button"]),
            )  # fmt: skip
        else:
            self.button = W.Button(
                description="Swap…", icon="exchange", tooltip="Head swap: map people to faces",
                layout=W.Layout(width="auto", flex="0 0 auto"), _dom_classes=(css["button"],),
            )  # fmt: skip
        self.thumb: W.HTML | None = None
        self.release: W.Button | None = None
        parts: tuple[Any, ...] = (self.url, self.bar, self.detail, self.button)
        if not entry.is_task:
            self.thumb = W.HTML(
                layout=W.Layout(flex="0 0 auto"), _dom_classes=("hs-thumb-cell",), **t["thumb"]
            )
            # Shown by CSS on held rows only (no message when the state changes).
            self.release = W.Button(
                description="Send anyway", icon="paper-plane", _dom_classes=("hs-send-anyway",),
                tooltip="Send this video although the pre-flight look held it back (billed)",
                layout=W.Layout(width="auto", flex="0 0 auto"),
            )  # fmt: skip
            if on_release is not None:
                self.release.on_click(lambda _: self.key is not None and on_release(self._shown))
            parts = (self.thumb, *parts, self.release)
        line = W.HBox(
            parts, layout=W.Layout(align_items="center", width="100%", flex_flow="row wrap")
        )
        self.output: W.HTML | None = None
        self.saved: W.HTML | None = None
        children: tuple[Any, ...] = (line,)
        if entry.is_task:
            self.output = W.HTML(_dom_classes=("hs-task-output",), **t["output"])
            self.saved = W.HTML(_dom_classes=("hs-swap-saved",), **t["saved"])
            children += (self.output, self.saved)
        super().__init__(
            children=children,
            layout=W.Layout(width="100%", margin="0 0 6px 0" if entry.is_task else "0"),
            **t["row"],
        )
        self.key: int | None = entry.ref
        """The ``ref`` of the job this row shows (rows are reused); ``None`` while unused."""
        self.entry_url: str | None = entry.url
        """The URL of the job this row shows; ``None`` while unused."""
        self.stamps = dict.fromkeys(PARTS, 0)
        """Part → the render sequence number that last updated it (for round-robin)."""
        if on_action is not None:
            self.button.on_click(lambda _: self.key is not None and on_action(self._shown))

    def show(self, entry: JobEntry | None) -> None:
        """Bind the row to ``entry`` (``None``: unused). Its widgets change only when rendered."""
        self.key = None if entry is None else entry.ref
        self.entry_url = None if entry is None else entry.url
        if entry is not None:
            self._shown = entry

    def targets(
        self,
        entry: JobEntry,
        saved: str = "",
        shown: Shown | None = None,
        preview: Preview | None = None,
    ) -> Changes:
        """Widget → traits that show ``entry`` (pass to ``sync.changes``)."""
        traits = row_traits(entry, saved, shown, preview)
        return {self.part(name): part for name, part in traits.items()}

    def shows_state(self, entry: JobEntry) -> bool:
        """True when the row's class already names ``entry``'s state (and it is its row)."""
        css = _CSS[entry.kind]["row"]
        return self.key == entry.ref and f"{css}-{entry.state.value}" in self._dom_classes

    def part(self, name: str) -> Any:
        """The widget of part ``name`` (``row`` is the row; a task's ``button`` part is the
        button's layout, whose ``display`` shows or hides it)."""
        if name == "row":
            return self
        if name == "button":
            return self.button.layout
        return getattr(self, name)

    def name_of(self, widget: object) -> str:
        """The part name of one of this row's widgets."""
        present = (n for n in PARTS if n in ("row", "button") or getattr(self, n) is not None)
        return next(n for n in present if self.part(n) is widget)
