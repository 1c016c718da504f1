"""``AnalysisBoard``: paste URLs, press Analyze, watch every job, collect the DataFrame.

The board only composes: its views (``layout``), the one ``controller`` that owns the client
and the batch and handles every control, and the background ``live`` renderer. Batch events
only mark the board pending; the renderer flushes at most ``updates_per_second`` times a
second and sends, most important first, at most about ``messages_per_second`` comm messages
a second in total (``render`` says what goes first, ``throttle`` how much), so front-end
traffic stays bounded however many jobs run.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from headswap_nb.client.urls import ParsedUrls
from headswap_nb.connection import credential_env_var
from headswap_nb.widgets.controller import BoardController
from headswap_nb.widgets.fallback import fallback_text
from headswap_nb.widgets.layout import BoardViews
from headswap_nb.widgets.live import LiveRenderer, walk
from headswap_nb.widgets.snapshot import Snapshot
from headswap_nb.widgets.throttle import Coalescer

if TYPE_CHECKING:
    import pandas as pd

    from headswap_nb.batch import Batch
    from headswap_nb.client import AsyncClient
    from headswap_nb.jobs import JobEntry
    from headswap_nb.models import Analysis
    from headswap_nb.polling import PollPolicy

__all__ = ["AnalysisBoard"]

_SUMMARY_INTERVAL = 0.5
"""Seconds between summary updates (2 messages each): the rest of the budget moves rows."""


class AnalysisBoard:
    """Submit, watch and collect analyses in a notebook. Display it, or call ``display()``.

    ``client``: the ``AsyncClient`` to use; by default one is built from the environment
    (``connection.default_async_client``: the credential in ``AKOOL_API_KEY``..., else an
    embedded simulator). ``api_base_url``: where "Use the real API" connects (default: the
    client's default, ``AKOOL_BASE_URL`` or the Akool API). ``max_rows`` rows at most are
    shown (active first, then the most recent); the summary counts the rest. The board
    flushes at most ``updates_per_second`` times a second and sends at most
    ``messages_per_second`` comm messages a second on average (bursts of half a second's
    worth), whatever the number of jobs: the summary and state changes first, then the bars
    of the visible rows in turn (so that none looks frozen), elapsed times last.
    ``journal``: a SQLite file (``Batch``'s journal) recording every job before it is sent;
    a board opened on the same file after a kernel restart shows and resumes it all.
    ``preflight``: look at every pasted video before it is sent (with the probe extra; see
    ``looks``): one that is unreachable, not a video or outside 3–20 s is held back with the
    reason until "Send anyway". ``submit()`` from code sends what it is given, as asked.
    """

    def __init__(
        self,
        *,
        client: AsyncClient | None = None,
        concurrency: int = 4,
        max_rows: int = 50,
        poll: PollPolicy | None = None,
        api_base_url: str | None = None,
        updates_per_second: float = 10.0,
        messages_per_second: float = 30.0,
        journal: str | os.PathLike[str] | None = None,
        preflight: bool = True,
    ) -> None:
        self.max_rows, self.journal_path = max_rows, journal
        self.scheduler = Coalescer(updates_per_second, budget=messages_per_second)
        """Paces flushes; ``.flushes`` and ``.messages`` count flushes and messages sent."""
        views = self._views = BoardViews(
            concurrency=concurrency,
            offer_password=credential_env_var() is None,
            summary_interval=_SUMMARY_INTERVAL,
            capacity=self.scheduler.capacity,
        )
        # The views, for code and tests that look at what the board shows.
        self.connection, self.inputs, self.summary = views.connection, views.inputs, views.summary
        self.actions, self.rows_box, self.results = views.actions, views.rows_box, views.results
        self.swap, self.tabs, self.view = views.swap, views.tabs, views.view
        self.renderer = views.renderer
        self.snapshot = Snapshot(limit=max_rows)
        """The static picture shown where widgets cannot render (``snapshot``)."""
        self.controller = BoardController(
            views,
            poll=poll,
            journal=journal,
            api_base_url=api_base_url,
            on_change=self._poke,
            on_click=self.refresh,
            on_settled=self._settled,
            preflight=preflight,
        )
        """Owns the client and the batch; handles every button."""
        self.live = LiveRenderer(
            self._flush,
            scheduler=self.scheduler,
            active=self.controller.active,
            on_error=views.summary.show_problem,
        )
        """The background task that keeps the widgets current."""
        problem = None
        owned = client is None
        if client is None:
            try:
                from headswap_nb.connection import default_async_client

                client = default_async_client()
            except Exception as exc:  # e.g. AKOOL_BASE_URL without a credential
                problem = str(exc)
        if client is not None:
            self.controller.use_client(client, owned=owned)
        else:
            views.connection.render(None, problem)
        self.refresh()

    # --- programmatic access -------------------------------------------------------------

    @property
    def batch(self) -> Batch:
        """The ``Batch`` the board drives (replaced when "Use the real API" connects)."""
        return self.controller.require_batch()

    @property
    def client(self) -> AsyncClient | None:
        """The client requests go through (``None`` until connected)."""
        return self.controller.client

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
        return self.controller.submit(urls)

    def open_swap(self, url: str) -> None:
        """Show the head-swap panel for ``url``'s analysis (the "Head swap" tab)."""
        self.controller.open_swap(url)

    def create_task(
        self,
        url: str,
        mappings: object,
        *,
        resolution: str = "720p",
        keep_original_sound: bool = True,
    ) -> JobEntry:
        """Create a head-swap task on ``url``'s completed analysis and track it on the panel.

        ``mappings``: ``{obj_id: face_url}`` (or ``Batch.create_task``'s list forms), 1 to 5
        people. Returns the task's entry at once (the create is scheduled). A mistake shows
        inline on the panel and raises ``InvalidRequestError`` (nothing is sent); a server
        refusal (1104, 1003, 1014…) shows on the panel and on the task's row."""
        entry = self.controller.create_task(
            url, mappings, resolution=resolution, keep_original_sound=keep_original_sound
        )
        self.refresh()
        return entry

    def refresh(self) -> int:
        """Render everything now, unthrottled (clicks call this; so does ``send_state``).

        Returns the number of comm messages it sent (one per changed widget)."""
        sent, _ = self._flush(math.inf, self.live.clock())
        self.scheduler.charge(sent, now=self.live.clock())
        return sent

    def save_report(self, path: str | os.PathLike[str], *, title: str = "Head-swap report") -> Path:
        """Write this board's batch as one self-contained HTML file (``headswap_nb.report``:
        summary, charts, every analysis and task, previews embedded, opens offline)."""
        from headswap_nb.reports import report

        return report(self.controller.require_batch(), path, title=title)

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

    def stop(self) -> None:
        """Stop the board's background work — the batch, the renderer, the client it owns —
        but keep it on screen as it ends: its final state is rendered and sent in full (a
        saved notebook holds it too). Use it as a notebook's last cell; ``close`` also
        removes the widgets."""
        self.live.close()
        self.controller.close()
        self.send_state()
        self.snapshot.final(self.controller.batch)

    def close(self) -> None:
        """Cancel the board's tasks, stop the batch, and close every widget."""
        self.live.close()
        self.controller.close()
        rows = self.renderer.analyses.rows
        tasks = self.renderer.tasks.rows if self.renderer.tasks is not None else []
        for widget in [*walk(self.view), *(w for row in [*rows, *tasks] for w in walk(row))]:
            widget.close()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """One bundle: the widget, its text, and the snapshot as ``text/html``."""
        bundle: dict[str, Any] = dict(self.view._repr_mimebundle_(**kwargs) or {})
        return {**bundle, **self._fallback()}

    def _ipython_display_(self) -> None:
        # Two outputs: the widget with its text, then the snapshot (which the board's CSS
        # hides wherever the widget renders; see ``snapshot``).
        from IPython.display import display

        bundle: dict[str, Any] = dict(self.view._repr_mimebundle_() or {})
        bundle["text/plain"] = self._fallback()["text/plain"]
        display(bundle, raw=True)  # type: ignore[no-untyped-call]
        self.snapshot.display(self.controller.batch)

    def __repr__(self) -> str:
        c = self.controller
        return fallback_text(c.batch, c.client, self.max_rows, c.hidden)

    def _fallback(self) -> dict[str, str]:
        c = self.controller
        return {
            "text/plain": fallback_text(c.batch, c.client, self.max_rows, c.hidden),
            "text/html": self.snapshot.html(c.batch),
        }

    # --- internals -----------------------------------------------------------------------

    def _poke(self) -> None:
        self.live.poke()

    def _settled(self) -> None:
        batch = self.controller.batch
        if batch is not None and self.snapshot.shown:
            self.snapshot.settled(batch, lambda: self.snapshot.update(self.controller.batch))

    def _flush(self, allowance: float, now: float) -> tuple[int, int]:
        batch = self.controller.batch
        if batch is None:
            return 0, 0
        spent = self.connection.send_credits() if allowance >= 1 else 0
        sent, need = self.renderer.render(
            batch,
            limit=self.max_rows,
            hidden=self.controller.hidden,
            allowance=allowance - spent,
            now=now,
        )
        return sent + spent, need
