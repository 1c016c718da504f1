"""headswap_nb.client.retry: what may be sent again after a failed attempt, and when."""

from __future__ import annotations

import builtins
import json

import httpx
import pytest

from headswap_nb.client import protocol, retry
from headswap_nb.client.effects import Delivery, Failure, Problem, Reply, Request
from headswap_nb.client.secret import Secret
from headswap_nb.errors import (
    APIError,
    ConnectionError,
    HeadswapError,
    ProtocolError,
    SubmissionUnknownError,
    TimeoutError,
)

KEY = Secret("fake-SENTINEL-api")
GET = Request("GET", protocol.ANALYZE_DETAIL_PATH, subject="abc", params={"_id": "abc"})
POST = Request("POST", protocol.ANALYZE_PATH, subject="https://v.test/a.mp4", json={}, submit=True)


def reply(body: object, status: int = 200, **headers: str) -> Reply:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Reply(status, httpx.Headers(headers), content)


def interpret(r: Reply, request: Request = GET) -> dict[str, object] | Problem:
    return protocol.interpret(r, request, secrets=(KEY,), now=1_000_000.0)


# --- retry decisions ---------------------------------------------------------------------

URL = "https://api.test/x"


def transport(exc: Exception, request: Request = GET) -> Problem:
    return retry.classify_failure(Failure(exc), request, URL)


def api_problem(status: int, code: int | None, request: Request = GET) -> Problem:
    error = protocol.api_error(
        code=code, msg="m", http_status=status, request=request, retry_after=None
    )
    return Problem(error, Delivery.ANSWERED)


def decide(problem: Problem, request: Request, attempt: int = 0) -> float | HeadswapError:
    return retry.plan(problem, request, url=URL, attempt=attempt, max_retries=3, jitter=0.5)


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


def test_backoff_is_exponential_capped_and_jittered_in_its_upper_half() -> None:
    assert retry.backoff(0, 1.0) == 0.5
    assert retry.backoff(3, 1.0) == 4.0
    assert retry.backoff(10, 1.0) == retry.BACKOFF_CAP
    assert retry.backoff(2, 0.0) == 1.0  # never at once: at least half of 2.0


def test_retry_after_wins_up_to_the_cap() -> None:
    error = protocol.api_error(code=1005, msg="m", http_status=429, request=GET, retry_after=9)
    assert decide(Problem(error, Delivery.ANSWERED, 9.0), GET) == 9.0
    assert decide(Problem(error, Delivery.ANSWERED, 300.0), GET) == retry.RETRY_AFTER_CAP == 60
    capped = retry.plan(
        Problem(error, Delivery.ANSWERED, 300.0),
        GET,
        url=URL,
        attempt=0,
        max_retries=3,
        jitter=0.5,
        retry_after_cap=2.5,
    )
    assert capped == 2.5


def test_garbled_2xx_read_is_retried_but_4xx_html_is_not() -> None:
    assert isinstance(decide(interpret(reply(b"<html>", 200)), GET), float)  # type: ignore[arg-type]
    assert isinstance(decide(interpret(reply(b"<html>", 404)), GET), ProtocolError)  # type: ignore[arg-type]
    garbled = interpret(reply(b'{"code":', 200), POST)
    assert isinstance(decide(garbled, POST), SubmissionUnknownError)  # type: ignore[arg-type]
