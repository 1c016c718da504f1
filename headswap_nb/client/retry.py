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
* An attempt that ran out of its total deadline (``Expired``: a dripping or stalled
  server) may have been processed: a read is retried, a submit becomes
  ``SubmissionUnknownError``.
* Backoff is exponential with jitter (``backoff``, shared with the batch); ``Retry-After``
  wins when given, bounded by the client's ``retry_after_cap`` (60 s by default): a longer
  hint means "try again at the cap" (``deadline.bound_retry_after``). A throttled submit
  was not processed, so the same rule applies to it.
"""

from __future__ import annotations

import httpx

from headswap_nb.client.deadline import RETRY_AFTER_CAP, bound_retry_after, seconds
from headswap_nb.client.effects import Delivery, Expired, Failure, Problem, Request
from headswap_nb.errors import (
    APIError,
    ConnectionError,
    HeadswapError,
    ProtocolError,
    RateLimitError,
    SubmissionUnknownError,
    TimeoutError,
)

__all__ = [
    "BACKOFF_BASE",
    "BACKOFF_CAP",
    "RETRY_AFTER_CAP",
    "backoff",
    "classify_expired",
    "classify_failure",
    "plan",
]

BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0

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


def classify_expired(expired: Expired, request: Request, url: str) -> Problem:
    """An attempt stopped at its total deadline: headers or body still trickling in, or no
    answer at all. The request may well have been processed (``MAYBE_SENT``)."""
    error = TimeoutError(
        f"{request.method} {url} got no answer in time: it was still unfinished after "
        f"{seconds(expired.budget)} s in all; check the network, try again later, or pass a "
        "larger timeout= to the client.",
        subject=request.subject,
        endpoint=request.path,
    )
    return Problem(error, Delivery.MAYBE_SENT)


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
    retry_after_cap: float = RETRY_AFTER_CAP,
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
    hint = bound_retry_after(problem.retry_after, retry_after_cap)
    if hint is not None:
        return hint
    return backoff(attempt, jitter)
