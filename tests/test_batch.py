"""``Batch``, the facade over the job engine, driven with a fake client (and a journal)."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from batch_fixtures import FakeClient, urls

from headswap_nb import Batch, BatchEvent, EntryState, Journal
from headswap_nb.errors import (
    InvalidRequestError,
    JournalError,
    NotFoundError,
    RateLimitError,
    ServerError,
    SubmissionUnknownError,
)
from headswap_nb.models import Analysis
from headswap_nb.polling import PollPolicy

FAST = PollPolicy.fixed(0.01)
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
REPO = Path(__file__).resolve().parent.parent


def record(status: int, progress: float, **extra: object) -> Analysis:
    return Analysis.from_json({"_id": "a" * 24, "status": status, "progress": progress, **extra})


# --- construction ---------------------------------------------------------------------------


def test_dedupe_keeps_order_and_exact_strings(fake_client: FakeClient) -> None:
    given_urls = [
        "https://e/b.mp4 ",
        "https://e/a.mp4",
        "https://e/b.mp4",
        "ftp://nope",
        "https://e/A.mp4?x=1",
        "",
        "https://e/a.mp4",
    ]
    batch = Batch(given_urls, client=fake_client)  # type: ignore[arg-type]
    assert [e.url for e in batch.entries] == [
        "https://e/b.mp4",
        "https://e/a.mp4",
        "https://e/A.mp4?x=1",
    ]
    assert [r.text for r in batch.rejected] == ["ftp://nope"]
    added = batch.add("https://e/a.mp4\nhttps://e/c.mp4")
    assert (added.valid, added.duplicates) == (("https://e/c.mp4",), 1)
    assert batch.summary.pending == 4
    assert Batch("https://e/1.mp4, https://e/2.mp4").summary.total == 2  # pasted text


def test_pandas_series_input(fake_client: FakeClient) -> None:
    pandas = pytest.importorskip("pandas")
    series = pandas.Series(["https://e/1.mp4", None, "https://e/1.mp4", "https://e/2.mp4"])
    batch = Batch(series, client=fake_client)  # type: ignore[arg-type]
    assert [e.url for e in batch.entries] == ["https://e/1.mp4", "https://e/2.mp4"]


def test_bad_options() -> None:
    with pytest.raises(ValueError, match="concurrency"):
        Batch([], concurrency=0)
    with pytest.raises(TypeError):
        Batch(42)


# --- the engine -----------------------------------------------------------------------------


def test_events_summary_and_records(fake_client: FakeClient) -> None:
    seen: list[BatchEvent] = []
    batch = Batch(
        [*urls(6), "https://e/fail.mp4"],
        client=fake_client,  # type: ignore[arg-type]
        poll=FAST,
        on_event=seen.append,
    )
    summary = batch.run_sync()
    assert summary.done and (summary.completed, summary.failed, summary.total) == (6, 1, 7)
    assert summary.progress == 100
    kinds = [e.kind for e in seen]
    assert kinds[-1] == "done" and kinds.count("done") == 1
    assert kinds.count("added") == 7 and kinds.count("submitted") == 7
    assert (kinds.count("completed"), kinds.count("failed")) == (6, 1)
    for event in seen:
        if event.kind == "progress":
            assert event.entry is not None and event.entry.state.is_active
    # Progress events fire on real changes only: never twice in a row with equal values.
    last: dict[str, tuple[object, float]] = {}
    for event in seen:
        if event.kind == "progress" and event.entry is not None:
            key = (event.entry.state, event.entry.progress)
            assert last.get(event.entry.url) != key
            last[event.entry.url] = key
    assert set(batch.records) == {e.url for e in batch.entries}
    assert all(a.video_url == u for u, a in batch.records.items())
    failed = batch.entry("https://e/fail.mp4")
    assert (failed.error, failed.error_code, failed.attempts) == ("no face found", 1015, 1)
    assert all(count == 1 for count in fake_client.submissions.values())
    assert "7 total" in repr(batch)


def test_concurrency_and_poll_bounds() -> None:
    client = FakeClient(duration=0.05, submit_delay=0.01, poll_delay=0.005)
    batch = Batch(
        urls(40),
        client=client,
        concurrency=3,
        poll=FAST,  # type: ignore[arg-type]
        max_polls_in_flight=5,
    )
    assert batch.run_sync().completed == 40
    assert client.max_submitting == 3
    assert client.max_polling <= 5


def test_background_mode_keeps_running_while_loop_works(fake_client: FakeClient) -> None:
    async def main() -> tuple[int, int]:
        batch = Batch(urls(10), client=fake_client, poll=FAST)  # type: ignore[arg-type]
        task = batch.start()
        assert batch.start() is task  # idempotent while running
        ticks = 0
        while not task.done():  # the "notebook" keeps doing its own work
            ticks += 1
            await asyncio.sleep(0.001)
        return ticks, (await batch.wait()).completed

    ticks, completed = asyncio.run(main())
    assert completed == 10 and ticks > 10


def test_events_iterator_ends_after_done(fake_client: FakeClient) -> None:
    async def main() -> list[str]:
        batch = Batch(urls(3), client=fake_client, poll=FAST)  # type: ignore[arg-type]
        stream = batch.events()
        batch.start()
        return [event.kind async for event in stream]

    kinds = asyncio.run(main())
    assert kinds[-1] == "done" and kinds.count("completed") == 3


def test_run_sync_inside_running_loop_keeps_other_tasks_running() -> None:
    # nest-asyncio2 patches asyncio process-wide, so this runs in its own interpreter.
    script = textwrap.dedent(
        """
        import asyncio, sys
        sys.path.insert(0, "tests")
        from batch_fixtures import FakeClient, urls
        from headswap_nb import Batch
        from headswap_nb.polling import PollPolicy

        async def main():
            ticks = 0
            async def ticker():
                nonlocal ticks
                while True:
                    ticks += 1
                    await asyncio.sleep(0.005)
            other = asyncio.get_running_loop().create_task(ticker())
            batch = Batch(urls(5), client=FakeClient(duration=0.2), poll=PollPolicy.fixed(0.02))
            summary = batch.run_sync()  # blocks this coroutine, like a cell would
            other.cancel()
            print(summary.completed, ticks)

        asyncio.run(main())
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    completed, ticks = map(int, out.stdout.split())
    assert completed == 5 and ticks >= 20


def test_first_run_sync_in_a_busy_loop_does_not_kill_it() -> None:
    # The first run_sync runs inside the loop's unpatched _run_once, which had counted the
    # other ready handles (a board's timers, comm messages) and pops that many afterwards;
    # the nested run had already run them: "pop from an empty deque" killed the kernel.
    script = textwrap.dedent(
        """
        import asyncio, sys
        sys.path.insert(0, "tests")
        from batch_fixtures import FakeClient, urls
        from headswap_nb import Batch
        from headswap_nb.polling import PollPolicy

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        done = []

        def cell():  # one handle of the running loop, as a notebook cell is
            batch = Batch(urls(2), client=FakeClient(), poll=PollPolicy.fixed(0.01))
            done.append(batch.run_sync().completed)
            loop.call_soon(loop.stop)

        loop.call_soon(cell)
        for _ in range(20):  # ready in the same iteration as the cell
            loop.call_soon(lambda: None)
        loop.run_forever()
        print(done[0])
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert (out.returncode, out.stdout.strip()) == (0, "2"), out.stderr[-2000:]


def test_callback_exceptions_do_not_stop_the_batch(
    fake_client: FakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: BatchEvent) -> None:
        raise RuntimeError("widget bug")

    batch = Batch(urls(2), client=fake_client, poll=FAST)  # type: ignore[arg-type]
    batch.subscribe(broken)
    got: list[str] = []
    unsubscribe = batch.subscribe(lambda e: got.append(e.kind))
    assert batch.run_sync().completed == 2
    assert "widget bug" in caplog.text and "done" in got
    unsubscribe()


def test_submit_errors_unknown_and_retry(fake_client: FakeClient) -> None:
    bad, maybe, throttled = "https://e/bad.mp4", "https://e/maybe.mp4", "https://e/fail.mp4"
    fake_client.submit_errors = {
        bad: [InvalidRequestError("video_url is not reachable", code=1003)],
        maybe: [SubmissionUnknownError("read timeout after sending", video_url=maybe)],
    }
    batch = Batch([bad, maybe, throttled], client=fake_client, poll=FAST)  # type: ignore[arg-type]
    summary = batch.run_sync()
    assert (summary.errors, summary.unknown, summary.failed) == (1, 1, 1)
    assert batch.entry(bad).error_code == 1003
    assert [e.url for e in batch.needs_attention] == [maybe]
    # UNKNOWN is never resubmitted; FAILED and ERROR are, only when asked — and a refusal
    # a plain resend cannot change (1003) only when asked for by name.
    assert batch.retry_failed() == [throttled]
    assert batch.entry(bad).state is EntryState.ERROR
    assert batch.retry_failed(include_refused=True) == [bad]
    assert batch.entry(bad).state is EntryState.PENDING
    summary = batch.run_sync()
    assert (summary.completed, summary.failed, summary.unknown) == (1, 1, 1)
    assert fake_client.submissions == {bad: 1, throttled: 2}
    assert batch.entry(throttled).attempts == 2


def test_transient_poll_errors_keep_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    import headswap_nb.jobs.timing as timing

    monkeypatch.setattr(timing, "backoff", lambda *args, **kwargs: 0.01)
    client = FakeClient()
    client.poll_errors = {
        f"{1:024x}": [
            RateLimitError("slow down", code=1005, retry_after=0.01),
            ServerError("boom", code=2001),
        ],
        f"{2:024x}": [NotFoundError("no such id", code=1014)],
    }
    batch = Batch(urls(2), client=client, poll=FAST, concurrency=1)  # type: ignore[arg-type]
    summary = batch.run_sync()
    assert (summary.completed, summary.errors) == (1, 1)
    lost = batch.entries[1]
    assert (lost.state, lost.analysis_id, lost.error_code) == (EntryState.ERROR, f"{2:024x}", 1014)
    # Retrying an ERROR that has an id polls it again, it is not resubmitted.
    assert batch.retry_failed() == [lost.url]
    assert batch.run_sync().completed == 2
    assert sum(client.submissions.values()) == 2


def test_a_poll_that_keeps_failing_is_shown_then_gives_up(monkeypatch: pytest.MonkeyPatch) -> None:
    import headswap_nb.jobs.timing as timing

    monkeypatch.setattr(timing, "backoff", lambda *args, **kwargs: 0.01)
    client = FakeClient()
    stuck = f"{1:024x}"
    client.poll_errors = {stuck: [ServerError("no answer", code=2001)] * 50}
    seen: list[str | None] = []
    batch = Batch(urls(1), client=client, poll=FAST)  # type: ignore[arg-type]
    batch.subscribe(lambda event: seen.append(event.entry.error if event.entry else None))
    summary = batch.run_sync()
    entry = batch.entries[0]
    # While it retried, the row showed why; after MAX_POLL_FAILURES it is an ERROR that
    # keeps its id (so "Retry failed" polls it again and never resubmits).
    assert any(e and "polling again" in e for e in seen)
    assert summary.errors == 1 and entry.analysis_id == stuck
    assert f"gave up after {timing.MAX_POLL_FAILURES} failed polls" in (entry.error or "")
    assert sum(client.submissions.values()) == 1


def test_cancel_stops_tracking(fake_client: FakeClient) -> None:
    async def main() -> Batch:
        client = FakeClient(duration=10)
        batch = Batch(urls(4), client=client, poll=FAST, concurrency=2)  # type: ignore[arg-type]
        batch.start()
        await asyncio.sleep(0.05)
        batch.cancel(urls(1))
        batch.cancel()
        await asyncio.wait_for(batch.wait(), 5)
        return batch

    batch = asyncio.run(main())
    assert batch.summary.cancelled == 4 and batch.summary.done
    assert all(e.state is EntryState.CANCELLED for e in batch.entries)


def test_add_while_running_is_picked_up(fake_client: FakeClient) -> None:
    async def main() -> int:
        batch = Batch(urls(2), client=fake_client, poll=FAST)  # type: ignore[arg-type]
        batch.start()
        await asyncio.sleep(0.01)
        batch.add(urls(4))
        return (await batch.wait()).completed

    assert asyncio.run(main()) == 4


def test_default_client_is_owned_and_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    import headswap_nb.connection

    made: list[FakeClient] = []
    monkeypatch.setattr(
        headswap_nb.connection,
        "default_async_client",
        lambda: made.append(FakeClient()) or made[-1],
    )
    assert Batch(urls(2), poll=FAST).run_sync().completed == 2
    assert len(made) == 1 and made[0].closed


def test_aclose_cancels_and_closes(fake_client: FakeClient) -> None:
    async def main() -> Batch:
        batch = Batch(urls(3), client=FakeClient(duration=10), poll=FAST)  # type: ignore[arg-type]
        batch.start()
        await asyncio.sleep(0.02)
        await batch.aclose()
        return batch

    batch = asyncio.run(main())
    assert not batch.running
    with pytest.raises(RuntimeError, match="closed"):
        batch.run_sync()


# --- with a journal ---------------------------------------------------------------------------


def test_rerun_with_journal_never_submits_twice(tmp_path: Path, fake_client: FakeClient) -> None:
    path = tmp_path / "batch.sqlite"
    first = Batch(urls(3), client=fake_client, poll=FAST, journal=path)  # type: ignore[arg-type]
    assert first.run_sync().completed == 3
    first.close()
    # The user re-runs the cell with one more URL: only the new one is submitted.
    again = Batch(urls(4), client=fake_client, poll=FAST, journal=path)  # type: ignore[arg-type]
    assert again.summary.completed == 3 and again.summary.pending == 1
    assert again.run_sync().completed == 4
    assert set(fake_client.submissions.values()) == {1} and len(fake_client.submissions) == 4
    records = Journal(path).records()
    assert [r.url for r in records] == urls(4)
    assert all(r.state == "completed" and r.analysis is not None for r in records)


def test_resume_reattaches_and_flags_intents_without_id(tmp_path: Path) -> None:
    path = tmp_path / "batch.sqlite"
    client = FakeClient(duration=0.05)
    with Journal(path) as journal:
        running, crashed = journal.add(["https://e/running.mp4", "https://e/crashed.mp4"])
        assert journal.claim(running.row) and journal.claim(crashed.row)
        journal.submitted(
            running.row,
            Analysis.from_json(
                {"_id": f"{99:024x}", "status": 1, "video_url": "https://e/running.mp4"}
            ),
        )  # and crashed was killed before the answer
    client.jobs[f"{99:024x}"] = ("https://e/running.mp4", -1000.0)
    batch = Batch.resume(path, client=client, poll=FAST)  # type: ignore[arg-type]
    assert [e.url for e in batch.needs_attention] == ["https://e/crashed.mp4"]
    assert "may exist on the server" in (batch.needs_attention[0].error or "")
    summary = batch.run_sync()
    assert (summary.completed, summary.unknown) == (1, 1)
    assert client.submissions == {}  # nothing was submitted
    assert batch.retry_failed() == []
    batch.close()


def test_concurrency_bound_seen_by_the_simulator() -> None:
    """The simulator's own in-flight counter confirms the submit bound (slow submits make
    every submit overlap as much as the batch allows)."""
    from headswap_nb.client import AsyncClient
    from headswap_nb.simulator import FaultConfig, serve

    slow_submits = FaultConfig(slow=1.0, slow_seconds=0.2, scope="submits")
    with serve(speed=100.0, faults=slow_submits) as sim:

        async def main() -> object:
            client = AsyncClient(api_key=sim.api_key, base_url=sim.base_url)
            try:
                batch = Batch(
                    [f"https://e.com/{i}.mp4?time=1&queue=0&fail=0" for i in range(12)],
                    client=client,
                    concurrency=3,
                    poll=FAST,  # type: ignore[arg-type]
                )
                return await batch.wait()
            finally:
                await client.aclose()

        summary = asyncio.run(main())
        stats = sim.stats()
    assert getattr(summary, "completed", None) == 12
    assert stats["in_flight_max"]["analyze"] == 3
    assert set(stats["submissions_per_url"].values()) == {1}


def test_cancel_right_after_retry_leaves_the_failed_attempt_alone(
    tmp_path: Path, fake_client: FakeClient
) -> None:
    url, path = "https://e/fail.mp4", tmp_path / "journal.sqlite"
    batch = Batch([url], client=fake_client, poll=FAST, journal=path)  # type: ignore[arg-type]
    assert batch.run_sync().failed == 1
    assert batch.retry_failed() == [url]
    batch.cancel([url])  # before the new attempt was sent
    batch.close()
    [record] = Journal(path).records()
    assert (record.state, record.analysis_id is not None) == ("failed", True)
    resumed = Batch.resume(path, client=fake_client, poll=FAST)  # type: ignore[arg-type]
    assert resumed.entry(url).state is EntryState.FAILED
    assert resumed.retry_failed() == [url]
    resumed.run_sync()
    assert fake_client.submissions[url] == 2 and resumed.entry(url).attempts == 2


def test_events_iterator_sees_events_from_the_moment_it_is_made(fake_client: FakeClient) -> None:
    async def main() -> list[str]:
        batch = Batch(urls(2), client=fake_client, poll=FAST)  # type: ignore[arg-type]
        events = batch.events()  # made before the run, iterated after it has started
        batch.start()
        await asyncio.sleep(0.05)
        kinds = [event.kind async for event in events]
        await batch.aclose()
        return kinds

    kinds = asyncio.run(main())
    assert kinds.count("submitted") == 2 and kinds[-1] == "done"


# --- when the journal cannot be written -------------------------------------------------------


def failing(times: int, real: Any) -> Any:
    """``real``, raising ``JournalError`` on its first ``times`` calls (a locked or full disk)."""
    calls = itertools.count()

    def write(*args: Any, **kwargs: Any) -> Any:
        if next(calls) < times:
            raise JournalError("could not write to the journal: disk I/O error", path="j")
        return real(*args, **kwargs)

    return write


def test_an_id_the_journal_refused_is_written_at_a_later_poll(
    tmp_path: Path,
    fake_client: FakeClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_client.duration = 0.2  # several polls, so there is a later write to make
    path = tmp_path / "batch.sqlite"
    batch = Batch(urls(2), client=fake_client, poll=FAST, journal=path)  # type: ignore[arg-type]
    journal = batch.journal
    assert journal is not None
    monkeypatch.setattr(journal, "submitted", failing(3, journal.submitted))
    assert batch.run_sync().completed == 2  # tracking went on in memory
    batch.close()
    records = Journal(path).records()
    assert all(r.analysis_id is not None and r.state == "completed" for r in records)
    assert set(fake_client.submissions.values()) == {1}
    assert "was not journaled; the batch goes on in memory" in caplog.text


def test_no_submit_without_its_journal_intent(
    tmp_path: Path, fake_client: FakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, path = urls(1)[0], tmp_path / "batch.sqlite"
    batch = Batch([url], client=fake_client, poll=FAST, journal=path)  # type: ignore[arg-type]
    journal = batch.journal
    assert journal is not None
    monkeypatch.setattr(journal, "claim", failing(1, journal.claim))
    summary = batch.run_sync()
    entry = batch.entry(url)
    assert (summary.errors, entry.state) == (1, EntryState.ERROR)
    assert "not sent: could not write to the journal" in (entry.error or "")
    assert fake_client.submissions == {}  # the intent must be durable before a billed POST
    assert batch.retry_failed() == [url]  # nothing was sent, so a retry is safe
    assert batch.run_sync().completed == 1 and fake_client.submissions[url] == 1
    batch.close()
    [record] = Journal(path).records()
    assert (record.state, record.analysis_id is not None) == ("completed", True)


def test_status_writes_that_fail_do_not_stop_the_batch(
    tmp_path: Path, fake_client: FakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "batch.sqlite"
    batch = Batch(urls(3), client=fake_client, poll=FAST, journal=path)  # type: ignore[arg-type]
    journal = batch.journal
    assert journal is not None
    monkeypatch.setattr(journal, "status", failing(10**6, journal.status))
    assert batch.run_sync().completed == 3
    batch.close()
    # The ids were written; only the status history is missing, which a resume re-polls.
    assert all(r.analysis_id is not None for r in Journal(path).records())


def test_an_owed_id_comes_before_any_other_write_on_its_row(
    tmp_path: Path, fake_client: FakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, path = urls(1)[0], tmp_path / "batch.sqlite"
    fake_client.poll_errors[f"{1:024x}"] = [NotFoundError("unknown id", code=1014)]
    batch = Batch([url], client=fake_client, poll=FAST, journal=path)  # type: ignore[arg-type]
    journal = batch.journal
    assert journal is not None
    refuse = failing(10**6, journal.submitted)
    monkeypatch.setattr(journal, "submitted", refuse)
    assert batch.run_sync().errors == 1  # the poll failed for good, the id still owed
    # An "error" row without an id would read as never sent, and be sent again: not written.
    [record] = Journal(path).records()
    assert (record.analysis_id, record.needs_attention) == (None, True)
    assert batch.retry_failed() == [url]  # it has an id: polled again, not sent again
    assert batch.run_sync().completed == 1
    monkeypatch.undo()  # the journal works again: the last try, at close, writes the id
    batch.close()
    [record] = Journal(path).records()
    assert record.analysis_id == f"{1:024x}" and fake_client.submissions[url] == 1


def test_a_job_done_at_its_submit_answer_gets_its_id_written_at_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, path = FakeClient(duration=0.0), tmp_path / "batch.sqlite"
    batch = Batch(urls(2), client=client, poll=FAST, journal=path)  # type: ignore[arg-type]
    journal = batch.journal
    assert journal is not None
    monkeypatch.setattr(journal, "submitted", failing(2, journal.submitted))
    assert batch.run_sync().completed == 2  # never polled: both were done when submitted
    batch.close()
    assert [r.state for r in Journal(path).records()] == ["completed", "completed"]


def test_a_journal_closed_under_a_running_batch_leaves_no_entry_stuck(
    tmp_path: Path, fake_client: FakeClient
) -> None:
    with Journal(tmp_path / "batch.sqlite") as journal:
        batch = Batch(urls(2), client=fake_client, poll=FAST, journal=journal)  # type: ignore[arg-type]
    summary = batch.run_sync()
    assert summary.errors == 2 and fake_client.submissions == {}
    assert all("is closed" in (e.error or "") for e in batch.entries)


def test_no_new_attempt_before_the_failed_one_is_on_record(
    tmp_path: Path, fake_client: FakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, path = "https://e/fail.mp4", tmp_path / "batch.sqlite"
    batch = Batch([url], client=fake_client, poll=FAST, journal=path)  # type: ignore[arg-type]
    journal = batch.journal
    assert journal is not None
    monkeypatch.setattr(journal, "submitted", failing(10**6, journal.submitted))
    assert batch.run_sync().failed == 1
    assert batch.retry_failed() == []  # its id must reach the journal first
    monkeypatch.undo()
    assert batch.retry_failed() == [url]  # written now; the second attempt gets its own row
    batch.run_sync()
    batch.close()
    records = Journal(path).records()
    assert fake_client.submissions[url] == 2 and records[0].attempts == 2


def test_add_is_all_or_nothing_when_the_journal_cannot_be_read(
    tmp_path: Path, fake_client: FakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = Batch(urls(1), client=fake_client, poll=FAST, journal=tmp_path / "b.sqlite")  # type: ignore[arg-type]
    journal = batch.journal
    assert journal is not None
    monkeypatch.setattr(journal, "rows", failing(1, journal.rows))
    with pytest.raises(JournalError):
        batch.add(urls(3))
    assert [e.url for e in batch.entries] == urls(1)  # nothing half-added
    assert batch.add(urls(3)).valid == tuple(urls(3)[1:])  # the journal reads again
    assert batch.run_sync().completed == 3
    batch.close()


def test_held_back_analyses_wait_for_release_and_survive_a_resume(
    tmp_path: Path, fake_client: FakeClient
) -> None:
    """A held analysis is never sent until released ("Send anyway"), even after a resume."""
    path = tmp_path / "batch.sqlite"
    long_one, fine = "https://e/long.mp4", "https://e/fine.mp4"
    batch = Batch([fine], client=fake_client, poll=FAST, journal=path)  # type: ignore[arg-type]
    batch.add([long_one], hold="25.0 s long: the API accepts 3–20 s")
    summary = batch.run_sync()
    assert (summary.completed, summary.held, summary.done) == (1, 1, True)
    assert "1 held back" in summary.describe()
    held = batch.entry(long_one)
    assert held.state is EntryState.HELD and "25.0 s long" in (held.error or "")
    assert fake_client.submissions == {fine: 1}
    batch.close()
    resumed = Batch.resume(path, client=fake_client, poll=FAST)  # type: ignore[arg-type]
    assert resumed.entry(long_one).state is EntryState.HELD
    resumed.run_sync()
    assert long_one not in fake_client.submissions  # still held: nothing sent
    assert resumed.release() == [long_one]
    assert resumed.run_sync().completed == 2 and fake_client.submissions[long_one] == 1
    assert resumed.hold(long_one, "too late") == []  # sent already: nothing to hold back
    resumed.close()


# --- stopping and going on ------------------------------------------------------------------


def test_stop_leaves_every_job_to_go_on_from_here_and_in_a_resume(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    client = FakeClient(duration=0.3, submit_delay=0.05)
    listed = urls(10)
    batch = Batch(listed, client=client, poll=FAST, journal=path, concurrency=2)  # type: ignore[arg-type]

    at_stop = 0

    async def stop_after_three() -> None:
        nonlocal at_stop
        task = batch.start()
        while client.submissions.total() < 3:
            await asyncio.sleep(0.005)
        batch.stop()
        at_stop = client.submissions.total() + client._submitting  # answered + in flight
        await asyncio.wait_for(task, 5)
        polls = client.polls
        await asyncio.sleep(0.1)
        assert client.polls == polls  # nothing is polled after the stop

    asyncio.run(stop_after_three())
    states = {e.url: e.state for e in batch.entries}
    sent = [u for u in listed if client.submissions[u]]
    assert len(sent) == at_stop < len(listed)  # the submits in flight answered; no more
    assert all(batch.entry(u).analysis_id for u in sent)
    assert {states[u] for u in listed if u not in sent} == {EntryState.PENDING}
    assert not batch.needs_attention and batch.summary.cancelled == 0
    with Journal(path) as journal:  # the journal says the same: unsent ones are pending
        rows = {row.url: row for row in journal.rows("analysis")}
    assert {rows[u].state for u in listed if u not in sent} == {"pending"}
    assert all(rows[u].job_id for u in sent)
    batch.close()

    again = Batch.resume(path, client=client, poll=FAST)  # type: ignore[arg-type]
    summary = again.run_sync()
    assert summary.completed == 10
    assert set(client.submissions.values()) == {1}  # each URL sent once across both runs
    again.close()


def test_a_stopped_batch_goes_on_when_run_again(fake_client: FakeClient) -> None:
    listed = urls(6)
    batch = Batch(listed, client=fake_client, poll=FAST, concurrency=1)  # type: ignore[arg-type]

    async def scenario() -> None:
        task = batch.start()
        while fake_client.submissions.total() < 2:
            await asyncio.sleep(0.005)
        batch.stop()
        first = await task
        assert not first.done and first.pending >= 3
        assert first.progress < 100  # a stop is not the end of the work
        second = await batch.wait()
        assert second.completed == 6

    asyncio.run(scenario())
    assert set(fake_client.submissions.values()) == {1}
    batch.close()


def test_cancelled_jobs_are_out_of_the_percent_and_the_rate(fake_client: FakeClient) -> None:
    batch = Batch(urls(4), client=fake_client, poll=FAST)  # type: ignore[arg-type]
    batch.cancel(urls(4)[:2])
    summary = batch.run_sync()
    assert (summary.completed, summary.cancelled) == (2, 2)
    assert summary.progress == 100.0  # what was asked for is done
    batch.close()
    only_cancelled = Batch(urls(2), client=fake_client, poll=FAST)  # type: ignore[arg-type]
    only_cancelled.cancel()
    assert only_cancelled.summary.progress == 0.0  # nothing was done: not "100 %"
    only_cancelled.close()
