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

__all__ = ["call_on", "running_loop"]


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
