"""Running a batch under a screen, with Ctrl-C that never loses money.

The first Ctrl-C (or a SIGTERM) stops the run (``Batch.stop``): nothing new is sent or
polled, every submit in flight is let answer so its id reaches the journal, and every job
stays as it was — never sent ones pending, running ones as last seen — so the same command
goes on from there. A second Ctrl-C stops at once: submits still in flight become "needs
attention" (they may exist on the server), which a resume shows instead of sending them
again.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from headswap_nb.jobs.states import EntryState
from headswap_nb.jobs.summary import summarize
from headswap_nb.terminal.view import Snapshot, change_line, counts_text

if TYPE_CHECKING:
    from headswap_nb.batch import Batch
    from headswap_nb.jobs import BatchEvent
    from headswap_nb.terminal.screen import Screen

__all__ = ["FIRST_STOP", "SECOND_STOP", "RunEnd", "drive"]

FIRST_STOP = (
    "Stopping: nothing new is sent or polled; waiting for the submits in flight to answer "
    "so that their ids are journaled. Press Ctrl-C again to stop at once."
)
SECOND_STOP = (
    "Stopping now: a submit still in flight is marked as needing attention (it may exist "
    "on the server); a resume will not send it again."
)


@dataclass(frozen=True, slots=True)
class RunEnd:
    """How a run ended."""

    interrupted: bool
    """A Ctrl-C (or SIGTERM) came: the batch did not run to its end."""
    forced: bool
    """A second Ctrl-C cut the run short."""


async def drive(
    batch: Batch,
    screen: Screen,
    view: Callable[[], Snapshot],
    *,
    refresh: float = 0.2,
) -> RunEnd:
    """Run ``batch`` to its end (or to a Ctrl-C), drawing ``view()`` every ``refresh``
    seconds and a line per job that changes state."""
    loop = asyncio.get_running_loop()
    runner = batch.start()
    stops = 0

    def on_stop() -> None:
        nonlocal stops
        stops += 1
        if stops == 1:
            screen.say(FIRST_STOP, style="yellow")
            batch.stop()
        elif not runner.done():
            screen.say(SECOND_STOP, style="yellow")
            runner.cancel()

    def on_event(event: BatchEvent) -> None:
        job = event.job
        if job is None:
            return
        line = change_line(event.kind.removeprefix("task_"), job)
        if line is not None:
            summary = summarize(batch.tasks) if job.is_task else event.summary
            screen.change(line, job, counts_text(summary))

    handled = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, on_stop)
            handled.append(signum)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - Windows
            pass
    unsubscribe = batch.subscribe(on_event)
    screen.start()
    try:
        while not runner.done():
            await asyncio.wait({runner}, timeout=refresh)
            screen.refresh(view)
    finally:
        unsubscribe()
        for signum in handled:
            loop.remove_signal_handler(signum)
        screen.refresh(view)
        screen.stop()
    jobs = [*batch.entries, *batch.tasks]
    running = sum(1 for j in jobs if j.state.is_active and j.job_id is not None)
    unsent = sum(1 for j in jobs if j.state is EntryState.PENDING)
    if stops and (running or unsent):
        screen.say(
            f"Stopped with {running} job(s) still running and {unsent} not sent yet: a "
            "resume polls the running ones by their journaled ids and sends the others."
        )
    forced = runner.cancelled()
    if not forced:
        runner.result()  # an unexpected failure of the engine itself is raised here
    return RunEnd(interrupted=stops > 0, forced=forced)
