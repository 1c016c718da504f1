"""Running a coroutine to the end from synchronous code, in a script or inside Jupyter.

``asyncio.run`` fails inside a running loop (a notebook cell). ``run_blocking`` then re-enters
the running loop with nest-asyncio2 rather than running a private loop in a thread, so every
other board and batch on that loop keeps updating while the cell waits (design.md §2).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sized
from typing import Any, TypeVar

__all__ = ["run_blocking"]

T = TypeVar("T")


def run_blocking(
    coroutine: Callable[[], Coroutine[Any, Any, T]],
    *,
    in_script: Callable[[], Coroutine[Any, Any, T]] | None = None,
) -> T:
    """Run ``coroutine()`` to the end and return its result: with ``asyncio.run`` (running
    ``in_script()`` instead, when given: its loop dies with the call) where no loop runs,
    else by re-entering the running loop."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run((in_script or coroutine)())
    import nest_asyncio2  # lazily: patching asyncio is only needed inside a running loop

    first = not hasattr(loop, "_nest_patched")
    nest_asyncio2.apply(loop)
    ready: Sized = getattr(loop, "_ready", ())
    waiting = len(ready)
    try:
        return loop.run_until_complete(coroutine())
    finally:
        if first:
            _keep_count(loop, ready, waiting)


def _keep_count(loop: asyncio.AbstractEventLoop, ready: Sized, waiting: int) -> None:
    """Leave at least ``waiting`` handles ready, padding with no-ops.

    The first ``run_blocking`` in a running loop is called from inside the loop's own, not
    yet patched ``_run_once``, which counted its ready handles before running us and pops
    exactly that many afterwards. The nested run may have run some of them already, and the
    kernel then died on "pop from an empty deque" (it did, in notebook 02, whenever a board's
    timer was due in the same iteration). From the next iteration on the patched
    ``_run_once`` runs, which checks.
    """
    for _ in range(waiting - len(ready)):
        loop.call_soon(_nothing)


def _nothing() -> None:
    pass
