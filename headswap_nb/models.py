"""Typed, immutable records of what the head-swap API returns.

Every model is a frozen dataclass built by ``from_json`` from the ``data`` object of a
response (akool-api.md §4). Parsing is tolerant: missing keys become ``None``, unknown keys
are ignored (the docs tell clients to ignore them, §3) and every model keeps the ``raw`` dict
it came from. A value of the wrong type is treated like a missing one rather than a crash,
because the docs warn that the API evolves; only a record without an ``_id`` is rejected,
since nothing can be tracked without it.

Models never hold a client; they are plain values that can be pickled, compared and shown.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from headswap_nb._coerce import timestamp_from_ms, to_float, to_int, to_mapping, to_str
from headswap_nb.errors import AnalysisFailedError, TaskFailedError

__all__ = [
    "Analysis",
    "AnalysisResult",
    "Person",
    "Status",
    "Task",
    "VideoInfo",
]


class Status(enum.IntEnum):
    """Job status shared by analyses and tasks (akool-api.md §4: 1 to 4).

    The docs warn that other values may appear; ``Status(7)`` then yields a pseudo-member
    whose value is kept and which counts as not terminal, so polling simply goes on.
    """

    QUEUED = 1
    PROCESSING = 2
    COMPLETED = 3
    FAILED = 4

    @classmethod
    def _missing_(cls, value: object) -> Status | None:
        if isinstance(value, int) and not isinstance(value, bool):
            member = int.__new__(cls, value)
            member._name_ = f"UNKNOWN_{value}"
            member._value_ = value
            return member
        return None

    @property
    def label(self) -> str:
        """Lower-case name for display: queued, processing, completed, failed or unknown."""
        return _LABELS.get(int(self), "unknown")

    @property
    def is_terminal(self) -> bool:
        """True for COMPLETED and FAILED: the job will not change any more."""
        return int(self) in (3, 4)

    @property
    def is_known(self) -> bool:
        """False for a value the docs do not list."""
        return int(self) in _LABELS


_LABELS = {1: "queued", 2: "processing", 3: "completed", 4: "failed"}


# --- tolerant field readers (shared with frames.py: see _coerce) ------------------------


def _status(value: object) -> Status:
    number = to_int(value)
    # A missing status right after submit means the job is queued (the submit example has 1).
    return Status(number) if number is not None else Status.QUEUED


def _progress(value: object) -> float:
    number = to_float(value)
    return 0.0 if number is None else min(100.0, max(0.0, number))


def _require_id(data: object, kind: str) -> tuple[Mapping[str, Any], str]:
    if not isinstance(data, Mapping):
        raise ValueError(
            f"{kind} record must be a JSON object with an '_id', got {type(data).__name__}"
        )
    record_id = data.get("_id")
    if not isinstance(record_id, str) or not record_id:
        raise ValueError(f"{kind} record has no string '_id' (keys: {sorted(data)[:12]})")
    return data, record_id


# --- models -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    """One detected subject of an analysis (``analysis_result.media[]``)."""

    obj_id: int
    """Zero-based subject id; the value to use in ``mappings[].obj_id``."""
    img_url: str | None
    """Preview crop of this person from the source video (not a reference face)."""
    media_type: str | None = None
    """Label given by the API, e.g. ``"images"``."""

    @classmethod
    def from_json(cls, data: object) -> Person | None:
        """Build from one ``media`` entry; ``None`` when the entry has no usable ``obj_id``."""
        entry = to_mapping(data)
        if entry is None:
            return None
        obj_id = to_int(entry.get("obj_id"))
        if obj_id is None:
            return None
        return cls(obj_id, to_str(entry.get("img_url")), to_str(entry.get("media_type")))


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """Optional metadata of the source video (``analysis_result.video_info``)."""

    width: int | None = None
    """Frame width in pixels."""
    height: int | None = None
    """Frame height in pixels."""
    fps: float | None = None
    """Frames per second."""
    frame_count: int | None = None
    """Number of frames."""

    @property
    def duration(self) -> float | None:
        """Duration in seconds derived from ``frame_count / fps`` (450 frames at 30 fps = 15 s)."""
        if self.frame_count is None or not self.fps:
            return None
        return self.frame_count / self.fps

    @classmethod
    def from_json(cls, data: object) -> VideoInfo | None:
        """Build from ``video_info``; ``None`` when it is absent or not an object."""
        info = to_mapping(data)
        if info is None:
            return None
        return cls(
            to_int(info.get("width")),
            to_int(info.get("height")),
            to_float(info.get("fps")),
            to_int(info.get("frame_count")),
        )


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    """What a completed analysis found (``analysis_result``)."""

    people: tuple[Person, ...] = ()
    """Detected subjects, in the order the API listed them."""
    detected_objects: int | None = None
    """Number of people detected, "if returned"; may exceed ``len(people)`` in the docs' example."""
    video_info: VideoInfo | None = None
    """Source metadata, when returned."""

    @classmethod
    def from_json(cls, data: object) -> AnalysisResult | None:
        """Build from ``analysis_result``; ``None`` while it is null."""
        result = to_mapping(data)
        if result is None:
            return None
        media = result.get("media")
        people = tuple(
            person
            for person in (
                Person.from_json(entry) for entry in (media if isinstance(media, list) else ())
            )
            if person is not None
        )
        return cls(
            people,
            to_int(result.get("detected_objects")),
            VideoInfo.from_json(result.get("video_info")),
        )

    @property
    def obj_ids(self) -> tuple[int, ...]:
        """The ``obj_id`` of every detected person."""
        return tuple(person.obj_id for person in self.people)


@dataclass(frozen=True, slots=True)
class Analysis:
    """An analysis record (akool-api.md §4.1/§4.2): one submitted video and its people."""

    id: str
    """The record's ``_id``; use it with ``get_analysis`` / ``wait_for_analysis``."""
    video_url: str | None
    """Source URL exactly as submitted; reuse this very string for ``create_task``."""
    status: Status
    """Queued, processing, completed or failed (unknown values are kept)."""
    progress: float
    """0 to 100."""
    created_at: datetime | None = None
    """``create_time`` as an aware UTC datetime."""
    result: AnalysisResult | None = None
    """Detected people and video metadata; filled once completed."""
    error_code: int | None = None
    """Error code in the record; ``0`` on success in the docs' example."""
    error_reason: str | None = None
    """Failure or status text; ``"success"`` on completion in the docs' example."""
    task_id: str | None = None
    """Internal processing id, for support tickets; opaque (not always an ObjectId, §14)."""
    team_id: str | None = None
    """Team that owns the record."""
    uid: int | None = None
    """User id."""
    type: str | None = None
    """Always ``"head"`` for head-swap analyses."""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The ``data`` object as received, for fields this model does not name."""

    @classmethod
    def from_json(cls, data: object) -> Analysis:
        """Build from the ``data`` object of analyze or analyze/detail.

        Raises ``ValueError`` when ``data`` is not an object with a string ``_id``.
        """
        record, record_id = _require_id(data, "analysis")
        return cls(
            id=record_id,
            video_url=to_str(record.get("video_url")),
            status=_status(record.get("status")),
            progress=_progress(record.get("progress")),
            created_at=timestamp_from_ms(record.get("create_time")),
            result=AnalysisResult.from_json(record.get("analysis_result")),
            error_code=to_int(record.get("error_code")),
            error_reason=to_str(record.get("error_reason")),
            task_id=to_str(record.get("task_id")),
            team_id=to_str(record.get("team_id")),
            uid=to_int(record.get("uid")),
            type=to_str(record.get("type")),
            raw=dict(record),
        )

    @property
    def is_terminal(self) -> bool:
        """True once completed or failed."""
        return self.status.is_terminal

    @property
    def people(self) -> tuple[Person, ...]:
        """Detected people, empty until completed."""
        return self.result.people if self.result is not None else ()

    def raise_for_status(self) -> Analysis:
        """Raise ``AnalysisFailedError`` if the analysis failed; otherwise return ``self``."""
        if self.status is Status.FAILED:
            raise AnalysisFailedError(self)
        return self


@dataclass(frozen=True, slots=True)
class Task:
    """A head-swap task (akool-api.md §4.3/§4.4)."""

    id: str
    """The task's ``_id``; use it with ``get_task`` (it is not the analysis id)."""
    status: Status
    """Queued, processing, completed or failed (unknown values are kept)."""
    progress: float
    """0 to 100 (absent at creation, then 0)."""
    source_video_url: str | None = None
    """Input video (task detail's ``source_video_url``)."""
    output_url: str | None = None
    """Swapped video (the response's ``video_url``), set only when the status is completed:
    a failed record may carry a URL too (akool-api.md §14), which stays in ``raw`` and is no
    output. The link may expire (about 7 days): download it promptly."""
    created_at: datetime | None = None
    """``create_time`` as an aware UTC datetime."""
    resolution: str | None = None
    """``"480p"`` or ``"720p"``."""
    model_name: str | None = None
    """Model used, e.g. ``"akool-premium"`` (other names exist; any string is kept)."""
    file_name: str | None = None
    """Platform-generated output file name."""
    video_duration: float | None = None
    """Source duration in seconds."""
    deduction_duration: float | None = None
    """Billing duration metric (meaning set by the agreement)."""
    deduction_lock_duration: float | None = None
    """Credit pre-hold value at creation (meaning set by the agreement)."""
    priority: int | None = None
    """Queue priority, if returned."""
    error_code: int | None = None
    """Failure code, when failed."""
    error_reason: str | None = None
    """Failure reason, when failed."""
    task_id: str | None = None
    """Internal processing id, opaque: not always an ObjectId, may be empty (§14)."""
    team_id: str | None = None
    """Team that owns the task."""
    uid: int | None = None
    """User id."""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The ``data`` object as received."""

    @classmethod
    def from_json(cls, data: object, *, source_video_url: str | None = None) -> Task:
        """Build from the ``data`` object of task/create or task/detail.

        task/create does not echo the input URL, so the caller may pass ``source_video_url``;
        a value in the record wins. Raises ``ValueError`` without a string ``_id``.
        """
        record, record_id = _require_id(data, "task")
        status = _status(record.get("status"))
        # Done is status 3, never "a URL is present" (§14): a failed record may carry one.
        output = to_str(record.get("video_url")) if status is Status.COMPLETED else None
        return cls(
            id=record_id,
            status=status,
            progress=_progress(record.get("progress")),
            source_video_url=to_str(record.get("source_video_url")) or source_video_url,
            output_url=output or None,
            created_at=timestamp_from_ms(record.get("create_time")),
            resolution=to_str(record.get("resolution")),
            model_name=to_str(record.get("model_name")),
            file_name=to_str(record.get("file_name")),
            video_duration=to_float(record.get("video_duration")),
            deduction_duration=to_float(record.get("deduction_duration")),
            deduction_lock_duration=to_float(record.get("deduction_lock_duration")),
            priority=to_int(record.get("priority")),
            error_code=to_int(record.get("error_code")),
            error_reason=to_str(record.get("error_reason")),
            task_id=to_str(record.get("task_id")),
            team_id=to_str(record.get("team_id")),
            uid=to_int(record.get("uid")),
            raw=dict(record),
        )

    @property
    def is_terminal(self) -> bool:
        """True once failed (status 4, even if the record carries a URL), or completed
        (status 3) *with* its output URL: akool-api.md §8 says to poll until status 3 with
        ``video_url`` set, so a completed record without one is polled on. A URL alone never
        makes a task done."""
        if self.status is Status.COMPLETED:
            return bool(self.output_url)
        return self.status.is_terminal

    def raise_for_status(self) -> Task:
        """Raise ``TaskFailedError`` if the task failed; otherwise return ``self``."""
        if self.status is Status.FAILED:
            raise TaskFailedError(self)
        return self
