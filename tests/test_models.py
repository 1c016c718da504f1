"""Models: tolerant parsing of the documented records (akool-api.md §4)."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headswap_nb.errors import AnalysisFailedError, TaskFailedError
from headswap_nb.models import Analysis, Person, Status, Task, VideoInfo

# The documented examples, verbatim (akool-api.md §4.1, §4.2, §4.3, §4.4).
SUBMIT = {
    "_id": "6a066d03625746c797390f55",
    "create_time": 1778806019014,
    "uid": 101400,
    "team_id": "6805fb69e92d9edc7ca0b409",
    "video_url": "https://example.com/videos/source.mp4",
    "type": "head",
    "status": 1,
    "task_id": "6a066d022872921bde86b72f",
    "progress": 0,
}
COMPLETED = {
    **SUBMIT,
    "status": 3,
    "progress": 100,
    "error_reason": "success",
    "error_code": 0,
    "analysis_result": {
        "detected_objects": 3,
        "media": [
            {
                "media_type": "images",
                "obj_id": 0,
                "img_url": "https://example.com/previews/subject_0.png",
            }
        ],
        "video_info": {"width": 1916, "height": 1082, "fps": 30, "frame_count": 450},
    },
}
TASK_CREATED = {
    "_id": "6a066dc58570ecbf64f761a5",
    "create_time": 1778806213962,
    "uid": 101400,
    "team_id": "6805fb69e92d9edc7ca0b409",
    "video_duration": 10,
    "task_id": "6a066dc52872921bde86b745",
    "resolution": "720p",
    "status": 1,
    "deduction_lock_duration": 100,
    "model_name": "akool-premium",
    "file_name": "Headswap_1778806213962.mp4",
    "video_url": None,
}
TASK_DONE = {
    "_id": "6a066dc58570ecbf64f761a5", "uid": 101400, "team_id": "6805fb69e92d9edc7ca0b409",
    "source_video_url": "https://example.com/videos/source.mp4", "create_time": 1778806213962,
    "status": 3, "video_duration": 10, "resolution": "720p", "deduction_duration": 15,
    "video_url": "https://example.com/output/result.mp4", "progress": 100, "priority": 9,
    "task_id": "6a066dc52872921bde86b745", "file_name": "Headswap_1778806213962.mp4",
    "model_name": "akool-premium",
}  # fmt: skip


def test_submit_record() -> None:
    analysis = Analysis.from_json(SUBMIT)
    assert analysis.id == "6a066d03625746c797390f55"
    assert analysis.status is Status.QUEUED and not analysis.is_terminal
    assert analysis.result is None and analysis.people == ()
    assert analysis.created_at == datetime(2026, 5, 15, 0, 46, 59, 14000, tzinfo=timezone.utc)
    assert analysis.raw == SUBMIT


def test_completed_record() -> None:
    analysis = Analysis.from_json(COMPLETED)
    assert analysis.status is Status.COMPLETED and analysis.is_terminal
    assert analysis.people == (Person(0, "https://example.com/previews/subject_0.png", "images"),)
    assert analysis.result is not None and analysis.result.detected_objects == 3
    assert analysis.result.video_info == VideoInfo(1916, 1082, 30.0, 450)
    assert analysis.result.video_info.duration == 15.0
    assert analysis.error_code == 0 and analysis.error_reason == "success"
    assert analysis.raise_for_status() is analysis


def test_failed_record_raises_only_on_request() -> None:
    failed = Analysis.from_json({**SUBMIT, "status": 4, "error_code": 1015, "error_reason": "x"})
    with pytest.raises(AnalysisFailedError) as info:
        failed.raise_for_status()
    assert info.value.analysis is failed and info.value.error_code == 1015


def test_unknown_status_is_kept_and_not_terminal() -> None:
    analysis = Analysis.from_json({**SUBMIT, "status": 7})
    assert int(analysis.status) == 7 and analysis.status.label == "unknown"
    assert not analysis.is_terminal and not analysis.status.is_known
    assert pickle.loads(pickle.dumps(Status.COMPLETED)) is Status.COMPLETED


def test_tasks_rename_urls() -> None:
    created = Task.from_json(TASK_CREATED, source_video_url="https://example.com/videos/source.mp4")
    assert created.output_url is None and created.status is Status.QUEUED
    assert created.source_video_url == "https://example.com/videos/source.mp4"
    assert created.deduction_lock_duration == 100
    done = Task.from_json(TASK_DONE)
    assert done.output_url == "https://example.com/output/result.mp4"
    assert done.source_video_url == "https://example.com/videos/source.mp4"
    assert done.priority == 9 and done.deduction_duration == 15
    with pytest.raises(TaskFailedError):
        Task.from_json({**TASK_DONE, "status": 4}).raise_for_status()


def test_huge_numbers_are_treated_as_missing() -> None:
    analysis = Analysis.from_json({**SUBMIT, "progress": 10**400, "create_time": 10**400})
    assert analysis.progress == 0.0 and analysis.created_at is None


def test_models_are_frozen() -> None:
    analysis = Analysis.from_json(SUBMIT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        analysis.progress = 5  # type: ignore[misc]


@pytest.mark.parametrize("bad", [None, [], "x", {"status": 1}, {"_id": 5}, {"_id": ""}])
def test_records_without_an_id_are_rejected(bad: object) -> None:
    with pytest.raises(ValueError, match="_id"):
        Analysis.from_json(bad)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@given(st.dictionaries(st.sampled_from([*COMPLETED, "extra"]), json_values))
def test_any_shape_with_an_id_parses(fields: dict[str, object]) -> None:
    record = {**fields, "_id": "6a066d03625746c797390f55"}
    analysis = Analysis.from_json(record)
    assert 0.0 <= analysis.progress <= 100.0
    task = Task.from_json(record)
    assert task.id == analysis.id


def test_a_completed_task_is_done_only_with_its_output_url() -> None:
    # akool-api.md §8: poll task/detail until status 3 *with* video_url set, or 4.
    assert not Task.from_json({**TASK_DONE, "video_url": None}).is_terminal
    assert not Task.from_json({**TASK_DONE, "video_url": ""}).is_terminal
    assert Task.from_json(TASK_DONE).is_terminal
    assert Task.from_json({**TASK_DONE, "status": 4, "video_url": None}).is_terminal


@pytest.mark.parametrize("status", [1, 2, 4, 7])
def test_only_a_completed_task_has_an_output_url(status: int) -> None:
    # akool-api.md §14: a failed record (status 4) may still carry an output URL. Done is
    # status 3, never "a URL is present": the URL stays in raw and is no output.
    task = Task.from_json({**TASK_DONE, "status": status})
    assert task.output_url is None
    assert task.raw["video_url"] == "https://example.com/output/result.mp4"
    assert task.is_terminal is (status == 4)
    if status == 4:
        assert task.status is Status.FAILED
        with pytest.raises(TaskFailedError):
            task.raise_for_status()


@pytest.mark.parametrize(
    "task_id", ["", "not-an-object-id", "0123456789abcdef0123456789abcdef", " padded ", "x" * 300]
)
def test_task_id_is_opaque_and_kept_as_is(task_id: str) -> None:
    # §14: task_id is not always an ObjectId (and may be empty): never validated or parsed.
    assert Task.from_json({**TASK_DONE, "task_id": task_id}).task_id == task_id
    assert Analysis.from_json({**SUBMIT, "task_id": task_id}).task_id == task_id


def test_output_docs_say_links_may_expire_in_about_seven_days() -> None:
    import inspect

    from headswap_nb import models
    from headswap_nb.client import downloads

    for module in (models, downloads):
        assert "may expire (about 7 days)" in " ".join(inspect.getsource(module).split())
