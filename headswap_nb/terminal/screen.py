"""The two ways a run is drawn: a live screen in a terminal, plain lines in a log.

The thin shell around ``view``: it decides nothing, it only draws. In a terminal rich
redraws the overall bar and one line per active job in place, and prints a line above them
for each job that finishes. When stdout is not a terminal (CI logs, a pipe) nothing is
redrawn: one line per change, each with the counts, and a line with the pace every
``heartbeat`` seconds so a long quiet wait still shows life. Colours follow the terminal
and the ``NO_COLOR`` convention (rich reads it), and never reach a log.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Protocol

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from headswap_nb.present import short_url

if TYPE_CHECKING:
    from headswap_nb.jobs import JobEntry
from headswap_nb.terminal.view import Snapshot, eta_text, headline

__all__ = ["LiveScreen", "PlainScreen", "Screen", "make_screen", "render"]

STATE_STYLES = {
    "pending": "dim",
    "submitting": "cyan",
    "queued": "cyan",
    "processing": "blue",
    "completed": "green",
    "failed": "red",
    "error": "red",
    "unknown": "yellow",
    "cancelled": "dim",
}


class Screen(Protocol):
    """What a run draws on."""

    def start(self) -> None:
        """Begin drawing."""

    def stop(self) -> None:
        """Stop drawing; what was shown last stays on screen."""

    def say(self, text: str, *, style: str = "") -> None:
        """A line of its own (a note, a warning, how to resume)."""

    def change(self, line: str, job: JobEntry, counts: str) -> None:
        """``job`` changed state (``line``: ``view.change_line``; ``counts``: the batch's,
        ``view.counts_text``)."""

    def refresh(self, view: Callable[[], Snapshot]) -> None:
        """Show the batch now, ``view()`` (called a few times a second; a screen that has
        nothing to redraw does not even compute it — with 10,000 jobs it is not free)."""


def render(snap: Snapshot, *, width: int = 100) -> RenderableType:
    """The live area: the overall bar with counts, rate and time left, then a line per
    active job (its bar at the shown progress, state, id, time left, URL)."""
    overall = Table.grid(padding=(0, 1))
    overall.add_row(
        ProgressBar(total=100, completed=snap.summary.progress, width=30),
        Text(f"{snap.summary.progress:3.0f}%"),
        Text(headline(snap), overflow="ellipsis", no_wrap=True),
    )
    rows: list[RenderableType] = [overall]
    if snap.active:
        jobs = Table.grid(padding=(0, 1))
        for line in snap.active:
            style = STATE_STYLES.get(line.state, "")
            jobs.add_row(
                Text("  "),
                ProgressBar(total=100, completed=line.shown, width=20),
                Text(f"{line.shown:3.0f}%"),
                Text(f"{line.state:<10}", style=style),
                Text(line.job_id or "-" * 24, style="dim" if line.job_id is None else ""),
                Text(f"{eta_text(line.eta):<12}"),
                Text(
                    short_url(line.url, max(20, width - 90))
                    + (f"  {line.note}" if line.note else ""),
                    overflow="ellipsis",
                    no_wrap=True,
                ),
            )
        rows.append(jobs)
    if snap.more:
        rows.append(Text(f"  … and {snap.more} more running", style="dim"))
    return Group(*rows)


class LiveScreen:
    """Redraws in place (rich ``Live``); finished jobs scroll above."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._live = Live(console=console, auto_refresh=False, transient=False)
        self._finished: list[Text] = []

    def start(self) -> None:
        self._live.start()

    def stop(self) -> None:
        self._flush()
        self._live.stop()

    def say(self, text: str, *, style: str = "") -> None:
        self._flush()
        self.console.print(Text(text, style=style))

    def change(self, line: str, job: JobEntry, counts: str) -> None:
        # Only finished jobs scroll above: the live area shows the others, and the counts.
        if not job.state.is_terminal:
            return
        style = STATE_STYLES.get(job.state.value, "")
        if job.is_task and job.output_url:  # the link is what matters: keep it whole
            self._finished.append(Text(line, style=style))
        else:
            self._finished.append(Text(line, style=style, overflow="ellipsis", no_wrap=True))

    def _flush(self) -> None:
        # One print per refresh, however many finished: every print above a Live area
        # redraws it, and a thousand redraws a second starve the batch itself.
        if self._finished:
            lines, self._finished = self._finished, []
            self.console.print(Group(*lines), soft_wrap=True)

    def refresh(self, view: Callable[[], Snapshot]) -> None:
        self._flush()
        self._live.update(render(view(), width=self.console.width), refresh=True)


class PlainScreen:
    """One line per change, never redrawn (logs)."""

    def __init__(self, out: IO[str] | None = None, *, heartbeat: float = 30.0) -> None:
        self.out = out or sys.stdout
        self.heartbeat = heartbeat
        self._clock = time.monotonic
        self._last = self._clock()

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)
        self._last = self._clock()

    def start(self) -> None:
        self._last = self._clock()

    def stop(self) -> None:
        pass

    def say(self, text: str, *, style: str = "") -> None:
        self._print(text)

    def change(self, line: str, job: JobEntry, counts: str) -> None:
        self._print(f"[{counts}] {line}")

    def refresh(self, view: Callable[[], Snapshot]) -> None:
        if self._clock() - self._last >= self.heartbeat:
            self._print(f"[{headline(view())}]")


def make_screen(console: Console | None = None) -> tuple[Screen, Console]:
    """The live screen when stdout is a terminal that can redraw, else the plain one."""
    console = console or Console(highlight=False)
    if console.is_terminal and not console.is_dumb_terminal:
        return LiveScreen(console), console
    return PlainScreen(), console
