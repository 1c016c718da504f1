"""Controllers: what each button and field of the board does. Callbacks never block.

Every callback is guarded: an exception is shown on the board, not lost in a log; and it
runs on the board's own loop, wherever the click arrived (``_loop``).
"""

from __future__ import annotations

import asyncio
import base64
import html
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any

from headswap_nb.urls import ParsedUrls
from headswap_nb.widgets._loop import call_on, running_loop

if TYPE_CHECKING:
    from headswap_nb.client import AsyncClient
    from headswap_nb.widgets.board import AnalysisBoard

__all__ = ["export_csv", "release_client", "use_client", "wire"]


def _guarded(board: AnalysisBoard, action: Callable[..., object]) -> Callable[..., None]:
    home = running_loop()  # the board's loop: clicks may arrive on a subshell's (see _loop)

    def guarded(*args: Any) -> None:
        try:
            board.summary.show_problem(None)
            action(*args)
        except Exception as exc:
            board.summary.show_problem(f"{getattr(action, '__name__', 'action')}: {exc}")

    @wraps(action)
    def run(*args: Any) -> None:
        call_on(home, guarded, *args)

    return run


def wire(board: AnalysisBoard) -> None:
    """Connect the board's widgets to the batch operations."""

    def analyze(parsed: ParsedUrls) -> None:
        board.submit(parsed.valid)

    def cancel(_: Any) -> None:
        board.batch.cancel()

    def retry(_: Any) -> None:
        if board.batch.retry_failed():
            board._start()

    def clear(_: Any) -> None:
        board._hidden.update(e.url for e in board.batch.entries if e.state.is_terminal)
        board.refresh()

    def export(_: Any) -> None:
        board.actions.link.value = export_csv(board)

    def refresh_results(_: Any) -> None:
        board.results.render(board.batch)

    def tab_changed(change: Any) -> None:
        if change["new"] == 1 and board._batch is not None:
            board.results.render(board._batch)

    def concurrency(change: Any) -> None:
        if board._batch is not None:
            board._batch.concurrency = int(change["new"])

    def connect(api_key: str) -> None:
        from headswap_nb.client import AsyncClient

        client = AsyncClient(api_key=api_key, base_url=board._api_base_url)
        use_client(board, client, owned=True)
        board.connection.message.value = "Connected; new analyses use this key."
        board.refresh()

    board.inputs.on_analyze(_guarded(board, analyze))
    board.actions.cancel.on_click(_guarded(board, cancel))
    board.actions.retry.on_click(_guarded(board, retry))
    board.actions.clear.on_click(_guarded(board, clear))
    board.actions.export.on_click(_guarded(board, export))
    board.results.refresh.on_click(_guarded(board, refresh_results))
    board.tabs.observe(_guarded(board, tab_changed), names="selected_index")
    board.inputs.concurrency.observe(_guarded(board, concurrency), names="value")
    board.connection.on_connect(_guarded(board, connect))
    from headswap_nb.widgets._swap_actions import SwapController

    board.swap_actions = SwapController(board)


def use_client(board: AnalysisBoard, client: AsyncClient, *, owned: bool) -> None:
    """Make ``client`` the board's, with a new ``Batch`` (``owned``: closed with the board)."""
    from headswap_nb.batch import Batch
    from headswap_nb.connection import describe

    if board._unsubscribe is not None:
        board._unsubscribe()
    if board._batch is not None:
        board._batch.close()
    release_client(board)
    board._client, board._owns_client = client, owned
    concurrency = int(board.inputs.concurrency.value)
    if board.journal_path is None:
        board._batch = Batch(client=client, concurrency=concurrency, poll=board._poll)
    else:  # whatever the journal holds shows again, and unfinished jobs are polled again
        board._batch = Batch.resume(
            board.journal_path, client=client, concurrency=concurrency, poll=board._poll
        )
    board._unsubscribe = board._batch.subscribe(board._on_event)
    board._hidden.clear()
    board.connection.render(describe(client))
    if any(entry.state.is_active for entry in board._batch.entries):
        board._start()


def release_client(board: AnalysisBoard) -> None:
    """Forget the board's client, closing it (in the background) if the board owns it."""
    client, owned = board._client, board._owns_client
    board._client, board._owns_client = None, False
    if client is None or not owned:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(client.aclose())
        return
    board._closing = loop.create_task(client.aclose())


_INLINE_LIMIT = 5_000_000  # bytes of CSV offered as an inline (data: URI) download


def export_csv(board: AnalysisBoard, directory: Path | None = None) -> str:
    """Write the analyses to ``headswap-analyses-<time>.csv``; return the link HTML.

    The link carries the file inline (a ``data:`` URI with ``download``), which works in
    JupyterLab, Notebook 7 and Voilà whatever the server's base URL; the absolute path is
    shown too. Files above a few MB are only written and named.
    """
    from headswap_nb.frames import to_csv

    folder = Path.cwd() if directory is None else directory
    path = (folder / f"headswap-analyses-{datetime.now():%Y%m%d-%H%M%S}.csv").resolve()
    frame = board.to_dataframe()
    to_csv(frame, path)
    name = html.escape(path.name)
    where = f"({len(frame)} analyses) saved to <code>{html.escape(str(path))}</code>"
    data = path.read_bytes()
    if len(data) > _INLINE_LIMIT:
        return f"<b>{name}</b> {where}"
    href = "data:text/csv;base64," + base64.b64encode(data).decode("ascii")
    return f'<a href="{href}" download="{name}" class="hs-download">Download {name}</a> {where}'
