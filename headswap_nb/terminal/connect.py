"""Which API a command talks to, and the line that says so before anything is sent.

``--simulate``: a simulator started for this run only (its jobs end with it). Otherwise
the environment's credential (``connection``'s rule), else the embedded simulator — said
plainly, so nobody believes their account did the work.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from headswap_nb.client.config import DEFAULT_BASE_URL
from headswap_nb.connection import connect_async, credential_env_var, describe, is_loopback_url
from headswap_nb.errors import ConfigurationError
from headswap_nb.terminal.common import CommandError
from headswap_nb.terminal.outcome import ExitCode

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from headswap_nb.client import AsyncClient

__all__ = ["SIMULATOR_SPEED", "Target", "open_client", "simulated"]

SIMULATOR_SPEED = 10.0
"""As the embedded simulator: an analysis takes seconds, and its progress still shows."""


def simulated(*, simulate: bool, environ: Mapping[str, str] | None = None) -> bool:
    """True when a command will talk to a simulator, not to Akool: ``--simulate``, no
    credential (the embedded one), or an ``AKOOL_BASE_URL`` on this machine. Decided before
    anything starts, so that simulated work is journaled apart from real work."""
    env = os.environ if environ is None else environ
    if simulate or credential_env_var(env) is None:
        return True
    return is_loopback_url(env.get("AKOOL_BASE_URL", "").strip() or DEFAULT_BASE_URL)


@dataclass(frozen=True, slots=True)
class Target:
    """The client a command uses, and what to say about it."""

    client: AsyncClient
    line: str
    """What it talks to, said before anything is sent."""
    ephemeral: bool
    """A simulator that stops with this process: its jobs cannot be resumed later."""


@asynccontextmanager
async def _client(simulate: bool) -> AsyncIterator[Target]:
    from headswap_nb.client import AsyncClient

    if simulate:
        from headswap_nb.simulator import serve

        sim = serve(speed=SIMULATOR_SPEED)
        try:
            client = AsyncClient(api_key=sim.api_key, base_url=sim.base_url)
            line = (
                f"Simulator at {sim.base_url}, started for this run (--simulate): nothing is "
                "sent to Akool, and its jobs end with this run."
            )
            try:
                yield Target(client, line, ephemeral=True)
            finally:
                await client.aclose()
        finally:
            sim.close()
        return
    ephemeral = credential_env_var() is None
    try:
        client = connect_async()  # with no credential, the embedded simulator
    except ConfigurationError as exc:  # a half-set environment: say what to set, exit 2
        raise CommandError(str(exc), ExitCode.ERROR) from None
    if ephemeral:
        line = (
            f"No Akool credential is set (AKOOL_API_KEY): using an embedded simulator at "
            f"{client.base_url}; nothing is sent to Akool. Set AKOOL_API_KEY to use your "
            "account."
        )
    else:
        line = describe(client).describe()
    try:
        yield Target(client, line, ephemeral=ephemeral)
    finally:
        await client.aclose()


def open_client(*, simulate: bool) -> AbstractAsyncContextManager[Target]:
    """``async with open_client(simulate=...) as target``: the client and the line saying
    what it talks to. Raises ``CommandError`` (exit code ERROR) on a half-set environment."""
    return _client(simulate)
