"""The head-swap task half of the journal: intents, task ids and status records.

Same order as analyses (journal.py): ``claim_task_intent`` writes the URL, mappings and
options (JSON, no secrets) *before* the create is sent; ``record_task_submitted`` the task id
right after; ``record_task_status`` every change with the raw record. An intent without an id
means a create may exist on the server (and be billed): a resumed batch shows it as UNKNOWN
and never creates it again by itself.

A task is identified by (URL, request JSON): a second claim of the same pair is refused while
the latest one may have left a task running or completed — unless ``force``.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from headswap_nb._batch_state import state_for_status
from headswap_nb._journal_db import JournalStore, as_datetime
from headswap_nb.models import Task

__all__ = ["TASK_SCHEMA", "TaskJournal", "TaskJournalRecord"]

TASK_SCHEMA = """
CREATE TABLE IF NOT EXISTS task_intents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    request TEXT NOT NULL,
    created_at REAL NOT NULL,
    task_id TEXT,
    state TEXT NOT NULL,
    error TEXT,
    error_code INTEGER,
    updated_at REAL NOT NULL,
    submitted_at REAL,
    finished_at REAL
);
CREATE INDEX IF NOT EXISTS task_intents_by_request ON task_intents (url, request, id);
CREATE INDEX IF NOT EXISTS task_intents_by_task ON task_intents (task_id);
CREATE TABLE IF NOT EXISTS task_statuses (
    task_id TEXT NOT NULL,
    at REAL NOT NULL,
    status INTEGER NOT NULL,
    progress REAL NOT NULL,
    raw TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS task_statuses_by_task ON task_statuses (task_id, at);
"""

# May be created again: the task failed, or the create was refused (no id), or it was
# cancelled before it was ever sent.
_RECREATABLE = "(state = 'failed' OR (state IN ('error', 'cancelled') AND task_id IS NULL))"


@dataclass(frozen=True, slots=True)
class TaskJournalRecord:
    """The latest state the journal holds for one task intent."""

    intent_id: int
    """Row id of the intent (one per create sent)."""
    url: str
    """The analysed video URL, exactly as sent."""
    request: str
    """Canonical JSON of mappings and options (``TaskRequest.to_json``)."""
    task_id: str | None
    """``None`` when the create never answered (see ``state``)."""
    task: Task | None
    """Latest raw record seen, parsed; ``None`` before the first answer."""
    state: str
    """An ``EntryState`` value; ``submitting`` means an intent without an id."""
    error: str | None
    error_code: int | None
    intent_at: datetime
    """When the intent was written (before the create)."""
    submitted_at: datetime | None
    finished_at: datetime | None

    @property
    def needs_attention(self) -> bool:
        """True when a create may have reached the server without its id being recorded."""
        return self.task_id is None and self.state in ("submitting", "unknown")


class TaskJournal(JournalStore):
    """Task intents and records; ``Journal`` adds the analysis half."""

    def claim_task_intent(self, url: str, request: str, *, force: bool = False) -> int | str:
        """Write a create intent for (``url``, ``request``) before it is sent. Durable.

        Returns the intent id, or — when a live intent for the same pair exists (maybe
        written by another process) and ``force`` is false — a description of it, e.g.
        ``"task 6a06…"``. The check and the insert are one transaction.
        """
        now = time.time()

        def claim(c: sqlite3.Connection) -> int | str:
            if not force:
                row = c.execute(
                    f"SELECT {_RECREATABLE}, task_id, state FROM task_intents "
                    "WHERE url = ? AND request = ? ORDER BY id DESC LIMIT 1",
                    (url, request),
                ).fetchone()
                if row is not None and not row[0]:
                    return f"task {row[1]}" if row[1] else f"task without an id yet ({row[2]})"
            cursor = c.execute(
                "INSERT INTO task_intents (url, request, created_at, state, updated_at) "
                "VALUES (?, ?, ?, 'submitting', ?)",
                (url, request, now, now),
            )
            return int(cursor.lastrowid or 0)

        return self._write(claim, durable=True)

    def record_task_submitted(self, intent_id: int, task: Task) -> None:
        """Write the task id (and first record) right after the create answered. Durable."""
        now = time.time()

        def submitted(c: sqlite3.Connection) -> None:
            c.execute(
                "UPDATE task_intents SET task_id = ?, state = ?, submitted_at = ?, "
                "updated_at = ?, error = NULL WHERE id = ?",
                (task.id, state_for_status(task.status).value, now, now, intent_id),
            )
            _insert_status(c, task, now)

        self._write(submitted, durable=True)

    def record_task_status(self, task: Task) -> None:
        """Write a status or progress change with the full raw record."""
        now = time.time()
        state = state_for_status(task.status)
        finished = now if state.is_terminal else None

        def status(c: sqlite3.Connection) -> None:
            _insert_status(c, task, now)
            c.execute(
                "UPDATE task_intents SET state = ?, updated_at = ?, finished_at = ? "
                "WHERE task_id = ?",
                (state.value, now, finished, task.id),
            )

        self._write(status, durable=False)

    def record_task_error(
        self, intent_id: int, message: str, *, code: int | None, unknown: bool
    ) -> None:
        """Write that a create failed (``unknown``: it may still exist on the server)."""
        now = time.time()
        self._write(
            lambda c: (
                c.execute(
                    "UPDATE task_intents SET state = ?, error = ?, error_code = ?, "
                    "updated_at = ?, finished_at = ? WHERE id = ?",
                    ("unknown" if unknown else "error", message, code, now, now, intent_id),
                )
                and None
            ),
            durable=True,
        )

    def record_task_state(self, intent_id: int, state: str, *, error: str | None = None) -> None:
        """Write a state the batch decided on its own (``cancelled``, a polling error)."""
        now = time.time()
        self._write(
            lambda c: (
                c.execute(
                    "UPDATE task_intents SET state = ?, error = ?, updated_at = ? WHERE id = ?",
                    (state, error, now, intent_id),
                )
                and None
            ),
            durable=False,
        )

    def task_records(self) -> list[TaskJournalRecord]:
        """Every task intent with its latest state, oldest first."""
        with self._reading() as c:
            rows = c.execute(
                "SELECT id, url, request, task_id, state, error, error_code, created_at, "
                "submitted_at, finished_at FROM task_intents ORDER BY id"
            ).fetchall()
            # The bare column of the row holding MAX(rowid) is the latest record (SQLite).
            latest = {
                row[0]: row[1]
                for row in c.execute(
                    "SELECT task_id, raw, MAX(rowid) FROM task_statuses GROUP BY task_id"
                )
            }
        out = []
        for rid, url, request, tid, state, error, code, created, submitted, finished in rows:
            raw = latest.get(tid) if tid is not None else None
            task = Task.from_json(json.loads(raw), source_video_url=url) if raw else None
            out.append(
                TaskJournalRecord(
                    intent_id=rid,
                    url=url,
                    request=request,
                    task_id=tid,
                    task=task,
                    state=state,
                    error=error,
                    error_code=code,
                    intent_at=as_datetime(created) or datetime.now(timezone.utc),
                    submitted_at=as_datetime(submitted),
                    finished_at=as_datetime(finished),
                )
            )
        return out

    def task_history(self, task_id: str) -> list[Task]:
        """Every status record written for ``task_id``, oldest first."""
        with self._reading() as c:
            rows = c.execute(
                "SELECT raw FROM task_statuses WHERE task_id = ? ORDER BY rowid", (task_id,)
            ).fetchall()
        return [Task.from_json(json.loads(raw)) for (raw,) in rows]


def _insert_status(c: sqlite3.Connection, task: Task, now: float) -> None:
    c.execute(
        "INSERT INTO task_statuses (task_id, at, status, progress, raw) VALUES (?, ?, ?, ?, ?)",
        (
            task.id,
            now,
            int(task.status),
            task.progress,
            json.dumps(dict(task.raw), separators=(",", ":"), default=str),
        ),
    )
