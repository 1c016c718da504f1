"""How a batch runs: in the background (``start``), awaited (``wait``) or blocking (``run_sync``).

In Jupyter, ``start()`` schedules one task on the kernel's loop; it keeps running, and events
keep coming, after the cell has finished (design.md §2). ``run_sync()`` re-enters a running
loop with nest-asyncio2 rather than running a private loop in a thread, so every other board
and batch keeps updating while a cell waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sized

from headswap_nb._batch_core import BatchCore
from headswap_nb._batch_poll import PollClock
from headswap_nb._batch_state import BatchSummary

__all__ = ["RunModes"]


class RunModes(BatchCore):
    """``start`` / ``wait`` / ``run_sync`` / ``aclose`` / ``close``."""

    @property
    def running(self) -> bool:
        """True while the background task runs."""
        return self._runner is not None and not self._runner.done()

    def start(self) -> asyncio.Task[BatchSummary]:
        """Run in the background on the running loop (idempotent while running).

        In Jupyter the task keeps running, and events keep coming, after the cell ends."""
        if self._closed:
            raise RuntimeError("this Batch is closed; create a new one")
        if self._runner is not None and not self._runner.done():
            return self._runner
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "Batch.start() needs a running event loop (a notebook cell or a coroutine); "
                "in a plain script use batch.run_sync() instead"
            ) from None
        self._runner = loop.create_task(self._run(), name="headswap-batch")
        return self._runner

    async def wait(self) -> BatchSummary:
        """Start if needed and return the summary once nothing is pending or active."""
        # shield: cancelling one waiter must not stop a batch others are watching.
        return await asyncio.shield(self.start())

    def run_sync(self) -> BatchSummary:
        """Block until done: ``asyncio.run`` in a script; inside a running loop (Jupyter),
        re-enter it with nest-asyncio2 so other background work keeps running meanwhile."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self._run_in_script())
        import nest_asyncio2  # lazily: patching asyncio is only needed inside a running loop

        first = not hasattr(loop, "_nest_patched")
        nest_asyncio2.apply(loop)
        ready: Sized = getattr(loop, "_ready", ())
        waiting = len(ready)
        try:
            return loop.run_until_complete(self.wait())
        finally:
            if first:
                _keep_count(loop, ready, waiting)

    async def _run_in_script(self) -> BatchSummary:
        try:
            return await self.wait()
        finally:
            # The loop dies with asyncio.run; a client we made cannot outlive it.
            await self._close_client()

    async def _run(self) -> BatchSummary:
        self._ensure_client()
        self._clock = PollClock(self._policy)
        try:
            await self._sched.run()
        finally:
            self._abandon_waiters()
            self._settle_ids()  # a job finished at its submit answer is never polled
        summary = self.summary
        self._emit("done", None)
        return summary

    def _abandon_waiters(self) -> None:
        """Callers awaiting a create that never ran are told so (the run ended or stopped)."""
        for future in self._task_waiters.values():
            if not future.done():
                future.set_exception(RuntimeError("the batch stopped before the create was sent"))
        self._task_waiters.clear()

    async def _close_client(self) -> None:
        if self._owns_client and self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    async def aclose(self) -> None:
        """Stop the background task, close the client if the batch made it, and the
        journal if it opened it. Submits in flight become UNKNOWN (they may have left)."""
        if self._runner is not None and not self._runner.done():
            self._runner.cancel()
            await asyncio.gather(self._runner, return_exceptions=True)
        await self._close_client()
        self._settle_ids(last=True)
        if self._owns_journal and self._journal is not None:
            self._journal.close()
        self._closed = True
        self._hub.close()

    def close(self) -> None:
        """``aclose()`` from synchronous code (scheduled on the running loop if there is one)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(self.aclose())
            return
        self._closing = loop.create_task(self.aclose())


def _keep_count(loop: asyncio.AbstractEventLoop, ready: Sized, waiting: int) -> None:
    """Leave at least ``waiting`` handles ready, padding with no-ops.

    The first ``run_sync`` in a running loop is called from inside the loop's own, not yet
    patched ``_run_once``, which counted its ready handles before running us and pops
    exactly that many afterwards. The nested run may have run some of them already, and
    the kernel then died on "pop from an empty deque" (it did, in notebook 02, whenever a
    board's timer was due in the same iteration). From the next iteration on the patched
    ``_run_once`` runs, which checks.
    """
    for _ in range(waiting - len(ready)):
        loop.call_soon(_nothing)


def _nothing() -> None:
    pass
