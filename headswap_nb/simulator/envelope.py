"""The ``{code, msg, data}`` envelope and request-body reading for the HTTP layer.

akool-api.md §3 and §11: business errors travel as HTTP 200 with a non-1000 ``code`` and no
``data``. Only transport-level problems get another status: 404 unknown path, 405 wrong
method, 413 body too large, 500 for a crash (code 2001).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from headswap_nb.simulator.rejection import Rejection

__all__ = ["RejectedRequest", "envelope", "read_json_object", "rejected", "unwrap"]

_DRAIN_LIMIT = 8 * 1_048_576
_ENCODE = json.JSONEncoder(separators=(",", ":")).encode
"""``json.dumps(body, separators=(",", ":"))`` without building an encoder per reply."""


class RejectedRequest(Exception):
    """Raised anywhere in a handler to answer with an error envelope."""

    def __init__(self, code: int, msg: str, *, status: int = 200) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.status = status


def envelope(
    code: int, msg: str, data: Any = None, *, status: int = 200, has_data: bool = True
) -> Response:
    """A compact JSON envelope; ``data`` is left out when ``has_data`` is false."""
    body: dict[str, Any] = {"code": code, "msg": msg}
    if has_data:
        body["data"] = data
    return json_response(body, status=status)


def rejected(error: RejectedRequest) -> Response:
    """The envelope of a rejected request: ``{code, msg}`` without ``data``."""
    return envelope(error.code, error.msg, status=error.status, has_data=False)


def json_response(body: dict[str, Any], *, status: int = 200) -> Response:
    """Any JSON object, compact (ensure_ascii keeps non-ASCII URLs safe in every client)."""
    return Response(
        _ENCODE(body).encode(),
        status_code=status,
        media_type="application/json",
    )


def unwrap(value: Any) -> Any:
    """``value`` itself, or raise ``RejectedRequest`` if it is a ``Rejection``."""
    if isinstance(value, Rejection):
        raise RejectedRequest(value.code, value.msg)
    return value


async def read_json_object(request: Request, *, limit: int) -> dict[str, Any]:
    """The body as a JSON object, or raise ``RejectedRequest``.

    A body over ``limit`` bytes gets HTTP 413 as soon as that is known (from Content-Length
    or while streaming). The rest is drained and discarded, up to 8 MiB, so the client can
    read the 413 instead of a reset; memory stays bounded either way.
    """
    declared = request.headers.get("content-length", "")
    too_large = declared.isdecimal() and int(declared) > limit
    if too_large and int(declared) > _DRAIN_LIMIT:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        too_large = too_large or size > limit
        if too_large:
            if size > _DRAIN_LIMIT:
                break
            continue  # drain and discard
        chunks.append(chunk)
    if too_large:
        raise _too_large(limit)
    try:
        body = json.loads(b"".join(chunks))
    except (ValueError, RecursionError):
        raise RejectedRequest(1003, "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise RejectedRequest(1003, "The request body must be a JSON object.")
    return body


def _too_large(limit: int) -> RejectedRequest:
    return RejectedRequest(1003, f"The request body exceeds {limit} bytes.", status=413)
