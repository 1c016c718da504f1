"""The SQLite plumbing under ``Journal``: one connection, one short transaction per write.

``isolation_level=None``: each write issues ``BEGIN IMMEDIATE`` itself, so it is exactly one
transaction that takes the write lock before reading (two kernels sharing a journal wait up
to ``busy_timeout`` for each other). WAL mode makes each commit atomic, so a killed process
leaves a readable file. ``durable=True`` writes use ``synchronous=FULL`` (fsync per commit);
status records use ``NORMAL``, which survives any process crash (``journal`` explains why).

Every SQLite failure (locked past the busy timeout, disk full, read-only, not a database)
surfaces as ``JournalError`` naming the file, never as a bare ``sqlite3`` exception.

A journal deleted or replaced while open (``rm``, a sync tool, another program writing a new
file in its place) would go on working on the old, unlinked inode: every write would succeed
and land nowhere anyone can read. So each write first checks that the path still names the
very file that was opened, and refuses (``JournalError``, ``lost=True``) when it does not.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from headswap_nb.errors import JournalError

__all__ = ["Store", "as_datetime"]

_T = TypeVar("_T")
_BUSY_TIMEOUT_MS = 30_000


def _identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file at ``path`` now; ``None`` when there is none."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def as_datetime(value: object) -> datetime | None:
    """Epoch seconds as an aware UTC datetime; ``None`` for ``None`` or anything that is not
    a usable number (a damaged row must not stop a resume)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(value, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


class Store:
    """A WAL-mode SQLite connection: ``write(work, durable=)`` and ``read(work)``.

    ``setup(connection)`` runs once, inside the first write transaction (schema and
    migrations, so that they are atomic); ``functions`` are Python functions registered in
    SQLite by name (``name -> (argument count, function)``), usable in every statement.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        setup: Callable[[sqlite3.Connection], object],
        functions: Mapping[str, tuple[int, Callable[..., Any]]] = {},
    ) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._synchronous = ""
        with self._failing_as("open"):
            conn = sqlite3.connect(
                self.path,
                timeout=_BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
            try:
                conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
                conn.execute("PRAGMA journal_mode = WAL")  # fails first on a non-database file
                for name, (arity, function) in functions.items():
                    conn.create_function(name, arity, function, deterministic=True)
            except sqlite3.Error:
                conn.close()
                raise
            self._conn = conn
            self._identity = _identity(self.path)
        try:
            self.write(setup, durable=True)
        except JournalError:  # e.g. a file with tables of other shapes: not a journal of ours
            self.close()
            raise

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise JournalError(f"the journal {str(self.path)!r} is closed", path=str(self.path))
        return self._conn

    def _set_synchronous(self, conn: sqlite3.Connection, level: str) -> None:
        if level != self._synchronous:  # a PRAGMA per write would be cheap, but not free
            conn.execute(f"PRAGMA synchronous = {level}")
            self._synchronous = level

    def write(self, work: Callable[[sqlite3.Connection], _T], *, durable: bool) -> _T:
        """Run ``work`` in one ``BEGIN IMMEDIATE`` transaction; rolled back if it raises."""
        with self._lock, self._failing_as("write to"):
            conn = self._connection()
            self._check_identity()
            self._set_synchronous(conn, "FULL" if durable else "NORMAL")
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = work(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    with suppress(sqlite3.Error):  # the first error is the one to report
                        conn.execute("ROLLBACK")
                raise
            return result

    def read(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``work`` on the connection (plain reads; each statement sees a committed state)."""
        with self._reading() as conn:
            return work(conn)

    def _check_identity(self) -> None:
        now = _identity(self.path)
        if now != self._identity:
            what = "deleted" if now is None else "replaced by another file"
            raise JournalError(
                f"the journal {str(self.path)!r} was {what} while in use: nothing more is "
                "sent, so that nothing is paid for without its record. Put the file back (or "
                "resume from a copy) and run again.",
                path=str(self.path),
                lost=True,
            )

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._failing_as("read"):
            yield self._connection()

    @contextmanager
    def _failing_as(self, doing: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise JournalError(
                f"could not {doing} the journal {str(self.path)!r}: {exc}", path=str(self.path)
            ) from exc

    @property
    def closed(self) -> bool:
        """True once ``close()`` was called."""
        return self._conn is None

    def close(self) -> None:
        """Close the connection (idempotent). The file stays readable by anyone."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
