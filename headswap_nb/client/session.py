"""A client's session: configuration, the cached token, and sending one request well.

``call(session, request)`` authenticates (``x-api-key``, a given token, or the getToken
exchange of akool-api.md §2.1, refreshed once on 1101) and sends until the retry rules of
``retry`` say stop; ``record`` turns a success envelope into a model or a precise error.
Sans-I/O generators (``effects``): the shells in ``clients`` perform the effects.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from headswap_nb.client import protocol
from headswap_nb.client.config import AuthKind, Credential
from headswap_nb.client.effects import Failure, Flow, Problem, Reply, Request, Send, Sleep
from headswap_nb.client.retry import classify_failure, plan
from headswap_nb.client.secret import Secret
from headswap_nb.errors import AuthenticationError, HeadswapError, SubmissionUnknownError
from headswap_nb.models import Analysis, Task

__all__ = ["Session", "call", "record"]

log = logging.getLogger("headswap_nb")
R = TypeVar("R", Analysis, Task)


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
            result = protocol.interpret(
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
            protocol.TOKEN_PATH,
            subject=credential.client_id,
            authenticated=False,
            json={"clientId": credential.client_id, "clientSecret": credential.secret.reveal()},
        )
        body = yield from _attempts(session, request, session.headers)
        raw = body.get("token")  # top level, not inside data (§2.1)
        if not isinstance(raw, str) or not raw:
            raise protocol.protocol_error(request, "has no 'token'", body, session.secrets)
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


def record(
    parse: Callable[[object], R], body: dict[str, Any], request: Request, session: Session
) -> R:
    try:
        return parse(body.get("data"))
    except ValueError:
        problem = protocol.protocol_error(
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
