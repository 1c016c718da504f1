"""Every client operation, written once as a sans-I/O generator (effects: see ``_api``).

``Client`` and ``AsyncClient`` drive these generators; all branching — authentication,
token exchange and refresh, retries, the wait loop and its poll schedule — lives here.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from headswap_nb import _api
from headswap_nb._api import Failure, Flow, Notify, Problem, Reply, Request, Send, Sleep
from headswap_nb._config import AuthKind, Credential
from headswap_nb._retry import classify_failure, plan
from headswap_nb._secret import Secret
from headswap_nb._validation import (
    RESOLUTIONS,
    check_bool,
    check_choice,
    check_id,
    check_text,
    check_url,
    normalise_mappings,
)
from headswap_nb.errors import (
    AuthenticationError,
    ConfigurationError,
    HeadswapError,
    SubmissionUnknownError,
    WaitTimeoutError,
)
from headswap_nb.models import Analysis, Task
from headswap_nb.polling import PollPolicy, PollState, resolve_policy

__all__ = ["Session", "analyze", "create_task", "get_analysis", "get_task", "wait"]

log = logging.getLogger("headswap_nb")
R = TypeVar("R", Analysis, Task)
OnUpdate = Callable[[Any], object]


@dataclass
class Session:
    """A client's configuration plus its one piece of mutable state: the cached token."""

    base_url: str
    credential: Credential
    headers: Mapping[str, str]
    max_retries: int = 3
    clock: Callable[[], float] = time.monotonic
    """Monotonic seconds, for ``wait_for_*`` timeouts and the poll schedule."""
    rng: random.Random = field(default_factory=random.Random)
    wall_clock: Callable[[], float] = time.time
    """Epoch seconds, for ``Retry-After`` dates when the reply has no ``Date`` header."""
    token: Secret | None = field(default=None, repr=False)
    """Bearer token from getToken, cached for the client's lifetime (§2.1: valid > 1 year)."""

    @property
    def secrets(self) -> tuple[Secret, ...]:
        """Every credential value that must be redacted from messages."""
        extra = (self.token,) if self.token is not None else ()
        return (self.credential.secret, *extra)


def _attempts(
    session: Session, request: Request, headers: Mapping[str, str]
) -> Flow[dict[str, Any]]:
    """Send ``request`` until it succeeds or the retry rules (``_retry``) say stop."""
    url = session.base_url + request.path
    attempt = 0
    while True:
        outcome = yield Send(request, headers)
        result: dict[str, Any] | Problem
        if isinstance(outcome, Reply):
            result = _api.interpret(
                outcome, request, secrets=session.secrets, now=session.wall_clock()
            )
            if log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "%s %s (%s) -> HTTP %s",
                    request.method,
                    request.path,
                    request.subject,
                    outcome.status,
                )
        elif isinstance(outcome, Failure):
            result = classify_failure(outcome, request, url)
            log.debug(
                "%s %s (%s) -> %s",
                request.method,
                request.path,
                request.subject,
                type(outcome.exc).__name__,
            )
        else:  # pragma: no cover - a shell bug
            raise TypeError(f"Send must be answered with Reply or Failure, got {outcome!r}")
        if not isinstance(result, Problem):
            return result
        decision = plan(
            result,
            request,
            url=url,
            attempt=attempt,
            max_retries=session.max_retries,
            jitter=session.rng.random(),
        )
        if isinstance(decision, HeadswapError):
            raise decision from (outcome.exc if isinstance(outcome, Failure) else None)
        log.debug(
            "retrying %s %s in %.2f s (attempt %d)",
            request.method,
            request.path,
            decision,
            attempt + 2,
        )
        yield Sleep(decision)
        attempt += 1


def _auth_headers(session: Session) -> Flow[dict[str, str]]:
    """Headers for an authenticated call; runs the getToken exchange when needed (§2)."""
    credential = session.credential
    if credential.kind is AuthKind.API_KEY:
        return {**session.headers, "x-api-key": credential.secret.reveal()}
    token = credential.secret if credential.kind is AuthKind.TOKEN else session.token
    if token is None:
        request = Request(
            "POST",
            _api.TOKEN_PATH,
            subject=credential.client_id,
            authenticated=False,
            json={"clientId": credential.client_id, "clientSecret": credential.secret.reveal()},
        )
        body = yield from _attempts(session, request, session.headers)
        raw = body.get("token")  # top level, not inside data (§2.1)
        if not isinstance(raw, str) or not raw:
            raise _api.protocol_error(request, "has no 'token'", body, session.secrets)
        token = session.token = Secret(raw)
    return {**session.headers, "Authorization": f"Bearer {token.reveal()}"}


def call(session: Session, request: Request) -> Flow[dict[str, Any]]:
    """Authenticate and send; with client credentials, exchange again once on 1101."""
    refreshed = False
    while True:
        headers = yield from _auth_headers(session)
        used = session.token
        try:
            return (yield from _attempts(session, request, headers))
        except AuthenticationError as exc:
            if exc.code != 1101 or session.credential.kind is not AuthKind.CLIENT or refreshed:
                if exc.code == 1101 and refreshed:
                    exc.message += (
                        " A fresh token was fetched and also rejected: check "
                        "AKOOL_CLIENT_ID / AKOOL_CLIENT_SECRET (or client_id / client_secret)."
                    )
                raise
            refreshed = True
            if session.token is used:  # another call may already have refreshed it
                session.token = None
            log.debug("token rejected (1101); exchanging client credentials again")


def _record(
    parse: Callable[[object], R], body: dict[str, Any], request: Request, session: Session
) -> R:
    try:
        return parse(body.get("data"))
    except ValueError:
        problem = _api.protocol_error(
            request, "its 'data' is not a record with an '_id'", body, session.secrets
        )
        if request.submit:
            # code 1000 means the server accepted (and billed) the submit; without an id
            # we cannot track it, and resending would bill it again.
            raise SubmissionUnknownError(
                f"{request.method} {request.path} for {request.subject} was accepted "
                f"(code 1000) but the answer carried no '_id'; do not resubmit blindly: "
                f"check the account's history or contact Akool support. ({problem})",
                video_url=request.subject or "",
                endpoint=request.path,
            ) from None
        raise problem from None


def analyze(session: Session, video_url: str) -> Flow[Analysis]:
    """Submit a person analysis (§4.1); billed, so never resent when it may have arrived."""
    url = check_url(video_url, "video_url")
    request = Request(
        "POST", _api.ANALYZE_PATH, subject=url, json={"video_url": url, "type": "head"}, submit=True
    )
    return _record(Analysis.from_json, (yield from call(session, request)), request, session)


def get_analysis(session: Session, analysis_id: str) -> Flow[Analysis]:
    """Read one analysis record (§4.2)."""
    record_id = check_id(analysis_id, "analysis_id")
    request = Request("GET", _api.ANALYZE_DETAIL_PATH, subject=record_id, params={"_id": record_id})
    return _record(Analysis.from_json, (yield from call(session, request)), request, session)


def create_task(
    session: Session,
    video_url: str,
    mappings: object,
    *,
    resolution: str,
    model_name: str,
    keep_original_sound: bool,
    template_id: str | None,
    webhook_url: str | None,
) -> Flow[Task]:
    """Create a head-swap task (§4.3). ``video_url`` is sent exactly as given."""
    body: dict[str, Any] = {
        "video_url": check_url(video_url, "video_url"),
        "mappings": normalise_mappings(mappings),
        "model_name": check_text(model_name, "model_name"),
        "resolution": check_choice(resolution, "resolution", RESOLUTIONS),
        "keep_original_sound": check_bool(keep_original_sound, "keep_original_sound"),
    }
    if template_id is not None:
        body["template_id"] = check_text(template_id, "template_id")
    if webhook_url is not None:
        body["webhookUrl"] = check_url(webhook_url, "webhook_url")  # camelCase on the wire
    request = Request("POST", _api.TASK_CREATE_PATH, subject=video_url, json=body, submit=True)

    def parse(data: object) -> Task:
        return Task.from_json(data, source_video_url=video_url)

    return _record(parse, (yield from call(session, request)), request, session)


def get_task(session: Session, task_id: str) -> Flow[Task]:
    """Read one head-swap task (§4.4)."""
    record_id = check_id(task_id, "task_id")
    request = Request("GET", _api.TASK_DETAIL_PATH, subject=record_id, params={"_id": record_id})
    return _record(Task.from_json, (yield from call(session, request)), request, session)


def _check_timeout(timeout: float | None) -> float | None:
    if timeout is None:
        return None
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not timeout >= 0
        or math.isnan(timeout)
    ):
        raise ConfigurationError(
            "timeout must be a number of seconds >= 0, or None to wait forever"
        )
    return float(timeout)


def wait(
    session: Session,
    fetch: Callable[[], Flow[R]],
    *,
    subject: str,
    kind: str,
    timeout: float | None,
    poll: PollPolicy | float | None,
    on_update: OnUpdate | None,
) -> Flow[R]:
    """Poll ``fetch`` until the record is terminal; return it even if it failed.

    A transient error that survives a poll's own retries propagates (the caller, e.g. a batch
    engine, decides whether to wait again); the job itself is unaffected.
    """
    limit = _check_timeout(timeout)
    state = PollState(resolve_policy(poll))  # HEADSWAP_POLL_INTERVAL is read here, per wait
    start = session.clock()
    last: R | None = None
    while True:
        record = yield from fetch()
        elapsed = session.clock() - start
        if on_update is not None and (
            last is None or (record.status, record.progress) != (last.status, last.progress)
        ):
            yield Notify(on_update, record)
        last = record
        if record.is_terminal:
            return record
        if limit is not None and elapsed >= limit:
            raise WaitTimeoutError(
                f"Gave up waiting for {kind} {subject} after {limit:g} s (last seen: "
                f"{record.status.label}, {record.progress:.0f} %). The job goes on at Akool: "
                f"wait again later, or pass a larger timeout= (timeout=None waits forever).",
                subject=subject,
                last=record,
            )
        state.observe(elapsed, int(record.status), record.progress)
        delay = state.delay(session.rng.random())
        if limit is not None:
            delay = min(delay, limit - elapsed)
        yield Sleep(max(0.0, delay))
