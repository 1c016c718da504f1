"""The one background task that keeps a board's widgets current, throttled.

Batch events only ``poke()`` it; it sleeps until the ``Coalescer`` allows a flush, calls
``render(allowance, now)`` (which sends at most ``allowance`` comm messages, most important
first, and returns ``(sent, need)``), and charges what was sent. Work that did not fit stays
pending: the next flush comes as soon as ``need`` messages are affordable. While anything is
active it also ticks four times a second, so that bars move between polls and elapsed
times and times left go on. Keeps its task reference;
``close()`` cancels it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from headswap_nb.widgets.throttle import Coalescer

__all__ = ["LiveRenderer", "walk"]

logger = logging.getLogger("headswap_nb.widgets")


class LiveRenderer:
    """Call ``render(allowance, now) -> (sent, need)`` at ``scheduler``'s pace, on the loop."""

    def __init__(
        self,
        render: Callable[[int, float], tuple[int, int]],
        *,
        scheduler: Coalescer,
        active: Callable[[], bool],
        on_error: Callable[[str], object],
        tick: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.scheduler, self.clock = scheduler, clock
        self._render, self._active, self._on_error, self._tick = render, active, on_error, tick
        self._wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        """The background task (``None`` until the first poke inside a running loop)."""
        self._closed = False

    def poke(self) -> None:
        """Something changed; render soon. Never blocks."""
        self.scheduler.mark()
        self._wake.set()
        if self._closed or (self.task is not None and not self.task.done()):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (plain script): the caller renders synchronously
        self.task = loop.create_task(self._loop(), name="headswap-board-render")

    def close(self) -> None:
        """Stop rendering and cancel the task."""
        self._closed = True
        if self.task is not None and not self.task.done():
            self.task.cancel()

    async def _loop(self) -> None:
        while not self._closed:
            delay = self.scheduler.delay(self.clock())
            if delay is None:
                timeout = self._tick if self._active() else None
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout)
                except asyncio.TimeoutError:
                    self.scheduler.mark()  # a tick: elapsed times move on
                self._wake.clear()
                continue
            if delay > 0:
                await asyncio.sleep(delay)
            now = self.clock()
            allowance = self.scheduler.take(now)
            try:
                sent, need = self._render(allowance, now)
            except Exception as exc:  # shown and logged; rendering goes on
                logger.exception("rendering the board failed")
                self._on_error(f"Rendering failed: {exc!r}")
                continue
            self.scheduler.charge(sent, need=need)


def walk(widget: Any) -> Iterator[Any]:
    """``widget`` and everything below it (children, layouts and styles are separate)."""
    yield widget
    for name in ("layout", "style"):
        part = getattr(widget, name, None)
        if part is not None:
            yield part
    for child in getattr(widget, "children", ()):
        yield from walk(child)
