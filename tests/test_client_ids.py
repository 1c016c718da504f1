"""Ids checked: a detail answer must be the record asked for; a submit's id is kept exactly
as returned, and one that cannot be queried is the API's fault, not the user's."""

from __future__ import annotations

import httpx
import pytest
from client_fixtures import (
    ANALYSIS_ID,
    FACE,
    TASK_ID,
    VIDEO,
    FakeTime,
    MakeClient,
    Recorder,
    analysis_data,
    ok,
    replies,
    task_data,
)

from headswap_nb import Client
from headswap_nb.errors import (
    InvalidRequestError,
    ProtocolError,
    SubmissionUnknownError,
    UnusableIdError,
)
from headswap_nb.simulator import FaultConfig, Simulator

pytestmark = pytest.mark.sim(speed=100.0, seed=6)
OTHER = "6a066d03625746c797390f99"


@pytest.mark.parametrize(
    "wrong",
    [
        ok(analysis_data() | {"_id": OTHER}),
        ok(analysis_data() | {"_id": ANALYSIS_ID + " "}),
        ok(analysis_data() | {"_id": 7}),
        ok([analysis_data()]),
        ok("a string"),
        ok(),
    ],
    ids=["another-id", "padded-id", "int-id", "list", "string", "no-data"],
)
def test_a_record_that_is_not_the_one_asked_for_is_a_failed_read(
    make_client: MakeClient, fake_time: FakeTime, wrong: httpx.Response
) -> None:
    rec = Recorder(replies(wrong, ok(analysis_data(2, 40))))
    analysis = make_client(rec).get_analysis(ANALYSIS_ID)  # retried like a garbled read
    assert analysis.id == ANALYSIS_ID and analysis.progress == 40
    assert len(rec.requests) == 2 and len(fake_time.sleeps) == 1
    rec = Recorder(replies(wrong))
    with pytest.raises(ProtocolError) as info:
        make_client(rec, max_retries=2).get_analysis(ANALYSIS_ID)
    assert len(rec.requests) == 3 and info.value.subject == ANALYSIS_ID


def test_another_tasks_record_is_a_failed_read_too(make_client: MakeClient) -> None:
    rec = Recorder(replies(ok(task_data(3, 100, video_url="https://o/x.mp4") | {"_id": OTHER})))
    with pytest.raises(ProtocolError) as info:
        make_client(rec, max_retries=1).get_task(TASK_ID)
    assert OTHER in str(info.value) and TASK_ID in str(info.value)


def test_a_wait_never_shows_another_jobs_record(make_client: MakeClient) -> None:
    mixed = ok(analysis_data(3, 100) | {"_id": OTHER})
    rec = Recorder(replies(ok(analysis_data(2, 10)), mixed, ok(analysis_data(3, 100))))
    seen: list[str] = []
    done = make_client(rec).wait_for_analysis(ANALYSIS_ID, on_update=lambda a: seen.append(a.id))
    assert done.id == ANALYSIS_ID and set(seen) == {ANALYSIS_ID}


@pytest.mark.parametrize("returned", ["6a066d03625746c797390f55 ", " 6a06", "a\tb", "x\x00y"])
def test_an_unusable_id_from_a_submit_is_kept_and_blamed_on_the_api(
    make_client: MakeClient, returned: str
) -> None:
    rec = Recorder(replies(ok(analysis_data() | {"_id": returned})))
    client = make_client(rec)
    analysis = client.analyze(VIDEO)
    assert analysis.id == returned  # exactly as returned: no stripping
    for call in (
        lambda: client.get_analysis(analysis.id),
        lambda: client.wait_for_analysis(analysis.id),
    ):
        with pytest.raises(UnusableIdError) as info:
            call()
        error = info.value
        assert isinstance(error, SubmissionUnknownError)  # "do not resubmit blindly"
        assert error.job_id == returned and error.video_url == VIDEO
        message = str(error)
        assert "fix it and call again" not in message
        assert "returned" in message and "may be billed" in message and VIDEO in message
    assert len(rec.requests) == 1  # nothing more was sent


def test_an_unusable_task_id_too(make_client: MakeClient) -> None:
    rec = Recorder(replies(ok(task_data() | {"_id": TASK_ID + "\n"})))
    client = make_client(rec)
    task = client.create_task(VIDEO, [(0, FACE)])
    assert task.id == TASK_ID + "\n"
    with pytest.raises(UnusableIdError) as info:
        client.get_task(task.id)
    assert info.value.endpoint is not None and info.value.endpoint.endswith("/task/detail")


def test_a_typed_id_with_whitespace_is_still_the_users_to_fix(make_client: MakeClient) -> None:
    rec = Recorder(replies(ok(analysis_data())))
    with pytest.raises(InvalidRequestError) as info:
        make_client(rec).get_analysis(ANALYSIS_ID + " ")
    assert "fix it and call again (nothing was sent)" in str(info.value)
    assert rec.requests == []


def test_mismatched_ids_from_the_simulator_never_reach_the_caller(sim: Simulator) -> None:
    url = f"{VIDEO}?duration=5&time=3&fail=0"
    fake = FakeTime()
    with Client(
        api_key=sim.api_key, base_url=sim.base_url, env={}, max_retries=8, sleep=fake.sleep
    ) as client:
        ids = [client.analyze(f"{url}&n={i}").id for i in range(3)]
        sim.set_faults(FaultConfig(mismatched_id=0.5, scope="reads", seed=2))
        seen = [client.get_analysis(job).id for job in ids for _ in range(6)]
    assert seen == [job for job in ids for _ in range(6)]
    assert sim.stats()["faults"].get("mismatched_id", 0) >= 3
