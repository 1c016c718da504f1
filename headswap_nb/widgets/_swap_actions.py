"""Controller of the head-swap panel: open it for an analysis, create tasks, save outputs.

Callbacks never block: creating a task only queues it in the batch (which checks it locally
first: nothing is sent on a mistake), and "Save to file" runs the download in a scheduled
task whose reference is kept (and cancelled on ``close``). Results reach the widgets
through the board's renderer.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from headswap_nb.errors import InvalidRequestError
from headswap_nb.widgets._actions import _guarded
from headswap_nb.widgets._swap_text import RED, STYLE_HTML, explain_invalid
from headswap_nb.widgets.live import walk
from headswap_nb.widgets.swap_panel import SwapPanel
from headswap_nb.widgets.task_rows import TaskRowsView

if TYPE_CHECKING:
    from headswap_nb._task_state import TaskEntry
    from headswap_nb.widgets.board import AnalysisBoard

__all__ = ["SwapController", "SwapMethods", "pairs_of", "style_widget"]

SWAP_TAB = 2


def pairs_of(mappings: object) -> list[tuple[Any, Any]]:
    """``(obj_id, img_url)`` pairs of whatever ``create_task`` accepts (to place errors)."""
    if isinstance(mappings, Mapping):
        return list(mappings.items())
    out: list[tuple[Any, Any]] = []
    for item in mappings if isinstance(mappings, (list, tuple)) else ():
        if isinstance(item, Mapping):
            out.append((item.get("obj_id"), item.get("img_url")))
        elif isinstance(item, tuple) and len(item) == 2:
            out.append(item)
    return out


def style_widget() -> Any:
    """A hidden HTML widget carrying the board's CSS (``_swap_text.STYLE_HTML``)."""
    import ipywidgets as W

    return W.HTML(STYLE_HTML, layout=W.Layout(display="none"), _dom_classes=("hs-style",))


class SwapMethods:
    """The board's head-swap methods (``AnalysisBoard`` inherits them)."""

    swap_actions: SwapController
    swap: SwapPanel
    """The head-swap panel (the "Head swap" tab)."""
    swap_tasks: TaskRowsView
    """The task rows on the panel, rendered within the board's message budget."""

    def _build_swap(self) -> SwapPanel:
        self.swap = SwapPanel()
        self.swap_tasks = TaskRowsView(self.swap.tasks_box, self.swap.notice)
        return self.swap

    def open_swap(self, url: str) -> None:
        """Show the head-swap panel for ``url``'s analysis (the "Head swap" tab)."""
        self.swap_actions.open(url)

    def create_task(
        self,
        url: str,
        mappings: object,
        *,
        resolution: str = "720p",
        keep_original_sound: bool = True,
    ) -> TaskEntry:
        """Create a head-swap task on ``url``'s completed analysis and track it on the panel.

        ``mappings``: ``{obj_id: face_url}`` (or ``Batch.create_task``'s list forms), 1 to 5
        people. Returns the task's ``TaskEntry`` at once (the create is scheduled). A mistake
        shows inline on the panel and raises ``InvalidRequestError`` (nothing is sent); a
        server refusal (1104, 1003, 1014…) shows on the panel and on the task's row."""
        return self.swap_actions.create(
            url, mappings, resolution=resolution, keep_original_sound=keep_original_sound
        )


class SwapController:
    """Wires the panel, the rows' "Swap…" buttons and the gallery's "Swap these people"."""

    def __init__(self, board: AnalysisBoard) -> None:
        self.board = board
        self.jobs: set[asyncio.Task[None]] = set()
        """Downloads in flight (kept referenced; cancelled by ``close``)."""
        board.swap.on_create(_guarded(board, self._create_clicked))
        board.swap_tasks.on_save = _guarded(board, self.save)
        board.renderer.on_swap = _guarded(board, self.open)
        board.results.swap_open.on_click(_guarded(board, self._gallery_clicked))

    def open(self, url: str) -> None:
        """Show ``url``'s analysis in the panel and switch to the "Head swap" tab."""
        batch = self.board.batch
        entry = next((e for e in batch.entries if e.url == url), None)
        self.board.swap.show(url, entry)
        self.board.tabs.selected_index = SWAP_TAB

    def create(
        self,
        url: str,
        mappings: object,
        *,
        resolution: str = "720p",
        keep_original_sound: bool = True,
    ) -> TaskEntry:
        """Queue the task (the batch checks it: nothing is sent on a mistake) and start.

        A local refusal shows inline on the panel, then ``InvalidRequestError`` is raised."""
        board, panel = self.board, self.board.swap
        if panel.url != url:
            self.open(url)
        panel.clear_errors()
        batch = board.batch
        try:
            entry = batch.create_task(
                url, mappings, resolution=resolution, keep_original_sound=keep_original_sound
            )
        except InvalidRequestError as exc:
            analysis = next((e for e in batch.entries if e.url == url), None)
            obj_id, words = explain_invalid(exc, pairs_of(mappings), analysis)
            panel.show_error(words, obj_id)
            raise
        board.swap_tasks.last_ref = entry.ref
        board._start()
        board.refresh()
        return entry

    def save(self, ref: int) -> None:
        """Download task ``ref``'s output into the working directory, in the background."""
        entry = next((t for t in self.board.batch.tasks if t.ref == ref), None)
        if entry is None:
            return
        self._note(ref, "<i>Saving…</i>")
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a plain script): download now
            from headswap_nb.downloads import save_output

            self._saved(ref, lambda: save_output(entry))
            return
        job = loop.create_task(self._save(ref, entry), name="headswap-save-output")
        self.jobs.add(job)
        job.add_done_callback(self.jobs.discard)

    async def _save(self, ref: int, entry: TaskEntry) -> None:
        from headswap_nb.downloads import save_output_async

        try:
            path = await save_output_async(entry)
        except Exception as exc:  # shown on the row, never lost in a log
            self._note(ref, f'<span style="{RED}">Saving failed: {html.escape(str(exc))}</span>')
        else:
            self._note(ref, _saved_html(path))

    def _saved(self, ref: int, download: Any) -> None:
        try:
            path = download()
        except Exception as exc:
            self._note(ref, f'<span style="{RED}">Saving failed: {html.escape(str(exc))}</span>')
        else:
            self._note(ref, _saved_html(path))

    def _note(self, ref: int, note: str) -> None:
        self.board.swap_tasks.saved[ref] = note
        self.board.live.poke()

    def _create_clicked(self) -> None:
        panel = self.board.swap
        if panel.url is None:
            return
        try:
            self.create(
                panel.url,
                panel.pairs(),
                resolution=str(panel.resolution.value),
                keep_original_sound=bool(panel.sound.value),
            )
        except InvalidRequestError:
            pass  # shown inline by create()
        except Exception as exc:
            panel.show_error(f"Creating the task failed: {exc}")

    def _gallery_clicked(self, _: object = None) -> None:
        url = self.board.results.swap_pick.value
        if url is None:
            self.board.tabs.selected_index = SWAP_TAB
            self.board.swap.show_error("No completed analysis with people yet.")
            return
        self.open(str(url))

    def active(self) -> bool:
        """True while a task is being created or processed (elapsed times tick on)."""
        batch = self.board._batch
        return batch is not None and any(t.state.is_active for t in batch.tasks)

    def close(self) -> None:
        """Cancel the downloads in flight and close the task rows."""
        for job in tuple(self.jobs):
            job.cancel()
        for row in self.board.swap_tasks.widgets():
            for widget in walk(row):
                widget.close()


def _saved_html(path: object) -> str:
    return f'Saved to <code class="hs-swap-saved-path">{html.escape(str(path))}</code>'
