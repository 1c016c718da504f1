"""The board's one controller: it owns the client and the batch, and handles every button.

Views (``inputs``, ``summary``, ``rows``, ``results``, ``swap_panel``...) only show things
and call back; this module decides what happens. Callbacks never block: a submit or a
create only queues work in the batch, and "Save to file" runs its download in a scheduled
task whose reference is kept (and cancelled on ``close``). Every callback is guarded — an
exception is shown on the board, not lost in a log — and runs on the board's own loop,
wherever the click arrived (``loop``).
"""

from __future__ import annotations

import asyncio
import base64
import html
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any

from headswap_nb.client.urls import ParsedUrls
from headswap_nb.errors import ConfigurationError, InvalidRequestError
from headswap_nb.widgets.credits import Credits
from headswap_nb.widgets.looks import CHECKING, Looks
from headswap_nb.widgets.loop import call_on, running_loop
from headswap_nb.widgets.words import RED, explain_invalid

if TYPE_CHECKING:
    from headswap_nb.batch import Batch, BatchEvent
    from headswap_nb.client import AsyncClient
    from headswap_nb.jobs import JobEntry
    from headswap_nb.polling import PollPolicy
    from headswap_nb.widgets.layout import BoardViews

__all__ = ["BoardController", "pairs_of"]

logger = logging.getLogger("headswap_nb.widgets")

SWAP_TAB = 2
_INLINE_LIMIT = 5_000_000  # bytes of CSV offered as an inline (data: URI) download


def pairs_of(mappings: object) -> list[tuple[Any, Any]]:
    """``(obj_id, img_url)`` pairs of whatever ``create_task`` accepts (to place errors)."""
    if isinstance(mappings, dict):
        return list(mappings.items())
    out: list[tuple[Any, Any]] = []
    for item in mappings if isinstance(mappings, (list, tuple)) else ():
        if isinstance(item, dict):
            out.append((item.get("obj_id"), item.get("img_url")))
        elif isinstance(item, tuple) and len(item) == 2:
            out.append(item)
    return out


class BoardController:
    """Client and batch lifecycle, and what each control of the board does."""

    def __init__(
        self,
        views: BoardViews,
        *,
        poll: PollPolicy | None,
        journal: Any,
        api_base_url: str | None,
        on_change: Callable[[], None],
        on_click: Callable[[], object],
        on_settled: Callable[[], object] = lambda: None,
        preflight: bool = True,
    ) -> None:
        self.views = views
        self.poll, self.journal, self.api_base_url = poll, journal, api_base_url
        self._on_change = on_change  # something to render soon (throttled)
        self._on_click = on_click  # render now: a person just clicked
        self._on_settled = on_settled  # a run of the batch ended
        self.client: AsyncClient | None = None
        """The client requests go through (``None`` until connected)."""
        self.owns_client = False
        self.batch: Batch | None = None
        """The batch the board drives (replaced when "Use the real API" connects)."""
        self.hidden: set[str] = set()
        """URLs of finished analyses the user cleared from the rows."""
        self.downloads: set[asyncio.Task[None]] = set()
        """Downloads in flight (kept referenced; cancelled by ``close``)."""
        self._unsubscribe: Callable[[], None] | None = None
        self._run: asyncio.Task[Any] | None = None
        self._closing: set[asyncio.Task[None]] = set()
        self._home = running_loop()  # the board's loop: clicks may arrive on a subshell's
        self.looks: Looks | None = Looks(on_result=self._looked) if preflight else None
        """The pre-flight look at pasted videos (``None``: switched off)."""
        self.credits: Credits | None = None
        """The account's balance as read through the client (``credits``)."""
        self._wire()

    # --- wiring --------------------------------------------------------------------------

    def guarded(self, action: Callable[..., object]) -> Callable[..., None]:
        """``action`` run on the board's loop, its exception shown on the board."""

        def guarded(*args: Any) -> None:
            try:
                self.views.summary.show_problem(None)
                action(*args)
                self._on_click()
            except Exception as exc:
                name = getattr(action, "__name__", "action").strip("_")
                self.views.summary.show_problem(f"{name}: {exc}")

        @wraps(action)
        def run(*args: Any) -> None:
            call_on(self._home, guarded, *args)

        return run

    def _wire(self) -> None:
        v, g = self.views, self.guarded
        v.inputs.on_analyze(g(self._analyze))
        v.actions.cancel.on_click(g(self._cancel))
        v.actions.retry.on_click(g(self._retry))
        v.actions.refused.on_click(g(self._retry_refused))
        v.actions.clear.on_click(g(self._clear))
        v.actions.export.on_click(g(self._export))
        v.results.refresh.on_click(g(self._refresh_results))
        v.results.swap_open.on_click(g(self._gallery))
        v.tabs.observe(g(self._tab_changed), names="selected_index")
        v.inputs.concurrency.observe(g(self._concurrency), names="value")
        v.connection.on_connect(g(self._connect))
        v.swap.on_create(g(self._create_clicked))
        v.renderer.on_swap(g(self.open_swap))
        v.renderer.on_save(g(self.save))
        v.renderer.analyses.on_release = g(lambda entry: self.release([entry.url]))
        v.renderer.thumbnails = self.thumbnails
        if self.looks is not None:
            v.inputs.on_pause(g(self._look))
            looks = self.looks
            v.renderer.analyses.preview = lambda entry: looks.preview(entry.url)

    # --- client and batch ------------------------------------------------------------------

    def use_client(self, client: AsyncClient, *, owned: bool) -> None:
        """Make ``client`` the board's, with a new ``Batch`` (``owned``: closed with it)."""
        from headswap_nb.batch import Batch
        from headswap_nb.connection import describe

        self._drop_batch()
        self.release_client()
        self.client, self.owns_client = client, owned
        self.credits = Credits(client, on_change=self._credits_read)
        self.credits.refresh()
        concurrency = int(self.views.inputs.concurrency.value)
        if self.journal is None:
            self.batch = Batch(client=client, concurrency=concurrency, poll=self.poll)
        else:  # whatever the journal holds shows again, and unfinished jobs are polled again
            self.batch = Batch.resume(
                self.journal, client=client, concurrency=concurrency, poll=self.poll
            )
        self._unsubscribe = self.batch.subscribe(self._on_event)
        self.hidden.clear()
        self.views.connection.render(describe(client))
        self.views.connection.show_credits("")
        if self.batch.summary.total and any(
            e.state.is_active or e.state.value == "pending" for e in self.batch.entries
        ):
            self.start()

    def require_batch(self) -> Batch:
        """The batch, or a clear error when the board is not connected."""
        if self.batch is None:
            raise ConfigurationError("the board is not connected: enter an API key first")
        return self.batch

    def submit(self, urls: str | Iterable[str]) -> ParsedUrls:
        """Add ``urls`` to the batch and start it (see ``AnalysisBoard.submit``)."""
        batch = self.require_batch()
        batch.concurrency = int(self.views.inputs.concurrency.value)
        parsed = batch.add(urls)
        if self.credits is not None:
            self.credits.sent(analyses=len(parsed.valid))
        self.start()
        return parsed

    def start(self) -> None:
        """Run the batch: in the background on a running loop, else to the end now."""
        batch = self.require_batch()
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # a plain script: run to the end, saying how it goes on stderr
            from headswap_nb.widgets.script_progress import ScriptProgress

            printer = ScriptProgress(batch)
            unsubscribe = batch.subscribe(printer)
            try:
                batch.run_sync()
            finally:
                unsubscribe()
            self.views.renderer.results_stale = True
            self._on_change()
            return
        if self._run is None or self._run.done():
            self._run = batch.start()
            self._run.add_done_callback(self._run_finished)
        self._on_change()

    def active(self) -> bool:
        """True while any job is being submitted or processed (elapsed times tick on)."""
        batch = self.batch
        if batch is None:
            return False
        return any(e.state.is_active for e in (*batch.entries, *batch.tasks))

    def close(self) -> None:
        """Cancel downloads, stop the batch and release the client. The batch stays readable
        (``board.batch.summary``, its entries) but does nothing more."""
        for job in tuple(self.downloads):
            job.cancel()
        if self.credits is not None:
            self.credits.close()
        if self.looks is not None:
            self.looks.close()
        batch = self.batch
        self._drop_batch()
        self.batch = batch
        self.release_client()

    def release_client(self) -> None:
        """Forget the client, closing it (in the background) if the board owns it."""
        client, owned = self.client, self.owns_client
        self.client, self.owns_client = None, False
        if client is None or not owned:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            try:
                asyncio.run(client.aclose())
            except Exception:  # its connections died with the loop of an earlier run_sync
                logger.debug("closing the board's client after its loop ended", exc_info=True)
            return
        task = loop.create_task(client.aclose())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def _drop_batch(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._run is not None and not self._run.done():
            self._run.cancel()
        if self.batch is not None:
            self.batch.close()
            self.batch = None

    def _credits_read(self) -> None:
        if self.credits is not None:
            self.views.connection.show_credits(self.credits.meter.describe())
            self._on_change()

    def _on_event(self, event: BatchEvent) -> None:
        if event.kind == "done":
            self.views.renderer.results_stale = True
            if self.credits is not None:
                self.credits.refresh()
            self._on_settled()
        elif event.kind == "stopped" and self.batch is not None and self.batch.problem:
            self.views.summary.show_problem(self.batch.problem)
        self._on_change()

    def _run_finished(self, task: asyncio.Task[Any]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.views.summary.show_problem(f"The batch stopped: {task.exception()}")
        self._on_change()

    # --- the progress tab ----------------------------------------------------------------

    def _analyze(self, parsed: ParsedUrls) -> None:
        held = len(parsed.valid)
        added = self._send_looked(parsed.valid)
        known = held - len(added)
        if known and not added:
            note = f"All {held} are already on this board: nothing new to send."
        elif known:
            note = f"{len(added)} new; {known} already on this board."
        else:
            note = ""
        self.views.inputs.say(note)

    def _send_looked(self, urls: tuple[str, ...]) -> list[str]:
        """Add pasted ``urls``: the fine ones to be sent, the others held back with the
        pre-flight look's reason (those still being looked at, until it ends)."""
        batch = self.require_batch()
        batch.concurrency = int(self.views.inputs.concurrency.value)
        looks = self.looks
        groups: dict[str | None, list[str]] = {}
        if looks is None:
            groups[None] = list(urls)
        else:
            looks.start(urls)
            for url in urls:
                groups.setdefault(looks.reason(url), []).append(url)
        go = groups.pop(None, [])
        short = self.credits.meter.shortfall(len(go)) if self.credits is not None else None
        if short is not None:  # ask first: "Send anyway" on each row says yes
            groups.setdefault(short, []).extend(go)
            go = []
        added = list(batch.add(go).valid)
        if self.credits is not None:
            self.credits.sent(analyses=len(added))
        for reason, group in groups.items():
            added += batch.add(group, hold=reason).valid
        self.start()
        return added

    def release(self, urls: Iterable[str]) -> None:
        """Send held-back analyses after all ("Send anyway")."""
        released = self.require_batch().release(urls)
        if released:
            if self.credits is not None:
                self.credits.sent(analyses=len(released))
            self.start()

    def _look(self, parsed: ParsedUrls) -> None:
        assert self.looks is not None
        self.looks.start(parsed.valid)
        self.views.inputs.show_looks(self.looks.line(parsed.valid))

    def _looked(self, url: str, result: object) -> None:
        looks = self.looks
        assert looks is not None
        self.views.inputs.show_looks(looks.line(self.views.inputs.parsed.valid))
        batch = self.batch
        entry = None if batch is None else batch.entries_by_url().get(url)
        waiting = entry is not None and entry.state.value == "held" and entry.error == CHECKING
        if batch is not None and waiting:
            reason = looks.reason(url)
            if reason is None:
                self.release([url])  # it looks fine: send it now
            else:
                batch.hold(url, reason)
        self.views.renderer.results_stale = True
        self._on_change()

    def _cancel(self, _: Any) -> None:
        self.require_batch().cancel()

    def _retry(self, _: Any) -> None:
        self._retrying(include_refused=False)

    def _retry_refused(self, _: Any) -> None:
        self._retrying(include_refused=True)

    def _retrying(self, *, include_refused: bool) -> None:
        batch = self.require_batch()
        left = len(batch.retryable(include_refused=True))
        retried = batch.retry_failed(include_refused=include_refused)
        if retried:
            self.start()
        words = f"Retrying {len(retried)} analys{'is' if len(retried) == 1 else 'es'}."
        if left and not include_refused:
            words += (
                f" {left} refused by Akool (invalid, or not enough credits) left alone: "
                "fix the cause, then press Retry refused."
            )
        self.views.actions.link.value = html.escape(words) if retried or left else ""

    def _clear(self, _: Any) -> None:
        batch = self.require_batch()
        self.hidden.update(e.url for e in batch.entries if e.state.is_terminal)
        self._on_change()

    def _export(self, _: Any) -> None:
        self.views.actions.link.value = self.export_csv()

    def _refresh_results(self, _: Any) -> None:
        self.views.results.render(self.require_batch(), thumbnails=self.thumbnails())

    def thumbnails(self) -> dict[str, str]:
        """URL → thumbnail (data URI) of every video the pre-flight look has seen."""
        return {} if self.looks is None else self.looks.thumbnails()

    def _tab_changed(self, change: Any) -> None:
        if change["new"] == 1 and self.batch is not None:
            self.views.results.render(self.batch, thumbnails=self.thumbnails())

    def _concurrency(self, change: Any) -> None:
        if self.batch is not None:
            self.batch.concurrency = int(change["new"])

    def _connect(self, api_key: str) -> None:
        from headswap_nb.client import AsyncClient

        client = AsyncClient(api_key=api_key, base_url=self.api_base_url)
        self.use_client(client, owned=True)
        self.views.connection.message.value = "Connected; new analyses use this key."
        self._on_change()

    def export_csv(self, directory: Path | None = None) -> str:
        """Write the analyses to ``headswap-analyses-<time>.csv``; return the link HTML.

        The link carries the file inline (a ``data:`` URI with ``download``), which works in
        JupyterLab, Notebook 7 and Voilà whatever the server's base URL; the absolute path is
        shown too. Files above a few MB are only written and named.
        """
        from headswap_nb.frames import to_csv, to_dataframe

        folder = Path.cwd() if directory is None else directory
        path = (folder / f"headswap-analyses-{datetime.now():%Y%m%d-%H%M%S}.csv").resolve()
        frame = to_dataframe(self.require_batch())
        to_csv(frame, path)
        name = html.escape(path.name)
        where = f"({len(frame)} analyses) saved to <code>{html.escape(str(path))}</code>"
        data = path.read_bytes()
        if len(data) > _INLINE_LIMIT:
            return f"<b>{name}</b> {where}"
        href = "data:text/csv;base64," + base64.b64encode(data).decode("ascii")
        return f'<a href="{href}" download="{name}" class="hs-download">Download {name}</a> {where}'

    # --- the head-swap tab ---------------------------------------------------------------

    def open_swap(self, url: str) -> None:
        """Show ``url``'s analysis in the swap panel and switch to the "Head swap" tab."""
        batch = self.require_batch()
        entry = next((e for e in batch.entries if e.url == url), None)
        self.views.swap.show(url, entry)
        self.views.tabs.selected_index = SWAP_TAB

    def create_task(
        self,
        url: str,
        mappings: object,
        *,
        resolution: str = "720p",
        keep_original_sound: bool = True,
    ) -> JobEntry:
        """Queue the task (the batch checks it: nothing is sent on a mistake) and start.

        A local refusal shows inline on the panel, then ``InvalidRequestError`` is raised."""
        panel = self.views.swap
        if panel.url != url:
            self.open_swap(url)
        panel.clear_errors()
        batch = self.require_batch()
        try:
            entry = batch.create_task(
                url, mappings, resolution=resolution, keep_original_sound=keep_original_sound
            )
        except InvalidRequestError as exc:
            analysis = next((e for e in batch.entries if e.url == url), None)
            obj_id, words = explain_invalid(exc, pairs_of(mappings), analysis)
            panel.show_error(words, obj_id)
            raise
        self.views.renderer.last_task = entry.ref
        if self.credits is not None:
            self.credits.sent(tasks=1)
        self.start()
        return entry

    def _create_clicked(self) -> None:
        panel = self.views.swap
        if panel.url is None:
            return
        try:
            self.create_task(
                panel.url,
                panel.pairs(),
                resolution=str(panel.resolution.value),
                keep_original_sound=bool(panel.sound.value),
            )
        except InvalidRequestError:
            pass  # shown inline by create_task()
        except Exception as exc:
            panel.show_error(f"Creating the task failed: {exc}")

    def _gallery(self, _: object = None) -> None:
        url = self.views.results.swap_pick.value
        if url is None:
            self.views.tabs.selected_index = SWAP_TAB
            self.views.swap.show_error("No completed analysis with people yet.")
            return
        self.open_swap(str(url))

    def save(self, ref: int) -> None:
        """Download task ``ref``'s output into the working directory, in the background."""
        entry = next((t for t in self.require_batch().tasks if t.ref == ref), None)
        if entry is None:
            return
        self._note(ref, "<i>Saving…</i>")
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a plain script): download now
            from headswap_nb.client.downloads import save_output

            self._saved(ref, lambda: save_output(entry))
            return
        job = loop.create_task(self._save(ref, entry), name="headswap-save-output")
        self.downloads.add(job)
        job.add_done_callback(self.downloads.discard)

    async def _save(self, ref: int, entry: JobEntry) -> None:
        from headswap_nb.client.downloads import save_output_async

        try:
            path = await save_output_async(entry)
        except Exception as exc:  # shown on the row, never lost in a log
            self._note(ref, f'<span style="{RED}">Saving failed: {html.escape(str(exc))}</span>')
        else:
            self._note(ref, _saved_html(path))

    def _saved(self, ref: int, download: Callable[[], object]) -> None:
        try:
            path = download()
        except Exception as exc:
            self._note(ref, f'<span style="{RED}">Saving failed: {html.escape(str(exc))}</span>')
        else:
            self._note(ref, _saved_html(path))

    def _note(self, ref: int, note: str) -> None:
        self.views.renderer.saved[ref] = note
        self._on_change()


def _saved_html(path: object) -> str:
    return f'Saved to <code class="hs-swap-saved-path">{html.escape(str(path))}</code>'
