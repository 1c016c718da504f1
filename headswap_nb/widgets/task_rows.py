"""One row per head-swap task, and the list of them, rendered within the board's budget.

A ``TaskRow`` is the analysis row's twin (label · bar · badge/elapsed/id/error, the same
state → ``bar_style`` table) plus, once completed, the output video inline with a download
link, the expiry note and a "Save to file" button. Rows are created with their content.

``TaskRowsView.plan(batch)`` says what a flush would send for the tasks, most important
first, as items of ``Changes`` (one comm message per widget): the list's shape and the
panel's notice, then rows whose state (or saved-file note) changed, then progress, then
elapsed ticks. The board's renderer sends the items that fit its budget; the rest stays
different from the widgets and goes in a later flush.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import ipywidgets as W

from headswap_nb.widgets._present import FAILED_STATES, short_url
from headswap_nb.widgets._swap_text import RED, output_html, refusal_text, task_detail_html
from headswap_nb.widgets._sync import Changes, changes
from headswap_nb.widgets.rows import BAR_STYLES

if TYPE_CHECKING:
    from headswap_nb._task_state import TaskEntry

__all__ = ["TaskRow", "TaskRowsView", "notice_html"]

_STATE_PARTS = ("row", "label", "bar", "detail", "output", "save", "saved")
_KEY_PARTS = ("row", "label", "output", "save", "saved")  # a change here resends the row


def _traits(entry: TaskEntry, saved: str) -> dict[str, dict[str, object]]:
    state = entry.state.value
    faces = len(entry.mappings)
    return {
        "row": {"_dom_classes": ("hs-task-row", f"hs-task-row-{state}")},
        "label": {
            "value": f"{short_url(entry.url, 30)} · {faces} face{'s' * (faces != 1)}",
            "tooltip": entry.url,
        },
        "bar": {
            "value": 100.0 if state in FAILED_STATES else float(entry.progress),
            "bar_style": BAR_STYLES.get(state, ""),
            "description": f"{entry.progress:.0f}%",
        },
        "detail": {"value": task_detail_html(entry)},
        "output": {"value": output_html(entry)},
        "save": {"display": "" if state == "completed" and entry.output_url else "none"},
        "saved": {"value": saved},
    }


class TaskRow(W.VBox):  # type: ignore[misc]
    """Label · progress bar · detail; below it the output video and "Save to file"."""

    def __init__(
        self, entry: TaskEntry, saved: str = "", on_save: Callable[[int], Any] | None = None
    ):
        t = _traits(entry, saved)
        self.ref = entry.ref
        self.label = W.Label(
            layout=W.Layout(width="36ch", flex="0 0 auto", overflow="hidden"),
            _dom_classes=("hs-task-url",),
            **t["label"],
        )
        self.bar = W.FloatProgress(
            min=0.0, max=100.0, layout=W.Layout(width="30%", flex="0 0 auto"),
            style={"description_width": "5ch"}, _dom_classes=("hs-task-progress",), **t["bar"],
        )  # fmt: skip
        self.detail = W.HTML(
            layout=W.Layout(flex="1 1 0"), _dom_classes=("hs-task-detail",), **t["detail"]
        )
        self.output = W.HTML(_dom_classes=("hs-task-output",), **t["output"])
        self.save = W.Button(
            description="Save to file", icon="save", _dom_classes=("hs-swap-save",),
            tooltip="Download the output video into the notebook's working directory",
            layout=W.Layout(**t["save"]),
        )  # fmt: skip
        self.saved = W.HTML(_dom_classes=("hs-swap-saved",), **t["saved"])
        if on_save is not None:
            self.save.on_click(lambda _: on_save(self.ref))
        super().__init__(
            children=(
                W.HBox((self.label, self.bar, self.detail), layout=W.Layout(align_items="center")),
                self.output,
                W.HBox((self.save, self.saved), layout=W.Layout(align_items="center")),
            ),
            layout=W.Layout(width="100%", margin="0 0 6px 0"),
            **t["row"],
        )

    def part(self, name: str) -> Any:
        """The widget of part ``name`` (``save`` is the button's layout)."""
        if name == "row":
            return self
        return self.save.layout if name == "save" else getattr(self, name)

    def targets(
        self, entry: TaskEntry, saved: str = "", parts: tuple[str, ...] = _STATE_PARTS
    ) -> Changes:
        """Widget → traits showing ``entry`` (pass to ``_sync.changes``)."""
        t = _traits(entry, saved)
        return {self.part(name): t[name] for name in parts}


def notice_html(entry: TaskEntry | None) -> str:
    """The panel's line about the task it created last (background updates)."""
    if entry is None:
        return ""
    state, ident = entry.state.value, html.escape(entry.task_id or f"#{entry.ref}")
    if state in ("pending", "submitting"):
        text = "Creating the task…"
    elif state in ("queued", "processing"):
        text = f"Task <code>{ident}</code> created: its progress is below."
    elif state == "completed":
        text = f"Task <code>{ident}</code> completed: the video is below."
    elif state == "cancelled":
        text = f"Stopped tracking task <code>{ident}</code>."
    else:
        words = (
            refusal_text(entry.error_code, entry.error, unknown=state == "unknown")
            if state != "failed"
            else f"Task {entry.task_id or entry.ref} failed: {entry.error or 'no reason given'}"
        )
        return f'<span class="hs-swap-refusal" style="{RED}">{html.escape(words)}</span>'
    return f'<span class="hs-swap-created">{text}</span>'


class TaskRowsView:
    """The task rows in ``box`` (newest last, at most ``limit``) and the panel's ``notice``."""

    def __init__(self, box: Any, notice: Any, *, limit: int = 50) -> None:
        self.box, self.notice, self.limit = box, notice, limit
        self.rows: dict[int, TaskRow] = {}
        """Row per task ``ref`` (every row ever created)."""
        self.saved: dict[int, str] = {}
        """HTML note per task ``ref`` about "Save to file" (set by the controller)."""
        self.last_ref: int | None = None
        """The task created last from the panel (its outcome shows in ``notice``)."""
        self.on_save: Callable[[int], Any] | None = None

    def plan(self, batch: Any) -> Iterator[Changes]:
        """What to send for ``batch.tasks``, most important first (see the module doc).

        Lazy: each item is computed when asked for, after the previous one was applied."""
        tasks: tuple[TaskEntry, ...] = tuple(getattr(batch, "tasks", ()))[-self.limit :]
        last = next((t for t in tasks if t.ref == self.last_ref), None)
        yield changes({self.notice: {"value": notice_html(last)}})
        for entry in tasks:
            if entry.ref not in self.rows:
                saved = self.saved.get(entry.ref, "")
                self.rows[entry.ref] = TaskRow(entry, saved, on_save=self.on_save)
        yield changes({self.box: {"children": tuple(self.rows[t.ref] for t in tasks)}})
        for entry in tasks:  # state changes (and the saved-file note): the whole row
            row, saved = self.rows[entry.ref], self.saved.get(entry.ref, "")
            if changes(row.targets(entry, saved, _KEY_PARTS)):
                yield changes(row.targets(entry, saved))
        for part in ("bar", "detail"):
            for entry in tasks:
                row = self.rows[entry.ref]
                yield changes(row.targets(entry, self.saved.get(entry.ref, ""), (part,)))

    def widgets(self) -> list[Any]:
        """Every row (to close them with the board)."""
        return list(self.rows.values())
