"""headswap_nb.frames.build: fixed schemas, one frame from every input shape."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

import pandas as pd
import pytest

# akool-api.md §4.1, §4.2, §4.3, §4.4 examples, verbatim.
from frames_fixtures import (
    COMPLETED,
    CREATED,
    SUBMIT,
    TASK_CREATED,
    TASK_DONE,
    Entry,
    TaskEntry,
    data,
    dtypes,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from headswap_nb import frames
from headswap_nb._coerce import to_int, to_str
from headswap_nb.frames import build as frames_build
from headswap_nb.frames import columns
from headswap_nb.models import Analysis, Status, Task

# --- schema -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "schema"),
    [
        (frames.to_dataframe, frames.ANALYSIS_SCHEMA),
        (frames.people_dataframe, frames.PEOPLE_SCHEMA),
        (frames.tasks_dataframe, frames.TASK_SCHEMA),
    ],
)
def test_zero_rows_keep_the_schema(build: Any, schema: Any) -> None:
    df = build([])
    assert list(df.columns) == list(schema)
    assert [str(t) for t in df.dtypes] == dtypes(schema)
    assert len(df) == 0


def test_analysis_columns_and_dtypes() -> None:
    df = frames.to_dataframe([data(COMPLETED)])
    assert list(df.columns) == [
        "analysis_id", "video_url", "status", "status_code", "progress", "created_at",
        "detected_objects", "people", "width", "height", "frame_count", "fps", "duration_s",
        "error_code", "error_reason", "task_id", "team_id", "uid",
        "state", "submitted_at", "finished_at", "elapsed_s", "raw",
    ]  # fmt: skip
    assert df["status"].dtype == frames.STATUS_DTYPE
    assert list(df["status"].cat.categories) == [
        "queued", "processing", "completed", "failed", "unknown"
    ]  # fmt: skip
    assert str(df["created_at"].dtype) == "datetime64[us, UTC]"
    for name in ("status_code", "detected_objects", "people", "width", "height", "uid"):
        assert str(df[name].dtype) == "Int64", name
    for name in ("progress", "fps", "duration_s", "elapsed_s"):
        assert str(df[name].dtype) == "Float64", name
    assert df["raw"].dtype == object


def test_completed_record_values() -> None:
    row = frames.to_dataframe([data(COMPLETED)]).iloc[0]
    assert row["analysis_id"] == "6a066d03625746c797390f55"
    assert row["status"] == "completed" and row["status_code"] == 3
    assert row["progress"] == 100.0
    assert row["created_at"] == CREATED
    assert (row["detected_objects"], row["people"]) == (3, 1)  # the doc example is shortened
    assert (row["width"], row["height"], row["frame_count"], row["fps"]) == (1916, 1082, 450, 30.0)
    assert row["duration_s"] == 15.0  # 450 frames at 30 fps
    assert (row["error_code"], row["error_reason"]) == (0, "success")
    assert (row["task_id"], row["team_id"], row["uid"]) == (
        "6a066d022872921bde86b72f", "6805fb69e92d9edc7ca0b409", 101400
    )  # fmt: skip
    assert row["raw"] == COMPLETED["data"]
    assert row[["submitted_at", "finished_at", "elapsed_s"]].isna().all()


def test_submit_time_record_gives_nulls_not_a_crash() -> None:
    row = frames.to_dataframe([data(SUBMIT)]).iloc[0]
    assert row["status"] == "queued" and row["progress"] == 0.0
    for name in ("detected_objects", "people", "width", "fps", "duration_s", "error_code"):
        assert pd.isna(row[name]), name
    assert pd.isna(row["error_reason"])


def test_bare_id_is_enough() -> None:
    df = frames.to_dataframe([{"_id": "a"}])
    assert df["status"].tolist() == ["queued"]  # no status yet reads as queued, as in models
    assert df.drop(columns=["analysis_id", "status", "raw"]).isna().all(axis=None)


def test_unknown_status_and_wrong_types_are_tolerated() -> None:
    records = [
        {"_id": "a", "status": 7, "progress": "55", "uid": "12", "create_time": "x"},
        {"_id": "b", "status": True, "progress": 250, "uid": 1.5, "error_code": 2**80},
        {"_id": "c", "status": "3", "video_url": 5, "analysis_result": {"video_info": {"fps": 0}}},
        {"_id": "d", "status": 2.0, "analysis_result": {"media": "nope", "detected_objects": "2"}},
    ]
    df = frames.to_dataframe(records)
    assert df["status"].tolist() == ["unknown", "queued", "completed", "processing"]
    assert df["status_code"].tolist() == [7, pd.NA, 3, 2]
    assert df["progress"].tolist() == [55.0, 100.0, pd.NA, pd.NA]  # clipped to 0–100
    assert df["uid"].tolist() == [12, pd.NA, pd.NA, pd.NA]
    assert df["error_code"].isna().all()  # beyond int64
    assert df["created_at"].isna().all()
    assert df["video_url"].isna().all()
    assert df["duration_s"].isna().all()  # fps 0: no duration
    assert df["people"].tolist() == [pd.NA, pd.NA, 0, 0]
    assert df["detected_objects"].tolist() == [pd.NA, pd.NA, pd.NA, 2]
    assert [str(t) for t in df.dtypes] == dtypes(frames.ANALYSIS_SCHEMA)


# --- inputs -----------------------------------------------------------------------------


def test_every_input_shape_gives_the_same_frame() -> None:
    raw = [data(SUBMIT), data(COMPLETED)]
    expected = frames.to_dataframe(raw)
    analyses = [Analysis.from_json(r) for r in raw]
    for other in (
        [SUBMIT, COMPLETED],
        analyses,
        [Entry(a) for a in analyses],
        [Entry(r) for r in raw],
        [data(SUBMIT), Entry(analyses[1])],
    ):
        pd.testing.assert_frame_equal(frames.to_dataframe(other), expected)


def test_hand_built_analysis_matches_its_raw_twin() -> None:
    parsed = Analysis.from_json(data(COMPLETED))
    bare = Analysis(**{f: getattr(parsed, f) for f in parsed.__slots__ if f != "raw"})
    got = frames.to_dataframe([bare]).drop(columns="raw")
    pd.testing.assert_frame_equal(got, frames.to_dataframe([parsed]).drop(columns="raw"))


def test_containers_and_skipped_entries() -> None:
    class Journal:
        def records(self) -> list[Entry]:
            return [Entry(None), Entry(Analysis.from_json(data(COMPLETED)))]

    class Batch:
        records: ClassVar = {
            "https://example.com/videos/source.mp4": Analysis.from_json(data(SUBMIT))
        }

    assert frames.to_dataframe(Journal())["status"].tolist() == ["completed"]
    assert frames.to_dataframe(Batch())["status"].tolist() == ["queued"]
    assert len(frames.to_dataframe(iter([data(SUBMIT)]))) == 1


def test_journal_times() -> None:
    start = datetime(2026, 5, 15, 0, 46, 59, tzinfo=timezone.utc)
    local = timezone(timedelta(hours=2))
    entry = Entry(data(COMPLETED), start, (start + timedelta(seconds=42.5)).astimezone(local))
    row = frames.to_dataframe([entry, Entry(data(SUBMIT), start)]).iloc[0]
    assert row["submitted_at"] == pd.Timestamp(start)
    assert row["elapsed_s"] == 42.5
    assert str(row["finished_at"].tz) == "UTC"


@pytest.mark.parametrize(
    ("items", "error", "pattern"),
    [
        ([data(SUBMIT), 42], TypeError, r"record #1: .* got int"),
        ([data(SUBMIT), "x"], TypeError, r"record #1: .* got str"),
        ([{"video_url": "https://e.com/v.mp4"}], ValueError, r"record #0: .*'_id'"),
        ([{"_id": ""}], ValueError, r"record #0"),
        ([data(SUBMIT), Entry(None), {"code": 1014, "msg": "Resource not found"}], ValueError,
         r"record #2: an error envelope \(code=1014"),
        ([Entry(3)], TypeError, r"record #0: .* got int"),
    ],
)  # fmt: skip
def test_wrong_shapes_name_the_record(items: list[Any], error: type, pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        frames.to_dataframe(items)


def test_single_record_or_non_iterable_is_refused() -> None:
    with pytest.raises(TypeError, match="wrap it in a list"):
        frames.to_dataframe(data(SUBMIT))
    with pytest.raises(TypeError, match="iterable"):
        frames.to_dataframe(5)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
KEYS = st.sampled_from(
    ["status", "progress", "create_time", "uid", "video_url", "error_code", "error_reason",
     "task_id", "analysis_result", "media", "video_info", "fps", "frame_count", "width", "obj_id"]
)  # fmt: skip
RECORD = st.builds(
    lambda rid, body, nested: {**body, "_id": rid, "analysis_result": nested},
    st.text(min_size=1, max_size=6),
    st.dictionaries(KEYS, JSONISH, max_size=8),
    st.one_of(JSONISH, st.fixed_dictionaries({}, optional={
        "media": st.lists(st.dictionaries(KEYS, JSONISH, max_size=3) | JSONISH, max_size=3),
        "video_info": st.dictionaries(KEYS, JSONISH, max_size=4) | JSONISH,
        "detected_objects": JSONISH,
    })),
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(RECORD, max_size=5))
def test_any_jsonish_record_keeps_the_schema(records: list[dict[str, Any]]) -> None:
    for build, schema in (
        (frames.to_dataframe, frames.ANALYSIS_SCHEMA),
        (frames.people_dataframe, frames.PEOPLE_SCHEMA),
        (frames.tasks_dataframe, frames.TASK_SCHEMA),
    ):
        df = build(records)
        assert [str(t) for t in df.dtypes] == dtypes(schema)
    assert len(frames.to_dataframe(records)) == len(records)


# --- people and tasks -------------------------------------------------------------------


def test_people_rows() -> None:
    record = data(COMPLETED)
    record["analysis_result"]["media"].append({"obj_id": 1, "img_url": None})
    df = frames.people_dataframe([record, data(SUBMIT)])
    assert df["obj_id"].tolist() == [0, 1]
    assert df["img_url"].tolist() == ["https://example.com/previews/subject_0.png", pd.NA]
    assert df["analysis_id"].unique().tolist() == ["6a066d03625746c797390f55"]
    assert frames.to_dataframe([record])["people"].tolist() == [len(df)]


TEXTS = ("img_url", "media_type")


def people_the_plain_way(records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The rule people_dataframe implements, one entry at a time (the reference)."""
    rows = []
    for record in records:
        result = record.get("analysis_result")
        media = result.get("media") if isinstance(result, Mapping) else None
        for entry in media if isinstance(media, list) else []:
            entry = entry if isinstance(entry, Mapping) else {}
            obj_id = to_int(entry.get("obj_id"))
            if obj_id is not None and not -(2**63) <= obj_id < 2**63:
                obj_id = None  # beyond an Int64 column: missing, like any unusable number
            person = [obj_id, *map(to_str, map(entry.get, TEXTS))]
            rows.append((record["_id"], to_str(record.get("video_url")), *person))
    return rows


@settings(max_examples=150, deadline=None)
@given(st.lists(RECORD, max_size=5))
def test_people_follow_the_plain_rule_on_any_jsonish_records(records: list[dict[str, Any]]) -> None:
    df = frames.people_dataframe(records)
    got = [tuple(None if v is pd.NA else v for v in row) for row in df.itertuples(False, None)]
    assert got == people_the_plain_way(records)
    assert frames.to_dataframe(records)["people"].fillna(0).sum() == len(df)


def test_tasks_frame() -> None:
    created = Task.from_json(data(TASK_CREATED), source_video_url="https://example.com/v.mp4")
    df = frames.tasks_dataframe([created, TASK_DONE, TaskEntry(Task.from_json(data(TASK_DONE)))])
    assert [str(t) for t in df.dtypes] == dtypes(frames.TASK_SCHEMA)
    assert df["source_video_url"].tolist()[0] == "https://example.com/v.mp4"
    assert df["output_url"].tolist() == [pd.NA, *["https://example.com/output/result.mp4"] * 2]
    assert df["status"].tolist() == ["queued", "completed", "completed"]
    assert df["video_duration_s"].tolist() == [10.0] * 3
    assert df["deduction_duration"].tolist() == [pd.NA, 15.0, 15.0]
    assert df["id"].tolist() == ["6a066dc58570ecbf64f761a5"] * 3
    pd.testing.assert_frame_equal(df.iloc[[1]].reset_index(drop=True),
                                  df.iloc[[2]].reset_index(drop=True))  # fmt: skip
    bare = Task(id="t", status=Status.FAILED, progress=40.0, error_code=2001, error_reason="<b>")
    row = frames.tasks_dataframe([bare]).iloc[0]
    assert (row["status"], row["error_code"], row["error_reason"]) == ("failed", 2001, "<b>")


def test_numpy_and_arrow_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    records = [data(COMPLETED), data(SUBMIT), {"_id": "x", "uid": 2**70, "status": None}]
    fast = frames.to_dataframe(records)
    monkeypatch.setattr(frames_build, "_pa", None)
    pd.testing.assert_frame_equal(frames.to_dataframe(records), fast)


def test_lazy_top_level_exports() -> None:
    import headswap_nb

    assert headswap_nb.to_dataframe is frames.to_dataframe
    assert headswap_nb.people_dataframe is frames.people_dataframe
    assert headswap_nb.tasks_dataframe is frames.tasks_dataframe
    assert {"to_dataframe", "people_dataframe", "tasks_dataframe"} <= set(headswap_nb.__all__)


@settings(max_examples=150, deadline=None)
@given(st.lists(RECORD, max_size=6))
def test_fast_and_careful_paths_agree_on_any_jsonish_records(records: list[dict[str, Any]]) -> None:
    # Arrow's fast paths (text inference, plain ints) against the tolerant per-value coercion.
    fast = [build(records) for build in (frames.to_dataframe, frames.tasks_dataframe)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(frames_build, "_pa", None)
        careful = [build(records) for build in (frames.to_dataframe, frames.tasks_dataframe)]
    for got, expected in zip(fast, careful, strict=True):
        pd.testing.assert_frame_equal(got, expected)


@settings(max_examples=100, deadline=None)
@given(st.lists(RECORD, min_size=1, max_size=7))
def test_blocks_give_the_same_rows_as_one_record_at_a_time(records: list[dict[str, Any]]) -> None:
    # Blocks of 2: a block where every record has the usual keys takes the itemgetter path,
    # one with a record lacking one falls back to dict.get; each row must not care.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(columns, "_BLOCK", 2)
        whole = frames.to_dataframe(records)
    alone = pd.concat([frames.to_dataframe([r]) for r in records], ignore_index=True)
    pd.testing.assert_frame_equal(whole, alone)


def test_usual_records_take_the_fast_paths() -> None:
    full = {**data(COMPLETED), "analysis_result": {**COMPLETED["data"]["analysis_result"]}}
    records = [full, data(SUBMIT), {**data(SUBMIT), "analysis_result": None}, {"_id": "b"}]
    df = frames.to_dataframe(records * 3)
    assert df["people"].tolist() == [1, pd.NA, pd.NA, pd.NA] * 3
    assert df["width"].tolist() == [1916, pd.NA, pd.NA, pd.NA] * 3
    assert df["uid"].tolist() == [101400, 101400, 101400, pd.NA] * 3
    assert df["raw"].tolist() == records * 3
