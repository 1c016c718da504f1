"""The fixed schemas of the frames: the same columns in the same order with the same nullable
dtypes, even with zero rows, so notebooks can filter and group without checking what came.

Also how each column is read: its record key (``columns`` has the key tables) and its kind —
``INT`` (nullable ``Int64``), ``FLOAT`` (``Float64``) or ``TEXT`` (``string``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import pandas as pd

from headswap_nb.frames.columns import TASK_KEYS

__all__ = [
    "ANALYSIS_FIELDS",
    "ANALYSIS_SCHEMA",
    "FLOAT",
    "INT",
    "JOURNAL_COLUMNS",
    "PARENTS",
    "PEOPLE_SCHEMA",
    "PERSON",
    "STATUS_DTYPE",
    "TASK_FIELDS",
    "TASK_SCHEMA",
    "TEXT",
]

INT: Final = "int"
FLOAT: Final = "float"
TEXT: Final = "text"

STATUS_DTYPE: Final = pd.CategoricalDtype(
    ["queued", "processing", "completed", "failed", "unknown"]
)
"""``status``: the API's 1–4 by name; any other value reads as ``unknown``."""
STR: Final = pd.StringDtype()
NULLABLE_INT: Final = pd.Int64Dtype()
NULLABLE_FLOAT: Final = pd.Float64Dtype()
TIME: Final = pd.DatetimeTZDtype("us", "UTC")
OBJECT: Final = np.dtype(object)

JOURNAL_COLUMNS: Final = {
    "state": STR,
    "submitted_at": TIME,
    "finished_at": TIME,
    "elapsed_s": NULLABLE_FLOAT,
    "raw": OBJECT,
}
"""What a batch (or its journal) knows beyond the record: the batch's own ``state`` (which
says ``cancelled`` where the API's ``status`` cannot), when it was submitted and finished,
and the record dict itself."""

ANALYSIS_SCHEMA: Final[Mapping[str, Any]] = {
    "analysis_id": STR, "video_url": STR, "status": STATUS_DTYPE, "status_code": NULLABLE_INT,
    "progress": NULLABLE_FLOAT, "created_at": TIME, "detected_objects": NULLABLE_INT,
    "people": NULLABLE_INT, "width": NULLABLE_INT, "height": NULLABLE_INT,
    "frame_count": NULLABLE_INT, "fps": NULLABLE_FLOAT, "duration_s": NULLABLE_FLOAT,
    "error_code": NULLABLE_INT, "error_reason": STR, "task_id": STR, "team_id": STR,
    "uid": NULLABLE_INT, **JOURNAL_COLUMNS,
}  # fmt: skip
PEOPLE_SCHEMA: Final[Mapping[str, Any]] = {
    "analysis_id": STR, "video_url": STR, "obj_id": NULLABLE_INT, "img_url": STR,
    "media_type": STR,
}  # fmt: skip
TASK_SCHEMA: Final[Mapping[str, Any]] = {
    "id": STR, "source_video_url": STR, "output_url": STR, "status": STATUS_DTYPE,
    "status_code": NULLABLE_INT, "progress": NULLABLE_FLOAT, "resolution": STR,
    "model_name": STR, "created_at": TIME, "video_duration_s": NULLABLE_FLOAT,
    "deduction_duration": NULLABLE_FLOAT, "deduction_lock_duration": NULLABLE_FLOAT,
    "priority": NULLABLE_INT, "error_code": NULLABLE_INT, "error_reason": STR, "file_name": STR,
    "task_id": STR, "team_id": STR, "uid": NULLABLE_INT, **JOURNAL_COLUMNS,
}  # fmt: skip

ANALYSIS_FIELDS: Final = (
    ("video_url", TEXT), ("status_code", INT), ("progress", FLOAT), ("created_at", INT),
    ("task_id", TEXT), ("team_id", TEXT), ("uid", INT), ("error_code", INT),
    ("error_reason", TEXT), ("detected_objects", INT), ("width", INT), ("height", INT),
    ("fps", FLOAT), ("frame_count", INT),
)  # fmt: skip
"""(column, kind) of the analysis columns read straight from ``columns.analysis_fields``."""
_TASK_KINDS: Final = {
    "status_code": INT, "progress": FLOAT, "created_at": INT, "video_duration_s": FLOAT,
    "deduction_duration": FLOAT, "deduction_lock_duration": FLOAT, "priority": INT,
    "error_code": INT, "uid": INT,
}  # fmt: skip
TASK_FIELDS: Final = tuple((name, _TASK_KINDS.get(name, TEXT)) for name in TASK_KEYS)
"""(column, kind) of every task column read from a record key (``columns.TASK_KEYS``)."""
PARENTS: Final = (("analysis_id", "_id", TEXT), ("video_url", "video_url", TEXT))
"""(column, key, kind) ``people_dataframe`` reads of each analysis record."""
PERSON: Final = (
    ("obj_id", "obj_id", INT),
    ("img_url", "img_url", TEXT),
    ("media_type", "media_type", TEXT),
)
"""(column, key, kind) ``people_dataframe`` reads of each ``analysis_result.media`` entry."""
