"""Columns of plain JSON values turned into numpy ``(data, mask)`` pairs (no pandas here).

Speed comes from never running Python code per row where a C loop will do: values are read
with ``map(dict.get, ...)``, a column's value types are checked once with ``set(map(type,
...))``, and only a column that holds something unexpected falls back to the tolerant
per-value coercers of ``headswap_nb.models`` (so a ``"3"`` or a ``3.0`` reads as 3, and a
bool, a NaN or an int beyond int64 reads as missing, exactly as the models read them).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import repeat
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from headswap_nb.models import _float, _int, _str

Record = dict[str, Any]
Mask = NDArray[np.bool_]
Ints = tuple[NDArray[np.int64], Mask]
Floats = tuple[NDArray[np.float64], Mask]

EMPTY: Final[Record] = {}
"""Stands in for a missing or malformed nested object, so lookups in it give ``None``."""

_INTS: Final = frozenset({int, type(None)})
_FLOATS: Final = frozenset({int, float, type(None)})
_STRS: Final = frozenset({str, type(None)})
# datetime.fromtimestamp's range (years 1–9999), so models.timestamp_from_ms agrees.
_MS_RANGE: Final = (-62_135_596_800_000, 253_402_300_799_999)
NAT: Final = np.iinfo(np.int64).min
"""The int64 value numpy reads as NaT."""


_BLOCK: Final = 1024
"""Records per block: few enough that their dicts stay in the CPU cache between columns."""

ANALYSIS_KEYS: Final = {
    "analysis_id": "_id", "video_url": "video_url", "status_code": "status",
    "progress": "progress", "created_at": "create_time", "error_code": "error_code",
    "error_reason": "error_reason", "task_id": "task_id", "team_id": "team_id", "uid": "uid",
}  # fmt: skip
_VIDEO_KEYS: Final = ("width", "height", "fps", "frame_count")


def get(dicts: list[Record], key: str) -> list[Any]:
    """``d.get(key)`` for every dict, in a C-level loop (no Python frame per row)."""
    return list(map(dict.get, dicts, repeat(key)))


def fields(records: list[Record], keys: Mapping[str, str]) -> dict[str, list[Any]] | None:
    """Column name → the value under its key in every record; ``None`` unless all are dicts.

    Column by column with C-level ``map(dict.get, ...)`` rather than one Python loop (whose
    interpreter overhead is several times the work), but block by block: 100,000 records do
    not fit in the cache, and a column pass over all of them would pay the misses each time.
    """
    columns: dict[str, list[Any]] = {name: [] for name in keys}
    for block in _blocks(records):
        if set(map(type, block)) != {dict}:
            return None
        _extend(columns, block, keys)
    return columns


def analysis_fields(records: list[Record]) -> dict[str, list[Any]] | None:
    """``fields`` of the analysis columns, including those in ``analysis_result``.

    ``people`` is ``len(media)``: 0 for a result without a media list, ``None`` while there
    is no result at all.
    """
    names = (*ANALYSIS_KEYS, "detected_objects", "people", *_VIDEO_KEYS)
    columns: dict[str, list[Any]] = {name: [] for name in names}
    for block in _blocks(records):
        if set(map(type, block)) != {dict}:
            return None
        _extend(columns, block, ANALYSIS_KEYS)
        results = dicts(get(block, "analysis_result"))
        columns["detected_objects"] += map(dict.get, results, repeat("detected_objects"))
        columns["people"] += [
            len(m) if type(m) is list else None if r is EMPTY else 0
            for r, m in zip(results, get(results, "media"), strict=True)
        ]
        _extend(columns, dicts(get(results, "video_info")), _VIDEO_KEYS)
    return columns


def _blocks(records: list[Record]) -> Iterator[list[Record]]:
    return (records[start : start + _BLOCK] for start in range(0, len(records), _BLOCK))


def _extend(
    columns: dict[str, list[Any]], block: list[Record], keys: Mapping[str, str] | Sequence[str]
) -> None:
    pairs = keys.items() if isinstance(keys, Mapping) else zip(keys, keys, strict=True)
    for name, key in pairs:
        columns[name] += map(dict.get, block, repeat(key))


def dicts(values: list[Any]) -> list[Record]:
    """Nested objects as dicts, ``EMPTY`` where absent or not an object."""
    kinds = set(map(type, values))
    if kinds <= {dict}:
        return values
    if kinds <= {dict, type(None)}:
        return [EMPTY if v is None else v for v in values]
    return [v if type(v) is dict else _as_dict(v) for v in values]


def _as_dict(value: object) -> Record:
    return dict(value) if isinstance(value, Mapping) else EMPTY


def objects(values: list[Any]) -> NDArray[np.object_]:
    """An object array holding ``values`` themselves (dicts stay dicts, not nested arrays)."""
    return np.fromiter(values, dtype=object, count=len(values))


def people_rows(records: list[Record]) -> list[list[Any]]:
    """Five columns (``_id``, ``video_url``, obj_id, img_url, media_type), one media entry a row."""
    rows: list[tuple[Any, ...]] = []
    for rec in records:
        result = rec.get("analysis_result")
        media = result.get("media") if isinstance(result, Mapping) else None
        for entry in media if isinstance(media, list) else ():
            # A malformed entry still counts as a person in ``people``, so it gets a row.
            entry = entry if isinstance(entry, Mapping) else EMPTY
            parts = (entry.get("obj_id"), entry.get("img_url"), entry.get("media_type"))
            rows.append((rec.get("_id"), rec.get("video_url"), *parts))
    if not rows:
        return [[] for _ in range(5)]
    return [list(column) for column in zip(*rows, strict=True)]


def plain_ints(values: list[Any]) -> bool:
    """True when the values are only ints and ``None`` (no bools, floats or strings)."""
    return set(map(type, values)) <= _INTS


def ints(values: list[Any]) -> Ints:
    """Int64 data and null mask."""
    if not plain_ints(values):
        values = [_int(v) for v in values]
    objects = np.array(values, dtype=object)
    mask: Mask = np.asarray(objects == None, dtype=np.bool_)  # noqa: E711 (elementwise)
    objects[mask] = 0
    try:
        data = objects.astype(np.int64)
    except OverflowError:  # beyond int64: as unusable as any other wrong value
        huge = np.array([not -(2**63) <= v < 2**63 for v in objects], dtype=np.bool_)
        mask |= huge
        objects[huge] = 0
        data = objects.astype(np.int64)
    return data, mask


def floats(values: list[Any], *, clip: bool = False) -> Floats:
    """Float64 data and null mask; NaN and ±inf count as missing, as in models."""
    data = None
    if set(map(type, values)) <= _FLOATS:
        try:
            data = np.array(values, dtype=np.float64)  # None becomes NaN here
        except OverflowError:
            data = None
    if data is None:
        data = np.array([_safe_float(v) for v in values], dtype=np.float64)
    if clip:
        np.clip(data, 0.0, 100.0, out=data)  # NaN and ±inf stay as they are, then masked
    return finite(data)


def finite(data: NDArray[np.float64]) -> Floats:
    """Mask out whatever is not a finite number."""
    mask = ~np.isfinite(data)
    return np.where(mask, 0.0, data), mask  # a new array: the input may be a read-only view


def ratio(numerator: Ints, denominator: Floats) -> Floats:
    """``numerator / denominator``; missing where either is, or the denominator is 0."""
    top = np.where(numerator[1], np.nan, numerator[0].astype(np.float64))
    bottom = np.where(denominator[1], np.nan, denominator[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        return finite(top / bottom)  # x/0 is inf or NaN: masked, as VideoInfo.duration


def strings(values: list[Any]) -> list[str | None]:
    """The values that are strings; everything else becomes ``None``."""
    if not set(map(type, values)) <= _STRS:
        values = [_str(v) for v in values]
    return values


def valid_utf8(values: list[str | None]) -> list[str | None]:
    """Lone surrogates survive ``json.loads`` but not Arrow storage: replace them."""
    return [None if v is None else v.encode("utf-8", "replace").decode("utf-8") for v in values]


def status_codes(status: Ints) -> NDArray[np.int8]:
    """Category codes: 1–4 → queued…failed, any other value → unknown (4)."""
    data = np.where(status[1], 1, status[0])  # no status yet reads as queued, as in models
    return np.where((data >= 1) & (data <= 4), data - 1, 4).astype(np.int8)


def ms_to_us(millis: Ints) -> NDArray[np.int64]:
    """Epoch milliseconds to epoch microseconds, ``NAT`` where missing or out of range."""
    data, mask = millis
    ok = ~mask & (data >= _MS_RANGE[0]) & (data <= _MS_RANGE[1])
    return np.where(ok, data * 1000, NAT)


def _safe_float(value: object) -> float | None:
    try:
        return _float(value)
    except OverflowError:  # an int too large for a float
        return None
