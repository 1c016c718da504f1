"""Fuzzing the simulator over a real socket: random methods, paths, query strings, headers
and bodies. Every reply is the documented envelope (JSON ``{code, msg}``), never a 500 and
never a stack trace; and the server keeps serving — a normal analyze and detail still work
after every batch of hostile requests. (``test_simulator_bad_input.py`` varies bodies over
the five common methods; this one also varies methods and headers.)"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sim_helpers import ANALYZE, ANALYZE_DETAIL, GET_TOKEN, TASK_CREATE, TASK_DETAIL

from headswap_nb.simulator import Simulator

KEY = "fuzz-hostile-key"
pytestmark = pytest.mark.sim(speed=1000.0, api_key=KEY)
PATHS = [ANALYZE, ANALYZE_DETAIL, TASK_CREATE, TASK_DETAIL, GET_TOKEN, "/", "/api/open/v4/x"]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "PROPFIND", "X"]
UVICORN_REJECT = "Invalid HTTP request received."
TRACE_MARKERS = ("Traceback", 'File "', "Exception", "starlette", "uvicorn")

header_names = st.sampled_from(
    [
        "content-type",
        "content-encoding",
        "accept",
        "accept-encoding",
        "authorization",
        "x-api-key",
        "cookie",
        "origin",
        "expect",
        "x-forwarded-for",
        "range",
    ]
) | st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,15}", fullmatch=True)
header_values = (
    st.sampled_from(
        [
            "application/json",
            "application/json; charset=utf-16",
            "text/plain",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded",
            "gzip",
            "br",
            "Bearer ",
            "Bearer " + "a" * 500,
            KEY,
            KEY.upper(),
            "bytes=0-1",
            "100-continue",
        ]
    )
    | st.text(
        alphabet=st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"),
        max_size=60,
    )
).map(str.strip)  # httpx itself refuses values with surrounding whitespace
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
bodies = st.one_of(
    st.binary(max_size=128),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries(
        {},
        optional={
            "video_url": st.just("https://e.com/v.mp4") | json_values,
            "type": st.just("head") | json_values,
            "mappings": json_values,
            "clientId": json_values,
            "clientSecret": json_values,
        },
    ).map(lambda d: json.dumps(d).encode()),
)


_SENT: list[int] = []


@pytest.fixture(scope="module")
def client(shared_sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=shared_sim.base_url, timeout=10) as c:
        yield c


def _still_serving(client: httpx.Client) -> None:
    headers = {"x-api-key": KEY}
    body = {"video_url": "https://example.com/alive.mp4", "type": "head"}
    created = client.post(ANALYZE, json=body, headers=headers).json()
    assert created["code"] == 1000, created
    detail = client.get(ANALYZE_DETAIL, params={"_id": created["data"]["_id"]}, headers=headers)
    assert detail.json()["code"] == 1000


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=st.sampled_from(METHODS),
    path=st.sampled_from(PATHS),
    query=st.dictionaries(st.sampled_from(["_id", "x", "video_url"]), st.text(max_size=30)),
    headers=st.dictionaries(header_names, header_values, max_size=5),
    body=bodies,
)
def test_random_methods_headers_and_bodies_get_envelopes(
    client: httpx.Client,
    method: str,
    path: str,
    query: dict[str, str],
    headers: dict[str, str],
    body: bytes,
) -> None:
    raw_headers = [(k.encode(), v.encode("latin-1")) for k, v in headers.items()]
    request = client.build_request(method, path, params=query, content=body)
    for name, value in raw_headers:
        request.headers[name.decode()] = value.decode("latin-1")
    reply = client.send(request)
    _SENT.append(1)
    if len(_SENT) % 50 == 0:
        _still_serving(client)  # keeps serving while the fuzz goes on
    assert reply.status_code < 500, (reply.status_code, reply.text[:300])
    text = reply.text
    if method == "X" and reply.status_code == 400 and text == UVICORN_REJECT:
        return  # not HTTP (an unknown method token): the HTTP parser refuses it before the app
    assert not any(marker in text for marker in TRACE_MARKERS), text[:300]
    if method == "HEAD":
        return  # no body by definition
    assert reply.headers.get("content-type", "").startswith("application/json"), text[:300]
    envelope = reply.json()
    assert isinstance(envelope, dict) and isinstance(envelope.get("code"), int), envelope
    if envelope["code"] != 1000:
        assert isinstance(envelope.get("msg"), str) and envelope["msg"], envelope


def test_still_serving_after_the_fuzz(client: httpx.Client, shared_sim: Simulator) -> None:
    # Runs after the property test in file order; also on its own it checks the baseline.
    _still_serving(client)
    assert shared_sim.running


@pytest.mark.parametrize("method", METHODS)
def test_each_method_on_each_endpoint_then_still_serving(client: httpx.Client, method: str) -> None:
    for path in PATHS:
        reply = client.request(method, path, headers={"x-api-key": KEY}, content=b"{")
        assert reply.status_code < 500, (method, path, reply.status_code)
    _still_serving(client)


def test_garbage_on_the_socket_then_still_serving(
    client: httpx.Client, shared_sim: Simulator
) -> None:
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(shared_sim.base_url)
    for junk in (
        b"\x00\x01\x02 not http at all\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"POST " + ANALYZE.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{",
        b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    ):
        with socket.create_connection((parts.hostname, parts.port), timeout=5) as raw:
            raw.sendall(junk)
            raw.shutdown(socket.SHUT_WR)
            reply = b""
            try:
                while chunk := raw.recv(65536):
                    reply += chunk
            except OSError:
                pass
        assert b"Traceback" not in reply
        assert not reply.startswith(b"HTTP/1.1 500"), reply[:200]
    _still_serving(client)
