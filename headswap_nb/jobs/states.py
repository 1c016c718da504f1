"""The lifecycle every job shares — analyses and head-swap tasks alike — and the money rule.

``EntryState`` is where a job is in a batch; ``state_for_record`` reads it off a record the
API returned; ``may_send_again`` is the one rule that decides whether a job may be sent
(again) without paying twice for something still alive. The journal registers the very same
function inside SQLite, so the in-memory engine and the durable claim can never disagree.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headswap_nb.models import Analysis, Task

__all__ = [
    "ACTIVE",
    "TERMINAL",
    "EntryState",
    "may_send_again",
    "state_for_record",
]


class EntryState(enum.Enum):
    """Lifecycle of one job inside a batch."""

    PENDING = "pending"
    """Accepted, not yet submitted."""
    HELD = "held"
    """Accepted but held back, not sent until released: e.g. the pre-flight look found the
    video unreachable or too long (the reason is the entry's ``error``)."""
    SUBMITTING = "submitting"
    """Intent journaled, POST in flight."""
    QUEUED = "queued"
    """Has an id; server status 1."""
    PROCESSING = "processing"
    """Server status 2, or a status value the docs do not list (it is not terminal)."""
    COMPLETED = "completed"
    """Server status 3 (a task: only once its output URL is set, akool-api.md §8)."""
    FAILED = "failed"
    """Server status 4: the job itself failed."""
    ERROR = "error"
    """We could not submit or poll (a client-side or API error; message in ``error``)."""
    UNKNOWN = "unknown"
    """A submit may have reached the server but no id came back: needs attention.

    Never resubmitted automatically, because a second submit is billed again."""
    CANCELLED = "cancelled"
    """Tracking stopped by the user. The API has no server-side cancel: the job runs on."""

    @property
    def is_terminal(self) -> bool:
        """True when the batch does nothing more for this job."""
        return self in TERMINAL

    @property
    def is_active(self) -> bool:
        """True while a submit is in flight or the job is being polled."""
        return self in ACTIVE


TERMINAL = frozenset(
    {
        EntryState.COMPLETED,
        EntryState.FAILED,
        EntryState.ERROR,
        EntryState.UNKNOWN,
        EntryState.CANCELLED,
    }
)
ACTIVE = frozenset({EntryState.SUBMITTING, EntryState.QUEUED, EntryState.PROCESSING})

_STATUS_STATES = {
    1: EntryState.QUEUED,
    2: EntryState.PROCESSING,
    3: EntryState.COMPLETED,
    4: EntryState.FAILED,
}


def state_for_record(record: Analysis | Task) -> EntryState:
    """The state a record puts its job in. A status the docs do not list counts as still
    processing; a completed record that is not terminal by its own rule (a task without its
    output URL, akool-api.md §8) is polled on as processing."""
    state = _STATUS_STATES.get(int(record.status), EntryState.PROCESSING)
    if state is EntryState.COMPLETED and not record.is_terminal:
        return EntryState.PROCESSING
    return state


_NEVER_LEFT = frozenset({"pending", "held", "error", "cancelled"})


def may_send_again(state: str, job_id: str | None) -> bool:
    """True when sending a job whose latest attempt is in ``state`` (an ``EntryState`` value)
    with ``job_id`` cannot pay twice for something still alive.

    That is: the attempt failed on the server (status 4: nothing runs any more), or it never
    got an id because it was never sent (``pending``, ``held``), was refused, or was
    cancelled before it left. Everything else — in flight, queued, processing, completed, a
    polling error on a job that has an id, or an attempt that may have reached the server
    without an answer (``submitting``, ``unknown``) — may be running and billed: sending
    again would pay twice.
    """
    return state == "failed" or (job_id is None and state in _NEVER_LEFT)
