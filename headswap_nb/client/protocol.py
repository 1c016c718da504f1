"""The API's wire contract, as pure functions: paths, the envelope and the error map.

``interpret`` turns what came back (a ``Reply``) into the envelope of a success or a
``Problem`` (our typed error plus whether the request was answered); ``api_error`` maps a
business code (akool-api.md §6) to the exception tree of ``errors``. No I/O here.
"""

from __future__ import annotations

import email.utils
import json
from collections.abc import Iterable, Mapping
from typing import Any

from headswap_nb.client.effects import Delivery, Problem, Reply, Request
from headswap_nb.client.secret import Secret, redact
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

__all__ = ["api_error", "interpret", "parse_retry_after", "protocol_error", "snippet"]

# Paths, akool-api.md §2.1 and §4.
TOKEN_PATH = "/api/open/v3/getToken"
ANALYZE_PATH = "/api/open/v4/headswap/analyze"
ANALYZE_DETAIL_PATH = "/api/open/v4/headswap/analyze/detail"
TASK_CREATE_PATH = "/api/open/v4/headswap/task/create"
TASK_DETAIL_PATH = "/api/open/v4/headswap/task/detail"
SUCCESS = 1000  # §3: success is decided only by the body's code
SNIPPET_CHARS = 200


# --- error mapping ----------------------------------------------------------------------

_CODES: dict[int, tuple[type[APIError], str]] = {
    1003: (InvalidRequestError, "fix the request parameters (or ask Akool to enable the feature)"),
    1005: (RateLimitError, "slow down: lower concurrency or poll less often, then try again"),
    1014: (NotFoundError, "check the id: it is unknown or belongs to another team"),
    1101: (AuthenticationError, "check the API key (AKOOL_API_KEY) or create a new one"),
    1102: (AuthenticationError, "send a credential: set AKOOL_API_KEY or pass api_key="),
    1104: (InsufficientCreditsError, "top up the account's credits, then create the task again"),
    2001: (ServerError, "Akool had a server error; try again later"),
}


def api_error(
    *,
    code: int | None,
    msg: str | None,
    http_status: int,
    request: Request,
    retry_after: float | None,
) -> APIError:
    """The typed error for a non-success answer (business code first, then HTTP status)."""
    cls, advice = _CODES.get(code or 0, (APIError, ""))
    if cls is APIError and http_status == 429:
        cls, advice = _CODES[1005]
    elif cls is APIError and http_status >= 500:
        cls, advice = _CODES[2001]
    advice = advice or "see https://docs.akool.com/ai-tools-suite/error-code"
    what = f"code {code}" if code is not None else f"HTTP {http_status}"
    about = f" for {request.subject}" if request.subject else ""
    message = (
        f"{request.method} {request.path}{about} failed with {what}: "
        f"{msg or 'no message'}; {advice}."
    )
    kwargs: dict[str, Any] = {
        "code": code,
        "msg": msg,
        "http_status": http_status,
        "subject": request.subject,
        "endpoint": request.path,
    }
    if cls is RateLimitError:
        return RateLimitError(message, retry_after=retry_after, **kwargs)
    return cls(message, **kwargs)


def snippet(content: bytes, secrets: Iterable[Secret]) -> str:
    """A short, single-line, credential-free excerpt of a body for error messages."""
    text = redact(content[:8192].decode("utf-8", "replace"), secrets)  # redact before cutting
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1] + "…"


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """``Retry-After`` as seconds from ``now`` (delta-seconds or an HTTP date), or ``None``."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        return max(0.0, when.timestamp() - now)
    return max(0.0, seconds) if seconds == seconds and seconds != float("inf") else None


def _now_from(headers: Mapping[str, str], fallback: float) -> float:
    # Prefer the server's own Date header for HTTP-date arithmetic: it cancels clock skew.
    try:
        return email.utils.parsedate_to_datetime(headers.get("date", "")).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return fallback


def interpret(
    reply: Reply, request: Request, *, secrets: Iterable[Secret], now: float
) -> dict[str, Any] | Problem:
    """The envelope of a successful answer, or a ``Problem`` describing why it is not one."""
    status = reply.status
    try:
        body = json.loads(reply.content)
    except (ValueError, RecursionError):
        body = None
    retry_after = None
    if status == 429 or status >= 500 or (isinstance(body, dict) and body.get("code") == 1005):
        retry_after = parse_retry_after(
            reply.headers.get("retry-after"), now=_now_from(reply.headers, now)
        )
    code = body.get("code") if isinstance(body, dict) else None
    if not isinstance(code, int) or isinstance(code, bool):
        if status == 408 or status == 429 or status >= 500:
            error: HeadswapError = api_error(
                code=None,
                msg=snippet(reply.content, secrets) or None,
                http_status=status,
                request=request,
                retry_after=retry_after,
            )
            return Problem(error, Delivery.ANSWERED, retry_after)
        cut = snippet(reply.content, secrets)
        error = ProtocolError(
            f"{request.method} {request.path} returned HTTP {status} with a body that is not "
            f"Akool's {{code, msg, data}} envelope: {cut!r}. Check base_url / AKOOL_BASE_URL "
            "and any proxy in between; if it persists, report it with this snippet.",
            snippet=cut,
            http_status=status,
            subject=request.subject,
            endpoint=request.path,
        )
        return Problem(error, Delivery.ANSWERED, retry_after)
    if code == SUCCESS and 200 <= status < 300:
        return body  # type: ignore[no-any-return]  # a dict, checked above
    raw_msg = body.get("msg", body.get("message"))  # getToken may use "message" [UNCONFIRMED]
    msg = redact(raw_msg, secrets)[:500] if isinstance(raw_msg, str) else None
    if code == SUCCESS:  # code says success but HTTP says otherwise: trust the failure
        code = None
    error = api_error(
        code=code, msg=msg, http_status=status, request=request, retry_after=retry_after
    )
    return Problem(error, Delivery.ANSWERED, retry_after)


def protocol_error(
    request: Request, problem: str, body: object, secrets: Iterable[Secret]
) -> ProtocolError:
    """A success envelope whose payload is unusable (e.g. ``data`` without ``_id``)."""
    try:
        text = json.dumps(body, default=str)[:8192].encode()
    except (ValueError, TypeError, RecursionError):
        text = b""
    cut = snippet(text, secrets)
    return ProtocolError(
        f"{request.method} {request.path} answered code 1000 but {problem}: {cut!r}. "
        "The API may have changed; report it with this snippet.",
        snippet=cut,
        http_status=200,
        subject=request.subject,
        endpoint=request.path,
    )
