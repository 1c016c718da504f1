"""The vocabulary of the sans-I/O client: requests, effects and what the wire answered.

No I/O happens here. Every operation (``operations``) is a generator that yields **effects**
and receives their results:

* ``Send(request, headers, budget, timeout)`` → the shell performs the HTTP call with the
  per-operation ``timeout`` and stops it after ``budget`` seconds in all (connect, headers
  and the whole body: a dripping server resets every per-read timeout), sending back a
  ``Reply`` (status, headers, body bytes), a ``Failure`` wrapping the ``httpx.RequestError``
  raised, or ``Expired`` when the budget ran out first;
* ``Sleep(seconds)`` → the shell sleeps (``time.sleep`` or ``asyncio.sleep``, injectable) and
  sends back ``None``;
* ``Notify(callback, record)`` → the shell calls ``callback(record)`` (awaiting an awaitable
  result in the async shell) and sends back ``None``;
* ``Acquire(key, timeout)`` / ``Release(key)`` → the shell takes or gives back the client's
  lock ``key`` (``threading.Lock`` or ``asyncio.Lock``), sending back whether it got it in
  ``timeout`` seconds (``None``: however long it takes). It releases whatever a flow still
  holds when the flow ends, however it ends: a flow cannot ``yield`` while being closed.

The generator's return value is the operation's result; exceptions it raises are the
operation's errors. ``Client`` and ``AsyncClient`` therefore contain no branching of their
own: they only run effects, and differ only by ``await``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from headswap_nb.errors import HeadswapError

__all__ = [
    "TOKEN_LOCK",
    "Acquire",
    "Delivery",
    "Effect",
    "Expired",
    "Failure",
    "Flow",
    "Notify",
    "Problem",
    "Release",
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
    """Effect: perform ``request`` with ``headers`` within ``budget`` seconds in all; resume
    with a ``Reply``, a ``Failure`` or ``Expired``."""

    request: Request
    headers: Mapping[str, str] = field(repr=False)
    budget: float = 30.0
    """Total seconds this attempt may take, connect to last body byte (``deadline``)."""
    timeout: httpx.Timeout = field(default_factory=lambda: httpx.Timeout(30.0))
    """Per-operation timeouts, none longer than ``budget``."""


@dataclass(frozen=True, slots=True)
class Sleep:
    """Effect: wait ``seconds``; resume with ``None``."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Notify:
    """Effect: call ``callback(record)`` (awaiting it if it returns an awaitable)."""

    callback: Callable[[Any], object]
    record: object


TOKEN_LOCK = "token"
"""The lock held while fetching a token: one getToken for any number of concurrent calls."""


@dataclass(frozen=True, slots=True)
class Acquire:
    """Effect: take the client's lock ``key``; resume with ``True``, or ``False`` when it was
    not free within ``timeout`` seconds (``None``: wait as long as it takes)."""

    key: str
    timeout: float | None = None


@dataclass(frozen=True, slots=True)
class Release:
    """Effect: give back the client's lock ``key``; resume with ``None``."""

    key: str


Effect = Send | Sleep | Notify | Acquire | Release
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


@dataclass(frozen=True, slots=True)
class Expired:
    """No complete answer within the attempt's total budget (the shell stopped waiting)."""

    budget: float


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
