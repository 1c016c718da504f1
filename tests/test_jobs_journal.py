"""The SQLite journal: write order, reads, claims, two writers, a writer killed mid-way, and
journals of the first layout, migrated on open."""

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

from headswap_nb import Journal, JournalError
from headswap_nb.jobs import store
from headswap_nb.models import Analysis

REPO = Path(__file__).resolve().parent.parent


def analysis(n: int, status: int = 1, progress: float = 0, url: str = "") -> Analysis:
    return Analysis.from_json(
        {"_id": f"{n:024x}", "status": status, "progress": progress, "video_url": url}
    )


def intent(journal: Journal, url: str) -> int:
    """Add ``url`` and claim it, as a batch does right before its submit."""
    row = journal.add([url])[0].row
    assert journal.claim(row)
    return row


def test_intent_then_id_then_statuses(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        first = intent(journal, "https://e/1.mp4")
        second = intent(journal, "https://e/2.mp4")
        (pending,) = (r for r in journal.records() if r.url == "https://e/1.mp4")
        assert (pending.state, pending.analysis_id, pending.needs_attention) == (
            "submitting",
            None,
            True,
        )
        journal.submitted(first, analysis(1, url="https://e/1.mp4"))
        journal.status(analysis(1, 2, 40, url="https://e/1.mp4"))
        journal.status(analysis(1, 3, 100, url="https://e/1.mp4"))
        journal.failed(second, "maybe sent", code=None, unknown=True)
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
    assert conn.execute("PRAGMA user_version").fetchone() == (2,)
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"jobs_one_analysis", "jobs_by_request", "jobs_by_job_id", "records_by_job"} <= names
    columns = {row[1] for row in conn.execute("PRAGMA table_info(jobs)")}
    assert {"id", "kind", "url", "request", "job_id", "state", "error", "attempts"} <= columns


def test_claim_refuses_live_urls_but_allows_resubmitting_failures(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        [added] = journal.add(["https://e/1.mp4"])
        assert (added.state, added.needs_attention) == ("pending", False)  # held, never sent
        assert journal.add(["https://e/1.mp4"]) == [added]  # one row per exact URL
        row = added.row
        assert journal.claim(row)
        assert not journal.claim(row)  # in flight: may exist
        journal.failed(row, "rejected: 1003", code=1003, unknown=False)  # refused, no id
        assert journal.claim(row)
        journal.submitted(row, analysis(7))
        assert not journal.claim(row)  # has an id
        journal.status(analysis(7, 4, 60))
        assert journal.claim(row)  # failed: may retry
        (record,) = journal.records()
        assert (record.attempts, record.state, record.job_id) == (3, "submitting", None)


_WRITER = textwrap.dedent(
    """
    import sys
    from headswap_nb.jobs import Journal
    from headswap_nb.models import Analysis
    path, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    journal = Journal(path)
    claimed = 0
    for i in range(count):
        [shared] = journal.add([f"https://e/shared{i}.mp4"])
        claimed += journal.claim(shared.row)
        [own] = journal.add([f"https://e/{tag}{i}.mp4"])
        journal.claim(own.row)
        record = {"_id": f"{tag}{i:023x}"[:24], "status": 1, "progress": 0}
        journal.submitted(own.row, Analysis.from_json(record))
        journal.status(Analysis.from_json({**record, "status": 3, "progress": 100}))
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
    # Every claim is either still without an id (needs attention) or has its id.
    assert all(r.analysis_id is not None or r.needs_attention for r in own)


def test_a_locked_journal_raises_a_journal_error_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "_BUSY_TIMEOUT_MS", 50)
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        row = intent(journal, "https://e/a.mp4")
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")  # another process holding the write lock
        with pytest.raises(JournalError, match="locked") as raised:
            journal.submitted(row, analysis(1, url="https://e/a.mp4"))
        assert raised.value.path == str(path) and str(path) in str(raised.value)
        assert isinstance(raised.value, OSError)
        other.execute("ROLLBACK")
        other.close()
        journal.submitted(row, analysis(1, url="https://e/a.mp4"))  # usable again
        assert [r.analysis_id for r in journal.records()] == [f"{1:024x}"]


def test_a_file_that_is_not_a_journal_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a database, just some notes that happen to be long enough\n" * 20)
    with pytest.raises(JournalError, match="could not open the journal"):
        Journal(path)


_FIRST_LAYOUT = """
CREATE TABLE intents (id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL,
    created_at REAL NOT NULL, analysis_id TEXT, state TEXT NOT NULL, error TEXT,
    updated_at REAL NOT NULL, submitted_at REAL, finished_at REAL);
CREATE TABLE statuses (analysis_id TEXT NOT NULL, at REAL NOT NULL, status INTEGER NOT NULL,
    progress REAL NOT NULL, raw TEXT NOT NULL);
CREATE TABLE task_intents (id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL,
    request TEXT NOT NULL, created_at REAL NOT NULL, task_id TEXT, state TEXT NOT NULL,
    error TEXT, error_code INTEGER, updated_at REAL NOT NULL, submitted_at REAL,
    finished_at REAL);
CREATE TABLE task_statuses (task_id TEXT NOT NULL, at REAL NOT NULL, status INTEGER NOT NULL,
    progress REAL NOT NULL, raw TEXT NOT NULL);
"""


def test_a_journal_of_the_first_layout_is_migrated_on_open(tmp_path: Path) -> None:
    """The tables of the first release (an intent row per attempt, tasks apart) become one
    row per job, keeping every attempt count, id, state and record; nothing is sent again."""
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(_FIRST_LAYOUT)
    done = '{"_id": "%s", "status": 3, "progress": 100, "video_url": "https://e/a.mp4"}' % (
        "a" * 24
    )
    conn.executemany(
        "INSERT INTO intents (url, created_at, analysis_id, state, error, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            ("https://e/a.mp4", 1.0, None, "error", "refused", 1.0),  # first attempt refused
            ("https://e/b.mp4", 2.0, None, "submitting", None, 2.0),  # killed mid-submit
            ("https://e/a.mp4", 3.0, "a" * 24, "completed", None, 3.0),  # second attempt
        ],
    )
    conn.execute("INSERT INTO statuses VALUES (?, 3.0, 3, 100, ?)", ("a" * 24, done))
    request = '{"keep_original_sound":true,"mappings":[{"img_url":"https://e/f.png","obj_id":0}],'
    request += '"model_name":"akool-premium","resolution":"720p"}'
    conn.execute(
        "INSERT INTO task_intents (url, request, created_at, task_id, state, updated_at) "
        "VALUES ('https://e/a.mp4', ?, 4.0, ?, 'queued', 4.0)",
        (request, "t" * 24),
    )
    conn.commit()
    conn.close()
    with Journal(path) as journal:
        a, b = journal.records()
        [task] = journal.task_records()
    assert (a.url, a.attempts, a.state, a.analysis_id) == (
        "https://e/a.mp4",
        2,
        "completed",
        "a" * 24,
    )
    assert a.analysis is not None and a.analysis.progress == 100
    assert (b.url, b.state, b.needs_attention) == ("https://e/b.mp4", "submitting", True)
    assert (task.task_id, task.state, task.request is not None) == ("t" * 24, "queued", True)
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    assert "intents" not in tables and "jobs" in tables


def test_a_damaged_row_is_named_and_set_aside_never_a_bare_error(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        [good, bad_raw, bad_time] = journal.add(
            ["https://e/ok.mp4", "https://e/raw.mp4", "https://e/t.mp4"]
        )
        for row in (good, bad_raw, bad_time):
            assert journal.claim(row.row)
        journal.submitted(bad_raw.row, analysis(5, url="https://e/raw.mp4"))
        task = journal.add_task("https://e/ok.mp4", "{not json")
        assert not isinstance(task, str)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE records SET raw = '[1, 2' WHERE job_id = ?", (f"{5:024x}",))
    conn.execute("UPDATE jobs SET claimed_at = 'yesterday' WHERE url = 'https://e/t.mp4'")
    conn.commit()
    conn.close()
    with Journal(path) as journal:
        rows = {r.url: r for r in journal.rows()}
    # A cached record that cannot be read is dropped: the job keeps its id and is re-polled.
    assert (
        rows["https://e/raw.mp4"].job_id == f"{5:024x}" and rows["https://e/raw.mp4"].record is None
    )
    assert rows["https://e/t.mp4"].claimed_at is None  # a text timestamp reads as unknown
    [damaged] = [r for r in rows.values() if r.kind == "task"]
    assert damaged.damage is not None and str(path) in damaged.damage and "row" in damaged.damage
    assert damaged.needs_attention
