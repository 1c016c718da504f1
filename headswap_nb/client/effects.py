"""The vocabulary of the sans-I/O client: requests, effects and what the wire answered.

No I/O happens here. Every operation (``operations``) is a generator that yields **effects**
and receives their results:

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

import enum
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from headswap_nb.errors import HeadswapError

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
]

T = TypeVar("T")


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
