"""The pure core: envelope parsing, error mapping, Retry-After, retry decisions, validation."""

from __future__ import annotations

import builtins
import email.utils
import json

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headswap_nb import _api, _retry
from headswap_nb._api import Delivery, Failure, Problem, Reply, Request
from headswap_nb._secret import Secret
from headswap_nb._validation import check_url, normalise_mappings
from headswap_nb.errors import (
    APIError,
    AuthenticationError,
    ConnectionError,
    HeadswapError,
    InsufficientCreditsError,
    InvalidRequestError,
    NotFoundError,
    ProtocolError,
    RateLimitError,
    ServerError,
    SubmissionUnknownError,
    TimeoutError,
)
from headswap_nb.models import Analysis

KEY = Secret("sk-SENTINEL-api")
GET = Request("GET", _api.ANALYZE_DETAIL_PATH, subject="abc", params={"_id": "abc"})
POST = Request("POST", _api.ANALYZE_PATH, subject="https://v.test/a.mp4", json={}, submit=True)


def reply(body: object, status: int = 200, **headers: str) -> Reply:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Reply(status, httpx.Headers(headers), content)


def interpret(r: Reply, request: Request = GET) -> dict[str, object] | Problem:
    return _api.interpret(r, request, secrets=(KEY,), now=1_000_000.0)


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
    assert error.endpoint == _api.ANALYZE_DETAIL_PATH
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
        ("-3", 0.0),
        ("", None),
        (None, None),
        ("soon", None),
        ("nan", None),
        (email.utils.formatdate(1_000_030.0, usegmt=True), 30.0),
        (email.utils.formatdate(999_000.0, usegmt=True), 0.0),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert _api.parse_retry_after(value, now=1_000_000.0) == expected


def test_retry_after_http_date_uses_server_date_header() -> None:
    date = email.utils.formatdate(5000.0, usegmt=True)
    when = email.utils.formatdate(5042.0, usegmt=True)
    problem = interpret(reply({"code": 1005}, 429, **{"retry-after": when, "date": date}))
    assert isinstance(problem, Problem) and problem.retry_after == 42.0
    assert isinstance(problem.error, RateLimitError) and problem.error.retry_after == 42.0


# --- retry decisions ---------------------------------------------------------------------

URL = "https://api.test/x"


def transport(exc: Exception, request: Request = GET) -> Problem:
    return _retry.classify_failure(Failure(exc), request, URL)


def api_problem(status: int, code: int | None, request: Request = GET) -> Problem:
    error = _api.api_error(
        code=code, msg="m", http_status=status, request=request, retry_after=None
    )
    return Problem(error, Delivery.ANSWERED)


def decide(problem: Problem, request: Request, attempt: int = 0) -> float | HeadswapError:
    return _retry.plan(problem, request, url=URL, attempt=attempt, max_retries=3, jitter=0.5)


FAILURES = {
    "refused": (httpx.ConnectError("refused"), "retry", "retry"),
    "connect-timeout": (httpx.ConnectTimeout("t"), "retry", "retry"),
    "read-timeout": (httpx.ReadTimeout("t"), "retry", "unknown"),
    "write-timeout": (httpx.WriteTimeout("t"), "retry", "unknown"),
    "dropped": (httpx.RemoteProtocolError("server disconnected"), "retry", "unknown"),
    "read-error": (httpx.ReadError("reset"), "retry", "unknown"),
    "bad-scheme": (httpx.UnsupportedProtocol("ftp"), "raise", "raise"),
}


@pytest.mark.parametrize("name", sorted(FAILURES))
def test_transport_failures_get_vs_post(name: str) -> None:
    exc, on_get, on_post = FAILURES[name]
    for request, expected in ((GET, on_get), (POST, on_post)):
        decision = decide(transport(exc, request), request)
        if expected == "retry":
            assert isinstance(decision, float), (name, request.method)
        elif expected == "unknown":
            assert isinstance(decision, SubmissionUnknownError), name
            assert decision.video_url == POST.subject and "NOT resent" in str(decision)
        else:
            assert isinstance(decision, ConnectionError), name


@pytest.mark.parametrize(
    ("status", "code", "on_get", "on_post"),
    [
        (503, None, "retry", "unknown"),
        (500, None, "retry", "unknown"),
        (408, None, "retry", "unknown"),
        (429, None, "retry", "retry"),
        (200, 1005, "retry", "retry"),
        (200, 2001, "retry", "unknown"),
        (200, 1003, "raise", "raise"),
        (200, 1014, "raise", "raise"),
        (200, 1101, "raise", "raise"),
        (200, 1104, "raise", "raise"),
    ],
)
def test_answers_get_vs_post(status: int, code: int | None, on_get: str, on_post: str) -> None:
    for request, expected in ((GET, on_get), (POST, on_post)):
        decision = decide(api_problem(status, code, request), request)
        if expected == "retry":
            assert isinstance(decision, float)
        elif expected == "unknown":
            assert isinstance(decision, SubmissionUnknownError)
            assert isinstance(decision.__cause__, APIError)
        else:
            assert isinstance(decision, APIError) and decision.code == code


def test_timeouts_are_builtin_timeouts_and_retries_stop() -> None:
    problem = transport(httpx.ReadTimeout("t"))
    assert isinstance(problem.error, TimeoutError)
    assert isinstance(problem.error, builtins.TimeoutError)
    assert decide(problem, GET, attempt=3) is problem.error


def test_backoff_is_full_jitter_exponential_and_capped() -> None:
    assert _retry.backoff(0, 1.0) == 0.5
    assert _retry.backoff(3, 1.0) == 4.0
    assert _retry.backoff(10, 1.0) == _retry.BACKOFF_CAP
    assert _retry.backoff(2, 0.0) == 0.0


def test_retry_after_wins_and_over_120_raises() -> None:
    error = _api.api_error(code=1005, msg="m", http_status=429, request=GET, retry_after=9)
    assert decide(Problem(error, Delivery.ANSWERED, 9.0), GET) == 9.0
    decision = decide(Problem(error, Delivery.ANSWERED, 300.0), GET)
    assert isinstance(decision, RateLimitError) and "300 s" in str(decision)


def test_garbled_2xx_read_is_retried_but_4xx_html_is_not() -> None:
    assert isinstance(decide(interpret(reply(b"<html>", 200)), GET), float)  # type: ignore[arg-type]
    assert isinstance(decide(interpret(reply(b"<html>", 404)), GET), ProtocolError)  # type: ignore[arg-type]
    garbled = interpret(reply(b'{"code":', 200), POST)
    assert isinstance(decide(garbled, POST), SubmissionUnknownError)  # type: ignore[arg-type]


# --- local validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["", "example.com/a.mp4", "ftp://x/a.mp4", "https://", "https://x/a b.mp4", "https://x/a\n", 5],
)
def test_bad_urls_are_rejected(url: object) -> None:
    with pytest.raises(InvalidRequestError) as info:
        check_url(url, "video_url")
    assert info.value.field == "video_url"


def test_urls_are_returned_verbatim() -> None:
    url = "HTTPS://Example.com/a%20b.mp4?x=1&y=2#frag"
    assert check_url(url, "video_url") is url


@pytest.mark.parametrize(
    "mappings",
    [
        [{"obj_id": 0, "img_url": "https://f/0.jpg"}, {"obj_id": 2, "img_url": "https://f/2.jpg"}],
        [(0, "https://f/0.jpg"), (2, "https://f/2.jpg")],
        {0: "https://f/0.jpg", 2: "https://f/2.jpg"},
    ],
)
def test_mapping_shapes_normalise_alike(mappings: object) -> None:
    assert normalise_mappings(mappings) == [
        {"obj_id": 0, "img_url": "https://f/0.jpg"},
        {"obj_id": 2, "img_url": "https://f/2.jpg"},
    ]


@pytest.mark.parametrize(
    ("mappings", "field"),
    [
        ([], "mappings"),
        ([(i, "https://f/x.jpg") for i in range(6)], "mappings"),
        ([(0, "https://f/a.jpg"), (0, "https://f/b.jpg")], "mappings[1].obj_id"),
        ([("0", "https://f/a.jpg")], "mappings[0].obj_id"),
        ([(True, "https://f/a.jpg")], "mappings[0].obj_id"),
        ([(-1, "https://f/a.jpg")], "mappings[0].obj_id"),
        ([(0, "file:///a.jpg")], "mappings[0].img_url"),
        ([{"obj_id": 0}], "mappings[0].img_url"),
        ({"obj_id": 0, "img_url": "https://f/a.jpg"}, "mappings"),
        ("https://f/a.jpg", "mappings"),
        ([0], "mappings[0]"),
    ],
)
def test_bad_mappings_name_the_field(mappings: object, field: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        normalise_mappings(mappings)
    assert info.value.field == field


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
        return _api.protocol_error(GET, "bad data", result, (KEY,))


@settings(max_examples=300, deadline=None)
@given(body=bodies, status=st.sampled_from([200, 200, 201, 400, 404, 408, 429, 500, 503]))
def test_parser_returns_a_record_or_a_typed_error(body: bytes, status: int) -> None:
    out = parse(reply(body, status))
    assert isinstance(out, (Analysis, HeadswapError))
    if isinstance(out, HeadswapError):
        assert isinstance(out, (APIError, ProtocolError))
        str(out), repr(out)  # never blows up
