"""Authenticated calls: ``x-api-key``, a given token, or the getToken exchange (akool-api.md
§2), with one token fetch for any number of concurrent calls.

``call(session, request, accept, until=...)`` adds the credential and sends
(``session.attempts``). With client credentials the token is fetched under the client's
token lock (``Acquire``/``Release`` effects; the shells hold a ``threading.Lock`` or an
``asyncio.Lock``) and the cache is checked again once the lock is held: fifty concurrent
first calls make one getToken, and fifty calls that all see 1101 at once make one refetch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from headswap_nb.client import protocol
from headswap_nb.client.config import AuthKind
from headswap_nb.client.effects import (
    TOKEN_LOCK,
    Acquire,
    Delivery,
    Flow,
    Problem,
    Release,
    Request,
)
from headswap_nb.client.secret import Secret
from headswap_nb.client.session import OutOfTime, Session, attempts
from headswap_nb.errors import AuthenticationError

__all__ = ["call"]

log = logging.getLogger("headswap_nb")
T = TypeVar("T")


def _token_of(request: Request) -> Callable[[dict[str, Any]], str | Problem]:
    def accept(body: dict[str, Any]) -> str | Problem:
        raw = body.get("token")  # top level, not inside data (§2.1)
        if isinstance(raw, str) and raw:
            return raw
        # getToken is idempotent: an answer without a token is retried like a garbled read.
        return Problem(protocol.protocol_error(request, "has no 'token'", body), Delivery.ANSWERED)

    return accept


def _fetch_token(session: Session, until: float | None) -> Flow[Secret]:
    credential = session.credential
    request = Request(
        "POST",
        protocol.TOKEN_PATH,
        subject=credential.client_id,
        authenticated=False,
        json={"clientId": credential.client_id, "clientSecret": credential.secret.reveal()},
    )
    raw = yield from attempts(session, request, session.headers, _token_of(request), until=until)
    return Secret(raw)


def _token(session: Session, until: float | None, stale: Secret | None) -> Flow[Secret]:
    """The cached token, unless it is ``stale`` (refused with 1101); fetched under the lock."""
    token = session.token
    if token is not None and token is not stale:
        return token
    wait = None if until is None else max(0.0, until - session.clock())
    if not (yield Acquire(TOKEN_LOCK, wait)):
        raise OutOfTime("another call was still fetching the token at the deadline")
    try:
        token = session.token  # again, now that the lock is held: another call may have won
        if token is None or token is stale:
            if stale is not None:
                log.debug("token rejected (1101); exchanging client credentials again")
            token = session.token = yield from _fetch_token(session, until)
    except GeneratorExit:
        raise  # the flow is being closed: it may not yield; the shell releases the lock
    except BaseException:
        yield Release(TOKEN_LOCK)
        raise
    yield Release(TOKEN_LOCK)
    return token


def _headers(
    session: Session, until: float | None, stale: Secret | None
) -> Flow[tuple[dict[str, str], Secret | None]]:
    """Headers for an authenticated call, and the token they carry (if any)."""
    credential = session.credential
    if credential.kind is AuthKind.API_KEY:
        return {**session.headers, "x-api-key": credential.secret.reveal()}, None
    if credential.kind is AuthKind.TOKEN:
        token = credential.secret
    else:
        token = yield from _token(session, until, stale)
    return {**session.headers, "Authorization": f"Bearer {token.reveal()}"}, token


def call(
    session: Session,
    request: Request,
    accept: Callable[[dict[str, Any]], T | Problem],
    *,
    until: float | None = None,
) -> Flow[T]:
    """Authenticate and send; with client credentials, exchange again once on 1101."""
    stale: Secret | None = None
    while True:
        headers, used = yield from _headers(session, until, stale)
        try:
            return (yield from attempts(session, request, headers, accept, until=until))
        except AuthenticationError as exc:
            if exc.code != 1101 or session.credential.kind is not AuthKind.CLIENT:
                raise
            if stale is not None:
                exc.message += (
                    " A fresh token was fetched and also rejected: check "
                    "AKOOL_CLIENT_ID / AKOOL_CLIENT_SECRET (or client_id / client_secret)."
                )
                raise
            stale = used
