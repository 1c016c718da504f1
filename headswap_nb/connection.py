"""Where the API lives: the real Akool API when credentials are configured, else the simulator.

This is the one place that decides the default for code that is given no client (``Batch()``,
``AnalysisBoard()``, the notebooks). The rule, read when a client is built, never at import:

1. ``AKOOL_API_KEY``, or ``AKOOL_CLIENT_ID`` + ``AKOOL_CLIENT_SECRET``, set → that credential,
   with ``AKOOL_BASE_URL`` (default ``https://openapi.akool.com``).
2. Otherwise ``AKOOL_BASE_URL`` set but no credential → a clear ``ConfigurationError``: we will
   not guess a key for a server someone chose on purpose.
3. Nothing set → an embedded simulator on 127.0.0.1, started once per process and shared,
   so a notebook runs offline with no key and no credits.

``make demo`` exports ``AKOOL_BASE_URL`` and ``AKOOL_API_KEY`` of the simulator it starts, so
rule 1 applies there and notebooks show the simulator's URL.
"""

from __future__ import annotations

import ipaddress
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from headswap_nb.client import AsyncClient, Client
    from headswap_nb.simulator import Simulator

__all__ = [
    "ConnectionInfo",
    "connect",
    "connect_async",
    "credential_env_var",
    "default_async_client",
    "default_client",
    "describe",
    "embedded_simulator",
    "is_loopback_url",
]

_embedded: Simulator | None = None
_embedded_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """What a client talks to, safe to display: never the credential itself."""

    base_url: str
    """API root the client sends requests to."""
    is_simulator: bool
    """True when that root is on this machine (the local simulator)."""
    credential_source: str
    """Where the credential came from: an env var's name, "argument", "embedded simulator"."""

    def describe(self) -> str:
        """One line for a notebook, e.g. ``Simulator at http://127.0.0.1:8123 (credential: …)``."""
        kind = "Simulator" if self.is_simulator else "Akool API"
        return f"{kind} at {self.base_url} (credential: {self.credential_source})"


def is_loopback_url(url: str) -> bool:
    """True when ``url`` points at this machine (where the simulator runs)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def credential_env_var(environ: Mapping[str, str] | None = None) -> str | None:
    """Name of the environment variable holding a credential, if any (empty counts as unset)."""
    env = os.environ if environ is None else environ

    def is_set(name: str) -> bool:
        return bool(env.get(name, "").strip())  # as the client reads them

    if is_set("AKOOL_API_KEY"):
        return "AKOOL_API_KEY"
    if is_set("AKOOL_CLIENT_ID") and is_set("AKOOL_CLIENT_SECRET"):
        return "AKOOL_CLIENT_ID/AKOOL_CLIENT_SECRET"
    return None


def embedded_simulator() -> Simulator:
    """The process-wide simulator used when nothing is configured; started on first use."""
    global _embedded
    with _embedded_lock:
        if _embedded is None:
            from headswap_nb.simulator import serve

            # Twice real time: an analysis still takes long enough (3–20 s) to be seen to
            # move through several values, and a notebook of sixty of them ends in a minute.
            _embedded = serve(speed=2.0)
        return _embedded


def _embedded_target() -> tuple[str, str] | None:
    """``(api_key, base_url)`` of the embedded simulator, or ``None`` to use the environment."""
    if credential_env_var() is not None:
        return None
    from headswap_nb.errors import ConfigurationError

    half = [n for n in ("AKOOL_CLIENT_ID", "AKOOL_CLIENT_SECRET") if os.environ.get(n, "").strip()]
    if half:  # a typo or a forgotten export must not silently send work to the simulator
        raise ConfigurationError(
            f"Only {half[0]} is set: set both AKOOL_CLIENT_ID and AKOOL_CLIENT_SECRET, or "
            "AKOOL_API_KEY, or unset it to use the embedded simulator."
        )
    if os.environ.get("AKOOL_BASE_URL", "").strip():
        raise ConfigurationError(
            "AKOOL_BASE_URL is set but no credential is: set AKOOL_API_KEY (or AKOOL_CLIENT_ID "
            "and AKOOL_CLIENT_SECRET), or unset AKOOL_BASE_URL to use the embedded simulator."
        )
    simulator = embedded_simulator()
    return simulator.api_key, simulator.base_url


EMBEDDED = "embedded simulator (generated key, no account needed)"
"""How a client of the embedded simulator names its credential (``repr``, the board)."""


def connect() -> Client:
    """A ``Client`` for the environment's credential, else for the embedded simulator."""
    from headswap_nb.client import Client

    target = _embedded_target()
    if target is None:
        return Client()
    return Client(api_key=target[0], base_url=target[1], credential_source=EMBEDDED)


def connect_async() -> AsyncClient:
    """An ``AsyncClient`` for the environment's credential, else for the embedded simulator."""
    from headswap_nb.client import AsyncClient

    target = _embedded_target()
    if target is None:
        return AsyncClient()
    return AsyncClient(api_key=target[0], base_url=target[1], credential_source=EMBEDDED)


default_client = connect
default_async_client = connect_async


def describe(client: Client | AsyncClient) -> ConnectionInfo:
    """What ``client`` talks to, for display."""
    source = client.credential_source
    if _embedded is not None and client.base_url == _embedded.base_url:
        source = EMBEDDED  # also for a client made by hand with the simulator's key
    return ConnectionInfo(
        base_url=client.base_url,
        is_simulator=is_loopback_url(client.base_url),
        credential_source=source,
    )
