"""What ``Client`` and ``AsyncClient`` share: their configuration, read once when built.

The environment is read here (never at import); the result is one ``Session`` that the
flows of ``operations`` run against. No I/O.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any, TypeVar

import httpx

from headswap_nb._version import __version__
from headswap_nb.client import operations
from headswap_nb.client.config import resolve_base_url, resolve_credential
from headswap_nb.client.deadline import DEFAULT_TIMEOUT, as_timeout, check_seconds
from headswap_nb.client.effects import Flow, Send
from headswap_nb.client.session import Session
from headswap_nb.errors import ConfigurationError
from headswap_nb.models import Analysis, Task
from headswap_nb.polling import PollPolicy

__all__ = ["USER_AGENT", "ClientBase", "Mappings", "OnUpdate"]

R = TypeVar("R", Analysis, Task)
USER_AGENT = f"headswap-nb/{__version__}"
OnUpdate = Callable[[Any], object]
"""Called with each changed record; the async client awaits an awaitable result."""
Mappings = Mapping[int, str] | Iterable[Mapping[str, Any] | tuple[int, str]]
"""``[{"obj_id": 0, "img_url": ...}]``, ``[(0, url)]`` or ``{0: url}``."""


class ClientBase:
    """Configuration shared by both shells; reads the environment here, never at import."""

    def __init__(
        self,
        *,
        api_key: str | None,
        token: str | None,
        client_id: str | None,
        client_secret: str | None,
        base_url: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
        retry_after_cap: float,
        clock: Callable[[], float] | None,
        rng: random.Random | None,
        env: Mapping[str, str] | None,
        http_timeout: httpx.Timeout | None,
        credential_source: str | None = None,
    ) -> None:
        env = os.environ if env is None else env
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ConfigurationError("max_retries must be an int >= 0")
        cap = check_seconds(retry_after_cap, "retry_after_cap")
        assert cap is not None
        # timeout=None keeps an injected http_client's own timeouts (and their total).
        credential = resolve_credential(
            api_key=api_key, token=token, client_id=client_id, client_secret=client_secret, env=env
        )
        if credential_source is not None:  # e.g. "embedded simulator": said in repr, errors
            credential = replace(credential, source=credential_source)
        per_op = as_timeout(timeout) if timeout is not None else http_timeout or DEFAULT_TIMEOUT
        self._session = Session(
            base_url=resolve_base_url(base_url, env),
            credential=credential,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            max_retries=max_retries,
            clock=clock or time.monotonic,
            rng=rng or random.Random(),
            timeout=per_op,
            retry_after_cap=cap,
        )

    @property
    def base_url(self) -> str:
        """The API root every request goes to."""
        return self._session.base_url

    @property
    def credential_source(self) -> str:
        """Where the credential came from (e.g. ``env AKOOL_API_KEY``); never its value."""
        return self._session.credential.source

    @property
    def request_deadline(self) -> float:
        """Seconds one request may take in all, connect to last body byte (from ``timeout``:
        the number itself, or the largest part of an ``httpx.Timeout``)."""
        return self._session.total_timeout

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(base_url={self.base_url!r}, credential={self.credential_source!r})"

    def _url(self, send: Send) -> str:
        return self._session.base_url + send.request.path

    def _waiting(
        self,
        fetch: Callable[..., Flow[R]],
        job_id: str,
        kind: str,
        timeout: float | None,
        poll: PollPolicy | float | None,
        on_update: OnUpdate | None,
    ) -> Flow[R]:
        """The wait flow of ``wait_for_analysis`` / ``wait_for_task`` (``fetch`` reads once)."""
        session = self._session
        return operations.wait(
            session,
            lambda until: fetch(session, job_id, until=until),
            subject=job_id,
            kind=kind,
            timeout=timeout,
            poll=poll,
            on_update=on_update,
        )
