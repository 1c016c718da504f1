"""The compiled one-pass column reader (``_cframes.c``), wrapped as numpy pairs and Arrow text.

Optional twice over: it needs the C extension (built by ``pip install`` where a C compiler
is present) and pyarrow. ``read`` returns ``None`` whenever either is missing, or when any
record or value is not of a plain shape (an exact int within int64 for an int, an exact
float or int for a float, an exact str for text, an exact dict on the way down, ``None`` or
a missing key for null). Only for those shapes do a strict reading and the tolerant one of
``headswap_nb._coerce`` agree, so the caller then takes the pure-Python path
(``_frames_columns``) and both give the same frame. Tests hold the two paths to that.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np

from headswap_nb import _frames_columns as col

try:
    import pyarrow as pa

    from headswap_nb import _cframes
except ImportError:  # no compiler at install time, or no pyarrow: the pure-Python path
    _cframes = None  # type: ignore[assignment]

INT: Final = 0
FLOAT: Final = 1
TEXT: Final = 2
LIST: Final = 3
"""The length of a list (0 while missing)."""
DICT: Final = 4
"""Whether there is an object (null while missing)."""

Spec = tuple[tuple[str, tuple[str, ...], int], ...]
"""(column name, key path into the record, kind); neighbours share path prefixes, so each
nested object is looked up once a record."""

_RESULT: Final = ("analysis_result",)
_VIDEO: Final = (*_RESULT, "video_info")
ANALYSIS: Final[Spec] = (
    ("analysis_id", ("_id",), TEXT), ("video_url", ("video_url",), TEXT),
    ("status_code", ("status",), INT), ("progress", ("progress",), FLOAT),
    ("created_at", ("create_time",), INT), ("task_id", ("task_id",), TEXT),
    ("team_id", ("team_id",), TEXT), ("uid", ("uid",), INT),
    ("error_code", ("error_code",), INT), ("error_reason", ("error_reason",), TEXT),
    ("result", _RESULT, DICT), ("detected_objects", (*_RESULT, "detected_objects"), INT),
    ("people", (*_RESULT, "media"), LIST),
    ("width", (*_VIDEO, "width"), INT), ("height", (*_VIDEO, "height"), INT),
    ("fps", (*_VIDEO, "fps"), FLOAT), ("frame_count", (*_VIDEO, "frame_count"), INT),
)  # fmt: skip
"""What ``to_dataframe`` reads; ``result`` only says whether ``analysis_result`` is there."""
_TASK_KINDS: Final = {
    "status_code": INT, "progress": FLOAT, "created_at": INT, "video_duration_s": FLOAT,
    "deduction_duration": FLOAT, "deduction_lock_duration": FLOAT, "priority": INT,
    "error_code": INT, "uid": INT,
}  # fmt: skip
TASKS: Final[Spec] = tuple(
    (name, (key,), _TASK_KINDS.get(name, TEXT)) for name, key in col.TASK_KEYS.items()
)
"""What ``tasks_dataframe`` reads: every column of ``_frames_columns.TASK_KEYS``."""
PARENTS: Final[Spec] = (("analysis_id", ("_id",), TEXT), ("video_url", ("video_url",), TEXT))
"""What ``people_dataframe`` reads of each analysis record."""
PERSON: Final[Spec] = (
    ("obj_id", ("obj_id",), INT), ("img_url", ("img_url",), TEXT),
    ("media_type", ("media_type",), TEXT),
)  # fmt: skip
"""What ``people_dataframe`` reads of each ``analysis_result.media`` entry."""


def available() -> bool:
    """True when the compiled reader was built and pyarrow is importable."""
    return _cframes is not None


def read(records: list[Any], spec: Spec) -> dict[str, Any] | None:
    """Column name → ``(data, mask)`` pair (INT/LIST/DICT as int64, FLOAT as finite float64)
    or an Arrow ``large_string`` array (TEXT); ``None`` to say "take the careful path".
    """
    if _cframes is None:
        return None
    buffers = _cframes.columns(records, tuple((path, kind) for _, path, kind in spec))
    if buffers is None:
        return None
    n = len(buffers[0][1]) if buffers else len(records)  # the rows read, whatever came after
    out: dict[str, Any] = {}
    for (name, _, kind), (values, nulls, text) in zip(spec, buffers, strict=True):
        mask = np.frombuffer(nulls, dtype=np.bool_)
        if kind == TEXT:
            valid = pa.py_buffer(np.packbits(~mask, bitorder="little"))
            out[name] = pa.LargeStringArray.from_buffers(
                n, pa.py_buffer(values), pa.py_buffer(text), valid, int(mask.sum())
            )
        elif kind == FLOAT:
            data, bad = col.finite(np.frombuffer(values, dtype=np.float64))  # NaN, ±inf
            out[name] = data, bad | mask
        else:
            out[name] = np.frombuffer(values, dtype=np.int64), mask
    return out
