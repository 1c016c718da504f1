"""Frames to files and back: CSV (``raw`` as JSON text; CSV cannot tell ``""`` from a null)
and Parquet (pyarrow: ``pip install 'headswap-nb[parquet]'``); both readers give back the
exact schema."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

import pandas as pd

from headswap_nb.frames import columns as col
from headswap_nb.frames.schema import (
    ANALYSIS_SCHEMA,
    OBJECT,
    PEOPLE_SCHEMA,
    STR,
    TASK_SCHEMA,
    TIME,
)

__all__ = ["missing", "read_csv", "read_parquet", "to_csv", "to_parquet"]


def to_csv(df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write ``df`` as CSV, ``raw`` as JSON text. Read it back with ``read_csv``."""
    _raw_to_json(df).to_csv(path, index=False)


def read_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a ``to_csv`` file back into its schema (empty strings come back as nulls)."""
    schema = _schema_of(pd.read_csv(path, nrows=0).columns)
    dtypes = {c: t for c, t in schema.items() if t is not TIME and t is not OBJECT}
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


def missing(value: object) -> bool:
    """True for the nulls pandas hands back (``None``, ``NA``, ``NaT``, NaN)."""
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
    encoded: pd.DataFrame = df.assign(raw=pd.array(text, dtype=STR))
    return encoded


def _conform(df: pd.DataFrame, schema: Mapping[str, Any]) -> pd.DataFrame:
    out: dict[str, Any] = {}
    for name, dtype in schema.items():
        column = df[name]
        if dtype is OBJECT:  # the raw column, stored as JSON text
            out[name] = col.objects([None if missing(v) else json.loads(v) for v in column])
        elif dtype is TIME:
            out[name] = pd.to_datetime(column, utc=True, format="ISO8601").dt.as_unit("us")
        else:
            out[name] = column.astype(dtype)
    frame: pd.DataFrame = pd.DataFrame(out, copy=False)
    return frame


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ImportError("Parquet needs pyarrow: pip install 'headswap-nb[parquet]'") from None
