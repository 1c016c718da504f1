"""The API's wire contract, as pure functions: paths, the envelope and the error map.

``interpret`` turns what came back (a ``Reply``) into the envelope of a success or a
``Problem`` (our typed error plus whether the request was answered); ``api_error`` maps a
business code (akool-api.md §6, §14) to the exception tree of ``errors``. No I/O here.

``interpret`` lets a reply in through the door first (``scrub.admit``): everything after it —
envelope, records, messages, snippets — only ever sees answers without the credentials.
"""

from __future__ import annotations

import email.utils
import json
from collections.abc import Iterable, Mapping
from typing import Any

from headswap_nb.client import scrub
from headswap_nb.client.deadline import RETRY_AFTER_CAP, bound_retry_after
from headswap_nb.client.effects import Delivery, Problem, Reply, Request
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

__all__ = ["api_error", "interpret", "parse_retry_after", "protocol_error", "snippet"]

# Paths, akool-api.md §2.1 and §4.
TOKEN_PATH = "/api/open/v3/getToken"
ANALYZE_PATH = "/api/open/v4/headswap/analyze"
ANALYZE_DETAIL_PATH = "/api/open/v4/headswap/analyze/detail"
TASK_CREATE_PATH = "/api/open/v4/headswap/task/create"
CREDIT_PATH = "/api/open/v3/faceswap/quota/info"  # §14: the account-wide balance
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
    # §14: Akool's own demo reads 1109 ("account not exist") as a bad API key on every call.
    1109: (
        AuthenticationError,
        "Akool does not recognise this credential: check AKOOL_API_KEY (or client_id / "
        "client_secret), or create a new API key in the Akool console",
    ),
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
    if cls is AuthenticationError and request.path == TOKEN_PATH:
        advice = (
            "check client_id / client_secret (AKOOL_CLIENT_ID / AKOOL_CLIENT_SECRET), "
            "or use an API key instead"
        )
    advice = advice or "see https://docs.akool.com/ai-tools-suite/error-code"
    what = f"code {code}" if code is not None else f"HTTP {http_status}"
    about = f" for {request.subject}" if request.subject else ""
    message = (
        f"{request.method} {request.path}{about} failed with {what}: "
        f"{msg or 'the server gave no message'}; {advice}."
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


def snippet(content: bytes) -> str:
    """A short, single-line excerpt of an (admitted, hence credential-free) body."""
    text = " ".join(content[:8192].decode("utf-8", "replace").split())
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1] + "…"


def server_text(body: Mapping[str, Any]) -> str | None:
    """The server's words in a failed answer: ``msg``, else ``message`` (what getToken uses,
    §14), else ``None``; bounded, so one answer cannot flood a message."""
    for key in ("msg", "message"):
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            return value[:500]
    return None


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """``Retry-After`` as seconds from ``now`` (delta-seconds or an HTTP date), or ``None``
    for no usable value. Unbounded: ``deadline.bound_retry_after`` applies the cap, so a
    huge value (``1e308``, ``inf``, a date years away) reads as "a long time"; a negative
    number (not valid delta-seconds), NaN or text is no hint at all."""
    if not value or not value.strip():
        return None
    text = value.strip()[:100]
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
            delta = when.timestamp() - now
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        return max(0.0, delta)  # a date in the past means "now"
    if seconds != seconds or seconds < 0:  # NaN, or negative
        return None
    return seconds


def _now_from(headers: Mapping[str, str], fallback: float) -> float:
    # Prefer the server's own Date header for HTTP-date arithmetic: it cancels clock skew.
    try:
        return email.utils.parsedate_to_datetime(headers.get("date", "")).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return fallback


def interpret(
    reply: Reply,
    request: Request,
    *,
    secrets: Iterable[Secret],
    now: float,
    retry_after_cap: float = RETRY_AFTER_CAP,
) -> dict[str, Any] | Problem:
    """The envelope of a successful answer, or a ``Problem`` describing why it is not one.

    The reply is admitted first (credentials scrubbed, ``scrub.admit``); a ``Retry-After``
    hint is bounded by ``retry_after_cap``, also in the error's ``retry_after``."""
    admitted = scrub.admit(reply.status, reply.headers, reply.content, secrets)
    status, content = admitted.status, admitted.content
    body = admitted.body if isinstance(admitted.body, dict) else None
    retry_after = None
    if status == 429 or status >= 500 or (body is not None and body.get("code") == 1005):
        hint = parse_retry_after(
            reply.headers.get("retry-after"), now=_now_from(reply.headers, now)
        )
        retry_after = bound_retry_after(hint, retry_after_cap)
    code = body.get("code") if body is not None else None
    if body is None or not isinstance(code, int) or isinstance(code, bool):
        if status == 408 or status == 429 or status >= 500:
            error: HeadswapError = api_error(
                code=None,
                msg=snippet(content) or None,
                http_status=status,
                request=request,
                retry_after=retry_after,
            )
            return Problem(error, Delivery.ANSWERED, retry_after)
        cut = snippet(content)
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
        return body
    msg = server_text(body)
    if code == SUCCESS:  # code says success but HTTP says otherwise: trust the failure
        code = None
    error = api_error(
        code=code, msg=msg, http_status=status, request=request, retry_after=retry_after
    )
    return Problem(error, Delivery.ANSWERED, retry_after)


def protocol_error(request: Request, problem: str, body: object) -> ProtocolError:
    """A success envelope (already admitted) whose payload is unusable (e.g. ``data``
    without ``_id``, or the record of another id)."""
    try:
        text = json.dumps(body, default=str)[:8192].encode()
    except (ValueError, TypeError, RecursionError):
        text = b""
    cut = snippet(text)
    return ProtocolError(
        f"{request.method} {request.path} answered code 1000 but {problem}: {cut!r}. "
        "The API may have changed; report it with this snippet.",
        snippet=cut,
        http_status=200,
        subject=request.subject,
        endpoint=request.path,
    )
