"""``Client`` and ``AsyncClient``: thin I/O shells over the generators in ``operations``.

Each shell only performs effects (``effects`` docstring): an HTTP call, a sleep, an
``on_update`` callback. Every public method is one line that builds a flow and runs it, so
the two classes differ only by ``await``; their shared configuration is ``_ClientBase``.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, TypeVar

import httpx

from headswap_nb._version import __version__
from headswap_nb.client import operations
from headswap_nb.client.config import resolve_base_url, resolve_credential
from headswap_nb.client.effects import Effect, Failure, Flow, Notify, Reply, Send, Sleep
from headswap_nb.client.session import Session
from headswap_nb.errors import ConfigurationError
from headswap_nb.models import Analysis, Task
from headswap_nb.polling import PollPolicy

__all__ = ["DEFAULT_TIMEOUT", "AsyncClient", "Client"]

T = TypeVar("T")
R = TypeVar("R", Analysis, Task)
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
USER_AGENT = f"headswap-nb/{__version__}"
Mappings = Mapping[int, str] | Iterable[Mapping[str, Any] | tuple[int, str]]
"""``[{"obj_id": 0, "img_url": ...}]``, ``[(0, url)]`` or ``{0: url}``."""
OnUpdate = Callable[[Any], object]
"""Called with each changed record; the async client awaits an awaitable result."""


class _ClientBase:
    """Configuration shared by both shells; reads the environment here, never at import."""

    def __init__(
        self,
        *,
        api_key: str | None,
        token: str | None,
        client_id: str | None,
        client_secret: str | None,
        base_url: str | None,
        max_retries: int,
        clock: Callable[[], float] | None,
        rng: random.Random | None,
        env: Mapping[str, str] | None,
    ) -> None:
        env = os.environ if env is None else env
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ConfigurationError("max_retries must be an int >= 0")
        self._session = Session(
            base_url=resolve_base_url(base_url, env),
            credential=resolve_credential(
                api_key=api_key,
                token=token,
                client_id=client_id,
                client_secret=client_secret,
                env=env,
            ),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            max_retries=max_retries,
            clock=clock or time.monotonic,
            rng=rng or random.Random(),
        )

    @property
    def base_url(self) -> str:
        """The API root every request goes to."""
        return self._session.base_url

    @property
    def credential_source(self) -> str:
        """Where the credential came from (e.g. ``env AKOOL_API_KEY``); never its value."""
        return self._session.credential.source

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(base_url={self.base_url!r}, credential={self.credential_source!r})"

    def _url(self, send: Send) -> str:
        return self._session.base_url + send.request.path

    def _waiting(
        self,
        fetch: Callable[[Session, str], Flow[R]],
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
            lambda: fetch(session, job_id),
            subject=job_id,
            kind=kind,
            timeout=timeout,
            poll=poll,
            on_update=on_update,
        )


def _reply(response: httpx.Response) -> Reply:
    return Reply(response.status_code, response.headers, response.content)


class Client(_ClientBase):
    """Blocking client for the head-swap API (see the package README for examples)."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 3,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        rng: random.Random | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            token=token,
            client_id=client_id,
            client_secret=client_secret,
            base_url=base_url,
            max_retries=max_retries,
            clock=clock,
            rng=rng,
            env=env,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(
            transport=transport, timeout=timeout or DEFAULT_TIMEOUT
        )
        self._timeout = timeout  # None: keep an injected http_client's own timeout
        self._sleep = sleep or time.sleep

    def _run(self, flow: Flow[T]) -> T:
        try:
            effect: Effect = next(flow)
            while True:
                result: object = None
                if isinstance(effect, Send):
                    result = self._send(effect)
                elif isinstance(effect, Sleep):
                    self._sleep(effect.seconds)
                elif isinstance(effect, Notify):
                    effect.callback(effect.record)
                effect = flow.send(result)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        finally:
            flow.close()

    def _send(self, send: Send) -> Reply | Failure:
        request = send.request
        try:
            response = self._http.request(
                request.method,
                self._url(send),
                params=request.params,
                json=request.json,
                headers=send.headers,
                timeout=self._timeout or httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.RequestError as exc:
            return Failure(exc)
        return _reply(response)

    def analyze(self, video_url: str) -> Analysis:
        """Submit a person analysis of ``video_url`` (billed; ``type`` is always ``head``)."""
        return self._run(operations.analyze(self._session, video_url))

    def get_analysis(self, analysis_id: str) -> Analysis:
        """The analysis record ``analysis_id`` as it is now."""
        return self._run(operations.get_analysis(self._session, analysis_id))

    def wait_for_analysis(
        self,
        analysis_id: str,
        *,
        timeout: float | None = 900,
        poll: PollPolicy | float | None = None,
        on_update: OnUpdate | None = None,
    ) -> Analysis:
        """Poll until the analysis completes or fails and return it (failed ones too)."""
        return self._run(
            self._waiting(
                operations.get_analysis, analysis_id, "analysis", timeout, poll, on_update
            )
        )

    def create_task(
        self,
        video_url: str,
        mappings: Mappings,
        *,
        resolution: str = "720p",
        model_name: str = "akool-premium",
        keep_original_sound: bool = True,
        template_id: str | None = None,
        webhook_url: str | None = None,
    ) -> Task:
        """Create a head-swap task for the analysed ``video_url`` (billed; exact same URL)."""
        return self._run(
            operations.create_task(
                self._session,
                video_url,
                mappings,
                resolution=resolution,
                model_name=model_name,
                keep_original_sound=keep_original_sound,
                template_id=template_id,
                webhook_url=webhook_url,
            )
        )

    def get_task(self, task_id: str) -> Task:
        """The head-swap task ``task_id`` as it is now."""
        return self._run(operations.get_task(self._session, task_id))

    def wait_for_task(
        self,
        task_id: str,
        *,
        timeout: float | None = 900,
        poll: PollPolicy | float | None = None,
        on_update: OnUpdate | None = None,
    ) -> Task:
        """Poll until the task completes or fails and return it (failed ones too)."""
        return self._run(
            self._waiting(operations.get_task, task_id, "task", timeout, poll, on_update)
        )

    def close(self) -> None:
        """Close the HTTP connection pool (an injected ``http_client`` is left open)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(_ClientBase):
    """Asyncio client; the same methods as ``Client``, awaited."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
        rng: random.Random | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            token=token,
            client_id=client_id,
            client_secret=client_secret,
            base_url=base_url,
            max_retries=max_retries,
            clock=clock,
            rng=rng,
            env=env,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            transport=transport, timeout=timeout or DEFAULT_TIMEOUT
        )
        self._timeout = timeout
        self._sleep = sleep or asyncio.sleep

    async def _run(self, flow: Flow[T]) -> T:
        try:
            effect: Effect = next(flow)
            while True:
                result: object = None
                if isinstance(effect, Send):
                    result = await self._send(effect)
                elif isinstance(effect, Sleep):
                    await self._sleep(effect.seconds)
                elif isinstance(effect, Notify):
                    outcome = effect.callback(effect.record)
                    if inspect.isawaitable(outcome):
                        await outcome
                effect = flow.send(result)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        finally:
            flow.close()

    async def _send(self, send: Send) -> Reply | Failure:
        request = send.request
        try:
            response = await self._http.request(
                request.method,
                self._url(send),
                params=request.params,
                json=request.json,
                headers=send.headers,
                timeout=self._timeout or httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.RequestError as exc:
            return Failure(exc)
        return _reply(response)

    async def analyze(self, video_url: str) -> Analysis:
        """Submit a person analysis of ``video_url`` (billed; ``type`` is always ``head``)."""
        return await self._run(operations.analyze(self._session, video_url))

    async def get_analysis(self, analysis_id: str) -> Analysis:
        """The analysis record ``analysis_id`` as it is now."""
        return await self._run(operations.get_analysis(self._session, analysis_id))

    async def wait_for_analysis(
        self,
        analysis_id: str,
        *,
        timeout: float | None = 900,
        poll: PollPolicy | float | None = None,
        on_update: OnUpdate | None = None,
    ) -> Analysis:
        """Poll until the analysis completes or fails and return it (failed ones too)."""
        return await self._run(
            self._waiting(
                operations.get_analysis, analysis_id, "analysis", timeout, poll, on_update
            )
        )

    async def create_task(
        self,
        video_url: str,
        mappings: Mappings,
        *,
        resolution: str = "720p",
        model_name: str = "akool-premium",
        keep_original_sound: bool = True,
        template_id: str | None = None,
        webhook_url: str | None = None,
    ) -> Task:
        """Create a head-swap task for the analysed ``video_url`` (billed; exact same URL)."""
        return await self._run(
            operations.create_task(
                self._session,
                video_url,
                mappings,
                resolution=resolution,
                model_name=model_name,
                keep_original_sound=keep_original_sound,
                template_id=template_id,
                webhook_url=webhook_url,
            )
        )

    async def get_task(self, task_id: str) -> Task:
        """The head-swap task ``task_id`` as it is now."""
        return await self._run(operations.get_task(self._session, task_id))

    async def wait_for_task(
        self,
        task_id: str,
        *,
        timeout: float | None = 900,
        poll: PollPolicy | float | None = None,
        on_update: OnUpdate | None = None,
    ) -> Task:
        """Poll until the task completes or fails and return it (failed ones too)."""
        return await self._run(
            self._waiting(operations.get_task, task_id, "task", timeout, poll, on_update)
        )

    async def aclose(self) -> None:
        """Close the HTTP connection pool (an injected ``http_client`` is left open)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
