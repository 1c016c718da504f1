"""Columns of plain JSON values turned into numpy ``(data, mask)`` pairs (no pandas here).

Speed comes from never running Python code per row where a C loop will do: values are read
with ``itemgetter``/``map(dict.get, ...)``, a column's value types are checked once (``set(map(
type, ...))``, or Arrow's type inference for text), and only a column that holds something
unexpected falls back to the tolerant
per-value coercers of ``headswap_nb.models`` (so a ``"3"`` or a ``3.0`` reads as 3, and a
bool, a NaN or an int beyond int64 reads as missing, exactly as the models read them).
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import repeat
from operator import is_, itemgetter
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from headswap_nb._coerce import to_float, to_int, to_str

try:  # optional: the fast paths for text and integers
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError:  # pragma: no cover - exercised only without the extra
    pa = pc = None

Record = dict[str, Any]
Mask = NDArray[np.bool_]
Ints = tuple[NDArray[np.int64], Mask]
Floats = tuple[NDArray[np.float64], Mask]
Micros = NDArray[np.int64]
Keys = tuple[tuple[str, str], ...]

_INTS: Final = frozenset({int, type(None)})
_FLOATS: Final = frozenset({int, float, type(None)})
_STRS: Final = frozenset({str, type(None)})
# datetime.fromtimestamp's range (years 1–9999), so models.timestamp_from_ms agrees.
_MS_RANGE: Final = (-62_135_596_800_000, 253_402_300_799_999)
NAT: Final = np.iinfo(np.int64).min
"""The int64 value numpy reads as NaT."""


_BLOCK: Final = 512
"""Records per block: few enough that their dicts stay in the CPU cache between columns."""

ANALYSIS_KEYS: Final = (
    ("analysis_id", "_id"), ("video_url", "video_url"), ("status_code", "status"),
    ("progress", "progress"), ("created_at", "create_time"), ("task_id", "task_id"),
    ("team_id", "team_id"), ("uid", "uid"),
)  # fmt: skip
"""(column, key) pairs every API record has (a record lacking one only slows its block)."""
TASK_KEYS: Final = {
    "id": "_id", "source_video_url": "source_video_url", "output_url": "video_url",
    "status_code": "status", "progress": "progress", "resolution": "resolution",
    "model_name": "model_name", "created_at": "create_time", "video_duration_s": "video_duration",
    "deduction_duration": "deduction_duration", "priority": "priority",
    "deduction_lock_duration": "deduction_lock_duration", "error_code": "error_code",
    "error_reason": "error_reason", "file_name": "file_name", "task_id": "task_id",
    "team_id": "team_id", "uid": "uid",
}  # fmt: skip
"""Task column → record key."""
_OPTIONAL_KEYS: Final = (("error_code", "error_code"), ("error_reason", "error_reason"))
_VIDEO_KEYS: Final = tuple(zip(*[("width", "height", "fps", "frame_count")] * 2, strict=True))
_NO_MEDIA: Final[list[Any]] = []
_NO_INFO: Final[Record] = {"width": None, "height": None, "fps": None, "frame_count": None}
_NO_RESULT: Final[Record] = {"detected_objects": None, "media": _NO_MEDIA, "video_info": _NO_INFO}
"""What an absent media list, video_info or analysis_result reads as (never modified)."""


def get(dicts: list[Record], key: str) -> list[Any]:
    """``d.get(key)`` for every dict, in a C-level loop (no Python frame per row)."""
    return list(map(dict.get, dicts, repeat(key)))


def analysis_fields(records: list[Record]) -> dict[str, list[Any]] | None:
    """Column name → list of raw values, ``analysis_result``'s included; ``None`` unless all
    records are dicts.

    ``people`` is ``len(media)``: 0 for a result without a media list, masked (``no_result``
    is True) while there is no result at all. Only C-level loops (``map``, ``itemgetter``)
    run per row, block by block: 100,000 records do not fit in the CPU cache, and a column
    pass over all of them would pay the misses once per column.
    """
    names = (*dict(ANALYSIS_KEYS + _OPTIONAL_KEYS + _VIDEO_KEYS), "detected_objects")
    columns: dict[str, list[Any]] = {name: [] for name in (*names, "people", "no_result")}
    for start in range(0, len(records), _BLOCK):
        block = records[start : start + _BLOCK]
        if set(map(type, block)) != {dict}:
            return None
        _take(columns, block, ANALYSIS_KEYS)
        for name, key in _OPTIONAL_KEYS:
            columns[name] += map(dict.get, block, repeat(key))
        results = dicts(list(map(dict.get, block, repeat("analysis_result"), repeat(_NO_RESULT))))
        columns["no_result"] += map(is_, results, repeat(_NO_RESULT))
        columns["detected_objects"] += map(dict.get, results, repeat("detected_objects"))
        media = list(map(dict.get, results, repeat("media"), repeat(_NO_MEDIA)))
        if set(map(type, media)) == {list}:
            columns["people"] += map(len, media)
        else:  # a null or malformed media value counts as nobody
            columns["people"] += [len(m) if type(m) is list else 0 for m in media]
        info = list(map(dict.get, results, repeat("video_info"), repeat(_NO_INFO)))
        _take(columns, dicts(info, _NO_INFO), _VIDEO_KEYS)
    return columns


def _take(columns: dict[str, list[Any]], block: list[Record], keys: Keys) -> None:
    """Append each record's values: one ``itemgetter`` call a record when all have the keys."""
    try:
        rows = list(map(itemgetter(*(key for _, key in keys)), block))
    except KeyError:
        for name, key in keys:
            columns[name] += map(dict.get, block, repeat(key))
        return
    for (name, _), values in zip(keys, zip(*rows, strict=True), strict=True):
        columns[name] += values


def dicts(values: list[Any], empty: Record = _NO_RESULT) -> list[Record]:
    """Nested objects as dicts, ``empty`` where absent or not an object."""
    if set(map(type, values)) <= {dict}:
        return values
    return [v if type(v) is dict else _as_dict(v, empty) for v in values]


def _as_dict(value: object, empty: Record) -> Record:
    return dict(value) if isinstance(value, Mapping) else empty


def objects(values: list[Any]) -> NDArray[np.object_]:
    """An object array holding ``values`` themselves (dicts stay dicts, not nested arrays)."""
    return np.fromiter(values, dtype=object, count=len(values))


def plain_ints(values: list[Any]) -> bool:
    """True when the values are only ints and ``None`` (no bools, floats or strings)."""
    return set(map(type, values)) <= _INTS


def ints(values: list[Any], *, arrow: bool = True) -> Ints:
    """Int64 data and null mask (through Arrow, in one C++ pass, when all are plain ints)."""
    if arrow and pa is not None and plain_ints(values):
        try:
            array = pa.array(values, pa.int64())
        except (OverflowError, ValueError):  # beyond int64: the tolerant path masks it
            pass
        else:
            nulls: Mask = array.is_null().to_numpy(zero_copy_only=False)
            return array.fill_null(0).to_numpy(), nulls
    if not plain_ints(values):
        values = [to_int(v) for v in values]
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


def floats(values: list[Any]) -> Floats:
    """Float64 data and null mask; NaN and ±inf count as missing, as in models."""
    data = None
    if set(map(type, values)) <= _FLOATS:
        try:
            data = np.array(values, dtype=np.float64)  # None becomes NaN here
        except OverflowError:
            data = None
    if data is None:
        data = np.array([_safe_float(v) for v in values], dtype=np.float64)
    return finite(data)


def percent(pair: Floats) -> Floats:
    """A progress clipped to 0–100, as ``models`` reads it (null stays null)."""
    return np.clip(pair[0], 0.0, 100.0), pair[1]


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
        values = [to_str(v) for v in values]
    return values


def arrow_text(values: list[Any]) -> Any:
    """Arrow ``large_string`` storage when all values are strings or None, else ``None``.

    Arrow's own type inference is the check: it gives ``string`` (or ``null``) only then.
    """
    try:
        array = pa.array(values)
    except (pa.ArrowException, TypeError, ValueError, OverflowError, RecursionError):
        return None  # not all text, or lone surrogates, which UTF-8 cannot hold
    if array.type != pa.string() and array.type != pa.null():
        return None
    return array.cast(pa.large_string())


def nonempty(text: Any) -> bool:
    """True when an ``arrow_text`` array has no nulls and no empty strings."""
    return not text.null_count and (not len(text) or pc.min(pc.binary_length(text)).as_py() > 0)


def valid_utf8(values: list[str | None]) -> list[str | None]:
    """Lone surrogates survive ``json.loads`` but not Arrow storage: replace them."""
    return [None if v is None else v.encode("utf-8", "replace").decode("utf-8") for v in values]


def status_codes(status: Ints) -> NDArray[np.int8]:
    """Category codes: 1–4 → queued…failed, any other value → unknown (4)."""
    data = np.where(status[1], 1, status[0])  # no status yet reads as queued, as in models
    return np.where((data >= 1) & (data <= 4), data - 1, 4).astype(np.int8)


def people(columns: dict[str, list[Any]]) -> Ints:
    """The ``people`` counts of ``analysis_fields``, masked where there is no result."""
    n = len(columns["people"])
    return np.fromiter(columns["people"], np.int64, n), np.fromiter(columns["no_result"], bool, n)


def elapsed(start: Micros, end: Micros) -> Floats:
    """Seconds from ``start`` to ``end``; missing where either is ``NAT``."""
    missing = (start == NAT) | (end == NAT)
    return np.where(missing, 0.0, (end - start) / 1_000_000), missing


def ms_to_us(millis: Ints) -> Micros:
    """Epoch milliseconds to epoch microseconds, ``NAT`` where missing or out of range."""
    data, mask = millis
    ok = ~mask & (data >= _MS_RANGE[0]) & (data <= _MS_RANGE[1])
    return np.where(ok, data * 1000, NAT)


def _safe_float(value: object) -> float | None:
    try:
        return to_float(value)
    except OverflowError:  # an int too large for a float
        return None
