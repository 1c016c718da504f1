"""A durable record of what a batch sent, so nothing paid for is lost or sent twice.

SQLite from the standard library, in WAL mode, one schema for every kind of job (``schema``).
The order of writes is the whole point:

1. ``add`` / ``add_task`` — every job a batch holds is written (``pending``) before anything
   is submitted, so a resume knows the whole batch, sent or not;
2. ``claim`` — the row turns ``submitting`` *before* the submit is sent, in one transaction
   that checks ``states.may_send_again`` (the same function, registered in SQLite), so two
   processes sharing the journal can never both send the same job;
3. ``submitted`` — the id, right after the answer;
4. ``status`` — every status/progress change, with the full raw record.

A process killed between 2 and 3 leaves a claim without an id: the job may exist on the
server (and is billed), so a resumed batch reports it as needing attention instead of sending
it again. Claims and ids are committed with ``synchronous=FULL`` (fsync per commit), so even a
power cut cannot forget that a billed submit was sent; status records use ``NORMAL``, which in
WAL mode survives any process crash and can only lose the last records on power loss — the
server is the source of truth for status, and a resume polls again.

The journal never stores headers or keys. Reading is tolerant where it can be: a damaged
cached record is dropped (the job is polled again by its id) and a damaged row is set aside
as needing attention, named by file and row, so one bad row never blocks a resume.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import sqlite3
import time
from collections.abc import Iterable, Sequence
from typing import Any

from headswap_nb.errors import JournalError
from headswap_nb.jobs.entry import ANALYSIS, TASK
from headswap_nb.jobs.rows import JournalRow, read_rows
from headswap_nb.jobs.schema import set_up
from headswap_nb.jobs.states import may_send_again, state_for_record
from headswap_nb.jobs.store import Store
from headswap_nb.models import Analysis, Task

__all__ = ["Journal", "JournalRow"]

_COLUMNS = (
    "id, kind, url, request, state, job_id, error, error_code, attempts, added_at, "
    "claimed_at, submitted_at, finished_at, owner, lease_until"
)
LEASE_SECONDS = 300.0
"""How long a claim is its process's alone: far longer than any submit takes (the client's
deadline), so that a live process is never second-guessed; after it, the claim's process is
taken to have died mid-submit, and others see it as needing attention."""


class Journal:
    """A SQLite journal of every job a batch holds, its claims, ids and status records."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        where = os.fspath(path)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        """Who this journal's claims are from (host, process, and this opening)."""
        self._store = Store(
            path,
            setup=lambda conn: set_up(conn, where),
            functions={"may_send_again": (2, may_send_again)},
        )

    @property
    def path(self) -> Any:
        """The file (a ``pathlib.Path``)."""
        return self._store.path

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the file (idempotent); it stays readable by anyone.

        Claims of this opening still without an id give up their lease first: nobody here
        is sending them any more, so another process sees them at once for what they are
        (may have been sent: needs attention) instead of waiting for the lease to run out."""
        if not self._store.closed:
            # Gone, locked or read-only: then the lease runs out by itself.
            with contextlib.suppress(JournalError):
                self._store.write(
                    lambda c: c.execute(
                        "UPDATE jobs SET lease_until = NULL WHERE owner = ? "
                        "AND state = 'submitting' AND job_id IS NULL",
                        (self.owner,),
                    ),
                    durable=False,
                )
        self._store.close()

    # --- writes -------------------------------------------------------------------------

    def add(self, urls: Sequence[str]) -> list[JournalRow]:
        """Hold an analysis of each URL: new ones are written ``pending``, known ones kept as
        they are. Returns each URL's row, in the order given. Durable, one transaction."""
        now = time.time()

        def add(c: sqlite3.Connection) -> list[int]:
            c.executemany(
                "INSERT OR IGNORE INTO jobs (kind, url, state, added_at, updated_at) "
                "VALUES ('analysis', ?, 'pending', ?, ?)",
                ((url, now, now) for url in urls),
            )
            ids = {}
            for url in urls:
                found = c.execute(
                    "SELECT id FROM jobs WHERE kind = 'analysis' AND url = ?", (url,)
                ).fetchone()
                ids[url] = int(found[0])
            return [ids[url] for url in urls]

        return self._rows_by_id(self._store.write(add, durable=True))

    def add_task(self, url: str, request: str, *, force: bool = False) -> JournalRow | str:
        """Hold a head-swap task (``request``: the canonical JSON of its options), ``pending``.

        Unless ``force``, refused when the same (URL, request) is already held and may be
        running, done or about to be sent (possibly by another process): then the return
        value describes that one, e.g. ``"task 6a06…"``. The check and the insert are one
        transaction."""
        now = time.time()

        def add(c: sqlite3.Connection) -> int | str:
            if not force:
                live = c.execute(
                    "SELECT job_id, state FROM jobs WHERE kind = 'task' AND url = ? AND "
                    "request = ? AND (state = 'pending' OR NOT may_send_again(state, job_id)) "
                    "ORDER BY id DESC LIMIT 1",
                    (url, request),
                ).fetchone()
                if live is not None:
                    return f"task {live[0]}" if live[0] else f"task without an id yet ({live[1]})"
            cursor = c.execute(
                "INSERT INTO jobs (kind, url, request, state, added_at, updated_at) "
                "VALUES ('task', ?, ?, 'pending', ?, ?)",
                (url, request, now, now),
            )
            return int(cursor.lastrowid or 0)

        added = self._store.write(add, durable=True)
        return added if isinstance(added, str) else self._rows_by_id([added])[0]

    def claim(self, row: int) -> bool:
        """Mark job ``row`` as being sent, *before* it is sent. Durable.

        False when it may not be sent: it has an id, or a claim that may have reached the
        server — possibly another process's. The check and the update are one transaction."""
        now = time.time()

        def claim(c: sqlite3.Connection) -> bool:
            cursor = c.execute(
                "UPDATE jobs SET state = 'submitting', job_id = NULL, error = NULL, "
                "error_code = NULL, attempts = attempts + 1, claimed_at = ?, submitted_at = NULL, "
                "finished_at = NULL, updated_at = ?, owner = ?, lease_until = ? "
                "WHERE id = ? AND may_send_again(state, job_id)",
                (now, now, self.owner, now + LEASE_SECONDS, row),
            )
            return cursor.rowcount == 1

        return self._store.write(claim, durable=True)

    def submitted(self, row: int, record: Analysis | Task) -> None:
        """Write the id (and first record) right after the submit answered. Durable."""
        now, kind = time.time(), _kind(record)

        def submitted(c: sqlite3.Connection) -> None:
            c.execute(
                "UPDATE jobs SET job_id = ?, state = ?, submitted_at = ?, updated_at = ?, "
                "error = NULL WHERE id = ?",
                (record.id, state_for_record(record).value, now, now, row),
            )
            _insert_record(c, kind, record, now)

        self._store.write(submitted, durable=True)

    def status(self, record: Analysis | Task) -> None:
        """Write a status or progress change with the full raw record."""
        now, kind = time.time(), _kind(record)
        state = state_for_record(record)
        finished = now if state.is_terminal else None

        def status(c: sqlite3.Connection) -> None:
            _insert_record(c, kind, record, now)
            c.execute(
                "UPDATE jobs SET state = ?, updated_at = ?, finished_at = ? "
                "WHERE kind = ? AND job_id = ?",
                (state.value, now, finished, kind, record.id),
            )

        self._store.write(status, durable=False)

    def failed(self, row: int, message: str, *, code: int | None, unknown: bool) -> None:
        """Write that a submit failed (``unknown``: it may still exist on the server). Durable."""
        now = time.time()
        self._store.write(
            lambda c: c.execute(
                "UPDATE jobs SET state = ?, error = ?, error_code = ?, updated_at = ?, "
                "finished_at = ? WHERE id = ?",
                ("unknown" if unknown else "error", message, code, now, now, row),
            ),
            durable=True,
        )

    def set_state(self, row: int, state: str, *, error: str | None = None) -> None:
        """Write a state the batch decided on its own (``cancelled``, a polling error)."""
        now = time.time()
        self._store.write(
            lambda c: c.execute(
                "UPDATE jobs SET state = ?, error = ?, updated_at = ? WHERE id = ?",
                (state, error, now, row),
            ),
            durable=False,
        )

    # --- reads --------------------------------------------------------------------------

    def rows(
        self, kind: str | None = None, *, urls: Iterable[str] | None = None
    ) -> list[JournalRow]:
        """Every job (of ``kind``, on ``urls``), oldest first, with its latest record."""
        where, args = [], []
        if kind is not None:
            where.append("kind = ?")
            args.append(kind)
        wanted = None if urls is None else set(urls)
        sql = f"SELECT {_COLUMNS} FROM jobs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._read(sql + " ORDER BY id", args)
        if wanted is not None:
            rows = [r for r in rows if r.url in wanted]
        return rows

    def row(self, row: int) -> JournalRow | None:
        """What the journal holds now for job ``row`` (another process may have changed it)."""
        found = self._read(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (row,))
        return found[0] if found else None

    def records(self) -> list[JournalRow]:
        """Every analysis, oldest first (``frames.to_dataframe(journal)`` reads these)."""
        return self.rows(ANALYSIS)

    def task_records(self) -> list[JournalRow]:
        """Every head-swap task, oldest first."""
        return self.rows(TASK)

    def history(self, job_id: str, *, kind: str = ANALYSIS) -> list[Analysis | Task]:
        """Every status record written for ``job_id``, oldest first."""

        def read(c: sqlite3.Connection) -> list[str]:
            return [
                raw
                for (raw,) in c.execute(
                    "SELECT raw FROM records WHERE kind = ? AND job_id = ? ORDER BY rowid",
                    (kind, job_id),
                )
            ]

        parse = Task.from_json if kind == TASK else Analysis.from_json
        return [parse(json.loads(raw)) for raw in self._store.read(read)]

    def task_history(self, task_id: str) -> list[Analysis | Task]:
        """``history`` of a head-swap task."""
        return self.history(task_id, kind=TASK)

    def _rows_by_id(self, ids: list[int]) -> list[JournalRow]:
        if not ids:
            return []
        wanted = set(ids)  # (no IN list: SQLite caps the number of parameters)
        found = {
            r.row: r for r in self._read(f"SELECT {_COLUMNS} FROM jobs", ()) if r.row in wanted
        }
        return [found[i] for i in ids]

    def _read(self, sql: str, args: Sequence[object]) -> list[JournalRow]:
        def read(c: sqlite3.Connection) -> tuple[list[tuple[Any, ...]], dict[tuple[str, str], str]]:
            rows = c.execute(sql, tuple(args)).fetchall()
            # SQLite returns the bare column of the row holding MAX(rowid): the latest record.
            latest = {
                (kind, job_id): raw
                for kind, job_id, raw, _ in c.execute(
                    "SELECT kind, job_id, raw, MAX(rowid) FROM records GROUP BY kind, job_id"
                )
            }
            return rows, latest

        rows, latest = self._store.read(read)
        return read_rows(rows, latest, path=str(self.path))


def _kind(record: Analysis | Task) -> str:
    return TASK if isinstance(record, Task) else ANALYSIS


def _insert_record(c: sqlite3.Connection, kind: str, record: Analysis | Task, now: float) -> None:
    c.execute(
        "INSERT INTO records (kind, job_id, at, status, progress, raw) VALUES (?, ?, ?, ?, ?, ?)",
        (
            kind,
            record.id,
            now,
            int(record.status),
            record.progress,
            json.dumps(dict(record.raw), separators=(",", ":"), default=str),
        ),
    )
