"""Run widget callbacks on the board's own event loop.

JupyterLab with ipykernel 7 may deliver comm messages (button clicks, typed values) on a
*subshell* thread with its own event loop. Work started there would run on the wrong loop:
the board's client, batch and render task live on the loop the board was made on (the
kernel's main loop). ``call_on(home, fn)`` hands the call over to that loop (thread-safe,
without waiting) when it is another running loop, and calls it directly otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

__all__ = ["TYPING_PAUSE", "AfterPause", "call_on", "running_loop"]

TYPING_PAUSE = 0.6
"""Seconds without typing after which what was typed is looked at (checked, fetched)."""


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The loop running in this thread, or ``None``."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def call_on(
    home: asyncio.AbstractEventLoop | None, fn: Callable[..., object], *args: object
) -> None:
    """Call ``fn(*args)`` on ``home`` (now if we are on it, or it does not run)."""
    if home is None or home is running_loop() or home.is_closed() or not home.is_running():
        fn(*args)
    else:
        home.call_soon_threadsafe(fn, *args)


class AfterPause:
    """Call ``fn()`` once typing pauses: each ``poke()`` restarts a ``pause``-second wait on
    the running loop (without a loop, as in a script, it calls at once)."""

    def __init__(self, fn: Callable[[], object], *, pause: float = TYPING_PAUSE) -> None:
        self._fn, self._pause = fn, pause
        self._pending: asyncio.TimerHandle | None = None

    def poke(self) -> None:
        """Something was typed: wait for the pause again."""
        self.cancel()
        loop = running_loop()
        if loop is None:
            self._fn()
            return
        self._pending = loop.call_later(self._pause, self._fire)

    def cancel(self) -> None:
        """Forget a call that has not happened yet."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def _fire(self) -> None:
        self._pending = None
        self._fn()
