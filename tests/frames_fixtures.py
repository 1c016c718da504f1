"""Sample records of the frames tests (the docs' own examples, akool-api.md §4)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

# akool-api.md §4.1, §4.2, §4.3, §4.4 examples, verbatim.
SUBMIT = {"code": 1000, "msg": "Analyze success", "data": {"_id": "6a066d03625746c797390f55", "create_time": 1778806019014,  # noqa: E501
 "uid": 101400, "team_id": "6805fb69e92d9edc7ca0b409", "video_url": "https://example.com/videos/source.mp4",
 "type": "head", "status": 1, "task_id": "6a066d022872921bde86b72f", "progress": 0}}  # fmt: skip
COMPLETED = {"code": 1000, "msg": "OK", "data": {"_id": "6a066d03625746c797390f55", "create_time": 1778806019014, "uid": 101400,  # noqa: E501
 "team_id": "6805fb69e92d9edc7ca0b409", "video_url": "https://example.com/videos/source.mp4", "type": "head",  # noqa: E501
 "status": 3, "task_id": "6a066d022872921bde86b72f",
 "analysis_result": {"detected_objects": 3,
   "media": [{"media_type": "images", "obj_id": 0, "img_url": "https://example.com/previews/subject_0.png"}],
   "video_info": {"width": 1916, "height": 1082, "fps": 30, "frame_count": 450}},
 "progress": 100, "error_reason": "success", "error_code": 0}}  # fmt: skip
TASK_CREATED = {"code": 1000, "msg": "OK", "data": {"_id": "6a066dc58570ecbf64f761a5", "create_time": 1778806213962, "uid": 101400,  # noqa: E501
 "team_id": "6805fb69e92d9edc7ca0b409", "video_duration": 10, "task_id": "6a066dc52872921bde86b745",
 "resolution": "720p", "status": 1, "deduction_lock_duration": 100, "model_name": "akool-premium",
 "file_name": "Headswap_1778806213962.mp4", "video_url": None}}  # fmt: skip
TASK_DONE = {"code": 1000, "msg": "OK", "data": {"_id": "6a066dc58570ecbf64f761a5", "uid": 101400, "team_id": "6805fb69e92d9edc7ca0b409",  # noqa: E501
 "source_video_url": "https://example.com/videos/source.mp4", "create_time": 1778806213962, "status": 3,  # noqa: E501
 "video_duration": 10, "resolution": "720p", "deduction_duration": 15, "video_url": "https://example.com/output/result.mp4",
 "progress": 100, "priority": 9, "task_id": "6a066dc52872921bde86b745", "file_name": "Headswap_1778806213962.mp4",  # noqa: E501
 "model_name": "akool-premium"}}  # fmt: skip

CREATED = pd.Timestamp(1778806019014, unit="ms", tz="UTC")


@dataclass
class Entry:
    """Shaped like a batch entry / journal row."""

    analysis: Any
    submitted_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass
class TaskEntry:
    task: Any


def data(envelope: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(envelope["data"])


def dtypes(schema: Any) -> list[str]:
    return [str(t) for t in schema.values()]
