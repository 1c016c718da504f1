"""Tidy, typed pandas DataFrames of analyses, detected people and head-swap tasks.

The only module that imports pandas. Every frame has a fixed schema — the same columns in the
same order with the same nullable dtypes, even with zero rows — so notebooks can filter and
group without checking what arrived. Columns are built straight from the record dicts
(``json_normalize`` turns integers into floats as soon as one record lacks a key), with the
models' tolerance: a wrong-typed value counts as missing. Inputs: ``_frames_records``;
column maths: ``_frames_columns``; HTML: ``_frames_html``.

Two ways to read the records, one result: the compiled reader (``_frames_native``, one pass
in C, for plain records) and, when it is not built or meets anything unusual, column lists
read in Python and converted with the tolerant coercers. Both end in the same ``typed``
columns — ``(data, mask)`` numpy pairs for numbers, pandas string arrays for text — from
which the frame is assembled once.

Export: ``to_csv``/``read_csv`` (``raw`` as JSON text; CSV cannot tell ``""`` from a null)
and ``to_parquet``/``read_parquet`` (pyarrow: ``pip install 'headswap-nb[parquet]'``); both
read functions give back the exact schema.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, Final, cast

import numpy as np
import pandas as pd

try:  # optional (the parquet extra); pandas itself backs its strings with it when present
    import pyarrow as _pa
except ImportError:  # pragma: no cover - exercised only without the extra
    _pa = None

from headswap_nb import _frames_columns as col
from headswap_nb import _frames_html
from headswap_nb import _frames_native as native
from headswap_nb import _frames_records as rec

__all__ = [
    "ANALYSIS_SCHEMA",
    "PEOPLE_SCHEMA",
    "STATUS_DTYPE",
    "TASK_SCHEMA",
    "people_dataframe",
    "read_csv",
    "read_parquet",
    "show",
    "tasks_dataframe",
    "to_csv",
    "to_dataframe",
    "to_html",
    "to_parquet",
]

STATUS_DTYPE: Final = pd.CategoricalDtype(
    ["queued", "processing", "completed", "failed", "unknown"]
)
_STR: Final = pd.StringDtype()
_INT: Final = pd.Int64Dtype()
_FLOAT: Final = pd.Float64Dtype()
_TIME: Final = pd.DatetimeTZDtype("us", "UTC")
_OBJ: Final = np.dtype(object)
_JOURNAL: Final = {"submitted_at": _TIME, "finished_at": _TIME, "elapsed_s": _FLOAT, "raw": _OBJ}

ANALYSIS_SCHEMA: Final[Mapping[str, Any]] = {
    "analysis_id": _STR, "video_url": _STR, "status": STATUS_DTYPE, "status_code": _INT,
    "progress": _FLOAT, "created_at": _TIME, "detected_objects": _INT, "people": _INT,
    "width": _INT, "height": _INT, "frame_count": _INT, "fps": _FLOAT, "duration_s": _FLOAT,
    "error_code": _INT, "error_reason": _STR, "task_id": _STR, "team_id": _STR, "uid": _INT,
    **_JOURNAL,
}  # fmt: skip
PEOPLE_SCHEMA: Final[Mapping[str, Any]] = {
    "analysis_id": _STR, "video_url": _STR, "obj_id": _INT, "img_url": _STR, "media_type": _STR,
}  # fmt: skip
TASK_SCHEMA: Final[Mapping[str, Any]] = {
    "id": _STR, "source_video_url": _STR, "output_url": _STR, "status": STATUS_DTYPE,
    "status_code": _INT, "progress": _FLOAT, "resolution": _STR, "model_name": _STR,
    "created_at": _TIME, "video_duration_s": _FLOAT, "deduction_duration": _FLOAT,
    "deduction_lock_duration": _FLOAT, "priority": _INT, "error_code": _INT,
    "error_reason": _STR, "file_name": _STR, "task_id": _STR, "team_id": _STR, "uid": _INT,
    **_JOURNAL,
}  # fmt: skip


def to_dataframe(records: object) -> pd.DataFrame:
    """One row per analysis, in ``ANALYSIS_SCHEMA``.

    ``records``: an iterable of record dicts, envelopes, ``Analysis`` objects or entries
    with ``.analysis`` (and ``submitted_at``/``finished_at``), or a ``Journal``/``Batch``.
    Entries whose ``analysis`` is ``None`` are skipped. ``raw`` holds the record dicts
    themselves (not copies). A missing status reads as ``queued``, as in ``models``;
    ``status_code`` stays null then. ``duration_s`` is ``frame_count / fps``.
    Raises ``TypeError``/``ValueError`` naming the position of a wrong-shaped item.
    """
    got, typed = _analysis_columns(rec.items_of(records))
    status = typed["status_code"]
    columns = _columns(
        typed,
        ANALYSIS_SCHEMA,
        status=_status(status),
        progress=pd.arrays.FloatingArray(*col.percent(typed["progress"])),
        created_at=_utc(col.ms_to_us(typed["created_at"])),
        duration_s=pd.arrays.FloatingArray(*col.ratio(typed["frame_count"], typed["fps"])),
    )
    return _frame(columns, got, ANALYSIS_SCHEMA)


def people_dataframe(records: object) -> pd.DataFrame:
    """One row per ``analysis_result.media`` entry, in ``PEOPLE_SCHEMA`` (inputs as above)."""
    got = rec.records_of(records, "analysis")
    parents, entries = rec.people_rows(got.records)
    # Each analysis' id and URL are read once, then repeated for each of its people.
    analyses = _read(got.records, native.PARENTS)
    people = _read(entries, native.PERSON)
    columns = {name: analyses[name].take(parents) for name, _, _ in native.PARENTS}
    columns |= {name: _to_pandas(PEOPLE_SCHEMA[name], people[name]) for name, _, _ in native.PERSON}
    return _new_frame(columns)


def tasks_dataframe(tasks: object) -> pd.DataFrame:
    """One row per head-swap task, in ``TASK_SCHEMA``.

    ``tasks``: record dicts, envelopes, ``Task`` objects or entries with ``.task``. ``id`` is
    the task's ``_id`` (for ``get_task``); ``task_id`` the internal id, as in ``to_dataframe``.
    """
    items = rec.items_of(tasks)
    typed = _native_columns(items, native.TASKS, "id")
    if typed is not None:
        got = _as_read(items)
    else:
        got = rec.records_of(items, "task")
        raw = {name: col.get(got.records, key) for name, key in col.TASK_KEYS.items()}
        typed = _typed(raw, native.TASKS)
    status = typed["status_code"]
    columns = _columns(
        typed,
        TASK_SCHEMA,
        # "" while running means no output yet, as in models.Task.
        output_url=_no_blanks(typed["output_url"]),
        status=_status(status),
        progress=pd.arrays.FloatingArray(*col.percent(typed["progress"])),
        created_at=_utc(col.ms_to_us(typed["created_at"])),
    )
    return _frame(columns, got, TASK_SCHEMA)


def to_html(df: pd.DataFrame, *, max_rows: int = 200) -> str:
    """Escaped HTML table of ``df`` (without ``raw``): status badges, links, thumbnails."""
    shown = df[[c for c in df.columns if c != "raw"]].head(max_rows).astype(object)
    rows = [[None if _missing(v) else v for v in row] for row in shown.itertuples(False, None)]
    return _frames_html.render([str(c) for c in shown.columns], rows, total=len(df))


def show(df: pd.DataFrame, *, max_rows: int = 200) -> _frames_html.HTMLTable:
    """``to_html`` wrapped for display: put ``show(df)`` last in a notebook cell."""
    return _frames_html.HTMLTable(to_html(df, max_rows=max_rows), len(df))


def to_csv(df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write ``df`` as CSV, ``raw`` as JSON text. Read it back with ``read_csv``."""
    _raw_to_json(df).to_csv(path, index=False)


def read_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a ``to_csv`` file back into its schema (empty strings come back as nulls)."""
    schema = _schema_of(pd.read_csv(path, nrows=0).columns)
    dtypes = {c: t for c, t in schema.items() if t is not _TIME and t is not _OBJ}
    # Only "" is a null: an error_reason of "NA" or "null" is text.
    df = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""])
    return _conform(df, schema)


def to_parquet(df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write ``df`` as Parquet (pandas records the dtypes; ``raw`` is stored as JSON text)."""
    _require_pyarrow()
    _raw_to_json(df).to_parquet(path, engine="pyarrow", index=False)


def read_parquet(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a ``to_parquet`` file back with the exact schema and ``raw`` dicts."""
    _require_pyarrow()
    df = pd.read_parquet(path, engine="pyarrow")
    return _conform(df, _schema_of(df.columns))


# --- helpers ----------------------------------------------------------------------------


def _analysis_columns(items: list[object]) -> tuple[rec.Resolved, dict[str, Any]]:
    """The rows' records and their typed columns (see ``_typed``), the quickest way that works:
    the compiled reader, else column lists read in Python, else items unwrapped one by one.
    """
    typed = _native_columns(items, native.ANALYSIS, "analysis_id")
    if typed is not None:
        typed["people"] = typed["people"][0], typed["result"][1]
        return _as_read(items), typed
    got = _as_read(items)  # if they are plain records; analysis_fields checks
    raw = col.analysis_fields(got.records)
    ids = None if raw is None else _ids(raw["analysis_id"])
    if raw is None or ids is None:
        # Not a plain list of records: unwrap, convert or raise naming the bad item.
        got = rec.resolve(items, "analysis")
        raw = col.analysis_fields(got.records)
        assert raw is not None  # resolve returns plain dicts
        ids = _strings(raw["analysis_id"])
    spec = tuple(f for f in native.ANALYSIS if f[2] in _CONVERT and f[0] != "analysis_id")
    return got, {**_typed(raw, spec), "analysis_id": ids, "people": col.people(raw)}


def _as_read(items: list[object]) -> rec.Resolved:
    """Items taken as they are: plain record dicts, no journal times."""
    return rec.Resolved(cast("list[rec.Record]", items), None, None)


def _read(records: list[Any], spec: native.Spec) -> dict[str, Any]:
    """Typed columns of plain record dicts: compiled if it can, else read in Python."""
    typed = _native_columns(records, spec, None)
    if typed is None:
        typed = _typed({name: col.get(records, path[0]) for name, path, _ in spec}, spec)
    return typed


def _native_columns(
    items: list[Any], spec: native.Spec, id_column: str | None
) -> dict[str, Any] | None:
    """``native.read``, text wrapped for pandas; ``None`` unless every id is a non-empty string
    (so that envelopes and bad records go the way that unwraps them or names them)."""
    if _pa is None or _STR.storage != "pyarrow":
        return None
    columns = native.read(items, spec)
    if columns is None or (id_column is not None and not col.nonempty(columns[id_column])):
        return None
    for name, _, kind in spec:
        if kind == native.TEXT:
            columns[name] = pd.arrays.ArrowStringArray(columns[name])
    return columns


def _typed(raw: dict[str, list[Any]], spec: native.Spec) -> dict[str, Any]:
    """Column lists read in Python, converted as ``native.read`` gives them: ``(data, mask)``
    pairs for numbers, pandas string arrays for text."""
    return {name: _CONVERT[kind](raw[name]) for name, _, kind in spec}


def _columns(typed: dict[str, Any], schema: Mapping[str, Any], **given: Any) -> dict[str, Any]:
    """The schema's columns up to the journal ones: ``given``, else ``typed`` made pandas."""
    return {
        name: given[name] if name in given else _to_pandas(dtype, typed[name])
        for name, dtype in schema.items()
        if name not in _JOURNAL
    }


def _to_pandas(dtype: Any, typed: Any) -> Any:
    """A typed column as the pandas array of ``dtype`` (text already is one)."""
    if dtype is _INT:
        return _int_array(typed)
    return _float_array(typed) if dtype is _FLOAT else typed


def _status(status: col.Ints) -> pd.Categorical:
    return pd.Categorical.from_codes(col.status_codes(status), dtype=STATUS_DTYPE)


def _int_array(pair: col.Ints) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(*pair)


def _float_array(pair: col.Floats) -> pd.arrays.FloatingArray:
    return pd.arrays.FloatingArray(*pair)


def _ints(values: list[Any]) -> col.Ints:
    return col.ints(values, arrow=_pa is not None)


def _strings(values: list[Any]) -> Any:
    arrow = _text(values)
    if arrow is not None:
        return pd.arrays.ArrowStringArray(arrow)
    texts = col.strings(values)
    try:
        return pd.array(texts, dtype=_STR)
    except UnicodeEncodeError:  # lone surrogates survive json.loads but not UTF-8
        return pd.array(col.valid_utf8(texts), dtype=_STR)


_CONVERT: Final = {native.INT: _ints, native.FLOAT: col.floats, native.TEXT: _strings}


def _text(values: list[Any]) -> Any:
    # Straight to Arrow: pd.array() would copy and re-check every string first (5× slower).
    return col.arrow_text(values) if _pa is not None and _STR.storage == "pyarrow" else None


def _ids(values: list[Any]) -> Any:
    """The ``analysis_id`` column, or None unless every id is a non-empty string."""
    arrow = _text(values)
    if arrow is None:
        return _strings(values) if rec.valid_ids(values) else None
    return pd.arrays.ArrowStringArray(arrow) if col.nonempty(arrow) else None


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


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or value != value


def _schema_of(columns: pd.Index) -> Mapping[str, Any]:
    for schema in (ANALYSIS_SCHEMA, PEOPLE_SCHEMA, TASK_SCHEMA):
        if list(columns) == list(schema):
            return schema
    raise ValueError(f"not a headswap_nb frame: columns {list(columns)}")


def _raw_to_json(df: pd.DataFrame) -> pd.DataFrame:
    if "raw" not in df.columns:
        return df
    text = [None if r is None else json.dumps(r, default=str) for r in df["raw"]]
    encoded: pd.DataFrame = df.assign(raw=pd.array(text, dtype=_STR))
    return encoded


def _conform(df: pd.DataFrame, schema: Mapping[str, Any]) -> pd.DataFrame:
    out: dict[str, Any] = {}
    for name, dtype in schema.items():
        column = df[name]
        if dtype is _OBJ:  # the raw column, stored as JSON text
            out[name] = col.objects([None if _missing(v) else json.loads(v) for v in column])
        elif dtype is _TIME:
            out[name] = pd.to_datetime(column, utc=True, format="ISO8601").dt.as_unit("us")
        else:
            out[name] = column.astype(dtype)
    return _new_frame(out)


def _require_pyarrow() -> None:
    if _pa is None:
        raise ImportError("Parquet needs pyarrow: pip install 'headswap-nb[parquet]'")
