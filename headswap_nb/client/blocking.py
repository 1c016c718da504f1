"""``Client``: the blocking shell over the flows of ``operations`` (see ``clients``).

It performs effects with blocking I/O: each HTTP exchange on a worker thread it waits for
at most the request's budget (``exchange.send_blocking``), sleeps with ``time.sleep`` (or
the injected ``sleep``), and ``threading.Lock``s, so one ``Client`` may be shared by threads.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

import httpx

from headswap_nb.client import operations
from headswap_nb.client.base import ClientBase, Mappings, OnUpdate
from headswap_nb.client.deadline import RETRY_AFTER_CAP
from headswap_nb.client.effects import Acquire, Effect, Flow, Notify, Release, Send, Sleep
from headswap_nb.client.exchange import ThreadLocks, send_blocking
from headswap_nb.models import Analysis, Task
from headswap_nb.polling import PollPolicy

__all__ = ["Client"]

T = TypeVar("T")


class Client(ClientBase):
    """Blocking client for the head-swap API (see the package README for examples).

    ``timeout``: seconds one request may take *in all* (connecting, sending, the headers and
    the whole body), or an ``httpx.Timeout`` whose largest part is that total (30 s by
    default); a billed submit that runs out of it raises ``SubmissionUnknownError`` and is
    never resent. ``retry_after_cap``: the longest a ``Retry-After`` hint makes a call
    sleep (60 s); a longer hint means "try again at the cap". May be shared by threads.
    """

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
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
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
        self._http = http_client or httpx.Client(transport=transport, timeout=self._session.timeout)
        self._sleep = sleep or time.sleep
        self._locks = ThreadLocks()

    def _run(self, flow: Flow[T]) -> T:
        held: list[str] = []
        try:
            effect: Effect = next(flow)
            while True:
                result: object = None
                if isinstance(effect, Send):
                    result = send_blocking(self._http, effect, self._url(effect))
                elif isinstance(effect, Sleep):
                    self._sleep(effect.seconds)
                elif isinstance(effect, Notify):
                    effect.callback(effect.record)
                elif isinstance(effect, Acquire):
                    result = self._locks.acquire(effect, held)
                elif isinstance(effect, Release):
                    self._locks.release(effect.key, held)
                effect = flow.send(result)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        finally:
            flow.close()
            self._locks.release_all(held)

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

    def get_credits(self) -> float:
        """The account's credit balance now (account-wide). What a job costs is not
        published: compare balances before and after to see what a batch spent."""
        return self._run(operations.get_credits(self._session))

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
        """Poll until the task completes or fails and return it (failed ones too); the
        output link of a completed task may expire (about 7 days): download it promptly."""
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
