"""Run the simulator over a real loopback socket: uvicorn in a background thread.

``serve()`` binds the socket itself (port 0 picks a free one), so ``base_url`` is known as
soon as it returns, then runs uvicorn on it in a daemon thread. It works with and without
``with``: a notebook can keep the handle and call ``close()`` later.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import uvicorn

from headswap_nb.simulator.app import core_of, create_app
from headswap_nb.simulator.config import DEFAULT_CREDITS, DEFAULT_TOKEN_TTL_SECONDS, SimulatorConfig
from headswap_nb.simulator.core import SimulatorCore
from headswap_nb.simulator.faults import FaultConfig
from headswap_nb.simulator.middleware import SimulatedDrop
from headswap_nb.simulator.profiles import Profile
from headswap_nb.simulator.videos import SOURCE_CLIPS, clip_named

__all__ = ["Simulator", "serve"]

_START_TIMEOUT_SECONDS = 10.0


class Simulator:
    """A running simulator: its address, its first team's credentials and admin controls."""

    def __init__(self, config: SimulatorConfig, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.config = config
        self.app = create_app(config)
        self.core: SimulatorCore = core_of(self.app)
        self._socket = _bind(host, port)
        bound_port = self._socket.getsockname()[1]
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "") else host
        if ":" in shown_host:
            shown_host = f"[{shown_host}]"
        self.base_url = f"http://{shown_host}:{bound_port}"
        """Root URL to use as the API base, e.g. ``http://127.0.0.1:50123``."""
        self._server = uvicorn.Server(
            uvicorn.Config(
                self.app,
                log_level="warning",
                access_log=False,  # query strings must never reach a log
                log_config=None,  # leave the notebook's logging configuration alone
                lifespan="off",
                timeout_graceful_shutdown=2,
            )
        )
        self._thread: threading.Thread | None = None

    # -- credentials ----------------------------------------------------------------------
    @property
    def api_key(self) -> str:
        """The first team's API key (send as ``x-api-key``)."""
        return self.core.api_key

    @property
    def client_id(self) -> str:
        """The first team's legacy ``clientId`` for getToken."""
        return self.core.client_id

    @property
    def client_secret(self) -> str:
        """The legacy ``clientSecret``: the same value as ``api_key`` (akool-api.md §2)."""
        return self.core.api_key

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"Simulator(base_url={self.base_url!r}, {state})"  # never shows the key

    # -- lifecycle ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """True between ``start()`` and ``close()``."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Simulator:
        """Start serving in a daemon thread; returns once the socket accepts requests."""
        if self._thread is not None:
            return self
        _quiet_deliberate_drops()
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"headswap-nb-simulator-{self.base_url}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("the simulator failed to start")
            time.sleep(0.005)
        return self

    def close(self) -> None:
        """Stop serving, release hanging requests and the socket. Safe to call twice."""
        self.core.stopping = True
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- admin ----------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """The ``/_sim/stats`` document."""
        return self.core.snapshot()

    def job(self, job_id: str) -> dict[str, Any] | None:
        """The ``/_sim/jobs/{id}`` document: schedule in simulated seconds, or None."""
        return self.core.job_schedule(job_id)

    def set_faults(self, faults: FaultConfig) -> None:
        """Replace the injected faults at runtime."""
        self.core.set_faults(faults)

    def reset(self) -> None:
        """Forget jobs and counters, restore credits; keys, teams and faults stay."""
        self.core.reset()

    def add_team(self, *, api_key: str, credits: int | None = None) -> str:
        """Register another API key as its own team; returns its client id."""
        return self.core.add_team(api_key=api_key, credits=credits)

    # -- media ----------------------------------------------------------------------------
    def video_url(self, name: str) -> str:
        """Absolute URL of a real source clip this simulator serves, e.g.
        ``video_url("clip-8s.mp4")`` (``.mp4`` optional). Analyses of it use its true
        duration: ``clip-2s`` and ``clip-25s`` fail for their length; ``clip-8s`` and
        ``clip-12s`` succeed unless the seed draws a chance failure (about 4 %, the same on
        every simulator with that seed; ``?fail=0`` rules it out)."""
        clip = clip_named(name if name.endswith(".mp4") else f"{name}.mp4")
        if clip is None:
            names = ", ".join(c.name for c in SOURCE_CLIPS)
            raise ValueError(f"no source clip named {name!r}; the clips are {names}")
        return self.base_url + clip.path


def serve(
    *,
    speed: float = 1.0,
    seed: int = 0,
    api_key: str | None = None,
    faults: FaultConfig | None = None,
    credits: int = DEFAULT_CREDITS,
    profile: Profile | str | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    token_ttl_seconds: int = DEFAULT_TOKEN_TTL_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> Simulator:
    """Start a simulator on ``host:port`` (a free loopback port by default) and return it.

    Use as ``with serve(speed=50) as sim: ...`` or keep the handle and call ``close()``.
    """
    config = SimulatorConfig(
        speed=speed,
        seed=seed,
        api_key=api_key,
        faults=faults or FaultConfig(),
        credits=credits,
        profile=Profile(profile) if profile is not None else None,
        token_ttl_seconds=token_ttl_seconds,
        clock=clock,
    )
    return Simulator(config, host=host, port=port).start()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # An explicit IPPROTO_TCP matters: asyncio enables TCP_NODELAY only on sockets whose
    # proto says TCP, and without it every reply waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


class _DropFilter(logging.Filter):
    """Hides uvicorn's error records caused by deliberate drops (they are not errors)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, SimulatedDrop)


def _quiet_deliberate_drops() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DropFilter) for f in logger.filters):
        logger.addFilter(_DropFilter())
