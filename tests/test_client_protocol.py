"""headswap_nb.client.protocol: envelope parsing, error mapping and Retry-After; any body in,
a typed record or a typed error out."""

from __future__ import annotations

import email.utils
import json

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headswap_nb.client import protocol
from headswap_nb.client.effects import Problem, Reply, Request
from headswap_nb.client.secret import Secret
from headswap_nb.errors import (
    APIError,
    AuthenticationError,
    HeadswapError,
    InsufficientCreditsError,
    InvalidRequestError,
    NotFoundError,
    ProtocolError,
    RateLimitError,
    ServerError,
)
from headswap_nb.models import Analysis

KEY = Secret("fake-SENTINEL-api")
GET = Request("GET", protocol.ANALYZE_DETAIL_PATH, subject="abc", params={"_id": "abc"})
POST = Request("POST", protocol.ANALYZE_PATH, subject="https://v.test/a.mp4", json={}, submit=True)


def reply(body: object, status: int = 200, **headers: str) -> Reply:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Reply(status, httpx.Headers(headers), content)


def interpret(r: Reply, request: Request = GET) -> dict[str, object] | Problem:
    return protocol.interpret(r, request, secrets=(KEY,), now=1_000_000.0)


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (1003, InvalidRequestError),
        (1005, RateLimitError),
        (1014, NotFoundError),
        (1101, AuthenticationError),
        (1102, AuthenticationError),
        (1104, InsufficientCreditsError),
        (2001, ServerError),
        (1200, APIError),
        (1015, APIError),
    ],
)
def test_error_codes_map_to_typed_errors(code: int, cls: type[APIError]) -> None:
    problem = interpret(reply({"code": code, "msg": "nope"}))
    assert isinstance(problem, Problem)
    error = problem.error
    assert type(error) is cls
    assert (error.code, error.msg, error.http_status, error.subject) == (code, "nope", 200, "abc")
    assert error.endpoint == protocol.ANALYZE_DETAIL_PATH
    assert "abc" in str(error) and ";" in str(error)  # says what to do next


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (429, b"slow down", RateLimitError),
        (502, b"<html>Bad gateway</html>", ServerError),
        (503, b"", ServerError),
        (408, b"", APIError),
        (200, b"<html>hello</html>", ProtocolError),
        (200, b'{"code": 1000, "data": {"_id": "x"', ProtocolError),
        (404, b"<html>not found</html>", ProtocolError),
        (200, b'{"msg": "no code"}', ProtocolError),
        (200, b'{"code": true}', ProtocolError),
        (200, b"[1, 2]", ProtocolError),
    ],
)
def test_http_level_failures(status: int, body: bytes, cls: type[HeadswapError]) -> None:
    problem = interpret(reply(body, status))
    assert isinstance(problem, Problem) and type(problem.error) is cls


def test_envelope_error_on_http_error_status_keeps_both() -> None:
    problem = interpret(reply({"code": 1101, "msg": "Illegal token"}, 401))
    assert isinstance(problem, Problem)
    assert isinstance(problem.error, AuthenticationError)
    assert problem.error.http_status == 401


def test_success_code_with_http_error_is_not_success() -> None:
    problem = interpret(reply({"code": 1000, "data": {"_id": "x"}}, 500))
    assert isinstance(problem, Problem) and isinstance(problem.error, ServerError)


def test_message_fallback_and_redaction() -> None:
    body = {"code": 1101, "message": f"bad key {KEY.reveal()}"}
    problem = interpret(reply(body))
    assert isinstance(problem, Problem)
    assert KEY.reveal() not in str(problem.error) and "***" in str(problem.error)


def test_protocol_snippet_is_short_and_redacted() -> None:
    body = b"<html>" + KEY.reveal().encode() + b"x" * 5000
    problem = interpret(reply(body))
    assert isinstance(problem, Problem) and isinstance(problem.error, ProtocolError)
    assert len(problem.error.snippet) <= 200
    assert KEY.reveal() not in problem.error.snippet and "***" in problem.error.snippet
    assert KEY.reveal() not in str(problem.error) + repr(problem.error)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("-3", None),  # not valid delta-seconds: no hint (backoff), rather than "at once"
        ("", None),
        (None, None),
        ("soon", None),
        ("nan", None),
        (email.utils.formatdate(1_000_030.0, usegmt=True), 30.0),
        (email.utils.formatdate(999_000.0, usegmt=True), 0.0),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert protocol.parse_retry_after(value, now=1_000_000.0) == expected


def test_retry_after_http_date_uses_server_date_header() -> None:
    date = email.utils.formatdate(5000.0, usegmt=True)
    when = email.utils.formatdate(5042.0, usegmt=True)
    problem = interpret(reply({"code": 1005}, 429, **{"retry-after": when, "date": date}))
    assert isinstance(problem, Problem) and problem.retry_after == 42.0
    assert isinstance(problem.error, RateLimitError) and problem.error.retry_after == 42.0


# --- property test: any body in, a typed record or a typed error out ----------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
envelopes = st.fixed_dictionaries(
    {"code": st.sampled_from([1000, 1003, 1005, 2001, 7]) | st.integers() | json_values},
    optional={
        "msg": json_values,
        "data": json_values
        | st.fixed_dictionaries(
            {"_id": st.text(max_size=30) | json_values},
            optional={
                "status": json_values, "progress": json_values, "create_time": json_values,
                "analysis_result": json_values, "video_url": json_values,
            },
        ),
    },
)  # fmt: skip
bodies = (
    st.binary(max_size=300)
    | envelopes.map(lambda e: json.dumps(e).encode())
    | json_values.map(lambda v: json.dumps(v).encode())
)


def parse(r: Reply) -> Analysis | HeadswapError:
    """The client's parse path for one reply: envelope, then record."""
    result = interpret(r)
    if isinstance(result, Problem):
        return result.error
    try:
        return Analysis.from_json(result.get("data"))
    except ValueError:
        return protocol.protocol_error(GET, "bad data", result)


@settings(max_examples=300, deadline=None)
@given(body=bodies, status=st.sampled_from([200, 200, 201, 400, 404, 408, 429, 500, 503]))
def test_parser_returns_a_record_or_a_typed_error(body: bytes, status: int) -> None:
    out = parse(reply(body, status))
    assert isinstance(out, (Analysis, HeadswapError))
    if isinstance(out, HeadswapError):
        assert isinstance(out, (APIError, ProtocolError))
        str(out), repr(out)  # never blows up
