"""Turn whatever a notebook hands to ``headswap_nb.frames`` into plain API record dicts.

No pandas here: this module only decides which ``data`` dict describes each row, so that
raw dicts, envelopes, ``Analysis``/``Task`` objects and batch/journal entries all go through
the very same column builder and therefore give identical frames.

Accepted items: a record dict (the ``data`` object, with a string ``_id``); a whole envelope
``{"code": 1000, "msg": ..., "data": {...}}``; an ``Analysis`` (or ``Task``); or an entry with
an ``analysis`` (or ``task``) attribute holding one of those or ``None`` (not submitted yet:
skipped), plus optional ``state`` / ``submitted_at`` / ``finished_at`` (a batch's entries).

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
from operator import attrgetter
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
    """One record dict per row, and what a batch knew of each row when items carried it."""

    records: list[Record]
    submitted: Times | None
    finished: Times | None
    states: list[str | None] | None = None
    """The batch's state of each row (``cancelled``...), when items were entries."""


def items_of(records: object, kind: str = "analysis") -> list[object]:
    """Materialise the input: an iterable of items, or a container of them.

    A ``Batch`` has ``entries`` (its analyses) and ``tasks`` (its head-swap tasks), with
    their times and states, and a ``Journal`` ``records()`` and ``task_records()``: the
    ones of ``kind`` are taken. A plain mapping (URL → record) is accepted too, by its
    values.
    """
    source: object = records
    if not isinstance(records, Mapping):
        names = ("tasks", "task_records") if kind == "task" else ("entries", "records")
        for name in names:  # a Batch's jobs (with their times), else a Journal's rows
            found = getattr(records, name, None)
            if found is not None:
                source = found
                break
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

    The thorough path: ``records_of`` tries the quick shapes (plain dicts, plain models)
    first.
    """
    model, attr = _KINDS[kind]
    records: list[Record] = []
    submitted: Times = []
    finished: Times = []
    states: list[str | None] = []
    entries = False
    for index, item in enumerate(items):
        inner: object = item
        started = ended = state = None
        if not isinstance(item, (Mapping, model)) and hasattr(item, attr):
            inner = getattr(item, attr)
            if inner is None:
                continue  # submitted, but the API has not returned an id yet
            entries = True
            started = _time(getattr(item, "submitted_at", None))
            ended = _time(getattr(item, "finished_at", None))
            state = _state(getattr(item, "state", None))
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
        states.append(state)
    if not entries:
        return Resolved(records, None, None, None)
    return Resolved(records, submitted, finished, states)


def records_of(records: object, kind: str) -> Resolved:
    """``resolve`` the input, taking the quick way for the usual shapes: a list of plain
    record dicts as it is, and a list of models by their ``raw`` dicts (what ``Batch``
    records hold) — whole-column C loops, no Python code per row."""
    items = items_of(records, kind)
    types = set(map(type, items))
    plain = cast("list[Record]", items)
    if types <= {dict} and valid_ids(list(map(dict.get, plain, repeat("_id")))):
        return Resolved(plain, None, None, None)
    model, attr = _KINDS[kind]
    if types == {model}:
        raws = _model_raws(items, kind)
        if raws is not None:
            return Resolved(raws, None, None, None)
    elif len(types) == 1 and not issubclass(next(iter(types)), (Mapping, Analysis, Task)):
        got = _entries(items, kind, attr)  # a batch's entries: one type, with .analysis
        if got is not None:
            return got
    return resolve(items, kind)  # unwraps, converts, or raises naming the bad item


def _model_raws(models: list[Any], kind: str) -> list[Record] | None:
    """The ``raw`` dicts of plain models, or ``None`` when any needs ``model_record``."""
    raws = list(map(attrgetter("raw"), models))
    ids = list(map(attrgetter("id"), models))
    if (
        set(map(type, raws)) <= {dict}
        and list(map(dict.get, raws, repeat("_id"))) == ids
        and (kind == "analysis" or _task_urls_echoed(models, raws))
    ):
        return raws
    return None


def _entries(items: list[Any], kind: str, attr: str) -> Resolved | None:
    """Entries holding plain models (and their state and times), read a column at a time;
    ``None`` when they are not all of that shape (``resolve`` then goes item by item)."""
    try:
        inner = list(map(attrgetter(attr), items))
    except AttributeError:
        return None
    kept = [item for item, model in zip(items, inner, strict=True) if model is not None]
    models = [model for model in inner if model is not None]
    if set(map(type, models)) - {_KINDS[kind][0]}:
        return None
    raws = _model_raws(models, kind)
    try:
        submitted = list(map(attrgetter("submitted_at"), kept))
        finished = list(map(attrgetter("finished_at"), kept))
        states = _states(list(map(attrgetter("state"), kept)))
    except AttributeError:
        return None
    if raws is None or not set(map(type, submitted + finished)) <= {datetime, type(None)}:
        return None
    return Resolved(raws, submitted, finished, states)


def _task_urls_echoed(tasks: list[Any], raws: list[Record]) -> bool:
    """True when no task carries an input URL its raw dict lacks (task/create answers do not
    echo it; ``model_record`` adds it then)."""
    given = list(map(attrgetter("source_video_url"), tasks))
    return list(map(dict.get, raws, repeat("source_video_url"))) == given or not any(given)


def _states(values: list[Any]) -> list[str | None]:
    try:  # enum members (``EntryState``): their values, a column at a time
        texts = list(map(attrgetter("value"), values))
    except AttributeError:
        texts = values
    return texts if set(map(type, texts)) <= {str} else [_state(v) for v in values]


def _state(value: object) -> str | None:
    text = getattr(value, "value", value)
    return text if isinstance(text, str) else None


def micros(moments: Times | None, n: int) -> NDArray[np.int64]:
    """Epoch microseconds of journal times (naive ones taken as UTC), ``NAT`` where missing."""
    out = np.full(n, _NAT, dtype=np.int64)
    if moments is None:
        return out
    present = [m for m in moments if m is not None]
    if None in set(map(attrgetter("tzinfo"), present)):  # naive: UTC, one at a time
        return np.array([_NAT if m is None else _micros(m) for m in moments], dtype=np.int64)
    # Aware ones a column at a time: float seconds hold microseconds exactly at these
    # magnitudes (2**53 µs is year 2255), so rounding gives back the very value.
    seconds = np.fromiter(map(datetime.timestamp, present), np.float64, len(present))
    out[np.fromiter((m is not None for m in moments), bool, n)] = np.rint(seconds * 1e6)
    return out


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
