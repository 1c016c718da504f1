"""The SQLite journal: write order, reads, claims, two writers, and a writer killed mid-way."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from headswap_nb import Journal, JournalError, _journal_db
from headswap_nb.models import Analysis

REPO = Path(__file__).resolve().parent.parent


def analysis(n: int, status: int = 1, progress: float = 0, url: str = "") -> Analysis:
    return Analysis.from_json(
        {"_id": f"{n:024x}", "status": status, "progress": progress, "video_url": url}
    )


def test_intent_then_id_then_statuses(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        first = journal.record_intent("https://e/1.mp4")
        second = journal.record_intent("https://e/2.mp4")
        (pending,) = (r for r in journal.records() if r.url == "https://e/1.mp4")
        assert (pending.state, pending.analysis_id, pending.needs_attention) == (
            "submitting",
            None,
            True,
        )
        journal.record_submitted(first, analysis(1, url="https://e/1.mp4"))
        journal.record_status(analysis(1, 2, 40, url="https://e/1.mp4"))
        journal.record_status(analysis(1, 3, 100, url="https://e/1.mp4"))
        journal.record_error(second, "maybe sent", unknown=True)
        one, two = journal.records()
    assert (one.url, one.analysis_id, one.state) == ("https://e/1.mp4", f"{1:024x}", "completed")
    assert one.analysis is not None and one.analysis.progress == 100
    assert one.submitted_at is not None and one.finished_at is not None
    assert (two.state, two.error, two.needs_attention) == ("unknown", "maybe sent", True)
    reopened = Journal(tmp_path / "j.sqlite")
    assert [a.progress for a in reopened.history(f"{1:024x}")] == [0, 40, 100]
    assert reopened.records() == [one, two]
    reopened.close()
    reopened.close()  # idempotent
    with pytest.raises(JournalError, match="closed"):
        reopened.records()


def test_wal_mode_and_indexes(tmp_path: Path) -> None:
    Journal(tmp_path / "j.sqlite").close()
    conn = sqlite3.connect(tmp_path / "j.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"intents_by_url", "intents_by_analysis", "statuses_by_analysis"} <= names
    columns = {row[1] for row in conn.execute("PRAGMA table_info(intents)")}
    assert {"id", "url", "created_at", "analysis_id", "state", "error", "updated_at"} <= columns


def test_claim_refuses_live_urls_but_allows_resubmitting_failures(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        intent = journal.claim_intent("https://e/1.mp4")
        assert intent is not None
        assert journal.claim_intent("https://e/1.mp4") is None  # in flight: may exist
        journal.record_error(intent, "rejected: 1003", unknown=False)  # refused, no id
        retry = journal.claim_intent("https://e/1.mp4")
        assert retry is not None
        journal.record_submitted(retry, analysis(7))
        assert journal.claim_intent("https://e/1.mp4") is None  # has an id
        journal.record_status(analysis(7, 4, 60))
        assert journal.claim_intent("https://e/1.mp4") is not None  # failed: may retry
        (record,) = journal.records()
        assert (record.attempts, record.state) == (3, "submitting")


_WRITER = textwrap.dedent(
    """
    import sys
    from headswap_nb.journal import Journal
    from headswap_nb.models import Analysis
    path, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    journal = Journal(path)
    claimed = 0
    for i in range(count):
        shared = journal.claim_intent(f"https://e/shared{i}.mp4")
        claimed += shared is not None
        own = journal.record_intent(f"https://e/{tag}{i}.mp4")
        record = {"_id": f"{tag}{i:023x}"[:24], "status": 1, "progress": 0}
        journal.record_submitted(own, Analysis.from_json(record))
        journal.record_status(Analysis.from_json({**record, "status": 3, "progress": 100}))
        print(i, flush=True)
    print("claimed", claimed, flush=True)
    """
)


def _writer(path: Path, tag: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), tag, str(count)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_two_processes_write_concurrently(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    Journal(path).close()
    writers = [_writer(path, tag, 150) for tag in ("a", "b")]
    outputs = [w.communicate(timeout=120)[0] for w in writers]
    assert all(w.returncode == 0 for w in writers)
    claimed = sum(int(out.split("claimed")[1]) for out in outputs)
    assert claimed == 150  # each shared URL was claimed by exactly one process
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with Journal(path) as journal:
        records = journal.records()
    own = [r for r in records if "shared" not in r.url]
    assert len(own) == 300 and all(r.state == "completed" for r in own)
    assert len([r for r in records if "shared" in r.url]) == 150


def test_killed_writer_leaves_a_readable_journal(tmp_path: Path) -> None:
    path = tmp_path / "killed.sqlite"
    writer = _writer(path, "k", 100_000)
    assert writer.stdout is not None
    for _ in range(50):  # let it get well into its writes
        writer.stdout.readline()
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=10)
    time.sleep(0.05)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    with Journal(path) as journal:
        records = journal.records()
    own = [r for r in records if "shared" not in r.url]
    assert len(own) >= 50
    # Every intent is either still without an id (needs attention) or has its id.
    assert all(r.analysis_id is not None or r.needs_attention for r in own)


def test_a_locked_journal_raises_a_journal_error_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_journal_db, "_BUSY_TIMEOUT_MS", 50)
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        intent = journal.record_intent("https://e/a.mp4")
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")  # another process holding the write lock
        with pytest.raises(JournalError, match="locked") as raised:
            journal.record_submitted(intent, analysis(1, url="https://e/a.mp4"))
        assert raised.value.path == str(path) and str(path) in str(raised.value)
        assert isinstance(raised.value, OSError)
        other.execute("ROLLBACK")
        other.close()
        journal.record_submitted(intent, analysis(1, url="https://e/a.mp4"))  # usable again
        assert [r.analysis_id for r in journal.records()] == [f"{1:024x}"]


def test_a_file_that_is_not_a_journal_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a database, just some notes that happen to be long enough\n" * 20)
    with pytest.raises(JournalError, match="could not open the journal"):
        Journal(path)
