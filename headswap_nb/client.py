"""``Client`` and ``AsyncClient``: thin I/O shells over the generators in ``_flows``.

Each shell only performs effects (``_api`` docstring): an HTTP call, a sleep, an
``on_update`` callback. Every public method is one line that builds a flow and runs it, so
the two classes differ only by ``await``.
"""

from __future__ import annotations

import asyncio
import inspect
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import TypeVar

import httpx

from headswap_nb._api import Effect, Failure, Flow, Notify, Reply, Send, Sleep
from headswap_nb._shell import BaseClient, Mappings, OnUpdate
from headswap_nb.models import Analysis, Task
from headswap_nb.polling import PollPolicy

__all__ = ["DEFAULT_TIMEOUT", "AsyncClient", "Client"]

T = TypeVar("T")
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def _reply(response: httpx.Response) -> Reply:
    return Reply(response.status_code, response.headers, response.content)


class Client(BaseClient):
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
        return self._run(self._analyze(video_url))

    def get_analysis(self, analysis_id: str) -> Analysis:
        """The analysis record ``analysis_id`` as it is now."""
        return self._run(self._get_analysis(analysis_id))

    def wait_for_analysis(
        self,
        analysis_id: str,
        *,
        timeout: float | None = 900,
        poll: PollPolicy | float | None = None,
        on_update: OnUpdate | None = None,
    ) -> Analysis:
        """Poll until the analysis completes or fails and return it (failed ones too)."""
        return self._run(self._wait_analysis(analysis_id, timeout, poll, on_update))

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
            self._create_task(
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
        return self._run(self._get_task(task_id))

    def wait_for_task(
        self,
        task_id: str,
        *,
        timeout: float | None = 900,
        poll: PollPolicy | float | None = None,
        on_update: OnUpdate | None = None,
    ) -> Task:
        """Poll until the task completes or fails and return it (failed ones too)."""
        return self._run(self._wait_task(task_id, timeout, poll, on_update))

    def close(self) -> None:
        """Close the HTTP connection pool (an injected ``http_client`` is left open)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(BaseClient):
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
        return await self._run(self._analyze(video_url))

    async def get_analysis(self, analysis_id: str) -> Analysis:
        """The analysis record ``analysis_id`` as it is now."""
        return await self._run(self._get_analysis(analysis_id))

    async def wait_for_analysis(
        self,
        analysis_id: str,
        *,
        timeout: float | None = 900,
        poll: PollPolicy | float | None = None,
        on_update: OnUpdate | None = None,
    ) -> Analysis:
        """Poll until the analysis completes or fails and return it (failed ones too)."""
        return await self._run(self._wait_analysis(analysis_id, timeout, poll, on_update))

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
            self._create_task(
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
        return await self._run(self._get_task(task_id))

    async def wait_for_task(
        self,
        task_id: str,
        *,
        timeout: float | None = 900,
        poll: PollPolicy | float | None = None,
        on_update: OnUpdate | None = None,
    ) -> Task:
        """Poll until the task completes or fails and return it (failed ones too)."""
        return await self._run(self._wait_task(task_id, timeout, poll, on_update))

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
