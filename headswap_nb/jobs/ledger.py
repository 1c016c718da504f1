"""The journal side of every job in a batch: which row is whose, and ids still owed.

A batch must never stop over its journal (a file locked by another process for too long, a
full disk): a write that fails is logged and tracking goes on in memory. Two writes matter
more than the others and are never dropped:

* the **claim** before a submit: if it fails, nothing is sent (the job fails as "not
  submitted", and "Retry failed" sends it later);
* the **id** right after a submit answered: if it fails, it is *owed* — written again with
  the newest record at every poll of that job, at the end of each run and on close. Until it
  lands nothing else is written on that row (a state on a row without its id would make the
  job look never sent) and the job is not sent again.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from headswap_nb.errors import JournalError
from headswap_nb.jobs.entry import JobEntry
from headswap_nb.jobs.restore import restore
from headswap_nb.jobs.rows import JournalRow
from headswap_nb.models import Analysis, Task

if TYPE_CHECKING:
    from headswap_nb.jobs.journal import Journal

__all__ = ["Elsewhere", "Ledger"]


@dataclass(frozen=True, slots=True)
class Elsewhere:
    """A job another live process is sending: what to show, and when to look again."""

    message: str
    recheck: float
    """Seconds until the journal is read again."""


logger = logging.getLogger("headswap_nb.batch")


class Ledger:
    """Journal writes of one batch's jobs, by their batch-local ``ref``."""

    def __init__(
        self, journal: Journal | None, *, on_lost: Callable[[str], object] = lambda _: None
    ) -> None:
        self.journal = journal
        """The journal, or ``None``: then every write is a no-op and every claim succeeds."""
        self._rows: dict[int, int] = {}  # ref -> journal row
        self._owed: dict[int, Analysis | Task] = {}  # ref -> newest record; its id is owed
        self.lost: JournalError | None = None
        """Why the journal file is gone (deleted or replaced), once a write found out: then
        nothing more is written (it would land nowhere) and every claim is refused."""
        self._on_lost = on_lost

    def track(self, ref: int, row: JournalRow | None) -> None:
        """Job ``ref`` lives on journal row ``row`` (``None`` without a journal)."""
        if row is not None:
            self._rows[ref] = row.row

    def row(self, ref: int) -> int | None:
        """The journal row of job ``ref``."""
        return self._rows.get(ref)

    def claim(self, ref: int) -> bool:
        """Claim ``ref``'s row before its submit is sent; False when another process holds
        it (or it already has an id). Raises ``JournalError``: then nothing may be sent."""
        row = self._rows.get(ref)
        if self.journal is None or row is None:
            return True
        if self.lost is not None:
            raise self.lost
        try:
            return self.journal.claim(row)
        except JournalError as exc:
            if exc.lost:
                self._lose(exc)
            raise

    def submitted(self, ref: int, record: Analysis | Task) -> None:
        """The submit of ``ref`` answered with ``record``: its id is owed until written."""
        if self._rows.get(ref) is not None:
            self._owed[ref] = record
            self.settle(ref)

    def seen(self, ref: int, record: Analysis | Task, *, changed: bool) -> None:
        """A poll of ``ref`` returned ``record`` (``changed``: something visible changed)."""
        if ref in self._owed:
            self._owed[ref] = record
            self.settle(ref)
        elif changed:
            self._write(f"the status of {_job(record)}", lambda j: j.status(record))

    def failed(self, ref: int, message: str, *, code: int | None, unknown: bool) -> None:
        """The submit of ``ref`` failed (``unknown``: it may exist on the server)."""
        row = self._rows.get(ref)
        if row is not None:
            self._write(
                f"the failed submit of job {ref}",
                lambda j: j.failed(row, message, code=code, unknown=unknown),
            )

    def state(self, ref: int, state: str, error: str | None = None) -> None:
        """A state the batch decided on its own (``cancelled``, a polling error)."""
        row = self._rows.get(ref)
        # A state on a row whose id is owed would make it look never sent: the id first.
        if row is not None and self.settle(ref):
            self._write(
                f"the state {state} of job {ref}", lambda j: j.set_state(row, state, error=error)
            )

    def settle(self, ref: int) -> bool:
        """Write the id owed for ``ref`` (with its newest record); True once none is owed."""
        record = self._owed.get(ref)
        if record is None:
            return True
        row = self._rows[ref]
        if not self._write(f"the id of {_job(record)}", lambda j: j.submitted(row, record)):
            return False
        del self._owed[ref]
        return True

    def settle_all(self, *, last: bool = False) -> None:
        """Try every owed id again (at the end of a run and on close); on the ``last`` try,
        name each one the journal never took, so that it can be noted by hand."""
        for ref in list(self._owed):
            self.settle(ref)
        if last:
            for record in self._owed.values():
                logger.error(
                    "the journal never took the id of %s; a resume will show it as needing "
                    "attention (it exists on the server)",
                    _job(record),
                )

    def claimed_elsewhere(self, row: JournalRow | None) -> bool:
        """True when ``row`` is being sent right now by another process sharing the journal
        (its lease runs, and the process is alive as far as this machine can tell)."""
        return (
            self.journal is not None
            and row is not None
            and row.claimed_by_another(self.journal.owner, time.time())
            and _alive(row.owner)
        )

    def reread(self, ref: int, entry: JobEntry) -> tuple[JobEntry, Elsewhere | None]:
        """``entry`` as the journal now has it (a claim refused: someone else sent it), and,
        while another live process is still sending it, what to show and when to look
        again."""
        row = self._rows.get(ref)
        if self.journal is None or row is None:
            return entry, None
        found = self.journal.row(row)
        if found is None:
            return entry, None
        now = time.time()
        if self.claimed_elsewhere(found):
            left = (found.lease_until or now) - now
            message = f"being sent by another process sharing the journal ({found.owner})"
            return entry, Elsewhere(message, recheck=min(2.0, max(0.2, left)))
        restored = restore(found, ref)
        if found.job_id is None and found.state == "submitting":  # its process died mid-submit
            gone = (
                f"claimed by another process ({found.owner}) that stopped before the answer: "
                "it may have been sent (and billed). Check the account before sending it again."
            )
            restored = replace(restored, error=gone)
            what = f"the claim of job {ref}"
            self._write(what, lambda j: j.set_state(row, "unknown", error=gone))
        return restored, None

    def _lose(self, exc: JournalError) -> None:
        if self.lost is None:
            self.lost = exc
            self._on_lost(str(exc))

    def _write(self, what: str, write: Callable[[Journal], object]) -> bool:
        if self.journal is None:
            return True
        if self.lost is not None:  # said once already; every write would fail the same way
            return False
        try:
            write(self.journal)
        except JournalError as exc:
            if exc.lost:
                logger.error("%s was not journaled, nor will anything be", what)
                self._lose(exc)
            else:
                logger.error("%s was not journaled; the batch goes on in memory: %s", what, exc)
            return False
        return True


def _alive(owner: str | None) -> bool:
    """False when ``owner`` (``host:pid:opening``, see ``Journal.owner``) names a process
    of this machine that no longer exists: a kernel killed mid-submit is known dead at once,
    not after its lease. Another machine's process is taken as alive (its lease decides)."""
    host, _, rest = (owner or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # exists, but belongs to someone else
        return True
    return not _zombie(pid)


def _zombie(pid: str) -> bool:
    """True for a process that has ended but was not reaped yet (a killed kernel whose
    parent did not wait for it): it answers signal 0, yet sends nothing any more. Read
    from ``/proc`` where there is one; elsewhere the lease decides."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[-1].split()
    except OSError:
        return False
    return bool(fields) and fields[0] in (b"Z", b"X")


def _job(record: Analysis | Task) -> str:
    return f"{type(record).__name__.lower()} {record.id}"
