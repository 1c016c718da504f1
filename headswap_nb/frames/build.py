"""Building the frames: one row per analysis, per detected person, per head-swap task.

Columns are built straight from the record dicts (``json_normalize`` turns integers into
floats as soon as one record lacks a key), with the models' tolerance: a wrong-typed value
counts as missing. Speed comes from doing less per record, in pure Python: values are read a
whole column at a time with C-level loops (``columns``), a column's types are checked once,
and only a column holding something unexpected falls back to the per-value coercers. Inputs
(dicts, envelopes, models, batch entries, a journal) all become plain record dicts first
(``records``), so every input gives the same frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from headswap_nb.frames import columns as col
from headswap_nb.frames import records as rec
from headswap_nb.frames.schema import (
    ANALYSIS_FIELDS,
    ANALYSIS_SCHEMA,
    FLOAT,
    INT,
    JOURNAL_COLUMNS,
    PARENTS,
    PERSON,
    STATUS_DTYPE,
    STR,
    TASK_FIELDS,
    TASK_SCHEMA,
    TEXT,
)

try:  # optional (the parquet extra); pandas itself backs its strings with it when present
    import pyarrow as _pa
except ImportError:  # pragma: no cover - exercised only without the extra
    _pa = None

__all__ = ["people_dataframe", "tasks_dataframe", "to_dataframe"]


def to_dataframe(records: object) -> pd.DataFrame:
    """One row per analysis, in ``ANALYSIS_SCHEMA``.

    ``records``: an iterable of record dicts, envelopes, ``Analysis`` objects or entries
    with ``.analysis`` (and ``state``/``submitted_at``/``finished_at``), or a ``Batch`` (its
    entries) or ``Journal``. Entries whose ``analysis`` is ``None`` are skipped. ``raw``
    holds the record dicts themselves (not copies). A missing status reads as ``queued``, as
    in ``models``; ``status_code`` stays null then. ``duration_s`` is ``frame_count / fps``.
    Raises ``TypeError``/``ValueError`` naming the position of a wrong-shaped item.
    """
    got = rec.records_of(records, "analysis")
    raw = col.analysis_fields(got.records)
    assert raw is not None  # records_of gives plain dicts
    ids = _ids(raw["analysis_id"])
    typed = {name: _CONVERT[kind](raw[name]) for name, kind in ANALYSIS_FIELDS}
    columns = {
        "analysis_id": ids,
        "video_url": typed["video_url"],
        "status": _status(typed["status_code"]),
        "status_code": _ints_array(typed["status_code"]),
        "progress": pd.arrays.FloatingArray(*col.percent(typed["progress"])),
        "created_at": _utc(col.ms_to_us(typed["created_at"])),
        "detected_objects": _ints_array(typed["detected_objects"]),
        "people": _ints_array(col.people(raw)),
        **{name: _to_pandas(typed[name]) for name in ("width", "height", "frame_count", "fps")},
        "duration_s": pd.arrays.FloatingArray(*col.ratio(typed["frame_count"], typed["fps"])),
        **{
            name: _to_pandas(typed[name])
            for name in ("error_code", "error_reason", "task_id", "team_id", "uid")
        },
    }
    return _frame(columns, got, ANALYSIS_SCHEMA)


def people_dataframe(records: object) -> pd.DataFrame:
    """One row per ``analysis_result.media`` entry, in ``PEOPLE_SCHEMA`` (inputs as above)."""
    got = rec.records_of(records, "analysis")
    parents, entries = rec.people_rows(got.records)
    # Each analysis' id and URL are read once, then repeated for each of its people.
    columns = {
        name: _CONVERT[kind](col.get(got.records, key)).take(parents) for name, key, kind in PARENTS
    }
    columns |= {
        name: _to_pandas(_CONVERT[kind](col.get(entries, key))) for name, key, kind in PERSON
    }
    return _new_frame(columns)


def tasks_dataframe(tasks: object) -> pd.DataFrame:
    """One row per head-swap task, in ``TASK_SCHEMA``.

    ``tasks``: record dicts, envelopes, ``Task`` objects or entries with ``.task``. ``id`` is
    the task's ``_id`` (for ``get_task``); ``task_id`` the internal id, as in ``to_dataframe``.
    ``deduction_duration`` / ``deduction_lock_duration`` are kept when the API sends them.
    """
    got = rec.records_of(tasks, "task")
    typed = {
        name: _CONVERT[kind](col.get(got.records, col.TASK_KEYS[name]))
        for name, kind in TASK_FIELDS
    }
    columns = {name: _to_pandas(typed[name]) for name, _ in TASK_FIELDS}
    columns.update(
        # "" while running means no output yet, as in models.Task.
        output_url=_no_blanks(typed["output_url"]),
        status=_status(typed["status_code"]),
        progress=pd.arrays.FloatingArray(*col.percent(typed["progress"])),
        created_at=_utc(col.ms_to_us(typed["created_at"])),
    )
    return _frame(
        {name: columns[name] for name in TASK_SCHEMA if name not in JOURNAL_COLUMNS},
        got,
        TASK_SCHEMA,
    )


# --- typed columns ----------------------------------------------------------------------


def _ints(values: list[Any]) -> col.Ints:
    return col.ints(values, arrow=_pa is not None)


def _strings(values: list[Any]) -> Any:
    arrow = _text(values)
    if arrow is not None:
        return pd.arrays.ArrowStringArray(arrow)
    texts = col.strings(values)
    try:
        return pd.array(texts, dtype=STR)
    except UnicodeEncodeError:  # lone surrogates survive json.loads but not UTF-8
        return pd.array(col.valid_utf8(texts), dtype=STR)


_CONVERT: Mapping[str, Any] = {INT: _ints, FLOAT: col.floats, TEXT: _strings}


def _text(values: list[Any]) -> Any:
    # Straight to Arrow: pd.array() would copy and re-check every string first (5× slower).
    return col.arrow_text(values) if _pa is not None and STR.storage == "pyarrow" else None


def _ids(values: list[Any]) -> Any:
    """The ``analysis_id`` column (``records_of`` made sure every id is a non-empty string)."""
    return _strings(values)


def _to_pandas(typed: Any) -> Any:
    """A typed column — an ``(data, mask)`` pair of int64 or float64, or text already made
    a pandas string array — as its pandas array."""
    if isinstance(typed, tuple):
        data, mask = typed
        if data.dtype == np.int64:
            return pd.arrays.IntegerArray(data, mask)
        return pd.arrays.FloatingArray(data, mask)
    return typed


def _ints_array(pair: col.Ints) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(*pair)


def _status(status: col.Ints) -> pd.Categorical:
    return pd.Categorical.from_codes(col.status_codes(status), dtype=STATUS_DTYPE)


def _no_blanks(text: Any) -> Any:
    """A string array with its empty strings made null."""
    blank = np.asarray((text == "").fillna(False), dtype=np.bool_)
    if not blank.any():
        return text
    text = text.copy()
    text[blank] = pd.NA
    return text


def _utc(us: col.Micros) -> Any:
    """Epoch microseconds (``NAT`` for missing) as a ``datetime64[us, UTC]`` array."""
    return pd.array(us.view("M8[us]")).tz_localize("UTC")


def _frame(columns: dict[str, Any], got: rec.Resolved, schema: Mapping[str, Any]) -> pd.DataFrame:
    n = len(got.records)
    start, end = rec.micros(got.submitted, n), rec.micros(got.finished, n)
    columns.update(
        state=pd.array(got.states if got.states is not None else [None] * n, dtype=STR),
        submitted_at=_utc(start),
        finished_at=_utc(end),
        elapsed_s=pd.arrays.FloatingArray(*col.elapsed(start, end)),
        raw=col.objects(got.records),
    )
    assert list(columns) == list(schema)  # cheap guard against a column added out of order
    return _new_frame(columns)


def _new_frame(columns: dict[str, Any]) -> pd.DataFrame:
    frame: pd.DataFrame = pd.DataFrame(columns, copy=False)  # the arrays are fresh: no copy
    return frame
