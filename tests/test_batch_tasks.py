"""Head-swap tasks in a ``Batch``: created once, tracked, journaled, resumed — against the
simulator over loopback (speed 50: one simulated second is 20 ms)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from headswap_nb import (
    AsyncClient,
    Batch,
    BatchEvent,
    EntryState,
    InsufficientCreditsError,
    InvalidRequestError,
    Journal,
    JournalError,
)
from headswap_nb.polling import PollPolicy

pytestmark = pytest.mark.sim(speed=50.0, seed=1)

simulator = pytest.importorskip("headswap_nb.simulator")

FAST = PollPolicy.fixed(0.02)
T = TypeVar("T")


def video(tag: str, **hints: object) -> str:
    query = {"duration": 10, "people": 2, "queue": 0, "time": 1, "task_queue": 0}
    query.update({"task_time": 1, **hints})
    return f"https://tasks.example/{tag}.mp4?" + "&".join(f"{k}={v}" for k, v in query.items())


def face(sim: Any, n: int = 1) -> str:
    return f"{sim.base_url}/_sim/media/faces/{n}.png"


def task_requests(sim: Any) -> int:
    return sum(v for k, v in sim.stats()["requests"].items() if k == "task_create")


def run(sim: Any, body: Callable[[Batch], Awaitable[T]], urls: list[str], **options: Any) -> T:
    """Analyse ``urls`` in a fresh batch (one loop for the whole test), then run ``body``."""

    async def main() -> T:
        async with AsyncClient(api_key=sim.api_key, base_url=sim.base_url) as client:
            batch = Batch(urls, client=client, poll=FAST, **options)
            try:
                assert (await batch.wait()).completed == len(urls)
                return await body(batch)
            finally:
                await batch.aclose()

    return asyncio.run(main())


def test_create_task_completes_with_output(sim: Any) -> None:
    url = video("ok")
    seen: list[BatchEvent] = []

    async def body(batch: Batch) -> None:
        batch.subscribe(seen.append)
        entry = batch.create_task(url, [{"obj_id": 0, "img_url": face(sim)}])
        assert (entry.state, entry.url, entry.mappings) == (
            EntryState.PENDING,
            url,
            ((0, face(sim)),),
        )
        await batch.wait()
        (done,) = batch.tasks
        assert done.state is EntryState.COMPLETED and done.progress == 100
        assert done.task is not None and done.output_url and done.task_id == done.task.id
        assert done.submitted_at is not None and done.finished_at is not None
        assert batch.task_records == {done.task_id: done.task}
        frames = pytest.importorskip("headswap_nb.frames")
        # A Batch gives the tasks frame its tasks, and the analyses frame its analyses.
        assert frames.tasks_dataframe(batch)["id"].tolist() == [done.task_id]
        assert frames.to_dataframe(batch)["video_url"].tolist() == [url]

    run(sim, body, [url])
    (created,) = sim.stats()["tasks"]
    assert created["video_url"] == url  # the exact analysed string, by construction
    kinds = [e.kind for e in seen if e.task is not None]
    assert kinds[0] == "task_added" and "task_submitted" in kinds and kinds[-1] == "task_completed"
    assert all(e.entry is None for e in seen if e.task is not None)
    frames = pytest.importorskip("headswap_nb.frames")
    # frames accepts entries through their ``.task``.
    table = frames.tasks_dataframe([e.task for e in seen if e.kind == "task_completed"])
    assert list(table["status"].astype(str)) == ["completed"]


def test_failed_task_is_terminal_with_its_code(sim: Any) -> None:
    url = video("bad", task_fail=1)

    async def body(batch: Batch) -> None:
        entry = await batch.create_task_async(url, {0: face(sim)})
        assert entry.task_id is not None  # returned once the create answered
        await batch.wait()
        (failed,) = batch.tasks
        assert (failed.state, failed.error_code) == (EntryState.FAILED, 1016)
        assert failed.error

    run(sim, body, [url])


@pytest.mark.parametrize(
    ("mappings", "field"),
    [
        ([], "mappings"),
        ([{"obj_id": i, "img_url": f"https://f.example/{i}.png"} for i in range(6)], "mappings"),
        ([{"obj_id": 0, "img_url": "https://f/a.png"}, (0, "https://f/b.png")], "mappings[1]"),
        ({7: "https://f.example/a.png"}, "mappings[0].obj_id"),
        ({0: "ftp://f.example/a.png"}, "mappings[0].img_url"),
        ({0: "not a url"}, "mappings[0].img_url"),
    ],
)
def test_local_validation_sends_nothing(sim: Any, mappings: object, field: str) -> None:
    url = video("local", people=2)

    async def body(batch: Batch) -> None:
        with pytest.raises(InvalidRequestError) as raised:
            batch.create_task(url, mappings)
        assert (raised.value.field or "").startswith(field)
        assert "nothing was sent" in str(raised.value)
        assert batch.tasks == ()

    run(sim, body, [url])
    assert task_requests(sim) == 0


def test_analysis_must_be_completed_and_in_the_batch(sim: Any) -> None:
    url = video("pending")

    async def body(batch: Batch) -> None:
        with pytest.raises(InvalidRequestError, match="not an entry of this batch"):
            batch.create_task(video("elsewhere"), {0: face(sim)})
        batch.add(video("later"))  # pending: not analysed yet
        with pytest.raises(InvalidRequestError, match="pending, not completed"):
            batch.create_task(video("later"), {0: face(sim)})
        with pytest.raises(InvalidRequestError, match="resolution"):
            batch.create_task(url, {0: face(sim)}, resolution="4k")

    run(sim, body, [url])
    assert task_requests(sim) == 0


def test_insufficient_credits_show_on_the_entry() -> None:
    url = video("poor")
    with simulator.serve(speed=50.0, credits=50) as poor:  # a 10 s task locks 100

        async def body(batch: Batch) -> None:
            with pytest.raises(InsufficientCreditsError):
                await batch.create_task_async(url, {0: face(poor)})
            (refused,) = batch.tasks
            assert (refused.state, refused.error_code) == (EntryState.ERROR, 1104)
            assert "credit" in (refused.error or "").lower()
            # Refused, so nothing exists: creating it again is allowed (and refused again).
            again = batch.create_task(url, {0: face(poor)})
            await batch.wait()
            assert batch.tasks[-1].ref == again.ref and batch.tasks[-1].error_code == 1104

        run(poor, body, [url])
        assert poor.stats()["tasks"] == []


def test_journal_then_resume_reattaches_to_a_running_task(sim: Any, tmp_path: Path) -> None:
    path = tmp_path / "batch.sqlite"
    url = video("long", task_time=150)  # 3 s of real time

    async def body(batch: Batch) -> str:
        entry = await batch.create_task_async(url, {1: face(sim, 2)}, resolution="480p")
        assert entry.task_id is not None and entry.state.is_active
        return entry.task_id  # aclose() now stops tracking mid-task, like a killed kernel

    task_id = run(sim, body, [url], journal=path)
    with Journal(path) as journal:
        (record,) = journal.task_records()
        assert (record.task_id, record.url) == (task_id, url)
        assert record.request is not None and record.request.resolution == "480p"
        assert face(sim, 2) in record.request.to_json()
        assert sim.api_key not in record.request.to_json()

    async def resumed() -> tuple[EntryState, int]:
        async with AsyncClient(api_key=sim.api_key, base_url=sim.base_url) as client:
            batch = Batch.resume(path, client=client, poll=FAST)
            (attached,) = batch.tasks
            assert attached.task_id == task_id and attached.state.is_active
            with pytest.raises(InvalidRequestError, match=f"already created: task {task_id}"):
                batch.create_task(url, {1: face(sim, 2)}, resolution="480p")
            await batch.wait()
            await batch.aclose()
            return batch.tasks[0].state, len(Journal(path).task_history(task_id))

    state, history = asyncio.run(resumed())
    assert state is EntryState.COMPLETED and history >= 2
    assert len(sim.stats()["tasks"]) == 1  # re-attached, never created again


def test_lost_create_response_is_unknown_and_never_recreated(sim: Any, tmp_path: Path) -> None:
    url = video("lost")

    async def body(batch: Batch) -> None:
        sim.set_faults(simulator.FaultConfig(drop=1.0, scope="submits"))
        batch.create_task(url, {0: face(sim)})
        await batch.wait()
        (lost,) = batch.tasks
        assert lost.state is EntryState.UNKNOWN and lost.task_id is None
        assert batch.tasks_needing_attention == (lost,)
        sim.set_faults(simulator.FaultConfig())
        assert batch.retry_failed() == [] and batch.retry_failed_tasks() == []
        with pytest.raises(InvalidRequestError, match="already created"):
            batch.create_task(url, {0: face(sim)})
        await batch.wait()

    run(sim, body, [url], journal=tmp_path / "j.sqlite")
    assert len(sim.stats()["tasks"]) == 1 and task_requests(sim) == 1
    with Journal(tmp_path / "j.sqlite") as journal:
        (record,) = journal.task_records()
        assert record.needs_attention
    resumed = Batch.resume(tmp_path / "j.sqlite")
    assert [t.state for t in resumed.tasks] == [EntryState.UNKNOWN]
    resumed.close()


def test_duplicate_create_is_refused_unless_forced(sim: Any) -> None:
    url = video("twice", people=3)

    async def body(batch: Batch) -> None:
        first = await batch.create_task_async(url, {0: face(sim), 2: face(sim, 3)})
        with pytest.raises(InvalidRequestError, match=f"already created: task {first.task_id}"):
            batch.create_task(url, [(0, face(sim)), (2, face(sim, 3))])
        other = batch.create_task(url, {0: face(sim)})  # different mappings: a new task
        forced = batch.create_task(url, {0: face(sim), 2: face(sim, 3)}, force=True)
        await batch.wait()
        assert {t.ref for t in batch.tasks} == {first.ref, other.ref, forced.ref}
        assert all(t.state is EntryState.COMPLETED for t in batch.tasks)

    run(sim, body, [url])
    assert len(sim.stats()["tasks"]) == 3


def test_a_completed_task_without_output_url_keeps_being_polled() -> None:
    from datetime import datetime, timezone

    from headswap_nb.jobs import JobEntry
    from headswap_nb.jobs.transitions import on_record
    from headswap_nb.models import Task

    entry = JobEntry(
        "https://e.com/v.mp4", kind="task", job_id="t" * 24, state=EntryState.PROCESSING
    )
    now = datetime.now(timezone.utc)
    record = {"_id": "t" * 24, "status": 3, "progress": 100, "video_url": None}
    waiting, _ = on_record(entry, Task.from_json(record), now)
    assert waiting.state is EntryState.PROCESSING and waiting.finished_at is None
    done, kind = on_record(
        waiting, Task.from_json({**record, "video_url": "https://o.test/r.mp4"}), now
    )
    assert (done.state, kind, done.output_url) == (
        EntryState.COMPLETED,
        "completed",  # the engine announces it as "task_completed"
        "https://o.test/r.mp4",
    )


def test_a_journal_that_cannot_be_written_never_costs_a_task(sim: Any, tmp_path: Path) -> None:
    url = video("journal", task_time=5)  # a few polls
    path = tmp_path / "j.sqlite"

    def refuse(*args: object, **kwargs: object) -> None:
        raise JournalError("could not write to the journal: database or disk is full", path="j")

    async def body(batch: Batch) -> None:
        journal = batch.journal
        assert journal is not None
        real_add, real_id = journal.add_task, journal.submitted
        journal.add_task = refuse  # type: ignore[method-assign]
        with pytest.raises(JournalError, match="disk is full"):  # refused before the POST
            await batch.create_task_async(url, {0: face(sim)})
        assert task_requests(sim) == 0 and batch.tasks == ()
        journal.add_task = real_add  # type: ignore[method-assign]
        journal.submitted = refuse  # type: ignore[method-assign]
        entry = batch.create_task(url, {0: face(sim)}, force=True)
        await asyncio.sleep(0.1)  # created; its id write failed; polls go on
        journal.submitted = real_id  # type: ignore[method-assign]
        await batch.wait()
        (done,) = [t for t in batch.tasks if t.ref == entry.ref]
        assert done.state is EntryState.COMPLETED

    run(sim, body, [url], journal=path)
    assert task_requests(sim) == 1
    with Journal(path) as journal:
        records = journal.task_records()
        assert [r.task_id is not None for r in records] == [True]  # the refused one left no row


def test_a_failed_task_is_not_created_again_before_its_id_is_on_record(
    sim: Any, tmp_path: Path
) -> None:
    url = video("owed", task_time=2, task_fail=1)
    path = tmp_path / "j.sqlite"

    def refuse(*args: object, **kwargs: object) -> None:
        raise JournalError("could not write to the journal: disk I/O error", path="j")

    async def body(batch: Batch) -> tuple[str | None, list[Any]]:
        journal = batch.journal
        assert journal is not None
        real = journal.submitted
        journal.submitted = refuse  # type: ignore[method-assign]
        batch.create_task(url, {0: face(sim)})
        await batch.wait()
        assert [t.state for t in batch.tasks] == [EntryState.FAILED]
        first = batch.tasks[0].task_id
        assert batch.retry_failed_tasks() == []  # its id must reach the journal first
        journal.submitted = real  # type: ignore[method-assign]
        assert len(batch.retry_failed_tasks()) == 1  # written now: a second attempt
        await batch.wait()
        return first, journal.task_records()

    first, rows = run(sim, body, [url], journal=path)
    [row] = rows  # one row per task, at its latest attempt; both attempts' records are kept
    assert first is not None and row.task_id is not None and first != row.task_id
    assert (row.attempts, row.state) == (2, "failed") and task_requests(sim) == 2
    with Journal(path) as journal:
        assert journal.task_history(first) and journal.task_history(row.task_id)
