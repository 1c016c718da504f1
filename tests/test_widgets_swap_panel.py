"""Kernel-side tests of the head-swap panel: trait values after clicks and task events,
against the simulator; plus the pure parts (plain-word refusals, URL shortening, downloads)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import ipywidgets
import pytest
from widget_helpers import fast_poll, run_with_client, until

from headswap_nb.errors import InvalidRequestError
from headswap_nb.widgets import AnalysisBoard

pytestmark = pytest.mark.sim(speed=40.0, seed=11)

HINTS = "duration=5&queue=0.5&time=2&fail=0&task_queue=0.5&task_time=4&task_fail=0"


async def _analysed(client: Any, *urls: str) -> AnalysisBoard:
    board = AnalysisBoard(client=client, poll=fast_poll())
    board.submit(list(urls))
    await until(lambda: board.batch.summary.done)
    board.refresh()
    return board


def _face(shared_sim: Any, n: int) -> str:
    return f"{shared_sim.base_url}/_sim/media/faces/{n}.png"


def _creates(shared_sim: Any) -> int:
    return int(shared_sim.stats()["requests"].get("task_create", 0))


def _row(board: AnalysisBoard, url: str) -> Any:
    return next(r for r in board.rows_box.children if r.entry_url == url)


def _task_row(board: AnalysisBoard) -> Any:
    (row,) = board.swap.tasks_box.children
    return row


# --- the flow ----------------------------------------------------------------------------


def test_swap_from_a_row_creates_the_task_and_plays_the_output(
    shared_sim: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"https://example.com/swap/flow.mp4?people=2&{HINTS}"
    sends: list[int] = []
    in_flush = [False]
    original_send = ipywidgets.Widget._send

    def counting_send(self: Any, msg: Any, buffers: Any = None) -> None:
        sends.append(0 if in_flush[0] else 1)
        original_send(self, msg, buffers)

    async def body(client: Any) -> None:
        board = await _analysed(client, url)
        render = board.live._render

        def counted(allowance: int, now: float) -> tuple[int, int]:
            in_flush[0] = True
            try:
                return render(allowance, now)
            finally:
                in_flush[0] = False

        board.live._render = counted
        try:
            row = _row(board, url)
            assert (
                "hs-row-completed" in row._dom_classes and "hs-swap-open" in row.button._dom_classes
            )
            row.button.click()
            panel = board.swap
            assert board.tabs.selected_index == 2 and panel.url == url
            assert [c.obj_id for c in panel.cards] == [0, 1]
            assert all('class="hs-swap-preview" src="http' in c.preview.value for c in panel.cards)
            assert not panel.create.disabled and "0 of 2 people chosen" in panel.count.value
            for n, card in enumerate(panel.cards):
                card.face.value = _face(shared_sim, n + 3)[:12]  # still typing: no request
                assert card.thumb.value == "" and not card.error.value
                card.face.value = _face(shared_sim, n + 3)
                await until(lambda card=card: "src=" in card.thumb.value)  # once typing paused
                assert (
                    f'src="{_face(shared_sim, n + 3)}"' in card.thumb.value and not card.error.value
                )
            assert "2 of 2 people chosen" in panel.count.value
            panel.resolution.value = "480p"
            before = _creates(shared_sim)
            monkeypatch.setattr(ipywidgets.Widget, "_send", counting_send)
            panel.create.click()
            sends.clear()  # from here on, only background updates
            (task,) = board.batch.tasks
            assert task.url == url  # the exact string of the analysis
            assert task.mappings == ((0, _face(shared_sim, 3)), (1, _face(shared_sim, 4)))
            assert task.resolution == "480p" and task.keep_original_sound is True
            await until(lambda: board.batch.tasks[0].state.value == "completed", 30)
            await until(lambda: "hs-task-row-completed" in _task_row(board)._dom_classes)
            await until(lambda: not board.scheduler.pending)
            assert sum(sends) == 0, "background updates all go through the board's flushes"
            assert _creates(shared_sim) == before + 1
            done = board.batch.tasks[0]
            trow = _task_row(board)
            assert trow.bar.value == 100.0 and trow.bar.bar_style == "success"
            assert done.task_id is not None and done.task_id in trow.detail.value
            video = trow.output.value
            assert done.output_url and done.output_url.startswith(shared_sim.base_url)
            assert f'<video controls preload="metadata" src="{done.output_url}"' in video
            assert 'class="hs-output-video"' in video and "download=" in video
            assert "Output links may expire — save the file if you need it later." in video
            assert trow.button.layout.display == "" and "completed" in panel.notice.value
            # Save to file: downloaded in the background into the working directory.
            trow.button.click()
            await until(lambda: "Saved to" in trow.saved.value)
            (saved,) = tmp_path.glob("*.mp4")
            assert saved.stat().st_size > 1000 and str(saved) in trow.saved.value
            # Results tab: the tasks DataFrame, and "Swap these people" opens the panel.
            board.tabs.selected_index = 1
            assert done.task_id in board.results.tasks_table.value
            assert board.results.swap_pick.value == url
            board.swap.show(url, None)  # something else on the panel, then back
            board.results.swap_open.click()
            assert board.tabs.selected_index == 2 and len(board.swap.cards) == 2
        finally:
            monkeypatch.setattr(ipywidgets.Widget, "_send", original_send)
            board.close()
            await asyncio.sleep(0.05)

    run_with_client(body, shared_sim)


def test_programmatic_create_and_failed_task_turns_red(shared_sim: Any) -> None:
    url = (
        f"https://example.com/swap/fails.mp4?people=1&{HINTS.replace('task_fail=0', 'task_fail=1')}"
    )

    async def body(client: Any) -> None:
        board = await _analysed(client, url)
        try:
            entry = board.create_task(url, {0: _face(shared_sim, 1)}, resolution="720p")
            assert entry.state.value == "pending" and board.swap.url == url
            await until(lambda: board.batch.tasks[0].state.value == "failed", 30)
            await until(lambda: "hs-task-row-failed" in _task_row(board)._dom_classes)
            trow = _task_row(board)
            stopped = board.batch.tasks[0].progress  # a failed bar stays where it stopped
            assert trow.bar.bar_style == "danger" and trow.bar.value == stopped < 100
            assert "hs-task-error" in trow.detail.value and "1016" in trow.detail.value
            assert "Face swapping error" in trow.detail.value
            assert trow.output.value == "" and trow.button.layout.display == "none"
            assert "hs-swap-refusal" in board.swap.notice.value
        finally:
            board.close()
            await asyncio.sleep(0.05)

    run_with_client(body, shared_sim)


# --- bad input: inline errors, nothing sent ----------------------------------------------


def test_bad_input_shows_inline_errors_and_sends_nothing(shared_sim: Any) -> None:
    six = f"https://example.com/swap/six.mp4?people=6&{HINTS}"
    slow = "https://example.com/swap/slow.mp4?duration=6&time=3000&fail=0"

    async def body(client: Any) -> None:
        board = AnalysisBoard(client=client, poll=fast_poll())
        board.submit([six, slow])
        await until(lambda: board.batch.entry(six).state.value == "completed")
        before = _creates(shared_sim)
        panel = board.swap
        try:
            board.open_swap(six)
            assert len(panel.cards) == 6
            # No people chosen.
            panel.create.click()
            assert "Choose at least one person" in panel.problem.value
            # Six mappings: the count warns live, Create says why.
            for n, card in enumerate(panel.cards):
                card.face.value = _face(shared_sim, n)
            assert "clear 1 face field" in panel.count.value
            panel.create.click()
            assert (
                "At most 5 people" in panel.problem.value and "you chose 6" in panel.problem.value
            )
            # A face URL that is not http(s): checked as typed, and refused on Create.
            for card in panel.cards[2:]:
                card.face.value = ""
            panel.cards[1].face.value = "ftp://example.com/face.png"
            await until(lambda: "http:// or https://" in panel.cards[1].error.value)
            assert panel.cards[1].thumb.value == ""
            panel.create.click()
            assert "http:// or https://" in panel.cards[1].error.value
            assert "Nothing was sent" in panel.cards[1].error.value and not panel.problem.value
            # The same person twice (programmatic): shown under that person.
            with pytest.raises(InvalidRequestError):
                board.create_task(six, [(0, _face(shared_sim, 1)), (0, _face(shared_sim, 2))])
            assert "mapped twice" in panel.cards[0].error.value
            # An analysis that is not completed.
            board.open_swap(slow)
            assert "not completed" in panel.problem.value and panel.create.disabled
            assert panel.cards == ()
            with pytest.raises(InvalidRequestError):
                board.create_task(slow, {0: _face(shared_sim, 1)})
            assert "not completed" in panel.problem.value
            # Unknown URL.
            board.open_swap("https://example.com/never-analysed.mp4")
            assert "analyse it first" in panel.problem.value
            await asyncio.sleep(0.2)
            assert _creates(shared_sim) == before and board.batch.tasks == ()
        finally:
            board.close()
            await asyncio.sleep(0.05)

    run_with_client(body, shared_sim)


# --- server refusals in plain words ------------------------------------------------------


def test_refusals_show_in_plain_words() -> None:
    from headswap_nb.simulator import serve

    url = f"https://example.com/swap/poor.mp4?people=1&{HINTS}"
    with serve(speed=40.0, seed=2, credits=10) as poor:

        async def body(client: Any) -> None:
            board = await _analysed(client, url)
            try:
                board.create_task(url, {0: _face(poor, 1)})
                await until(lambda: board.batch.tasks[-1].state.value == "error")
                await until(lambda: "1104" in board.swap.notice.value)
                await until(lambda: "hs-task-row-error" in _task_row(board)._dom_classes)
                words = "Not enough credits for this task (code 1104). Top up your Akool"
                assert words in board.swap.notice.value
                assert words in _task_row(board).detail.value
                assert _task_row(board).bar.bar_style == "danger"
                assert _creates(poor) == 1
                # The simulator forgets the analysis: refused with 1003 and its own words.
                poor.reset()
                board.create_task(url, {0: _face(poor, 2)})
                await until(lambda: "1003" in board.swap.notice.value)
                assert "Akool refused the task (code 1003): No analysis of this video_url" in (
                    board.swap.notice.value
                )
                # 1014 (the real API's "not found"), injected at the client.
                from headswap_nb.errors import NotFoundError

                async def not_found(*args: Any, **kwargs: Any) -> Any:
                    raise NotFoundError(
                        "POST /x failed with code 1014: Resource not found; check the id.",
                        code=1014,
                        msg="Resource not found",
                    )

                client.create_task = not_found
                board.create_task(url, {0: _face(poor, 3)})
                await until(lambda: "1014" in board.swap.notice.value)
                assert "The analysis was not found for this account (code 1014)." in (
                    board.swap.notice.value
                )
            finally:
                board.close()
                await asyncio.sleep(0.05)

        run_with_client(body, poor)


def test_refusal_text_uses_the_servers_words_for_1003() -> None:
    from headswap_nb.widgets.words import refusal_text

    error = (
        "POST /api/open/v4/headswap/task/create for https://e.com/a.mp4 failed with code 1003: "
        "Your current account does not support this feature.; fix the request parameters (or "
        "ask Akool to enable the feature)."
    )
    assert refusal_text(1003, error) == (
        "Akool refused the task (code 1003): Your current account does not support this feature."
    )
    assert "may have reached Akool" in refusal_text(None, "timeout", unknown=True)


def test_output_html_escapes_and_accepts_only_web_urls() -> None:
    from dataclasses import replace

    from headswap_nb.batch import EntryState, TaskEntry
    from headswap_nb.models import Status, Task
    from headswap_nb.widgets.cells import output_html

    base = TaskEntry("https://e.com/a.mp4", state=EntryState.COMPLETED, kind="task")
    bad = replace(
        base, record=Task("t1", Status.COMPLETED, 100.0, output_url="javascript:alert(1)")
    )
    assert "<video" not in output_html(bad) and "javascript:alert(1)" in output_html(bad)
    sneaky = 'https://e.com/o.mp4?"><script>x</script>'
    good = replace(base, record=Task("t1", Status.COMPLETED, 100.0, output_url=sneaky))
    assert "<script>" not in output_html(good) and "&lt;script&gt;" in output_html(good)


# --- small UX fixes ----------------------------------------------------------------------


def test_row_url_keeps_host_and_file_name() -> None:
    from headswap_nb.present import short_url as compact_url

    short = compact_url("https://example.com/browser/broken.mp4?duration=10&time=20&fail=1", 30)
    assert short == "example.com/…/broken.mp4?dura…"
    assert compact_url("https://e.com/a.mp4") == "e.com/a.mp4"
    long_name = compact_url("https://cdn.example.com/" + "x" * 80 + ".mp4", 40)
    assert len(long_name) == 40 and long_name.startswith("cdn.example.com/x")
    assert "…" in long_name  # the middle of the name goes, its two ends stay
    assert long_name.endswith(".mp4")


def test_concurrency_description_is_not_cut_off(shared_sim: Any) -> None:
    async def body(client: Any) -> None:
        board = AnalysisBoard(client=client)
        try:
            assert board.inputs.concurrency.style.description_width == "initial"
        finally:
            board.close()
            await asyncio.sleep(0.05)

    run_with_client(body, shared_sim)


# --- downloads ---------------------------------------------------------------------------


def test_save_output_streams_to_a_file_and_explains_an_expired_link(tmp_path: Path) -> None:
    from headswap_nb.client.downloads import OutputUnavailableError, save_output
    from headswap_nb.models import Status, Task

    body = b"\x00\x00\x00\x18ftypmp42" + b"x" * 200_000

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("gone.mp4"):
            return httpx.Response(403, text="Request has expired")
        assert "x-api-key" not in request.headers and "authorization" not in request.headers
        return httpx.Response(200, content=body)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    task = Task(
        "t1", Status.COMPLETED, 100.0, output_url="https://cdn.e.com/o.mp4", file_name="../x.mp4"
    )
    path = save_output(task, tmp_path, client=client)
    assert path == tmp_path / "x.mp4" and path.read_bytes() == body
    gone = Task("t2", Status.COMPLETED, 100.0, output_url="https://cdn.e.com/gone.mp4")
    with pytest.raises(OutputUnavailableError, match="expired") as caught:
        save_output(gone, tmp_path / "gone.mp4", client=client)
    assert caught.value.http_status == 403 and not (tmp_path / "gone.mp4").exists()
    assert not list(tmp_path.glob("*.part"))
    with pytest.raises(OutputUnavailableError, match="no output video"):
        save_output(Task("t3", Status.PROCESSING, 50.0), tmp_path, client=client)
