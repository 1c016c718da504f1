"""Time arithmetic of the client (pure): request deadlines, budgets, ``Retry-After`` bounds.

httpx's timeouts apply to each network operation: a server that sends one byte every 0.3 s
resets a read timeout forever. So every request also gets a **total** deadline (connect,
send, the headers and the whole body), enforced by the shells (``clients``); what each
attempt may spend is decided here:

* ``total_timeout``: the total deadline of one request, from the client's ``timeout``;
* ``attempt_budget``: what one attempt may spend, never more than the caller's deadline
  (``until``, e.g. ``wait_for_analysis(timeout=...)``) leaves;
* ``per_operation``: the httpx per-operation timeouts, none longer than that budget;
* ``bound_retry_after``: a server's ``Retry-After`` hint, never longer than the cap.

Every number shown in a message goes through ``seconds`` (``:g``: at most a dozen
characters, whatever the server sent).
"""

from __future__ import annotations

import math

import httpx

from headswap_nb.errors import ConfigurationError

__all__ = [
    "DEFAULT_TIMEOUT",
    "RETRY_AFTER_CAP",
    "attempt_budget",
    "bound_retry_after",
    "check_seconds",
    "per_operation",
    "seconds",
    "total_timeout",
]

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
RETRY_AFTER_CAP = 60.0
"""Longest sleep (seconds) a ``Retry-After`` hint can cause; a longer hint means "try again
in this long" (the batch engine uses the same 60 s for its polls, ``jobs.timing``)."""
MIN_BUDGET = 0.001
"""Below this, an attempt cannot even connect: the caller's deadline has passed."""


def seconds(value: float) -> str:
    """``value`` for a message: ``:g`` keeps any float short (``1e+308``, ``inf``, ``60``)."""
    return f"{value:g}"


def check_seconds(value: object, name: str, *, allow_none: bool = False) -> float | None:
    """A finite number of seconds >= 0 (or ``None`` when allowed), else ``ConfigurationError``."""
    if value is None and allow_none:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        extra = ", or None" if allow_none else ""
        raise ConfigurationError(f"{name} must be a finite number of seconds >= 0{extra}")
    return float(value)


def as_timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    """The per-operation timeouts of a client's ``timeout=`` (``None``: ``DEFAULT_TIMEOUT``)."""
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, httpx.Timeout):
        return timeout
    check_seconds(timeout, "timeout")
    if timeout <= 0:
        raise ConfigurationError("timeout must be a number of seconds > 0 or an httpx.Timeout")
    return httpx.Timeout(float(timeout))


def total_timeout(timeout: httpx.Timeout) -> float:
    """The total deadline of one request: the largest finite part of ``timeout`` (a plain
    ``timeout=1.0`` means one second in all), or ``DEFAULT_TIMEOUT``'s read timeout when
    every part is unlimited: no request may hang forever."""
    parts = (timeout.connect, timeout.read, timeout.write, timeout.pool)
    finite = [p for p in parts if p is not None and math.isfinite(p) and p > 0]
    fallback = DEFAULT_TIMEOUT.read
    assert fallback is not None
    return max(finite) if finite else fallback


def attempt_budget(total: float, until: float | None, now: float) -> float:
    """Seconds one attempt may take: ``total``, or less when the caller's deadline ``until``
    (same clock as ``now``) is nearer. ``0.0`` means no time is left for an attempt."""
    if until is None:
        return total
    left = until - now
    return min(total, left) if left >= MIN_BUDGET else 0.0


def per_operation(timeout: httpx.Timeout, budget: float) -> httpx.Timeout:
    """``timeout`` with no part longer than ``budget``: each read gets at most what is left."""

    def cap(part: float | None) -> float:
        return budget if part is None else min(part, budget)

    return httpx.Timeout(
        connect=cap(timeout.connect),
        read=cap(timeout.read),
        write=cap(timeout.write),
        pool=cap(timeout.pool),
    )


def bound_retry_after(hint: float | None, cap: float) -> float | None:
    """The seconds to wait for a ``Retry-After`` ``hint``: at most ``cap`` (a day, ``1e308``
    or a date years away all mean "try again at the cap"); ``None`` without a usable hint."""
    if hint is None or math.isnan(hint) or hint < 0:
        return None
    return min(hint, cap)
