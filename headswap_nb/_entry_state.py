"""``EntryState``: the lifecycle shared by analyses and head-swap tasks in a batch."""

from __future__ import annotations

import enum

__all__ = ["ACTIVE", "TERMINAL", "EntryState"]


class EntryState(enum.Enum):
    """Lifecycle of one URL inside a batch."""

    PENDING = "pending"
    """Accepted, not yet submitted."""
    SUBMITTING = "submitting"
    """Intent journaled, POST in flight."""
    QUEUED = "queued"
    """Has an analysis id; server status 1."""
    PROCESSING = "processing"
    """Server status 2, or a status value the docs do not list (it is not terminal)."""
    COMPLETED = "completed"
    """Server status 3."""
    FAILED = "failed"
    """Server status 4: the analysis itself failed."""
    ERROR = "error"
    """We could not submit or poll (a client-side or API error; message in ``error``)."""
    UNKNOWN = "unknown"
    """A submit may have reached the server but no id came back: needs attention.

    Never resubmitted automatically, because a second submit is billed again."""
    CANCELLED = "cancelled"
    """Tracking stopped by the user. The API has no server-side cancel: the job runs on."""

    @property
    def is_terminal(self) -> bool:
        """True when the batch does nothing more for this entry."""
        return self in TERMINAL

    @property
    def is_active(self) -> bool:
        """True while a submit is in flight or the analysis is being polled."""
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
