"""The journal's tables, one schema for every kind of job, and the migration of old files.

``jobs`` has one row per job (an analysis per URL; a task per create the user asked for),
updated in place: a retry that resends claims the same row again, so a resume shows each job
once, at its latest attempt. ``records`` keeps every status record the API returned, by
(kind, id), with the raw JSON. ``PRAGMA user_version`` says which layout a file has:

* 0 with an ``intents`` table: the first layout (analyses in ``intents``/``statuses``, tasks
  in ``task_intents``/``task_statuses``, one row per attempt) — migrated in one transaction;
* 0 without it: a new file;
* 2: this layout.
"""

from __future__ import annotations

import sqlite3

from headswap_nb.errors import JournalError

__all__ = ["VERSION", "set_up"]

VERSION = 2

_TABLES = (
    """CREATE TABLE IF NOT EXISTS jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        url TEXT NOT NULL,
        request TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL,
        job_id TEXT,
        error TEXT,
        error_code INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        added_at REAL NOT NULL,
        claimed_at REAL,
        submitted_at REAL,
        finished_at REAL,
        updated_at REAL NOT NULL,
        owner TEXT,
        lease_until REAL
    )""",
    # One analysis per exact URL string, whichever process adds it first.
    "CREATE UNIQUE INDEX IF NOT EXISTS jobs_one_analysis ON jobs (url) WHERE kind = 'analysis'",
    "CREATE INDEX IF NOT EXISTS jobs_by_request ON jobs (kind, url, request)",
    "CREATE INDEX IF NOT EXISTS jobs_by_job_id ON jobs (kind, job_id)",
    """CREATE TABLE IF NOT EXISTS records (
        kind TEXT NOT NULL,
        job_id TEXT NOT NULL,
        at REAL NOT NULL,
        status INTEGER NOT NULL,
        progress REAL NOT NULL,
        raw TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS records_by_job ON records (kind, job_id, at)",
)

# The first layout, read once and dropped: the latest intent per URL becomes the analysis'
# row (with the number of intents as its attempts); every task intent becomes a task row.
_MIGRATION = (
    """INSERT INTO jobs (kind, url, request, state, job_id, error, attempts, added_at,
                         claimed_at, submitted_at, finished_at, updated_at)
       SELECT 'analysis', i.url, '', i.state, i.analysis_id, i.error, u.n, u.added,
              i.created_at, i.submitted_at, i.finished_at, i.updated_at
       FROM (SELECT url, MIN(id) AS first, MAX(id) AS last, COUNT(*) AS n,
                    MIN(created_at) AS added FROM intents GROUP BY url) AS u
       JOIN intents AS i ON i.id = u.last ORDER BY u.first""",
    """INSERT INTO records (kind, job_id, at, status, progress, raw)
       SELECT 'analysis', analysis_id, at, status, progress, raw FROM statuses ORDER BY rowid""",
    """INSERT INTO jobs (kind, url, request, state, job_id, error, error_code, attempts,
                         added_at, claimed_at, submitted_at, finished_at, updated_at)
       SELECT 'task', url, request, state, task_id, error, error_code, 1, created_at,
              created_at, submitted_at, finished_at, updated_at
       FROM task_intents ORDER BY id""",
    """INSERT INTO records (kind, job_id, at, status, progress, raw)
       SELECT 'task', task_id, at, status, progress, raw FROM task_statuses ORDER BY rowid""",
    "DROP TABLE intents",
    "DROP TABLE statuses",
    "DROP TABLE task_intents",
    "DROP TABLE task_statuses",
)


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def set_up(conn: sqlite3.Connection, path: str) -> None:
    """Create or migrate the schema; runs inside the store's first write transaction."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > VERSION:
        raise JournalError(
            f"this journal was written by a newer headswap_nb (layout {version}); upgrade "
            "headswap_nb to read it",
            path=path,
        )
    if version == VERSION:
        return
    tables = _tables(conn)
    for statement in _TABLES:
        conn.execute(statement)
    if "intents" in tables:
        if not {"statuses", "task_intents", "task_statuses"} <= tables:
            for name in ("statuses", "task_intents", "task_statuses"):
                if name not in tables:  # very old files predate the task tables
                    conn.execute(_EMPTY_V1[name])
        for statement in _MIGRATION:
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {VERSION}")


_EMPTY_V1 = {
    "statuses": "CREATE TABLE statuses (analysis_id TEXT, at REAL, status INTEGER, "
    "progress REAL, raw TEXT)",
    "task_intents": "CREATE TABLE task_intents (id INTEGER PRIMARY KEY, url TEXT, request TEXT, "
    "created_at REAL, task_id TEXT, state TEXT, error TEXT, error_code INTEGER, "
    "updated_at REAL, submitted_at REAL, finished_at REAL)",
    "task_statuses": "CREATE TABLE task_statuses (task_id TEXT, at REAL, status INTEGER, "
    "progress REAL, raw TEXT)",
}
