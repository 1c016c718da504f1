"""headswap_nb.frames.records: every kind of input gives the very same frame.

Plain record dicts, whole envelopes, ``Analysis``/``Task`` objects and a batch's entries go
through different quick paths (``records_of``); hypothesis holds them all to one result on
records that are mostly plain, sometimes null and now and then anything at all.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from headswap_nb import frames
from headswap_nb.frames.columns import TASK_KEYS
from headswap_nb.frames.schema import TASK_FIELDS
from headswap_nb.jobs import EntryState, JobEntry
from headswap_nb.models import Analysis, Task

RECORD = {
    "_id": "6a066d03625746c797390f55", "create_time": 1778806019014, "uid": 101400,
    "team_id": "6805fb69e92d9edc7ca0b409", "video_url": "https://example.com/v.mp4",
    "type": "head", "status": 3, "task_id": "6a066d022872921bde86b72f", "progress": 100,
    "error_reason": "success", "error_code": 0,
    "analysis_result": {
        "detected_objects": 2,
        "media": [{"media_type": "images", "obj_id": 0, "img_url": "https://example.com/0.png"}],
        "video_info": {"width": 1916, "height": 1082, "fps": 29.97, "frame_count": 450},
    },
}  # fmt: skip

INT64 = st.integers(-(2**63), 2**63 - 1)
ODD = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=3)
FLOAT = st.floats() | INT64 | st.sampled_from([10**400, -(10**400)])
TEXT = st.text(max_size=6)  # hypothesis' default alphabet has no surrogates


def plain(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly well-typed values, sometimes null, now and then anything (ODD)."""
    return st.one_of(values, values, values, st.none(), ODD)


VIDEO = st.fixed_dictionaries(
    {}, optional={"width": plain(INT64), "height": plain(INT64), "fps": plain(FLOAT),
                  "frame_count": plain(INT64)},
)  # fmt: skip
PERSON = st.fixed_dictionaries(
    {}, optional={"obj_id": plain(INT64), "img_url": plain(TEXT), "media_type": plain(TEXT)}
)
RESULT = st.fixed_dictionaries(
    {}, optional={"detected_objects": plain(INT64), "video_info": st.none() | VIDEO,
                  "media": st.none() | st.lists(PERSON, max_size=3)},
)  # fmt: skip
PLAIN_RECORD = st.fixed_dictionaries(
    {"_id": st.text(min_size=1, max_size=4)},
    optional={"video_url": plain(TEXT), "status": plain(INT64), "progress": plain(FLOAT),
              "create_time": plain(INT64), "task_id": plain(TEXT), "team_id": plain(TEXT),
              "uid": plain(INT64), "error_code": plain(INT64), "error_reason": plain(TEXT),
              "analysis_result": st.none() | RESULT},
)  # fmt: skip
_KIND = {"int": INT64, "float": FLOAT, "text": TEXT}
PLAIN_TASK = st.fixed_dictionaries(
    {"_id": st.text(min_size=1, max_size=4)},
    optional={TASK_KEYS[name]: plain(_KIND[kind]) for name, kind in TASK_FIELDS if name != "id"},
)  # fmt: skip


def _envelopes(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"code": 1000, "msg": "OK", "data": r} for r in records]


@settings(max_examples=200, deadline=None)
@given(st.lists(PLAIN_RECORD, max_size=6), st.lists(PLAIN_TASK, max_size=4))
def test_dicts_envelopes_and_models_give_the_same_frames(
    records: list[dict[str, Any]], tasks: list[dict[str, Any]]
) -> None:
    analyses = [Analysis.from_json(r) for r in records]
    task_models = [Task.from_json(t) for t in tasks]
    for build, rows, models in (
        (frames.to_dataframe, records, analyses),
        (frames.people_dataframe, records, analyses),
        (frames.tasks_dataframe, tasks, task_models),
    ):
        expected = build(rows)
        pd.testing.assert_frame_equal(build(_envelopes(rows)), expected)
        pd.testing.assert_frame_equal(build(models), expected)


def test_entries_add_what_the_batch_knew_state_and_times() -> None:
    start, end = (
        datetime(2026, 1, 1, tzinfo=timezone.utc),
        datetime(2026, 1, 1, 0, 0, 9, tzinfo=timezone.utc),
    )
    done = JobEntry(
        RECORD["video_url"], EntryState.COMPLETED, record=Analysis.from_json(RECORD),
        job_id=RECORD["_id"], submitted_at=start, finished_at=end,
    )  # fmt: skip
    cancelled = replace(done, state=EntryState.CANCELLED)
    waiting = JobEntry("https://example.com/not-sent.mp4")  # no record yet: skipped
    df = frames.to_dataframe([done, cancelled, waiting])
    assert df["state"].tolist() == ["completed", "cancelled"]
    assert df["elapsed_s"].tolist() == [9.0, 9.0]
    assert df["status"].tolist() == ["completed", "completed"]  # the API's own word
    plain = frames.to_dataframe([RECORD])
    assert plain["state"].isna().all() and plain["submitted_at"].isna().all()


def test_non_ascii_text_and_nulls_keep_their_rows() -> None:
    records = [
        {**RECORD, "video_url": "https://example.com/видео.mp4", "error_reason": None},
        {**RECORD, "video_url": None, "error_reason": "☃"},
        {"_id": "x"},
    ]
    df = frames.to_dataframe(records)
    assert df["video_url"].tolist() == ["https://example.com/видео.mp4", pd.NA, pd.NA]
    assert df["error_reason"].tolist() == [pd.NA, "☃", pd.NA]
