"""The head-swap panel: a completed analysis' people, a face URL for each, options, Create.

A view: it shows an analysis (``show``), says what the user entered (``pairs``), shows
inline errors (``show_error``) and calls back on Create; the board's controller (``controller``)
creates the task through the batch. Its task list (``tasks_box``) and ``notice`` change in
the background and are rendered by the board's renderer, within its message budget
(``task_rows.TaskRowsView``). A person is chosen by entering a reference face URL under
their preview; the face shows as a thumbnail once the URL is a valid http(s) URL.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as W

from headswap_nb.client.urls import video_url_problem
from headswap_nb.present import is_web_url, short_url
from headswap_nb.widgets.loop import AfterPause
from headswap_nb.widgets.words import MAX_PEOPLE, RED

if TYPE_CHECKING:
    from headswap_nb.jobs import JobEntry
    from headswap_nb.models import Person

__all__ = ["PersonCard", "SwapPanel", "error_html"]


def error_html(message: str | None) -> str:
    """An inline error (escaped), or nothing."""
    if not message:
        return ""
    return f'<span class="hs-swap-error-text" style="{RED}">{html.escape(message)}</span>'


def _preview_html(person: Person) -> str:
    label = f"obj_id {person.obj_id}"
    if is_web_url(person.img_url):
        return (
            f'<img class="hs-swap-preview" src="{html.escape(str(person.img_url))}" '
            f'alt="{label}" title="{label}" style="height:120px;border-radius:4px">'
        )
    return '<div class="hs-swap-preview" style="height:120px;width:80px;background:#8883"></div>'


class PersonCard(W.VBox):  # type: ignore[misc]
    """One detected person: preview, ``obj_id``, face URL field, face thumbnail, error."""

    def __init__(self, person: Person) -> None:
        self.obj_id = person.obj_id
        self.preview = W.HTML(_preview_html(person))
        self.title = W.HTML(
            f"<b>Person {person.obj_id}</b> <small>(obj_id {person.obj_id})</small>"
        )
        self.face = W.Text(
            placeholder="https://… reference face image",
            layout=W.Layout(width="220px"),
            _dom_classes=("hs-swap-face", f"hs-swap-face-{person.obj_id}"),
        )
        self.thumb = W.HTML(_dom_classes=("hs-swap-face-thumb",))
        self.error = W.HTML(_dom_classes=("hs-swap-face-error",))
        super().__init__(
            children=(self.preview, self.title, self.face, self.thumb, self.error),
            layout=W.Layout(margin="0 12px 12px 0", width="240px"),
            _dom_classes=("hs-swap-person",),
        )
        # Checked (and its thumbnail loaded) once typing pauses: an image request per key
        # stroke, or "must start with http://" while "htt" is being typed, helps nobody.
        self._pause = AfterPause(self.recheck)
        self.face.observe(lambda _: self._pause.poke(), names="value")

    @property
    def url(self) -> str:
        """The face URL entered (surrounding blanks removed), or ``""``."""
        return str(self.face.value).strip()

    def recheck(self, change: Any = None) -> None:
        """Check the face URL again: its thumbnail, or what is wrong with it."""
        self._pause.cancel()
        url = self.url
        problem = video_url_problem(url) if url else None
        thumb = ""
        if url and problem is None and is_web_url(url):
            thumb = (
                f'<img class="hs-swap-face-img" src="{html.escape(url)}" alt="face for '
                f'obj_id {self.obj_id}" style="height:72px;border-radius:4px;margin-top:4px">'
            )
        self.thumb.value = thumb
        self.error.value = error_html(f"The face URL {problem}." if problem else None)


class SwapPanel(W.VBox):  # type: ignore[misc]
    """Title · people grid · resolution, keep sound, Create · errors · the task rows."""

    def __init__(self) -> None:
        self.url: str | None = None
        """The analysed URL shown (the exact string the task will send), or ``None``."""
        self.cards: tuple[PersonCard, ...] = ()
        self.title = W.HTML(
            "<i>Open a completed analysis with its <b>Swap…</b> button (Progress tab) or "
            "<b>Swap these people</b> (Results tab).</i>",
            _dom_classes=("hs-swap-title",),
        )
        self.grid = W.Box(
            layout=W.Layout(display="flex", flex_flow="row wrap"), _dom_classes=("hs-swap-people",)
        )
        self.count = W.HTML(_dom_classes=("hs-swap-count",))
        self.resolution = W.ToggleButtons(
            options=("480p", "720p"), value="720p", description="Resolution",
            style={"description_width": "initial", "button_width": "5em"},
            _dom_classes=("hs-swap-resolution",),
        )  # fmt: skip
        self.sound = W.Checkbox(
            value=True, description="Keep original sound", indent=False,
            layout=W.Layout(width="auto"), _dom_classes=("hs-swap-sound",),
        )  # fmt: skip
        self.create = W.Button(
            description="Create head swap", button_style="primary", icon="magic",
            disabled=True, layout=W.Layout(width="auto"), _dom_classes=("hs-swap-create",),
        )  # fmt: skip
        self.problem = W.HTML(_dom_classes=("hs-swap-error",))
        self.notice = W.HTML(_dom_classes=("hs-swap-notice",))
        self.tasks_box = W.VBox(_dom_classes=("hs-swap-tasks",))
        self.options = W.HBox(
            (self.resolution, self.sound, self.create),
            layout=W.Layout(align_items="center", flex_flow="row wrap"),
        )
        super().__init__(
            children=(
                self.title, self.grid, self.count, self.options, self.problem, self.notice,
                W.HTML("<h4>Head-swap tasks</h4>"), self.tasks_box,
            ),
            _dom_classes=("hs-swap-panel",),
        )  # fmt: skip
        self._on_create: list[Callable[[], object]] = []
        self.create.on_click(lambda _: [callback() for callback in self._on_create])

    def on_create(self, callback: Callable[[], object]) -> None:
        """Call ``callback()`` when Create is pressed."""
        self._on_create.append(callback)

    def show(self, url: str, entry: JobEntry | None) -> None:
        """Show ``url``'s analysis: its people with empty face fields (or why not)."""
        old, self.url = self.cards, url
        people = entry.analysis.people if entry is not None and entry.analysis else ()
        completed = entry is not None and entry.state.value == "completed"
        self.cards = tuple(PersonCard(p) for p in people) if completed else ()
        ident = html.escape(entry.analysis_id or "") if entry is not None else ""
        self.title.value = (
            f'<b>Head swap</b> for <span title="{html.escape(url)}"><b>'
            f"{html.escape(short_url(url, 60))}</b></span> · <code>{ident}</code><br>"
            f"<small>Enter a reference face image URL for each person to swap (at most "
            f"{MAX_PEOPLE}). The task is sent with exactly this video URL.</small>"
        )
        self.grid.children = self.cards
        for card in self.cards:
            card.face.observe(self._recount, names="value")
        for card in old:
            card.close()
        self.problem.value = ""
        if entry is None:
            self.show_error("This video is not in the board's batch: analyse it first.")
        elif not completed:
            self.show_error(
                f"This analysis is {entry.state.value}, not completed: a head swap needs a "
                "completed analysis (wait for it, or choose another one)."
            )
        elif not self.cards:
            self.show_error("No people were detected in this video: there is nobody to swap.")
        self.create.disabled = not self.cards
        self._recount()

    def pairs(self) -> list[tuple[int, str]]:
        """``(obj_id, face URL)`` for every person with a face entered, in grid order."""
        return [(card.obj_id, card.url) for card in self.cards if card.url]

    def show_error(self, message: str | None, obj_id: int | None = None) -> None:
        """Show ``message`` under person ``obj_id``'s field, or for the whole panel."""
        card = next((c for c in self.cards if c.obj_id == obj_id), None)
        if card is not None:
            card.error.value = error_html(message)
        else:
            self.problem.value = error_html(message)

    def clear_errors(self) -> None:
        """Remove the panel's error and re-check each field (its own URL errors stay)."""
        self.problem.value = ""
        for card in self.cards:
            card.recheck()

    def _recount(self, change: Any = None) -> None:
        chosen = len(self.pairs())
        text = f"{chosen} of {len(self.cards)} people chosen (at most {MAX_PEOPLE} per task)"
        if chosen > MAX_PEOPLE:
            text = error_html(f"{text}: clear {chosen - MAX_PEOPLE} face field(s)")
        self.count.value = text if self.cards else ""
