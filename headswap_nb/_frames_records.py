"""Turn whatever a notebook hands to ``headswap_nb.frames`` into plain API record dicts.

No pandas here: this module only decides which ``data`` dict describes each row, so that
raw dicts, envelopes, ``Analysis``/``Task`` objects and batch/journal entries all go through
the very same column builder and therefore give identical frames.

Accepted items: a record dict (the ``data`` object, with a string ``_id``); a whole envelope
``{"code": 1000, "msg": ..., "data": {...}}``; an ``Analysis`` (or ``Task``); or an entry with
an ``analysis`` (or ``task``) attribute holding one of those or ``None`` (not submitted yet:
skipped), plus optional ``submitted_at`` / ``finished_at`` datetimes.

Errors name the offending item by its position in the input (skipped items count too):
``TypeError`` when the item is of a kind we do not understand (an int, a string, ...),
``ValueError`` when it is a mapping but not a usable record (no string ``_id``, or an
envelope whose ``code`` is not 1000). Neither is a ``HeadswapError``: nothing about the API
went wrong, the caller passed the wrong thing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from itertools import chain, repeat
from typing import Any, NamedTuple, cast

import numpy as np
from numpy.typing import NDArray

from headswap_nb._coerce import to_str
from headswap_nb.models import Analysis, Task

Record = dict[str, Any]
Times = list[datetime | None]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_NAT = np.iinfo(np.int64).min  # what numpy reads as NaT
_EMPTY: dict[str, Any] = {}  # a malformed media entry: every lookup gives None
_NOBODY: list[Any] = []  # what a missing or malformed media list reads as (never modified)
_KINDS = {
    "analysis": (Analysis, "analysis"),
    "task": (Task, "task"),
}


class Resolved(NamedTuple):
    """One record dict per row, and the journal's times when any item carried them."""

    records: list[Record]
    submitted: Times | None
    finished: Times | None


def items_of(records: object) -> list[object]:
    """Materialise the input: an iterable of items, or a container with ``records``.

    A ``Journal`` has a ``records()`` method and a ``Batch`` a ``records`` mapping
    (URL → Analysis); a plain mapping of that kind is accepted too, by its values.
    """
    source: object = getattr(records, "records", records)
    if callable(source):
        source = source()
    if isinstance(source, Mapping):
        if "_id" in source or "code" in source:
            raise TypeError(
                "expected an iterable of records, got a single record: wrap it in a list"
            )
        source = source.values()
    if isinstance(source, (str, bytes)) or not isinstance(source, Iterable):
        raise TypeError(f"expected an iterable of records, got {type(source).__name__}")
    return list(source)


def resolve(items: list[object], kind: str) -> Resolved:
    """Map every item to a plain record dict, skipping entries without a record yet.

    The slow, thorough path: callers try a list of plain record dicts as it is first.
    """
    model, attr = _KINDS[kind]
    records: list[Record] = []
    submitted: Times = []
    finished: Times = []
    for index, item in enumerate(items):
        inner: object = item
        started = ended = None
        if not isinstance(item, (Mapping, model)) and hasattr(item, attr):
            inner = getattr(item, attr)
            if inner is None:
                continue  # submitted, but the API has not returned an id yet
            started = _time(getattr(item, "submitted_at", None))
            ended = _time(getattr(item, "finished_at", None))
        if isinstance(inner, Mapping):
            records.append(_unwrap(index, inner, kind))
        elif isinstance(inner, (Analysis, Task)) and isinstance(inner, model):
            records.append(model_record(inner))
        else:
            raise TypeError(
                f"record #{index}: expected a {kind} record dict, an API envelope, a "
                f"{model.__name__} or an object with .{attr}; got {type(inner).__name__}"
            )
        submitted.append(started)
        finished.append(ended)
    return Resolved(records, submitted, finished)


def records_of(records: object, kind: str) -> Resolved:
    """``resolve`` the input, or take a plain list of record dicts as it is (the quick way)."""
    items = items_of(records)
    plain = cast("list[Record]", items)
    if set(map(type, items)) <= {dict} and valid_ids(list(map(dict.get, plain, repeat("_id")))):
        return Resolved(plain, None, None)
    return resolve(items, kind)  # unwraps, converts, or raises naming the bad item


def micros(moments: Times | None, n: int) -> NDArray[np.int64]:
    """Epoch microseconds of journal times (naive ones taken as UTC), ``NAT`` where missing."""
    if moments is None:
        return np.full(n, _NAT, dtype=np.int64)
    return np.array([_NAT if m is None else _micros(m) for m in moments], dtype=np.int64)


def people_rows(records: list[Record]) -> tuple[NDArray[np.intp], list[Record]]:
    """One row per media entry: the index of its record, and the entry as a plain dict.

    A ``media`` that is not a list counts as nobody; an entry that is not an object still is
    somebody (``people`` counts it), with nulls. Only whole-column C loops (``map``,
    ``chain``) run per row: a Python loop per entry took 1 s for 100,000 analyses.
    """
    results = list(map(dict.get, records, repeat("analysis_result"), repeat(_EMPTY)))
    if not set(map(type, results)) <= {dict}:
        results = [_as_record(r) for r in results]
    media = list(map(dict.get, results, repeat("media"), repeat(_NOBODY)))
    if not set(map(type, media)) <= {list}:
        media = [m if isinstance(m, list) else _NOBODY for m in media]
    counts = np.fromiter(map(len, media), dtype=np.intp, count=len(media))
    entries: list[Any] = list(chain.from_iterable(media))
    if not set(map(type, entries)) <= {dict}:
        entries = [_as_record(e) for e in entries]
    return np.repeat(np.arange(len(records), dtype=np.intp), counts), entries


def _as_record(value: object) -> Record:
    """A nested object as a plain dict (for ``dict.get``); anything else as an empty one."""
    if type(value) is dict:
        return value
    return dict(value) if isinstance(value, Mapping) else _EMPTY


def valid_ids(ids: list[Any]) -> bool:
    """True when every id is a non-empty string (the one thing a record must have)."""
    return set(map(type, ids)) <= {str} and "" not in ids


def _time(value: object) -> datetime | None:
    return value if isinstance(value, datetime) else None


def _unwrap(index: int, data: Mapping[str, Any], kind: str) -> Record:
    record_id = data.get("_id")
    if isinstance(record_id, str) and record_id:
        return data if type(data) is dict else dict(data)  # plain dicts for dict.get
    if "code" in data:
        if data.get("code") != 1000:
            raise ValueError(
                f"record #{index}: an error envelope (code={data.get('code')!r}, "
                f"msg={data.get('msg')!r}), not a {kind} record"
            )
        inner = data.get("data")
        if isinstance(inner, Mapping):
            return _unwrap(index, inner, kind)
    raise ValueError(
        f"record #{index}: a {kind} record needs a non-empty string '_id' "
        f"(keys: {sorted(map(str, data))[:12]})"
    )


def model_record(model: Analysis | Task) -> Record:
    """The record dict behind a model: its ``raw`` dict, or one rebuilt from its fields."""
    raw = model.raw
    if isinstance(raw, Mapping) and raw.get("_id") == model.id:
        record = raw if type(raw) is dict else dict(raw)
        # task/create does not echo the input URL; the caller may have supplied it.
        if (
            isinstance(model, Task)
            and model.source_video_url
            and not to_str(record.get("source_video_url"))
        ):
            record = {**record, "source_video_url": model.source_video_url}
        return record
    # A hand-built model (tests, simulator) has no raw dict: write its fields back out.
    fields: Record = {
        "_id": model.id,
        "create_time": _millis(model.created_at),
        "uid": model.uid,
        "team_id": model.team_id,
        "status": int(model.status),
        "task_id": model.task_id,
        "progress": model.progress,
        "error_reason": model.error_reason,
        "error_code": model.error_code,
    }
    if isinstance(model, Task):
        fields.update(
            source_video_url=model.source_video_url,
            video_url=model.output_url,
            resolution=model.resolution,
            model_name=model.model_name,
            file_name=model.file_name,
            video_duration=model.video_duration,
            deduction_duration=model.deduction_duration,
            deduction_lock_duration=model.deduction_lock_duration,
            priority=model.priority,
        )
    else:
        fields.update(video_url=model.video_url, type=model.type)
        if model.result is not None:
            info = model.result.video_info
            fields["analysis_result"] = {
                "detected_objects": model.result.detected_objects,
                "media": [
                    {"media_type": p.media_type, "obj_id": p.obj_id, "img_url": p.img_url}
                    for p in model.result.people
                ],
                "video_info": None
                if info is None
                else {
                    "width": info.width,
                    "height": info.height,
                    "fps": info.fps,
                    "frame_count": info.frame_count,
                },
            }
    return {key: value for key, value in fields.items() if value is not None}


def _micros(moment: datetime) -> int:
    if moment.utcoffset() is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _millis(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH) // timedelta(milliseconds=1)
