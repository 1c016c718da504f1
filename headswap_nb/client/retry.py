"""Retry decisions (pure): classify a failed attempt, then retry, raise, or sleep first.

Rules (issue "Retries"; akool-api.md §5 documents only code 1005 for throttling):

* A **read** (GET, and the idempotent getToken) is retried on connection errors, timeouts,
  HTTP 408/429/5xx, codes 1005/2001 and garbled 2xx/5xx bodies (a truncated body is a
  transport glitch, and a read is safe to repeat).
* A **submit** (analyze, task/create) is billed and not idempotent: it is retried only when
  it certainly never reached the server (connection refused, DNS, connect timeout) or the
  server explicitly throttled it (HTTP 429 / code 1005). Anything that may have been
  processed — read timeout, connection dropped after sending, 5xx, code 2001, a garbled
  answer — becomes ``SubmissionUnknownError``; it is never resent silently.
* Backoff is exponential with jitter (``backoff``, shared with the batch); ``Retry-After``
  wins when given, and a hint above ``MAX_RETRY_AFTER`` seconds is raised instead of slept
  through.
"""

from __future__ import annotations

import httpx

from headswap_nb.client.effects import Delivery, Failure, Problem, Request
from headswap_nb.errors import (
    APIError,
    ConnectionError,
    HeadswapError,
    ProtocolError,
    RateLimitError,
    SubmissionUnknownError,
    TimeoutError,
)

__all__ = ["BACKOFF_BASE", "BACKOFF_CAP", "MAX_RETRY_AFTER", "backoff", "classify_failure", "plan"]

BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
MAX_RETRY_AFTER = 120.0

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_NEVER_RETRY = (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.ProxyError)


def classify_failure(failure: Failure, request: Request, url: str) -> Problem:
    """Turn a transport exception into our error plus whether the request may have arrived."""
    exc = failure.exc
    name = type(exc).__name__
    where = f"{request.method} {url}"
    if isinstance(exc, httpx.DecodingError):
        error: HeadswapError = ProtocolError(
            f"{where} answered with a body that could not be decoded ({name}); try again, "
            "and report it if it persists.",
            subject=request.subject,
            endpoint=request.path,
        )
        return Problem(error, Delivery.ANSWERED)
    if isinstance(exc, httpx.TimeoutException):
        delivery = Delivery.NOT_SENT if isinstance(exc, _NOT_SENT) else Delivery.MAYBE_SENT
        error = TimeoutError(
            f"{where} got no answer in time ({name}); check the network, try again later, "
            "or pass a larger timeout= to the client.",
            subject=request.subject,
            endpoint=request.path,
        )
        return Problem(error, delivery)
    delivery = (
        Delivery.NOT_SENT if isinstance(exc, _NOT_SENT + _NEVER_RETRY) else Delivery.MAYBE_SENT
    )
    error = ConnectionError(
        f"{where} failed ({name}); check the network and base_url / AKOOL_BASE_URL "
        "(or use headswap_nb.simulator.serve() to work offline).",
        subject=request.subject,
        endpoint=request.path,
    )
    if isinstance(exc, _NEVER_RETRY):
        return Problem(error, Delivery.ANSWERED)  # a local mistake: retrying cannot help
    return Problem(error, delivery)


def backoff(
    attempt: int, jitter: float, *, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP
) -> float:
    """The one backoff formula of the package (the client's retries and the batch's polls
    after a failure): exponential, capped, with "equal jitter" — uniform in the upper half
    of ``min(cap, base·2^attempt)``. ``jitter`` in [0, 1) is the caller's random draw: many
    clients spread apart after an outage, and no retry comes back at once."""
    delay = min(cap, base * 2.0 ** max(0, attempt))
    return delay * (0.5 + 0.5 * min(1.0, max(0.0, jitter)))


def _throttled(error: HeadswapError) -> bool:
    return isinstance(error, RateLimitError)


def _transient_answer(error: HeadswapError) -> bool:
    if isinstance(error, APIError):
        status = error.http_status or 0
        return status in (408, 429) or status >= 500 or error.code in (1005, 2001)
    if isinstance(error, ProtocolError):
        status = error.http_status or 200
        return not 300 <= status < 500  # garbled 2xx/5xx, not an HTML 404 from a wrong base_url
    return False


def _unknown(problem: Problem, request: Request, url: str) -> SubmissionUnknownError:
    return SubmissionUnknownError(
        f"The submit {request.method} {url} for {request.subject} may have reached Akool, "
        f"but no usable answer came back ({problem.error.message}). It was NOT resent, "
        "because a second submit is billed again: look for the job (e.g. in the Akool "
        "console, or by listing your recent records) before submitting this URL again.",
        video_url=request.subject or "",
        endpoint=request.path,
    )


def plan(
    problem: Problem,
    request: Request,
    *,
    url: str,
    attempt: int,
    max_retries: int,
    jitter: float,
) -> float | HeadswapError:
    """Seconds to sleep before attempt ``attempt + 1``, or the error to raise now."""
    error = problem.error
    if request.submit:
        retryable = problem.delivery is Delivery.NOT_SENT or _throttled(error)
        if not retryable:
            if problem.delivery is Delivery.MAYBE_SENT or _transient_answer(error):
                unknown = _unknown(problem, request, url)
                unknown.__cause__ = error
                return unknown
            return error
    else:
        retryable = problem.delivery is not Delivery.ANSWERED or _transient_answer(error)
    if not retryable or attempt >= max_retries:
        return error
    if problem.retry_after is not None:
        if problem.retry_after > MAX_RETRY_AFTER:
            # Sleeping minutes inside a call would freeze a notebook; let the caller decide.
            error.message += (
                f" The server asked to wait {problem.retry_after:.0f} s (over "
                f"{MAX_RETRY_AFTER:.0f} s), so the client raised instead of sleeping."
            )
            return error
        return problem.retry_after
    return backoff(attempt, jitter)
