"""``AnalysisBoard``: paste URLs, press Analyze, watch every analysis, collect the DataFrame.

Views (connection, input, summary, rows, actions, results, head swap) around one ``Batch``.
The board drives the batch and renders its events; it does no HTTP, polling or DataFrame
work itself. Events only mark the board pending; one background task (``live``)
flushes at most ``updates_per_second`` times a second and sends, most important first, at
most about ``messages_per_second`` comm messages a second in total (``render`` says what goes
first, ``throttle`` how much), so front-end traffic stays bounded however many analyses run.
"""

from __future__ import annotations

import asyncio
import math
import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import ipywidgets as W

from headswap_nb.connection import credential_env_var
from headswap_nb.urls import ParsedUrls
from headswap_nb.widgets import _actions
from headswap_nb.widgets._present import ACTIVE_STATES
from headswap_nb.widgets._swap_actions import SwapMethods, style_widget
from headswap_nb.widgets.connection_panel import ConnectionPanel
from headswap_nb.widgets.fallback import fallback_bundle
from headswap_nb.widgets.inputs import UrlInput
from headswap_nb.widgets.live import LiveRenderer, walk
from headswap_nb.widgets.render import BoardRenderer
from headswap_nb.widgets.results import ResultsPanel
from headswap_nb.widgets.summary import ActionBar, SummaryBar
from headswap_nb.widgets.throttle import Coalescer

if TYPE_CHECKING:
    import pandas as pd

    from headswap_nb.batch import Batch, BatchEvent
    from headswap_nb.client import AsyncClient
    from headswap_nb.models import Analysis
    from headswap_nb.polling import PollPolicy

__all__ = ["AnalysisBoard"]


class AnalysisBoard(SwapMethods):
    """Submit, watch and collect analyses in a notebook. Display it, or call ``display()``.

    ``client``: the ``AsyncClient`` to use; by default one is built from the environment
    (``connection.default_async_client``: the credential in ``AKOOL_API_KEY``..., else an
    embedded simulator). ``api_base_url``: where "Use the real API" connects (default: the
    client's default, ``AKOOL_BASE_URL`` or the Akool API). ``max_rows`` rows at most are
    shown (active first, then the most recent); the summary counts the rest. The board
    flushes at most ``updates_per_second`` times a second and sends at most
    ``messages_per_second`` comm messages a second on average (bursts of half a second's
    worth): the summary first, then state changes, progress, and elapsed times last.
    ``journal``: a SQLite file (``Batch``'s journal) recording every submit before it is
    sent; a board opened on the same file after a kernel restart shows and resumes it all.
    """

    def __init__(
        self,
        *,
        client: AsyncClient | None = None,
        concurrency: int = 4,
        max_rows: int = 50,
        poll: PollPolicy | None = None,
        api_base_url: str | None = None,
        updates_per_second: float = 8.0,
        messages_per_second: float = 10.0,
        journal: str | os.PathLike[str] | None = None,
    ) -> None:
        self.max_rows, self.journal_path = max_rows, journal
        self._poll = poll
        self._api_base_url = api_base_url
        self._owns_client = client is None
        self._client: AsyncClient | None = client
        self._batch: Batch | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._run_task: asyncio.Task[Any] | None = None
        self._closing: asyncio.Task[None] | None = None
        self._hidden: set[str] = set()

        self.connection = ConnectionPanel(offer_password=credential_env_var() is None)
        self.inputs = UrlInput(concurrency=concurrency)
        self.summary = SummaryBar()
        self.actions = ActionBar()
        self.rows_box = W.VBox(_dom_classes=("hs-rows",))
        self.results = ResultsPanel()
        progress = W.VBox(
            (self.summary, self.actions, self.rows_box), _dom_classes=("hs-progress-tab",)
        )
        titles = ("Progress", "Results", "Head swap")
        self.tabs = W.Tab((progress, self.results, self._build_swap()), titles=titles)
        self.tabs.add_class("hs-tabs")
        parts = (style_widget(), self.connection, self.inputs, self.tabs)
        self.view = W.VBox(parts, _dom_classes=("hs-board",))
        """The widget tree; the board displays as this."""
        self.scheduler = Coalescer(updates_per_second, budget=messages_per_second)
        """Paces flushes; ``.flushes`` and ``.messages`` count flushes and messages sent."""
        self.renderer = BoardRenderer(
            self.rows_box,
            self.summary,
            self.results,
            summary_interval=max(1 / updates_per_second, 5 / messages_per_second),
            capacity=self.scheduler.capacity,
            tasks=self.swap_tasks,
        )
        """What a flush sends, by priority; ``renderer.rows`` is the pool of rows."""
        self.live = LiveRenderer(
            self._flush,
            scheduler=self.scheduler,
            active=self._any_active,
            on_error=self.summary.show_problem,
        )
        _actions.wire(self)  # and the head-swap panel's controller, ``swap_actions``
        problem = None
        if client is None:
            try:
                from headswap_nb.connection import default_async_client

                client = default_async_client()
            except Exception as exc:  # e.g. AKOOL_BASE_URL without a credential
                problem = str(exc)
        if client is not None:
            _actions.use_client(self, client, owned=self._owns_client)
        else:
            self.connection.render(None, problem)
        self.refresh()

    # --- programmatic access -------------------------------------------------------------

    @property
    def batch(self) -> Batch:
        """The ``Batch`` the board drives (replaced when "Use the real API" connects)."""
        if self._batch is None:
            from headswap_nb.errors import ConfigurationError

            raise ConfigurationError("the board is not connected: enter an API key first")
        return self._batch

    @property
    def client(self) -> AsyncClient | None:
        """The client requests go through (``None`` until connected)."""
        return self._client

    @property
    def records(self) -> dict[str, Analysis]:
        """Latest ``Analysis`` per URL (URLs that have an id)."""
        return self.batch.records

    def to_dataframe(self) -> pd.DataFrame:
        """The analyses as a DataFrame (``frames.to_dataframe``)."""
        from headswap_nb.frames import to_dataframe

        return to_dataframe(self.batch)

    def submit(self, urls: str | Iterable[str]) -> ParsedUrls:
        """Add ``urls`` (text or a list) to the batch and start it; returns what was accepted.

        Inside a running loop (a notebook) this schedules and returns at once; without one
        (a plain script or terminal IPython) it runs the batch to the end first.
        """
        batch = self.batch
        batch.concurrency = int(self.inputs.concurrency.value)
        parsed = batch.add(urls)
        self._start()
        return parsed

    def refresh(self) -> int:
        """Render everything now, unthrottled (clicks call this; so does ``send_state``).

        Returns the number of comm messages it sent (one per changed widget)."""
        sent, _ = self._flush(math.inf, self.live.clock())
        self.scheduler.charge(sent, now=self.live.clock())
        return sent

    def display(self) -> None:
        """Show the board in the current output (same as making it a cell's last value)."""
        from IPython.display import display

        display(self)  # type: ignore[no-untyped-call]

    def send_state(self) -> None:
        """Render now and re-send every widget's full state to the front end.

        State set by background tasks is not in nbclient's saved notebook (it records the
        messages of the running cell only); call this in a final cell to save the board as
        it is (the executed-notebook tests and ``nbconvert --execute`` need it).
        """
        self.refresh()
        for widget in walk(self.view):
            widget.send_state()

    def close(self) -> None:
        """Cancel the board's tasks, stop the batch, and close every widget."""
        self.live.close()
        self.swap_actions.close()
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._run_task is not None and not self._run_task.done():
            self._run_task.cancel()
        if self._batch is not None:
            self._batch.close()
        _actions.release_client(self)
        for widget in [*walk(self.view), *(w for row in self.renderer.rows for w in walk(row))]:
            widget.close()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle: dict[str, Any] = dict(self.view._repr_mimebundle_(**kwargs) or {})
        return {**bundle, **self._fallback()}

    def __repr__(self) -> str:
        return self._fallback()["text/plain"]

    def _fallback(self) -> dict[str, str]:
        return fallback_bundle(self._batch, self._client, self.max_rows, self._hidden)

    # --- internals -----------------------------------------------------------------------

    def _on_event(self, event: BatchEvent) -> None:
        if event.kind == "done":
            self.renderer.results_stale = True
        self.live.poke()

    def _start(self) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            self.batch.run_sync()
            self.renderer.results_stale = True
            self.refresh()
            return
        if self._run_task is None or self._run_task.done():
            self._run_task = self.batch.start()
            self._run_task.add_done_callback(self._run_finished)
        self.live.poke()

    def _run_finished(self, task: asyncio.Task[Any]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.summary.show_problem(f"The batch stopped: {task.exception()}")
        self.live.poke()

    def _flush(self, allowance: float, now: float) -> tuple[int, int]:
        if self._batch is None:
            return 0, 0
        limit, hidden = self.max_rows, self._hidden
        return self.renderer.render(
            self._batch, limit=limit, hidden=hidden, allowance=allowance, now=now
        )

    def _any_active(self) -> bool:
        entries = self._batch.entries if self._batch is not None else ()
        return any(e.state.value in ACTIVE_STATES for e in entries) or self.swap_actions.active()
