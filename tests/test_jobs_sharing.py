"""A journal shared, lost or answered oddly: what a batch sends, follows and says then.

- two processes on one journal and one list pay for every URL once, and neither reports the
  other's jobs as needing attention;
- a claim whose process is gone (lease run out) needs attention, never a second submit; one
  whose process is alive is waited for and then followed by the id it writes;
- a journal deleted or replaced mid-run stops all further sends, and the batch says why;
- an answer carrying another job's id is never followed instead; an id that cannot be sent
  back makes the job UNKNOWN ("may be billed"), not a silent resubmit.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from batch_fixtures import FakeClient, urls

from headswap_nb.batch import Batch
from headswap_nb.jobs.journal import Journal
from headswap_nb.jobs.states import EntryState
from headswap_nb.models import Analysis
from headswap_nb.polling import PollPolicy
from headswap_nb.simulator import Simulator

FAST = PollPolicy(interval=0.01, min_interval=0.005, max_interval=0.02, jitter=0.0)
REPO = Path(__file__).resolve().parent.parent


def _expire_claims(path: Path) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE jobs SET lease_until = ? WHERE state = 'submitting'", (1.0,))
    conn.close()


# --- another process's claims ----------------------------------------------------------------


def test_a_claim_whose_process_died_needs_attention_and_is_never_sent(
    tmp_path: Path, fake_client: FakeClient
) -> None:
    path = tmp_path / "journal.sqlite"
    with Journal(path) as other:  # a process that claimed the URL, then died before the answer
        (row,) = other.add(["https://e/claimed.mp4"])
        assert other.claim(row.row)
    _expire_claims(path)

    batch = Batch(["https://e/claimed.mp4", "https://e/new.mp4"], client=fake_client,
                  poll=FAST, journal=path)  # type: ignore[arg-type]  # fmt: skip
    batch.run_sync()
    entry = batch.entry("https://e/claimed.mp4")
    assert entry.state is EntryState.UNKNOWN
    assert "billed" in (entry.error or "") and "stopped before the answer" in (entry.error or "")
    assert fake_client.submissions == {"https://e/new.mp4": 1}
    batch.close()


def test_a_live_claim_is_waited_for_then_followed_by_the_id_its_process_writes(
    tmp_path: Path, fake_client: FakeClient
) -> None:
    path = tmp_path / "journal.sqlite"
    url = "https://e/shared.mp4"
    other = Journal(path)
    (row,) = other.add([url])
    assert other.claim(row.row)  # the other process is sending it right now

    async def scenario() -> Batch:
        import asyncio

        batch = Batch([url], client=fake_client, poll=FAST, journal=path)  # type: ignore[arg-type]
        task = batch.start()
        await asyncio.sleep(0.3)
        entry = batch.entry(url)
        assert entry.state is EntryState.SUBMITTING  # waiting, not "needs attention"
        assert "another process" in (entry.error or "")
        assert not batch.needs_attention
        record = await fake_client.analyze(url)  # the other process's submit is answered
        other.submitted(row.row, record)
        await asyncio.wait_for(task, 10)
        return batch

    import asyncio

    batch = asyncio.run(scenario())
    entry = batch.entry(url)
    assert entry.state is EntryState.COMPLETED
    assert fake_client.submissions == {url: 1}  # followed by its id, not sent again
    other.close()
    batch.close()


_SHARER = """
import json, sys
from headswap_nb import Batch
urls = json.loads(sys.argv[2])
batch = Batch(urls, journal=sys.argv[1], concurrency=4)
batch.run_sync()
print(json.dumps({e.url: e.state.value for e in batch.entries}))
batch.close()
"""


@pytest.mark.slow
@pytest.mark.sim(speed=20.0, seed=4)
def test_two_processes_on_one_journal_pay_once_for_each_url(sim: Simulator, tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    listed = [f"https://share.example/{i}.mp4?duration=5&time=4&fail=0" for i in range(40)]
    env = {
        **os.environ,
        "AKOOL_BASE_URL": sim.base_url,
        "AKOOL_API_KEY": sim.api_key,
        "NO_PROXY": "127.0.0.1,localhost",
        "PYTHONPATH": str(REPO),
    }
    Journal(path).close()  # both open an existing file (no race on creating it)
    command = [sys.executable, "-c", _SHARER, str(path), json.dumps(listed)]
    procs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()[-2000:]
    submitted = sim.stats()["submissions_per_url"]
    assert sorted(submitted) == sorted(listed)
    assert set(submitted.values()) == {1}  # each URL paid for once, by one of the two
    for out, _ in outputs:
        states = json.loads(out.decode().strip().splitlines()[-1])
        assert set(states.values()) == {"completed"}  # nobody's job "needs attention"


# --- the journal itself goes away ------------------------------------------------------------


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_a_journal_lost_mid_run_stops_every_further_send_and_says_why(
    tmp_path: Path, how: str
) -> None:
    path = tmp_path / "journal.sqlite"
    client = FakeClient(duration=0.2)
    listed = urls(6)

    def lose_it(url: str) -> None:
        if client.submissions.total() == 1:  # the second submit is under way
            os.remove(path)
            if how == "replaced":
                path.write_bytes(b"")

    client.on_submit = lose_it
    batch = Batch(listed, client=client, poll=FAST, journal=path, concurrency=1)  # type: ignore[arg-type]
    summary = batch.run_sync()
    assert batch.problem is not None and how in batch.problem
    assert "nothing more is sent" in batch.problem
    sent = [u for u in listed if client.submissions[u]]
    assert len(sent) == 2  # the one in flight is let finish (its id matters), then no more
    for url in sent:  # what was sent is still followed to the end
        assert batch.entry(url).state is EntryState.COMPLETED
    unsent = [batch.entry(u) for u in listed if not client.submissions[u]]
    assert summary.done and len(unsent) == 4
    assert all(e.state is EntryState.ERROR and "not sent" in (e.error or "") for e in unsent)
    assert batch.retry_failed() == [] and batch.release(listed) == []  # still nothing sent
    batch.close()


# --- odd answers -----------------------------------------------------------------------------


class _SwappedIds(FakeClient):
    """Answers the first polls of each job with a record of another job."""

    def __init__(self, wrong: int) -> None:
        super().__init__(duration=0.05)
        self.wrong = wrong

    async def get_analysis(self, analysis_id: str) -> Analysis:
        record = await super().get_analysis(analysis_id)
        if self.wrong > 0:
            self.wrong -= 1
            return Analysis.from_json({**record.raw, "_id": "f" * 24, "status": 3,
                                       "progress": 100})  # fmt: skip
        return record


def test_a_poll_answered_with_another_jobs_id_is_never_followed_instead() -> None:
    client = _SwappedIds(wrong=3)
    batch = Batch(urls(1), client=client, poll=FAST)  # type: ignore[arg-type]
    batch.run_sync()
    (entry,) = batch.entries
    assert entry.job_id == f"{1:024x}"  # the id the submit returned, never the stray one
    assert entry.state is EntryState.COMPLETED
    assert entry.analysis is not None and entry.analysis.id == entry.job_id
    assert client.polls >= 4  # the stray answers were polled past
    batch.close()


class _OddIds(FakeClient):
    async def analyze(self, video_url: str) -> Analysis:
        record = await super().analyze(video_url)
        return Analysis.from_json({**record.raw, "_id": "abc def"})


def test_an_id_that_cannot_be_followed_needs_attention_and_is_not_sent_again(
    tmp_path: Path,
) -> None:
    client = _OddIds()
    path = tmp_path / "journal.sqlite"
    batch = Batch(urls(1), client=client, poll=FAST, journal=path)  # type: ignore[arg-type]
    batch.run_sync()
    (entry,) = batch.entries
    assert entry.state is EntryState.UNKNOWN
    assert "whitespace" in (entry.error or "") and "billed" in (entry.error or "")
    assert batch.retry_failed() == []  # never resent behind the user's back
    batch.close()
    with Journal(path) as journal:  # and the id is journaled exactly as answered
        (row,) = journal.rows("analysis")
        assert row.job_id == "abc def"
    assert client.submissions.total() == 1
