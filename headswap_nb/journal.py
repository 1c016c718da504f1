"""A durable record of what a batch submitted, so nothing paid for is lost or sent twice.

SQLite from the standard library, in WAL mode. The order of writes is the whole point:

1. ``claim_intent`` / ``record_intent`` — the URL is written *before* the submit is sent;
2. ``record_submitted`` — the analysis id, right after the answer;
3. ``record_status`` — every status/progress change, with the full raw record.

A process killed between 1 and 2 leaves an intent without an id: the analysis may exist on
the server (and is billed), so a resumed batch reports it as needing attention instead of
submitting again. A killed process leaves a readable file: every write is one short
transaction, and SQLite's WAL makes each commit atomic.

Durability: intents and ids are committed with ``synchronous=FULL`` (fsync per commit), so
even a power cut cannot forget that a billed submit was sent. Status records use ``NORMAL``:
in WAL mode that survives any process crash and can only lose the last records on power loss,
which costs nothing — the server is the source of truth for status and resume polls again.

Several processes (two kernels on one notebook directory) may share a journal: writes take
the lock up front (``BEGIN IMMEDIATE``) and wait up to ``busy_timeout`` for each other.
The journal never stores headers or keys; the raw records hold none.

Head-swap tasks follow the same order (intent with URL, mappings and options → task id →
statuses) in their own tables; see ``_journal_tasks``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from headswap_nb._batch_state import state_for_status
from headswap_nb._journal_db import as_datetime as _dt
from headswap_nb._journal_tasks import TASK_SCHEMA, TaskJournal, TaskJournalRecord
from headswap_nb.models import Analysis

__all__ = ["Journal", "JournalRecord", "TaskJournalRecord"]
# Latest intent per URL may be submitted again only when it certainly did not leave a
# billed analysis running: the analysis failed, or the submit was refused (no id).
# A URL may be submitted again only when its last attempt surely created nothing billable
# that is still running: it failed, or it never got an id because the server refused it or
# the user cancelled it before it was sent.
_RESUBMITTABLE = "(state = 'failed' OR (state IN ('error', 'cancelled') AND analysis_id IS NULL))"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS intents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    created_at REAL NOT NULL,
    analysis_id TEXT,
    state TEXT NOT NULL,
    error TEXT,
    updated_at REAL NOT NULL,
    submitted_at REAL,
    finished_at REAL
);
CREATE INDEX IF NOT EXISTS intents_by_url ON intents (url, id);
CREATE INDEX IF NOT EXISTS intents_by_analysis ON intents (analysis_id);
CREATE TABLE IF NOT EXISTS statuses (
    analysis_id TEXT NOT NULL,
    at REAL NOT NULL,
    status INTEGER NOT NULL,
    progress REAL NOT NULL,
    raw TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS statuses_by_analysis ON statuses (analysis_id, at);
"""


@dataclass(frozen=True, slots=True)
class JournalRecord:
    """The latest state the journal holds for one URL."""

    url: str
    """The exact string submitted."""
    analysis_id: str | None
    """``None`` when the submit never answered (see ``state``)."""
    analysis: Analysis | None
    """Latest raw record seen, parsed; ``None`` before the first answer."""
    submitted_at: datetime | None
    """When the submit answered."""
    finished_at: datetime | None
    """When the analysis was seen terminal."""
    state: str
    """An ``EntryState`` value; ``submitting`` means an intent without an id."""
    error: str | None
    """Error text for ``error``/``unknown`` states."""
    intent_at: datetime
    """When the intent was written (before the submit)."""
    intent_id: int = 0
    """Row id of the intent."""
    attempts: int = 1
    """Intents written for this URL."""

    @property
    def needs_attention(self) -> bool:
        """True when a submit may have reached the server without its id being recorded."""
        return self.analysis_id is None and self.state in ("submitting", "unknown")


class Journal(TaskJournal):
    """A SQLite journal of intents, ids and status records, for analyses and head-swap
    tasks (see the module doc; the task half is in ``_journal_tasks``)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(path, schema=_SCHEMA + TASK_SCHEMA)

    # --- writes -------------------------------------------------------------------------

    def record_intent(self, url: str) -> int:
        """Write that ``url`` is about to be submitted; returns the intent id. Durable."""
        now = time.time()
        return self._write(
            lambda c: int(
                c.execute(
                    "INSERT INTO intents (url, created_at, state, updated_at) "
                    "VALUES (?, ?, 'submitting', ?)",
                    (url, now, now),
                ).lastrowid
                or 0
            ),
            durable=True,
        )

    def claim_intent(self, url: str) -> int | None:
        """Like ``record_intent``, but only if no live intent exists for ``url``.

        Returns ``None`` when the URL already has an id, or an intent that may have reached
        the server — possibly written by another process sharing this journal. The check and
        the insert are one transaction, so two kernels cannot both claim the same URL.
        """
        now = time.time()

        def claim(c: sqlite3.Connection) -> int | None:
            row = c.execute(
                f"SELECT {_RESUBMITTABLE} FROM intents WHERE url = ? ORDER BY id DESC LIMIT 1",
                (url,),
            ).fetchone()
            if row is not None and not row[0]:
                return None
            cursor = c.execute(
                "INSERT INTO intents (url, created_at, state, updated_at) "
                "VALUES (?, ?, 'submitting', ?)",
                (url, now, now),
            )
            return int(cursor.lastrowid or 0)

        return self._write(claim, durable=True)

    def record_submitted(self, intent_id: int, analysis: Analysis) -> None:
        """Write the analysis id (and first record) right after the submit answered. Durable."""
        now = time.time()

        def submitted(c: sqlite3.Connection) -> None:
            c.execute(
                "UPDATE intents SET analysis_id = ?, state = ?, submitted_at = ?, "
                "updated_at = ?, error = NULL WHERE id = ?",
                (analysis.id, state_for_status(analysis.status).value, now, now, intent_id),
            )
            _insert_status(c, analysis, now)

        self._write(submitted, durable=True)

    def record_status(self, analysis: Analysis) -> None:
        """Write a status or progress change with the full raw record."""
        now = time.time()
        state = state_for_status(analysis.status)
        finished = now if state.is_terminal else None

        def status(c: sqlite3.Connection) -> None:
            _insert_status(c, analysis, now)
            c.execute(
                "UPDATE intents SET state = ?, updated_at = ?, finished_at = ? "
                "WHERE analysis_id = ?",
                (state.value, now, finished, analysis.id),
            )

        self._write(status, durable=False)

    def record_error(self, intent_id: int, message: str, *, unknown: bool) -> None:
        """Write that a submit failed (``unknown``: it may still exist on the server)."""
        now = time.time()
        state = "unknown" if unknown else "error"
        self._write(
            lambda c: (
                c.execute(
                    "UPDATE intents SET state = ?, error = ?, updated_at = ?, finished_at = ? "
                    "WHERE id = ?",
                    (state, message, now, now, intent_id),
                )
                and None
            ),
            durable=True,
        )

    def record_state(self, intent_id: int, state: str, *, error: str | None = None) -> None:
        """Write a state the batch decided on its own (e.g. ``cancelled``, a polling error)."""
        now = time.time()
        self._write(
            lambda c: (
                c.execute(
                    "UPDATE intents SET state = ?, error = ?, updated_at = ? WHERE id = ?",
                    (state, error, now, intent_id),
                )
                and None
            ),
            durable=False,
        )

    # --- reads --------------------------------------------------------------------------

    def records(self) -> list[JournalRecord]:
        """Latest state per URL, in the order URLs were first journaled."""
        with self._reading() as c:
            rows = c.execute(
                "SELECT i.id, i.url, i.created_at, i.analysis_id, i.state, i.error, "
                "i.submitted_at, i.finished_at, u.first, u.n "
                "FROM (SELECT url, MIN(id) AS first, MAX(id) AS last, COUNT(*) AS n "
                "      FROM intents GROUP BY url) AS u "
                "JOIN intents AS i ON i.id = u.last ORDER BY u.first"
            ).fetchall()
            # SQLite returns the bare column of the row holding MAX(rowid): the latest record.
            latest = {
                row[0]: row[1]
                for row in c.execute(
                    "SELECT analysis_id, raw, MAX(rowid) FROM statuses GROUP BY analysis_id"
                )
            }
        out = []
        for rid, url, created, aid, state, error, submitted, finished, _first, n in rows:
            raw = latest.get(aid) if aid is not None else None
            out.append(
                JournalRecord(
                    url=url,
                    analysis_id=aid,
                    analysis=Analysis.from_json(json.loads(raw)) if raw is not None else None,
                    submitted_at=_dt(submitted),
                    finished_at=_dt(finished),
                    state=state,
                    error=error,
                    intent_at=_dt(created) or datetime.now(timezone.utc),
                    intent_id=rid,
                    attempts=n,
                )
            )
        return out

    def history(self, analysis_id: str) -> list[Analysis]:
        """Every status record written for ``analysis_id``, oldest first."""
        with self._reading() as c:
            rows = c.execute(
                "SELECT raw FROM statuses WHERE analysis_id = ? ORDER BY rowid", (analysis_id,)
            ).fetchall()
        return [Analysis.from_json(json.loads(raw)) for (raw,) in rows]

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _insert_status(c: sqlite3.Connection, analysis: Analysis, now: float) -> None:
    c.execute(
        "INSERT INTO statuses (analysis_id, at, status, progress, raw) VALUES (?, ?, ?, ?, ?)",
        (
            analysis.id,
            now,
            int(analysis.status),
            analysis.progress,
            json.dumps(dict(analysis.raw), separators=(",", ":"), default=str),
        ),
    )
