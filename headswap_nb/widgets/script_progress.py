"""The board's progress as a line of text, for a plain script or a terminal IPython.

There the board has no front end to draw on, and ``board.submit`` runs the batch to the end
before it returns: this prints how it goes meanwhile, tqdm-like, on stderr — one line
redrawn in place on a terminal, a line every few seconds otherwise (a log). Pure text, no
ipywidgets.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from headswap_nb.batch import Batch, BatchEvent

__all__ = ["ScriptProgress", "progress_line"]

_WIDTH = 20


def progress_line(batch: Batch) -> str:
    """``[########............] 12/40 done · 3 processing · 5.0/min · ~1 min left``."""
    summary, pace = batch.summary, batch.pace()
    percent = summary.progress if pace.progress is None or summary.done else pace.progress
    filled = round(percent / 100 * _WIDTH)
    finished = summary.completed + summary.failed + summary.errors + summary.unknown
    finished += summary.cancelled
    parts = [f"[{'#' * filled}{'.' * (_WIDTH - filled)}] {finished}/{summary.total} done"]
    running = summary.submitting + summary.queued + summary.processing
    if running:
        parts.append(f"{running} running")
    if summary.failed + summary.errors:
        parts.append(f"{summary.failed + summary.errors} failed")
    if summary.unknown:
        parts.append(f"{summary.unknown} need attention")
    moving = "" if summary.done else pace.describe()
    return " · ".join([*parts, moving] if moving else parts)


class ScriptProgress:
    """Prints ``progress_line`` on batch events, at most every ``interval`` seconds."""

    def __init__(
        self,
        batch: Batch,
        *,
        stream: TextIO | None = None,
        interval: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.batch, self.stream = batch, stream or sys.stderr
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        # A log gets a line every few seconds, not four a second.
        self.interval = interval if self._tty else max(interval, 5.0)
        self._clock = clock
        self._last = -float("inf")
        self._shown = ""

    def __call__(self, event: BatchEvent) -> None:
        now = self._clock()
        if event.kind != "done" and now - self._last < self.interval:
            return
        self._last = now
        self.write(progress_line(self.batch), final=event.kind == "done")

    def write(self, line: str, *, final: bool = False) -> None:
        """Show ``line`` (and end the output with a newline when ``final``)."""
        if line == self._shown and not final:
            return
        self._shown = line
        if self._tty:
            self.stream.write("\r" + line.ljust(78) + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
