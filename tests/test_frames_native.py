"""headswap_nb._frames_native and _cframes.c: the compiled reader, held to the Python path."""

from __future__ import annotations

import shutil
import sysconfig
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headswap_nb import _frames_columns as col
from headswap_nb import _frames_native as native
from headswap_nb import frames

needs_native = pytest.mark.skipif(
    not native.available(), reason="the C extension is not built (no compiler at install)"
)

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
TASK = {
    "_id": "6a066dc58570ecbf64f761a5", "uid": 101400, "team_id": "6805fb69e92d9edc7ca0b409",
    "source_video_url": "https://example.com/v.mp4", "create_time": 1778806213962,
    "status": 3, "video_duration": 10, "resolution": "720p", "deduction_duration": 15,
    "video_url": "https://example.com/out.mp4", "progress": 100, "priority": 9,
    "task_id": "6a066dc52872921bde86b745", "file_name": "Headswap.mp4",
    "model_name": "akool-premium",
}  # fmt: skip


def python_path(build: Any, records: Any) -> pd.DataFrame:
    """The frame the pure-Python path gives (what an install without a compiler gets)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(native, "_cframes", None)
        frame: pd.DataFrame = build(records)
    return frame


def with_result(**changes: Any) -> dict[str, Any]:
    result = {**RECORD["analysis_result"], **changes}
    return {**RECORD, "analysis_result": result}


def with_video(**changes: Any) -> dict[str, Any]:
    video = {**RECORD["analysis_result"]["video_info"], **changes}
    return with_result(video_info=video)


def test_the_extension_is_built_where_a_compiler_is() -> None:
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    headers = Path(sysconfig.get_paths()["include"], "Python.h")
    if not shutil.which(compiler) or not headers.exists():
        pytest.skip(f"no C compiler ({compiler}) or no Python headers: pure-Python frames")
    assert native.available(), "reinstall with `pip install -e .` to build headswap_nb._cframes"


@needs_native
def test_usual_records_never_touch_the_python_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any) -> None:
        raise AssertionError("the Python path ran")

    monkeypatch.setattr(col, "analysis_fields", refuse)
    monkeypatch.setattr(col, "get", refuse)
    submitted = {key: RECORD[key] for key in ("_id", "create_time", "status", "video_url")}
    analyses = frames.to_dataframe([RECORD, submitted, {**RECORD, "analysis_result": None}])
    assert analyses["people"].tolist() == [1, pd.NA, pd.NA]
    assert analyses["fps"].tolist() == [29.97, pd.NA, pd.NA]
    assert analyses["error_reason"].tolist() == ["success", pd.NA, "success"]
    people = frames.people_dataframe([RECORD, submitted, RECORD])
    assert people["obj_id"].tolist() == [0, 0] and people["analysis_id"].nunique() == 1
    tasks = frames.tasks_dataframe([TASK, {**TASK, "video_url": "", "status": 2}])
    assert tasks["output_url"].tolist() == ["https://example.com/out.mp4", pd.NA]


@needs_native
@pytest.mark.parametrize(
    "record",
    [
        {**RECORD, "status": True},  # a bool is no number
        {**RECORD, "status": 3.0},
        {**RECORD, "status": "3"},
        {**RECORD, "uid": 2**63},  # beyond int64
        {**RECORD, "progress": 10**400},  # beyond float
        {**RECORD, "progress": "50"},
        {**RECORD, "video_url": b"https://example.com/v.mp4"},
        {**RECORD, "video_url": "https://example.com/\ud800.mp4"},  # a lone surrogate
        {**RECORD, "analysis_result": []},
        with_result(media={"0": {}}),
        with_result(video_info="1920x1080"),
        with_video(fps=[30]),
    ],
)
def test_unusual_values_leave_it_to_the_python_path(record: dict[str, Any]) -> None:
    assert native.read([RECORD, record], native.ANALYSIS) is None
    careful = python_path(frames.to_dataframe, [RECORD, record])
    pd.testing.assert_frame_equal(frames.to_dataframe([RECORD, record]), careful)


@needs_native
def test_envelopes_and_bad_ids_go_the_way_that_unwraps_or_names_them() -> None:
    envelope = {"code": 1000, "msg": "OK", "data": RECORD}
    assert frames.to_dataframe([envelope])["analysis_id"].tolist() == [RECORD["_id"]]
    with pytest.raises(ValueError, match="record #1"):
        frames.to_dataframe([RECORD, {**RECORD, "_id": ""}])
    with pytest.raises(ValueError, match="record #0"):
        frames.tasks_dataframe([{"code": 1101, "msg": "invalid token"}])


@needs_native
def test_non_ascii_text_and_nulls_keep_their_rows() -> None:
    records = [
        {**RECORD, "video_url": "https://example.com/видео.mp4", "error_reason": None},
        {**RECORD, "video_url": None, "error_reason": "☃"},
        {"_id": "x"},
    ]
    df = frames.to_dataframe(records)
    assert df["video_url"].tolist() == ["https://example.com/видео.mp4", pd.NA, pd.NA]
    assert df["error_reason"].tolist() == [pd.NA, "☃", pd.NA]
    pd.testing.assert_frame_equal(df, python_path(frames.to_dataframe, records))


@needs_native
def test_a_record_changed_while_being_read_is_no_crash() -> None:
    records: list[Any] = []

    class Meddler:
        """A key that collides with "status" and empties the list and the record on compare."""

        def __hash__(self) -> int:
            return hash("status")

        def __eq__(self, other: object) -> bool:
            record = records[0] if records else {}
            records.clear()
            record.clear()
            return False

    records.extend([{"_id": "a", Meddler(): 1, "analysis_result": {"media": []}}, {"_id": "b"}])
    with pytest.raises(RuntimeError, match="changed while being read"):
        native.read(records, native.ANALYSIS)


def test_a_bad_spec_is_refused() -> None:
    if not native.available():
        pytest.skip("the C extension is not built")
    from headswap_nb import _cframes

    with pytest.raises(ValueError, match="kind"):
        _cframes.columns([], ((("_id",), 9),))
    with pytest.raises(ValueError, match="path"):
        _cframes.columns([], (((), 0),))
    with pytest.raises(TypeError, match="str"):
        _cframes.columns([], (((1,), 0),))  # type: ignore[arg-type]


def test_the_specs_read_what_the_schemas_hold() -> None:
    kinds = {native.INT: "Int64", native.FLOAT: "Float64", native.TEXT: "string"}
    for spec, schema in (
        (native.ANALYSIS, frames.ANALYSIS_SCHEMA),
        (native.TASKS, frames.TASK_SCHEMA),
    ):
        for name, _, kind in spec:
            if name in ("result", "created_at"):  # a presence flag; epoch ms made a time
                continue
            assert str(schema[name]) == kinds.get(kind, "Int64"), name


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
PLAIN_TASK = st.fixed_dictionaries(
    {"_id": st.text(min_size=1, max_size=4)},
    optional={key: plain(FLOAT if kind == native.FLOAT else INT64 if kind == native.INT else TEXT)
              for name, (key,), kind in native.TASKS if key != "_id"},
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(PLAIN_RECORD, max_size=6), st.lists(PLAIN_TASK, max_size=4))
def test_compiled_and_python_paths_give_the_same_frames(
    records: list[dict[str, Any]], tasks: list[dict[str, Any]]
) -> None:
    for build, rows in (
        (frames.to_dataframe, records),
        (frames.people_dataframe, records),
        (frames.tasks_dataframe, tasks),
    ):
        pd.testing.assert_frame_equal(build(rows), python_path(build, rows))


@needs_native
def test_read_gives_numpy_pairs_and_arrow_text() -> None:
    columns = native.read([RECORD, {"_id": "b", "progress": float("nan")}], native.ANALYSIS)
    assert columns is not None
    data, mask = columns["width"]
    assert data.dtype == np.int64 and data.tolist() == [1916, 0] and mask.tolist() == [0, 1]
    assert columns["progress"][1].tolist() == [False, True]  # NaN counts as missing
    assert columns["people"][0].tolist() == [1, 0]
    assert columns["result"][1].tolist() == [False, True]
    assert columns["analysis_id"].to_pylist() == [RECORD["_id"], "b"]


@needs_native
def test_no_references_are_leaked_or_lost() -> None:
    import sys

    result = dict(RECORD["analysis_result"])
    video = dict(result["video_info"])
    url = "https://example.com/" + "v" * 20  # not interned: its count is ours alone
    record = {**RECORD, "video_url": url, "analysis_result": {**result, "video_info": video}}
    odd = {**record, "uid": True}
    watched = [record, record["analysis_result"], video, url, odd]
    before = [sys.getrefcount(thing) for thing in watched]
    for _ in range(50):
        assert native.read([record, record], native.ANALYSIS) is not None
        assert native.read([record, odd], native.ANALYSIS) is None  # bails half-way
    assert [sys.getrefcount(thing) for thing in watched] == before


@needs_native
def test_a_record_freed_between_rows_is_no_crash() -> None:
    records: list[Any] = []

    class Tripwire:
        """Empties the list when the record holding it is freed (after its row was read)."""

        def __del__(self) -> None:
            records.clear()

    class Swapper:
        """Replaces the current record in the list, so that the batch holds the last ref."""

        def __hash__(self) -> int:
            return hash("status")

        def __eq__(self, other: object) -> bool:
            records[0] = {"_id": "r"}
            return False

    records += [{"_id": "a", Swapper(): 1, "trip": Tripwire()}, {"_id": "b"}, {"_id": "c"}]
    with pytest.raises(RuntimeError, match="changed while being read"):
        native.read(records, native.ANALYSIS)
