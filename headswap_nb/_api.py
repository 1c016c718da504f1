"""The pure core of the client: requests, effects, envelope parsing and error mapping.

No I/O happens here. Every operation (see ``_flows``) is a *sans-I/O generator* that yields
**effects** and receives their results:

* ``Send(request, headers)`` → the shell performs the HTTP call and sends back a ``Reply``
  (status, headers, body bytes) or a ``Failure`` wrapping the ``httpx.RequestError`` raised;
* ``Sleep(seconds)`` → the shell sleeps (``time.sleep`` or ``asyncio.sleep``, injectable) and
  sends back ``None``;
* ``Notify(callback, record)`` → the shell calls ``callback(record)`` (awaiting an awaitable
  result in the async shell) and sends back ``None``.

The generator's return value is the operation's result; exceptions it raises are the
operation's errors. ``Client`` and ``AsyncClient`` therefore contain no branching of their
own: they only run effects, and differ only by ``await``.
"""

from __future__ import annotations

import email.utils
import enum
import json
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from headswap_nb._secret import Secret, redact
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

__all__ = [
    "Delivery",
    "Effect",
    "Failure",
    "Flow",
    "Notify",
    "Problem",
    "Reply",
    "Request",
    "Send",
    "Sleep",
    "interpret",
    "parse_retry_after",
    "snippet",
]

T = TypeVar("T")

# Paths, akool-api.md §2.1 and §4.
TOKEN_PATH = "/api/open/v3/getToken"
ANALYZE_PATH = "/api/open/v4/headswap/analyze"
ANALYZE_DETAIL_PATH = "/api/open/v4/headswap/analyze/detail"
TASK_CREATE_PATH = "/api/open/v4/headswap/task/create"
TASK_DETAIL_PATH = "/api/open/v4/headswap/task/detail"
SUCCESS = 1000  # §3: success is decided only by the body's code
SNIPPET_CHARS = 200


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP call, before authentication headers are added."""

    method: str
    path: str
    subject: str | None
    """The id or URL the call is about; copied into every error."""
    params: Mapping[str, str] | None = None
    json: Mapping[str, Any] | None = field(default=None, repr=False)  # getToken holds a secret
    submit: bool = False
    """A billed, non-idempotent submit (analyze, task/create): resent only when safe."""
    authenticated: bool = True


@dataclass(frozen=True, slots=True)
class Send:
    """Effect: perform ``request`` with ``headers``; resume with a ``Reply`` or ``Failure``."""

    request: Request
    headers: Mapping[str, str] = field(repr=False)


@dataclass(frozen=True, slots=True)
class Sleep:
    """Effect: wait ``seconds``; resume with ``None``."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Notify:
    """Effect: call ``callback(record)`` (awaiting it if it returns an awaitable)."""

    callback: Callable[[Any], object]
    record: object


Effect = Send | Sleep | Notify
Flow = Generator[Effect, object, T]


@dataclass(frozen=True, slots=True)
class Reply:
    """What came back over the wire."""

    status: int
    headers: Mapping[str, str]
    content: bytes


@dataclass(frozen=True, slots=True)
class Failure:
    """No answer: the ``httpx.RequestError`` (or subclass) the transport raised."""

    exc: Exception


class Delivery(enum.Enum):
    """Did a failed request reach the server? Decides whether a billed submit may be resent."""

    NOT_SENT = "certainly not sent"
    MAYBE_SENT = "possibly received by the server"
    ANSWERED = "answered"


@dataclass(frozen=True, slots=True)
class Problem:
    """A failed attempt, classified for the retry decision (see ``_retry``)."""

    error: HeadswapError
    delivery: Delivery
    retry_after: float | None = None


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
