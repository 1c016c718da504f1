"""The board's static snapshot: what a saved or exported notebook shows where widgets cannot.

A displayed board is two outputs: the live widget (with a plain-text picture for plain
front ends), and beside it this snapshot — the compact board as static HTML
(``reports.board_html``: inline styles, every string escaped, people previews as ``data:``
URIs) inside a ``<div class="hs-snapshot-static">``. Where the board's widgets render, the
board's own CSS hides that div, so a live notebook shows the board once; where they cannot
(GitHub, nbviewer, a notebook opened without its kernel, ``nbconvert --to html`` offline),
no widget CSS exists and the snapshot is what one sees.

The snapshot is refreshed in place (``update_display`` on its ``display_id``) when the batch
settles and when the board stops. Previews are copied into ``data:`` URIs on a worker thread
(``reports.fetch_images``: bounded, short deadlines), never on the kernel's event loop;
the refresh that follows is handed back to the loop.
"""

from __future__ import annotations

import asyncio
import html
import logging
import threading
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from headswap_nb.batch import Batch

__all__ = ["SNAPSHOT_CLASS", "Snapshot"]

logger = logging.getLogger("headswap_nb.widgets")

SNAPSHOT_CLASS = "hs-snapshot-static"
"""The wrapper's class; ``style.STYLE_HTML`` hides it wherever the board's widgets render."""
_NOTHING_YET = "AnalysisBoard: nothing sent yet (paste video links and press Analyze)."
_MAX_PREVIEWS = 300
"""Previews copied at most: the snapshot shows ``limit`` rows (50 by default) of a few
people each; a 10,000-analysis board must not copy 30,000 images."""
_FETCH_WAIT = 15.0
"""Seconds ``final`` waits at most for previews still being copied (``fetch_images`` gives
each URL a few seconds, many in parallel)."""


class Snapshot:
    """The snapshot output of one board: its ``display_id``, the previews copied so far."""

    def __init__(self, *, limit: int) -> None:
        self.limit = limit
        self.display_id = f"hs-board-{uuid.uuid4().hex}"
        self.thumbnails: dict[str, str] = {}
        """Preview URL → ``data:`` URI, for the people of completed analyses."""
        self.shown = False
        """True once the snapshot was displayed (only then is it updated)."""
        self._fetching: threading.Thread | None = None

    def html(self, batch: Batch | None) -> str:
        """The snapshot of ``batch`` now, wrapped so that live widgets can hide it."""
        from headswap_nb.reports import board_html

        if batch is None or not (batch.entries or batch.tasks):
            inner = f"<div>{html.escape(_NOTHING_YET)}</div>"
        else:
            inner = board_html(batch, thumbnails=self.thumbnails, limit=self.limit)
        return f'<div class="{SNAPSHOT_CLASS}">{inner}</div>'

    def display(self, batch: Batch | None) -> None:
        """Show the snapshot as its own output (right after the widget's)."""
        from IPython.display import display

        display(self._bundle(batch), raw=True, display_id=self.display_id)  # type: ignore[no-untyped-call]
        self.shown = True

    def update(self, batch: Batch | None) -> None:
        """Redraw the displayed snapshot in place (nothing if it was never displayed)."""
        if not self.shown:
            return
        from IPython.display import update_display

        try:
            update_display(self._bundle(batch), raw=True, display_id=self.display_id)  # type: ignore[no-untyped-call]
        except Exception:  # no kernel to send it to (plain Python): the widget is all there is
            logger.debug("could not update the board's snapshot", exc_info=True)

    def settled(self, batch: Batch, on_ready: Callable[[], object]) -> None:
        """The batch settled: copy the previews not copied yet on a worker thread, then call
        ``on_ready`` on the event loop (which redraws the snapshot)."""
        wanted = self._missing(batch)
        if not wanted or (self._fetching is not None and self._fetching.is_alive()):
            on_ready()
            return
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None

        def fetch() -> None:
            self._copy(wanted)
            if loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(on_ready)

        self._fetching = threading.Thread(target=fetch, name="headswap-previews", daemon=True)
        self._fetching.start()
        if loop is None:  # no loop to hand the redraw to: wait here, then redraw
            self._fetching.join(_FETCH_WAIT)
            on_ready()

    def final(self, batch: Batch | None) -> None:
        """The board stops: copy what is missing (waiting a bounded time) and redraw."""
        if batch is not None and self.shown:
            if self._fetching is not None:
                self._fetching.join(_FETCH_WAIT)
            busy = self._fetching is not None and self._fetching.is_alive()
            wanted = [] if busy else self._missing(batch)
            if wanted:
                self._copy(wanted)
        self.update(batch)

    def _missing(self, batch: Batch) -> list[str]:
        urls = []
        for entry in batch.entries:
            record = entry.analysis
            if record is not None:
                urls += [p.img_url for p in record.people if p.img_url]
        missing = [u for u in dict.fromkeys(urls) if u not in self.thumbnails]
        return missing[:_MAX_PREVIEWS]

    def _copy(self, urls: list[str]) -> None:
        from headswap_nb.reports import fetch_images

        try:
            self.thumbnails.update(fetch_images(urls))
        except Exception:  # a preview that cannot be copied is shown as a placeholder
            logger.debug("could not copy the board's previews", exc_info=True)

    def _bundle(self, batch: Batch | None) -> dict[str, Any]:
        # text/plain empty: a plain front end already has the board's text from the widget's
        # output, and must not print it twice.
        return {"text/html": self.html(batch), "text/plain": ""}
