"""The pure core of head-swap tasks in a batch: the entry snapshot, checks and transitions.

No I/O here. A task is tracked like an analysis (``_batch_state``): the same ``EntryState``
lifecycle, the same "only real changes make events" rule, and the same money rule — a
create that may have reached the server without an answer is UNKNOWN and never re-sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from headswap_nb._batch_state import BatchEntry, EntryState, state_for_status
from headswap_nb._validation import (
    RESOLUTIONS,
    check_bool,
    check_choice,
    check_text,
    normalise_mappings,
)
from headswap_nb.errors import InvalidRequestError
from headswap_nb.models import Task

__all__ = [
    "TaskEntry",
    "TaskRequest",
    "check_task_request",
    "live_duplicate",
    "on_task_created",
    "on_task_error",
    "on_task_record",
    "on_task_submitting",
]


@dataclass(frozen=True, slots=True)
class TaskRequest:
    """What a create sends besides the URL; its JSON is journaled and identifies duplicates."""

    mappings: tuple[tuple[int, str], ...]
    """``(obj_id, img_url)`` pairs, in the order given."""
    resolution: str = "720p"
    model_name: str = "akool-premium"
    keep_original_sound: bool = True

    def to_json(self) -> str:
        """Canonical JSON (sorted keys): equal requests give equal strings. No secrets."""
        return json.dumps(
            {
                "mappings": [{"obj_id": o, "img_url": u} for o, u in self.mappings],
                "resolution": self.resolution,
                "model_name": self.model_name,
                "keep_original_sound": self.keep_original_sound,
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> TaskRequest:
        """Inverse of ``to_json`` (for a journal read back)."""
        data: Mapping[str, Any] = json.loads(text)
        return cls(
            mappings=tuple((int(m["obj_id"]), str(m["img_url"])) for m in data["mappings"]),
            resolution=str(data["resolution"]),
            model_name=str(data["model_name"]),
            keep_original_sound=bool(data["keep_original_sound"]),
        )


@dataclass(frozen=True, slots=True)
class TaskEntry:
    """Immutable snapshot of one head-swap task in a batch."""

    url: str
    """The analysed video URL, exactly as submitted for the analysis (and sent again)."""
    task_id: str | None = None
    """The task's ``_id`` once the create answered (for ``get_task``)."""
    state: EntryState = EntryState.PENDING
    """Where this task is in its lifecycle."""
    task: Task | None = None
    """Latest task record; ``None`` before the create answered."""
    progress: float = 0.0
    """0 to 100, as last reported by the server."""
    error: str | None = None
    """Plain reason for ERROR, UNKNOWN or FAILED; never contains a credential."""
    error_code: int | None = None
    """API code (e.g. 1104 insufficient credits) or the record's ``error_code``."""
    submitted_at: datetime | None = None
    """When the create answered (aware UTC)."""
    finished_at: datetime | None = None
    """When the task reached a terminal state (aware UTC)."""
    mappings: tuple[tuple[int, str], ...] = ()
    """``(obj_id, face image URL)`` pairs sent."""
    resolution: str = "720p"
    """``480p`` or ``720p``."""
    model_name: str = "akool-premium"
    keep_original_sound: bool = True
    ref: int = 0
    """Batch-local handle, stable across snapshots of this task (the id comes later)."""
    attempts: int = 0
    """Creates sent for this entry (``retry_failed`` adds one after a refusal)."""

    @property
    def request(self) -> TaskRequest:
        """The options sent with the create."""
        return TaskRequest(
            self.mappings, self.resolution, self.model_name, self.keep_original_sound
        )

    @property
    def output_url(self) -> str | None:
        """The swapped video, once completed."""
        return self.task.output_url if self.task is not None else None


def _refuse(field: str, problem: str, url: str) -> InvalidRequestError:
    return InvalidRequestError(
        f"{field} {problem}; fix it and call again (nothing was sent).", field=field, subject=url
    )


def check_task_request(
    entry: BatchEntry | None,
    url: str,
    mappings: object,
    *,
    resolution: object,
    model_name: object,
    keep_original_sound: object,
) -> TaskRequest:
    """The request for a task on ``entry``'s analysis, or ``InvalidRequestError`` (nothing
    sent): the analysis must be COMPLETED, with every mapped ``obj_id`` among its people."""
    if entry is None:
        raise _refuse("url", "is not an entry of this batch (add and analyse it first)", url)
    if entry.state is not EntryState.COMPLETED or entry.analysis is None:
        raise _refuse("url", f"has an analysis that is {entry.state.value}, not completed", url)
    body = normalise_mappings(mappings)  # 1–5 entries, distinct ints, http(s) face URLs
    people = set(entry.analysis.result.obj_ids if entry.analysis.result is not None else ())
    for index, mapping in enumerate(body):
        if mapping["obj_id"] not in people:
            known = ", ".join(map(str, sorted(people))) or "none"
            raise _refuse(
                f"mappings[{index}].obj_id",
                f"is {mapping['obj_id']}, not a person of this analysis (obj_ids: {known})",
                url,
            )
    return TaskRequest(
        mappings=tuple((cast(int, m["obj_id"]), cast(str, m["img_url"])) for m in body),
        resolution=check_choice(resolution, "resolution", RESOLUTIONS),
        model_name=check_text(model_name, "model_name"),
        keep_original_sound=check_bool(keep_original_sound, "keep_original_sound"),
    )


def live_duplicate(
    entries: Iterable[TaskEntry], url: str, request: TaskRequest
) -> TaskEntry | None:
    """An entry with the same URL and request that may have a task running or done (or
    about to be sent): creating it again would pay twice. Failed and refused ones do not."""
    for entry in entries:
        if entry.url != url or entry.request != request or entry.state is EntryState.FAILED:
            continue
        if entry.task_id is None and entry.state in (EntryState.ERROR, EntryState.CANCELLED):
            continue
        return entry
    return None


# --- transitions: (entry, what happened) -> (new entry, event kind or None) ------------------


def on_task_submitting(entry: TaskEntry) -> TaskEntry:
    """The create is about to be sent (its intent is journaled)."""
    return replace(
        entry, state=EntryState.SUBMITTING, attempts=entry.attempts + 1, error=None, error_code=None
    )


def on_task_created(entry: TaskEntry, task: Task, now: datetime) -> tuple[TaskEntry, str]:
    """The create answered with a record."""
    new, _ = on_task_record(replace(entry, task_id=task.id, submitted_at=now), task, now)
    return new, "task_submitted"


def on_task_record(entry: TaskEntry, task: Task, now: datetime) -> tuple[TaskEntry, str | None]:
    """A poll returned ``task``; the kind is ``None`` when nothing visible changed."""
    state = state_for_status(task.status)
    if state is EntryState.COMPLETED and not task.output_url:
        state = EntryState.PROCESSING  # done only with its output URL (§8): poll on
    previous = entry.task
    changed = (
        previous is None
        or previous.status != task.status
        or previous.progress != task.progress
        or entry.state is not state
    )
    failed = state is EntryState.FAILED
    if task.source_video_url is None:  # task/create does not echo it; keep what was sent
        task = replace(task, source_video_url=entry.url)
    new = replace(
        entry,
        state=state,
        task=task,
        task_id=task.id,
        progress=100.0 if state is EntryState.COMPLETED else task.progress,
        error=(task.error_reason or "task failed") if failed else None,
        error_code=task.error_code if failed else None,
        finished_at=now if state.is_terminal else None,
    )
    if not changed and new.error == entry.error:  # (a good poll clears a polling error)
        return new, None
    if state is EntryState.COMPLETED:
        return new, "task_completed"
    return new, "task_failed" if failed else "task_progress"


def on_task_error(
    entry: TaskEntry, message: str, *, code: int | None, unknown: bool, now: datetime
) -> tuple[TaskEntry, str]:
    """The create (or polling) raised. ``unknown``: the task may exist on the server."""
    state = EntryState.UNKNOWN if unknown else EntryState.ERROR
    new = replace(entry, state=state, error=message, error_code=code, finished_at=now)
    return new, f"task_{state.value}"
