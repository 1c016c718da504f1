"""``AsyncClient``: the asyncio shell over the flows of ``operations`` (see ``clients``).

The same methods and options as ``Client``, awaited: each HTTP exchange under
``asyncio.wait_for`` with the request's budget (``exchange.send_async``), sleeps with
``asyncio.sleep`` (or the injected ``sleep``), one ``asyncio.Lock`` per key and event loop.
"""

from __future__ import annotations

import asyncio
import inspect
import random
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import TypeVar

import httpx

from headswap_nb.client import operations
from headswap_nb.client.base import ClientBase, Mappings, OnUpdate
from headswap_nb.client.deadline import RETRY_AFTER_CAP
from headswap_nb.client.effects import Acquire, Effect, Flow, Notify, Release, Send, Sleep
from headswap_nb.client.exchange import LoopLocks, send_async
from headswap_nb.models import Analysis, Task
from headswap_nb.polling import PollPolicy

__all__ = ["AsyncClient"]

T = TypeVar("T")


class AsyncClient(ClientBase):
    """Asyncio client; the same methods and options as ``Client``, awaited."""

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
        retry_after_cap: float = RETRY_AFTER_CAP,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
        rng: random.Random | None = None,
        env: Mapping[str, str] | None = None,
        credential_source: str | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            token=token,
            client_id=client_id,
            client_secret=client_secret,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_after_cap=retry_after_cap,
            clock=clock,
            rng=rng,
            env=env,
            http_timeout=http_client.timeout if http_client is not None else None,
            credential_source=credential_source,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            transport=transport, timeout=self._session.timeout
        )
        self._sleep = sleep or asyncio.sleep
        self._locks = LoopLocks()

    async def _run(self, flow: Flow[T]) -> T:
        held: list[str] = []
        try:
            effect: Effect = next(flow)
            while True:
                result: object = None
                if isinstance(effect, Send):
                    result = await send_async(self._http, effect, self._url(effect))
                elif isinstance(effect, Sleep):
                    await self._sleep(effect.seconds)
                elif isinstance(effect, Notify):
                    outcome = effect.callback(effect.record)
                    if inspect.isawaitable(outcome):
                        await outcome
                elif isinstance(effect, Acquire):
                    result = await self._locks.acquire(effect, held)
                elif isinstance(effect, Release):
                    self._locks.release(effect.key, held)
                effect = flow.send(result)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        finally:
            flow.close()
            self._locks.release_all(held)

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

    async def get_credits(self) -> float:
        """The account's credit balance now (account-wide). What a job costs is not
        published: compare balances before and after to see what a batch spent."""
        return await self._run(operations.get_credits(self._session))

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
        """Poll until the task completes or fails and return it (failed ones too); the
        output link of a completed task may expire (about 7 days): download it promptly."""
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
