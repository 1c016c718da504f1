"""Configuration and flow builders shared by ``Client`` and ``AsyncClient``."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from headswap_nb import _flows
from headswap_nb._api import Flow, Send
from headswap_nb._config import resolve_base_url, resolve_credential
from headswap_nb._version import __version__
from headswap_nb.errors import ConfigurationError
from headswap_nb.models import Analysis, Task

__all__ = ["USER_AGENT", "BaseClient", "Mappings", "OnUpdate"]

USER_AGENT = f"headswap-nb/{__version__}"
Mappings = Mapping[int, str] | Iterable[Mapping[str, Any] | tuple[int, str]]
"""``[{"obj_id": 0, "img_url": ...}]``, ``[(0, url)]`` or ``{0: url}``."""
OnUpdate = Callable[[Any], object]
"""Called with each changed record; the async client awaits an awaitable result."""


class BaseClient:
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
        self._session = _flows.Session(
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

    # Flow builders shared by both shells (the public methods only run them).
    def _analyze(self, video_url: str) -> Flow[Analysis]:
        return _flows.analyze(self._session, video_url)

    def _get_analysis(self, analysis_id: str) -> Flow[Analysis]:
        return _flows.get_analysis(self._session, analysis_id)

    def _wait_analysis(
        self, analysis_id: str, timeout: float | None, poll: Any, on_update: Any
    ) -> Flow[Analysis]:
        return _flows.wait(
            self._session,
            lambda: self._get_analysis(analysis_id),
            subject=analysis_id,
            kind="analysis",
            timeout=timeout,
            poll=poll,
            on_update=on_update,
        )

    def _create_task(self, video_url: str, mappings: Mappings, **options: Any) -> Flow[Task]:
        return _flows.create_task(self._session, video_url, mappings, **options)

    def _get_task(self, task_id: str) -> Flow[Task]:
        return _flows.get_task(self._session, task_id)

    def _wait_task(
        self, task_id: str, timeout: float | None, poll: Any, on_update: Any
    ) -> Flow[Task]:
        return _flows.wait(
            self._session,
            lambda: self._get_task(task_id),
            subject=task_id,
            kind="task",
            timeout=timeout,
            poll=poll,
            on_update=on_update,
        )
