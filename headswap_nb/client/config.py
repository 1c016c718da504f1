"""Resolving a client's configuration from arguments and the environment (pure).

The environment is passed in as a mapping, so this module never reads ``os.environ`` itself;
the client hands it ``os.environ`` when it is built (never at import time).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from headswap_nb.client.secret import Secret
from headswap_nb.errors import ConfigurationError

__all__ = [
    "DEFAULT_BASE_URL",
    "AuthKind",
    "Credential",
    "resolve_base_url",
    "resolve_credential",
]

DEFAULT_BASE_URL = "https://openapi.akool.com"  # akool-api.md §1
ENV_API_KEY = "AKOOL_API_KEY"
ENV_CLIENT_ID = "AKOOL_CLIENT_ID"
ENV_CLIENT_SECRET = "AKOOL_CLIENT_SECRET"
ENV_BASE_URL = "AKOOL_BASE_URL"

_MISSING_HELP = (
    f"No Akool credential found. Pass api_key=... (or token=..., or client_id=... and "
    f"client_secret=...), or set {ENV_API_KEY} (or both {ENV_CLIENT_ID} and "
    f"{ENV_CLIENT_SECRET}). To try things without an account, run the local simulator: "
    "`with headswap_nb.simulator.serve() as sim: Client(api_key=sim.api_key, "
    "base_url=sim.base_url)`."
)


class AuthKind(enum.Enum):
    """How requests are authenticated (akool-api.md §2)."""

    API_KEY = "api_key"  # header x-api-key
    TOKEN = "token"  # header Authorization: Bearer, token given by the caller
    CLIENT = "client"  # clientId + clientSecret exchanged at getToken, then Bearer


@dataclass(frozen=True)
class Credential:
    """One resolved credential; ``source`` says where it came from, for ``repr(client)``."""

    kind: AuthKind
    secret: Secret = field(repr=False)
    source: str
    client_id: str | None = field(default=None, repr=False)


def _env(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None  # an empty variable counts as unset


def resolve_credential(
    *,
    api_key: str | None,
    token: str | None,
    client_id: str | None,
    client_secret: str | None,
    env: Mapping[str, str],
) -> Credential:
    """Pick exactly one credential: explicit arguments win over the environment."""
    explicit = [name for name, v in (("api_key", api_key), ("token", token)) if v]
    if client_id or client_secret:
        explicit.append("client_id/client_secret")
    if len(explicit) > 1:
        # Sending two auth headers leaves the choice to the server (§2); refuse the ambiguity.
        raise ConfigurationError(f"Pass only one credential, got {' and '.join(explicit)}.")
    if api_key:
        return Credential(AuthKind.API_KEY, Secret(api_key), "api_key argument")
    if token:
        return Credential(AuthKind.TOKEN, Secret(token), "token argument")
    if client_id or client_secret:
        if not (client_id and client_secret):
            raise ConfigurationError("Pass both client_id and client_secret, or use api_key.")
        return Credential(AuthKind.CLIENT, Secret(client_secret), "client_id argument", client_id)
    env_key = _env(env, ENV_API_KEY)
    if env_key:
        return Credential(AuthKind.API_KEY, Secret(env_key), f"env {ENV_API_KEY}")
    env_id, env_secret = _env(env, ENV_CLIENT_ID), _env(env, ENV_CLIENT_SECRET)
    if env_id and env_secret:
        source = f"env {ENV_CLIENT_ID}/{ENV_CLIENT_SECRET}"
        return Credential(AuthKind.CLIENT, Secret(env_secret), source, env_id)
    if env_id or env_secret:
        raise ConfigurationError(
            f"Only one of {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} is set; set both, "
            f"or set {ENV_API_KEY} instead."
        )
    raise ConfigurationError(_MISSING_HELP)


def resolve_base_url(base_url: str | None, env: Mapping[str, str]) -> str:
    """The API root without a trailing slash; must be an absolute http(s) URL."""
    url = base_url or _env(env, ENV_BASE_URL) or DEFAULT_BASE_URL
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise ConfigurationError(
            f"base_url must be an absolute http(s) URL such as {DEFAULT_BASE_URL!r}; "
            f"check the base_url argument or {ENV_BASE_URL}."
        )
    return url.rstrip("/")
