"""A client's session: its configuration, its mutable state, and sending one request well.

``attempts(session, request, headers, accept, until=...)`` sends until the retry rules of
``retry`` say stop. Each attempt gets a total budget (``deadline``): the client's per-request
deadline, or less when the caller's own deadline ``until`` is nearer; a retry that would
start past ``until`` is not made (``OutOfTime``). A successful envelope goes to ``accept``,
which returns the result or a ``Problem``: a garbled or mismatched record is a failed
attempt like any other. Authentication (and the call most code uses): ``auth``.
Sans-I/O generators (``effects``): the shells in ``clients`` perform the effects.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from headswap_nb.client import protocol, scrub
from headswap_nb.client.config import Credential
from headswap_nb.client.deadline import (
    DEFAULT_TIMEOUT,
    RETRY_AFTER_CAP,
    attempt_budget,
    per_operation,
    seconds,
    total_timeout,
)
from headswap_nb.client.effects import Expired, Failure, Flow, Problem, Reply, Request, Send, Sleep
from headswap_nb.client.retry import classify_expired, classify_failure, plan
from headswap_nb.client.secret import Secret
from headswap_nb.errors import HeadswapError

__all__ = ["OutOfTime", "Session", "attempts"]

log = logging.getLogger("headswap_nb")
T = TypeVar("T")
MAX_UNUSABLE_IDS = 4096


@dataclass
class Session:
    """A client's configuration plus its mutable state: the cached token and the ids the
    API returned that cannot be queried."""

    base_url: str
    credential: Credential
    headers: Mapping[str, str]
    max_retries: int = 3
    clock: Callable[[], float] = time.monotonic
    """Monotonic seconds, for ``wait_for_*`` timeouts, the poll schedule and deadlines."""
    rng: random.Random = field(default_factory=random.Random)
    wall_clock: Callable[[], float] = time.time
    """Epoch seconds, for ``Retry-After`` dates when the reply has no ``Date`` header."""
    timeout: httpx.Timeout = field(default_factory=lambda: DEFAULT_TIMEOUT)
    """Per-operation timeouts (connect, read, write, pool) of every request."""
    total_timeout: float = field(default=0.0)
    """The total deadline of one request in seconds; ``0``: derived from ``timeout``."""
    retry_after_cap: float = RETRY_AFTER_CAP
    """Longest sleep a ``Retry-After`` hint may cause."""
    token: Secret | None = field(default=None, repr=False)
    """Bearer token from getToken, cached for the client's lifetime (§2.1: valid > 1 year)."""
    unusable_ids: dict[str, str] = field(default_factory=dict, repr=False)
    """Ids returned by a submit that cannot be queried (``validation.id_problem``), each with
    the URL submitted, so that the next call says the API returned it (``UnusableIdError``)."""

    def __post_init__(self) -> None:
        if not self.total_timeout:
            self.total_timeout = total_timeout(self.timeout)

    @property
    def secrets(self) -> tuple[Secret, ...]:
        """Every credential value to scrub from answers and messages."""
        extra = (self.token,) if self.token is not None else ()
        return (self.credential.secret, *extra)

    def secrets_for(self, request: Request) -> tuple[Secret, ...]:
        # getToken's answer *is* a token, possibly the very one cached now: never scrub it.
        return self.secrets if request.authenticated else (self.credential.secret,)

    def remember_unusable(self, job_id: str, video_url: str) -> None:
        """Note an id the API returned that cannot be queried (bounded, oldest forgotten)."""
        if len(self.unusable_ids) >= MAX_UNUSABLE_IDS:
            self.unusable_ids.pop(next(iter(self.unusable_ids)))
        self.unusable_ids[job_id] = video_url


class OutOfTime(Exception):
    """Internal signal: the caller's deadline leaves no time for the next attempt (or for
    waiting on another call's token fetch). ``error`` is the last failure, if any; the wait
    that set the deadline turns this into ``WaitTimeoutError``."""

    def __init__(self, reason: str, error: HeadswapError | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error


def attempts(
    session: Session,
    request: Request,
    headers: Mapping[str, str],
    accept: Callable[[dict[str, Any]], T | Problem],
    *,
    until: float | None = None,
) -> Flow[T]:
    """Send ``request`` until ``accept`` takes an answer or the retry rules say stop."""
    url = session.base_url + request.path
    attempt = 0
    last: HeadswapError | None = None
    while True:
        budget = attempt_budget(session.total_timeout, until, session.clock())
        if budget <= 0:
            raise OutOfTime("no time was left for another request", last)
        outcome = yield Send(request, headers, budget, per_operation(session.timeout, budget))
        result: T | Problem
        cause: BaseException | None = None
        if isinstance(outcome, Reply):
            answer = protocol.interpret(
                outcome,
                request,
                secrets=session.secrets_for(request),
                now=session.wall_clock(),
                retry_after_cap=session.retry_after_cap,
            )
            result = answer if isinstance(answer, Problem) else accept(answer)
            outcome_text = f"HTTP {outcome.status}"
        elif isinstance(outcome, Failure):
            result = classify_failure(outcome, request, url)
            # The transport's own text may quote what the server sent: keep it out if so.
            text = f"{outcome.exc!s} {outcome.exc!r}"
            cause = outcome.exc if scrub.scrub_text(text, session.secrets) == text else None
            outcome_text = type(outcome.exc).__name__
        elif isinstance(outcome, Expired):
            result = classify_expired(outcome, request, url)
            outcome_text = f"unfinished after {seconds(outcome.budget)} s"
        else:  # pragma: no cover - a shell bug
            raise TypeError(f"Send must be answered with Reply, Failure or Expired: {outcome!r}")
        log.debug("%s %s (%s) -> %s", request.method, request.path, request.subject, outcome_text)
        if not isinstance(result, Problem):
            return result
        decision = plan(
            result,
            request,
            url=url,
            attempt=attempt,
            max_retries=session.max_retries,
            jitter=session.rng.random(),
            retry_after_cap=session.retry_after_cap,
        )
        if isinstance(decision, HeadswapError):
            if cause is not None:
                raise decision from cause
            raise decision  # keeps the cause ``plan`` gave it (a submit's SubmissionUnknown)
        last = result.error
        if until is not None and session.clock() + decision >= until:
            raise OutOfTime(
                f"the last request failed and the next try would come only after the "
                f"deadline ({last.message})",
                last,
            )
        log.debug(
            "retrying %s %s in %.2f s (attempt %d)",
            request.method,
            request.path,
            decision,
            attempt + 2,
        )
        yield Sleep(decision)
        attempt += 1
