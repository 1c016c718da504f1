"""Malformed requests always get an envelope, and the server keeps serving."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sim_helpers import ANALYZE, ANALYZE_DETAIL, GET_TOKEN, TASK_CREATE, TASK_DETAIL

from headswap_nb.simulator import Simulator

pytestmark = pytest.mark.sim(speed=1000.0, api_key="fuzz-key")

PATHS = [
    ANALYZE,
    ANALYZE_DETAIL,
    TASK_CREATE,
    TASK_DETAIL,
    GET_TOKEN,
    "/",
    "/api/open/v4/x",
    "/_sim/stats",
    "/_sim/faults",
    "/_sim/jobs/abc",
    "/_sim/media/faces/x.png",
]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=12,
)
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "video_url": st.one_of(st.text(), st.just("https://e.com/v.mp4"), JSON_VALUES),
        "type": st.one_of(st.just("head"), JSON_VALUES),
        "mappings": JSON_VALUES,
        "model_name": st.one_of(st.just("akool-premium"), JSON_VALUES),
        "resolution": st.one_of(st.sampled_from(["480p", "720p"]), JSON_VALUES),
        "clientId": JSON_VALUES,
        "clientSecret": JSON_VALUES,
    },
)
BODIES = st.one_of(
    FIELDS.map(lambda d: json.dumps(d).encode()),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=64),
)


@pytest.fixture(scope="module")
def client(shared_sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=shared_sim.base_url) as c:
        yield c


def _assert_envelope(reply: httpx.Response) -> None:
    assert reply.headers["content-type"].startswith("application/json"), reply.text
    body = reply.json()
    assert isinstance(body, dict) and isinstance(body.get("code"), int), body
    if reply.status_code != 200 or body.get("code") != 1000:
        assert isinstance(body.get("msg"), str) and "Traceback" not in reply.text


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    method=st.sampled_from(METHODS),
    path=st.sampled_from(PATHS),
    body=BODIES,
    authed=st.booleans(),
    query=st.dictionaries(st.sampled_from(["_id", "x"]), st.text(max_size=30), max_size=2),
)
def test_random_requests_get_envelopes(
    client: httpx.Client,
    method: str,
    path: str,
    body: bytes,
    authed: bool,
    query: dict[str, str],
) -> None:
    headers = {"content-type": "application/json"}
    if authed:
        headers["x-api-key"] = "fuzz-key"
    reply = client.request(method, path, content=body, headers=headers, params=query)
    if path.startswith("/_sim/") and reply.status_code == 200:
        assert isinstance(reply.json(), dict)  # admin documents are plain JSON
        return
    _assert_envelope(reply)
    if path in (ANALYZE, TASK_CREATE) and method != "POST":
        assert reply.status_code == 405
    if path in ("/", "/api/open/v4/x"):
        assert reply.status_code == 404


def test_oversized_bodies_are_rejected(client: httpx.Client) -> None:
    headers = {"x-api-key": "fuzz-key", "content-type": "application/json"}
    big = b'{"video_url": "' + b"a" * 2_000_000 + b'"}'
    reply = client.post(ANALYZE, content=big, headers=headers)
    assert reply.status_code == 413 and reply.json()["code"] == 1003

    def chunks() -> Iterator[bytes]:  # no Content-Length: streamed, counted as it arrives
        for _ in range(40):
            yield b" " * 65536

    reply = client.post(ANALYZE, content=chunks(), headers=headers)
    assert reply.status_code == 413
    assert client.get("/_sim/health").status_code == 200


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b"", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b'"text"', "JSON object"),
    ],
)
def test_bad_json_gets_1003(client: httpx.Client, raw: bytes, fragment: str) -> None:
    reply = client.post(ANALYZE, content=raw, headers={"x-api-key": "fuzz-key"})
    assert reply.status_code == 200
    assert reply.json()["code"] == 1003 and fragment in reply.json()["msg"]


def test_a_crash_becomes_a_2001_envelope(
    shared_sim: Simulator, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(shared_sim.core.state, "submit_analysis", explode)
    body = {"video_url": "https://e.com/v.mp4", "type": "head"}
    reply = client.post(ANALYZE, json=body, headers={"x-api-key": "fuzz-key"})
    assert reply.status_code == 500
    assert reply.json() == {"code": 2001, "msg": "Server error"}
    assert client.get("/_sim/health").status_code == 200
