"""Kernel-side tests of the analysis board: trait values after events, with the simulator."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ipywidgets
import pytest
from widget_helpers import fast_poll, max_per_window, run_with_client, until

from headswap_nb.widgets import AnalysisBoard
from headswap_nb.widgets.sync import changes
from headswap_nb.widgets.visible import TERMINAL_STATES

pytestmark = pytest.mark.sim(speed=40.0, seed=3)

REPO_ROOT = Path(__file__).resolve().parent.parent
FAST = "?duration=5&queue=0.5&time=4&fail=0"
SENTINEL = "hs-sentinel-KEY-3f9c1e7a5b"


def _settled(board: AnalysisBoard) -> Callable[[], bool]:
    """Batch done and the last flush rendered it."""

    def check() -> bool:
        summary = board.batch.summary
        text = board.summary.text.value
        return (
            summary.done
            and "showing" in text
            and f'hs-summary-percent" style="margin-right:1em">{summary.progress:.0f}%<' in text
            and not board.scheduler.pending
        )

    return check


def test_import_headswap_nb_does_not_import_ipywidgets() -> None:
    code = (
        "import sys, headswap_nb; assert 'ipywidgets' not in sys.modules; "
        "assert 'AnalysisBoard' in headswap_nb.__all__; headswap_nb.AnalysisBoard; "
        "assert 'ipywidgets' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- views -------------------------------------------------------------------------------


def test_textarea_is_checked_live(shared_sim: Any) -> None:
    async def body(client: Any) -> None:
        board = AnalysisBoard(client=client)
        try:
            inputs = board.inputs
            assert inputs.analyze.disabled
            inputs.text.value = "ftp://nope/x.mp4\nnot-a-url"
            assert inputs.analyze.disabled
            assert "0 valid URLs" in inputs.check.value
            inputs.text.value = (
                "https://e.com/a.mp4, https://e.com/b.mp4 https://e.com/a.mp4\n"
                "ftp://e.com/<b>x</b>.mp4\n"
            )
            assert not inputs.analyze.disabled
            check = inputs.check.value
            assert "2 valid URLs, 1 duplicate, 1 invalid" in check
            assert "line 2" in check and "must start with http" in check
            assert "&lt;b&gt;x&lt;/b&gt;" in check and "<b>x</b>" not in check
        finally:
            board.close()

    run_with_client(body, shared_sim)


def test_connection_from_environment_names_the_variable(
    shared_sim: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AKOOL_API_KEY", shared_sim.api_key)
    monkeypatch.setenv("AKOOL_BASE_URL", shared_sim.base_url)

    async def body(_: Any) -> None:
        board = AnalysisBoard()
        try:
            status = board.connection.status.value
            assert (
                "Simulator" in status
                and shared_sim.base_url in status
                and "AKOOL_API_KEY" in status
            )
            assert shared_sim.api_key not in status and shared_sim.api_key not in repr(board)
            assert board.connection.password not in _all_widgets(board.view)  # not offered
        finally:
            board.close()
            await asyncio.sleep(0.05)

    run_with_client(body, shared_sim)


def test_password_is_read_once_and_cleared(shared_sim: Any) -> None:
    async def body(client: Any) -> None:
        board = AnalysisBoard(client=client, api_base_url=shared_sim.base_url, poll=fast_poll())
        try:
            panel = board.connection
            assert panel.password in _all_widgets(board.view)  # offered: no env credential
            panel.password.value = shared_sim.api_key
            panel.connect.click()
            assert panel.password.value == ""
            assert board.client is not None and board.client is not client
            assert board.client.base_url == shared_sim.base_url
            board.submit([f"https://example.com/after-connect.mp4{FAST}"])
            await until(_settled(board))
            assert board.batch.summary.completed == 1
        finally:
            board.close()
            await asyncio.sleep(0.05)

    run_with_client(body, shared_sim)


def _all_widgets(root: Any) -> list[Any]:
    out = [root]
    for child in getattr(root, "children", ()):
        out += _all_widgets(child)
    return out


def test_board_runs_analyses_and_shows_results(
    shared_sim: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    good = [f"https://example.com/v{i}.mp4{FAST}&people=2" for i in range(3)]
    bad = "https://example.com/broken.mp4?fail=1"

    async def body(client: Any) -> None:
        board = AnalysisBoard(client=client, poll=fast_poll(), preflight=False)  # made-up URLs
        try:
            board.inputs.text.value = "\n".join([*good, "notaurl", bad, good[0]])
            assert "4 valid URLs, 1 duplicate, 1 invalid" in board.inputs.check.value
            actions = board.actions
            assert actions.cancel.disabled and actions.clear.disabled  # nothing to act on yet
            board.inputs.analyze.click()  # schedules, returns at once
            assert board.batch.summary.total == 4
            await until(lambda: not actions.cancel.disabled)  # running: Cancel can stop it
            await until(_settled(board))
            await until(lambda: actions.cancel.disabled and not actions.clear.disabled)
            rows = board.rows_box.children
            assert len(rows) == 4
            by_url = {row.entry_url: row for row in rows}
            for url in good:
                row = by_url[url]
                assert row.bar.value == 100.0 and row.bar.bar_style == "success"
                assert "hs-row-completed" in row._dom_classes
                assert row.url.tooltip == url
                assert board.batch.entry(url).analysis_id in row.detail.value
            failed = by_url[bad]
            stopped = board.batch.entry(bad).progress  # a failed bar stays where it stopped
            assert failed.bar.bar_style == "danger" and failed.bar.value == stopped < 100
            assert "hs-row-failed" in failed._dom_classes and "hs-error" in failed.detail.value
            text = board.summary.text.value
            assert ">4</b> total" in text and ">3</b> completed" in text
            assert ">1</b> failed" in text and 'margin-right:1em">100%</b>' in text
            assert ">showing 4 of 4<" in text
            # Results: refreshed once when the batch finished.
            table, gallery = board.results.table.value, board.results.gallery.value
            for url in good:
                assert board.batch.entry(url).analysis_id in table
            assert gallery.count('class="hs-person-img"') >= 3 and 'alt="obj_id 0"' in gallery
            assert len(board.records) == 4 and len(board.to_dataframe()) == 4
            # Export writes a CSV in the working directory and links it.
            board.actions.export.click()
            (csv,) = tmp_path.glob("headswap-analyses-*.csv")
            assert "download=" in board.actions.link.value and csv.name in board.actions.link.value
            # Retry failed resubmits the failed one (it fails again); Clear hides finished rows.
            board.actions.retry.click()
            await until(lambda: board.batch.entry(bad).attempts == 2)
            await until(_settled(board))
            board.actions.clear.click()
            assert board.rows_box.children == ()
            assert ">showing 0 of 4 (4 cleared)<" in board.summary.text.value
            await until(lambda: actions.clear.disabled)  # nothing left to clear
        finally:
            board.close()
            await asyncio.sleep(0.05)

    run_with_client(body, shared_sim)


def test_error_in_a_task_turns_only_its_row_red(shared_sim: Any) -> None:
    async def body(client: Any) -> None:
        original = client.analyze

        async def analyze(url: str, *args: Any, **kwargs: Any) -> Any:
            if "explode" in url:
                raise RuntimeError("boom <in> the task")
            return await original(url, *args, **kwargs)

        client.analyze = analyze
        board = AnalysisBoard(client=client, poll=fast_poll())
        try:
            urls = [f"https://example.com/ok.mp4{FAST}", "https://example.com/explode.mp4"]
            board.submit(urls)
            await until(_settled(board))
            rows = {row.entry_url: row for row in board.rows_box.children}
            assert rows[urls[0]].bar.bar_style == "success"
            red = rows[urls[1]]
            assert red.bar.bar_style == "danger" and "boom &lt;in&gt; the task" in red.detail.value
        finally:
            board.close()
            await asyncio.sleep(0.05)

    run_with_client(body, shared_sim)


def test_cancel_and_close_stop_the_tasks(shared_sim: Any) -> None:
    async def body(client: Any) -> None:
        board = AnalysisBoard(client=client, poll=fast_poll())
        board.submit([f"https://example.com/slow{i}.mp4?duration=6&time=3000" for i in range(3)])
        await until(lambda: board.batch.summary.processing + board.batch.summary.queued > 0)
        board.actions.cancel.click()
        await until(lambda: board.batch.summary.cancelled == 3)
        await until(_settled(board))
        assert all(r.bar.bar_style == "warning" for r in board.rows_box.children)
        flusher = board.live.task
        assert flusher is not None and not flusher.done()
        board.close()
        await asyncio.sleep(0.05)
        assert flusher.done()

    run_with_client(body, shared_sim)


def test_fallback_repr_without_widget_front_end(shared_sim: Any) -> None:
    async def body(client: Any) -> None:
        board = AnalysisBoard(client=client, poll=fast_poll())
        try:
            url = "https://example.com/<script>alert(1)</script>.mp4"
            board.submit([url])
            await until(_settled(board))
            bundle = board._repr_mimebundle_()
            assert "application/vnd.jupyter.widget-view+json" in bundle
            assert "1 completed" in bundle["text/plain"] and "completed" in repr(board)
            html = bundle["text/html"]
            assert "<script>" not in html and "&lt;script&gt;" in html
            assert board.batch.entry(url).analysis_id in html
        finally:
            board.close()
            await asyncio.sleep(0.05)

    run_with_client(body, shared_sim)


# --- throttling --------------------------------------------------------------------------


def test_updates_are_coalesced(shared_sim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """200 fast analyses at concurrency 64: about 10 comm messages a second in total.

    Counted from the submit until the board has settled: every state update a widget sends
    (``Widget._send``), with its time, and apart from them the creation of widgets
    (``Widget.open``: rows appear once, with their content, and are reused). Asserted: at
    most 10 messages/s plus the 5-message bucket over the run, at most 15 in any 1-second
    window (including the first: creation is not an update), at most 8 flushes/s, creation
    bounded to one row pool of 50 rows, and every visible row finally showing its
    terminal state with a full green bar.
    """
    sends: list[float] = []
    opens: list[float] = []
    outside = [0]
    in_flush = [False]
    original_send, original_open = ipywidgets.Widget._send, ipywidgets.Widget.open

    def counting_send(self: Any, msg: Any, buffers: Any = None) -> None:
        sends.append(time.monotonic())
        outside[0] += not in_flush[0]
        original_send(self, msg, buffers)

    def counting_open(self: Any) -> None:
        opens.append(time.monotonic())
        original_open(self)

    monkeypatch.setattr(ipywidgets.Widget, "_send", counting_send)
    monkeypatch.setattr(ipywidgets.Widget, "open", counting_open)

    async def body(client: Any) -> None:
        board = AnalysisBoard(client=client, poll=fast_poll(), concurrency=64)
        render = board.live._render

        def counted(allowance: int, now: float) -> tuple[int, int]:
            in_flush[0] = True
            try:
                return render(allowance, now)
            finally:
                in_flush[0] = False

        board.live._render = counted
        try:
            urls = [
                f"https://example.com/many/{i}.mp4?duration=5&queue=1&time=4&fail=0"
                for i in range(200)
            ]
            sends.clear(), opens.clear()
            outside[0] = 0
            flushes0, messages0 = board.scheduler.flushes, board.scheduler.messages
            start = time.monotonic()
            board.submit(urls)
            await until(lambda: board.batch.summary.done, timeout=60)
            batch_done = time.monotonic() - start
            await until(_settled(board), timeout=60)
            elapsed = time.monotonic() - start
            flushes = board.scheduler.flushes - flushes0
            rel = [t - start for t in sends]
            created = [t - start for t in opens]
            window = max_per_window(rel)
            rows = board.renderer.rows
            print(
                f"\n200 analyses done in {batch_done:.1f}s, board settled at {elapsed:.1f}s: "
                f"{len(sends)} update messages ({len(sends) / elapsed:.1f}/s, max {window} in "
                f"a 1-s window), {flushes} flushes ({flushes / elapsed:.1f}/s), creation: "
                f"{len(opens)} widgets ({len(rows)} rows) within {max(created):.2f}s"
            )
            # About 30 messages a second at most, whatever the number of jobs (bursts of half
            # a second's worth), and at most 10 flushes a second.
            assert len(sends) <= 30 * elapsed + 15 and len(sends) / elapsed <= 31
            assert window <= 45
            assert flushes <= 10 * elapsed + 1
            assert outside[0] == 0  # every update is sent by a flush...
            assert len(sends) == board.scheduler.messages - messages0  # ...and paid for
            # Creation: one pool of 50 rows, made once, in the first flush.
            per_row = sum(1 for _ in _widget_parts(rows[0]))
            assert len(rows) == 50 and len(opens) == 50 * per_row and max(created) < 1.0
            # The final render is complete.
            shown = board.rows_box.children
            assert len(shown) == 50 and len({r.entry_url for r in shown}) == 50
            for row in shown:
                entry = board.batch.entry(row.entry_url)
                assert entry.state.value in TERMINAL_STATES
                assert not changes(row.targets(entry))
                assert row.bar.value == 100.0 and row.bar.bar_style == "success"
                assert "hs-row-completed" in row._dom_classes
            text = board.summary.text.value
            assert ">showing 50 of 200<" in text and ">200</b> completed" in text
        finally:
            board.close()
            await asyncio.sleep(0.05)

    run_with_client(body, shared_sim)


def _widget_parts(widget: Any) -> Iterator[Any]:
    """Every widget model behind ``widget``: itself, its layout and style, its children."""
    yield widget
    for name in ("layout", "style"):
        if isinstance(getattr(widget, name, None), ipywidgets.Widget):
            yield getattr(widget, name)
    for child in getattr(widget, "children", ()):
        yield from _widget_parts(child)


# --- saved notebooks ---------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["environment", "password"])
def test_saved_notebook_holds_no_credential(
    mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nbformat
    from nbclient import NotebookClient

    from headswap_nb.simulator import serve

    with serve(speed=20.0, api_key=SENTINEL) as simulator:
        if mode == "environment":
            monkeypatch.setenv("AKOOL_API_KEY", SENTINEL)
            monkeypatch.setenv("AKOOL_BASE_URL", simulator.base_url)
        else:
            monkeypatch.setenv("HS_TEST_TYPED_KEY", SENTINEL)
            monkeypatch.setenv("HS_TEST_API_BASE_URL", simulator.base_url)
        nb = nbformat.read(REPO_ROOT / "tests/notebooks/board-credential.ipynb", as_version=4)
        client = NotebookClient(
            nb, timeout=120, kernel_name="python3", store_widget_state=True,
            resources={"metadata": {"path": str(tmp_path)}},
        )  # fmt: skip
        client.execute()
    out = tmp_path / "executed.ipynb"
    nbformat.write(nb, out)
    saved = out.read_text()
    assert SENTINEL not in saved
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    classes = [c for m in state.values() for c in m["state"].get("_dom_classes", ())]
    assert "hs-board" in classes and "hs-row-completed" in classes and "hs-row-failed" in classes
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", ()))
    assert "password field: ''" in printed
    if mode == "environment":
        assert "AKOOL_API_KEY" in printed
    passwords = [m["state"] for m in state.values() if m["model_name"] == "PasswordModel"]
    assert passwords and all(p.get("value", "") == "" for p in passwords)


def test_a_board_on_the_same_journal_shows_and_resumes_everything(
    shared_sim: Any, tmp_path: Path
) -> None:
    """After a kernel restart, a board opened on the same journal shows the earlier
    analyses, polls the unfinished ones again and never submits a URL twice."""
    journal = tmp_path / "board-journal.sqlite"
    urls = [f"https://example.com/journal-{i}.mp4?duration=5&queue=0.2&time=6" for i in range(3)]

    async def body(client: Any) -> None:
        first = AnalysisBoard(client=client, poll=fast_poll(), journal=journal)
        first.submit(urls)
        await until(lambda: all(e.analysis_id for e in first.batch.entries))
        first.close()  # as a kernel restart would, with the analyses still running
        await asyncio.sleep(0.05)
        second = AnalysisBoard(client=client, poll=fast_poll(), journal=journal)
        try:
            assert [e.url for e in second.batch.entries] == urls
            second.submit(urls)  # the user re-runs the cell: nothing is sent again
            await until(lambda: second.batch.summary.done, 30)
            assert second.batch.summary.completed == 3
        finally:
            second.close()

    run_with_client(body, shared_sim)
    submissions = shared_sim.stats()["submissions_per_url"]
    assert [submissions[url] for url in urls] == [1, 1, 1]


def test_a_board_whose_journal_is_deleted_says_that_nothing_more_is_sent(
    shared_sim: Any, tmp_path: Path
) -> None:
    journal = tmp_path / "lost.sqlite"
    urls = [f"https://example.com/lost-{i}.mp4?duration=5&queue=1&time=6" for i in range(12)]

    async def body(client: Any) -> None:
        board = AnalysisBoard(client=client, poll=fast_poll(), journal=journal, concurrency=1)
        try:
            board.submit(urls)
            await until(lambda: any(e.analysis_id for e in board.batch.entries))
            journal.unlink()
            await until(lambda: board.batch.summary.done, 30)
            await until(lambda: "nothing more is sent" in board.summary.problem.value)
            assert "was deleted while in use" in board.summary.problem.value
            unsent = [e for e in board.batch.entries if not e.analysis_id]
            assert unsent and all(e.state.value == "error" for e in unsent)
            assert all("not sent" in (e.error or "") for e in unsent)  # each row says why
            assert board.batch.retry_failed() == []  # and no retry sends them behind it
        finally:
            board.close()

    run_with_client(body, shared_sim)
