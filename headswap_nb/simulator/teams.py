"""Teams, their API keys and the getToken tokens that stand for them (akool-api.md §1, §2).

Each API key is its own team; the key doubles as the legacy ``clientSecret`` and comes with a
``clientId``. Tokens are HS256 JWTs signed with a per-instance secret (``tokens.py``).
``SimState`` owns one registry and calls it under its own lock.
"""

from __future__ import annotations

import secrets

from headswap_nb.simulator.ids import ObjectIdMinter
from headswap_nb.simulator.jobs import Team
from headswap_nb.simulator.rejection import Rejection
from headswap_nb.simulator.tokens import mint_token, read_token

__all__ = ["TeamRegistry"]

_TEAM_AGE_SECONDS = 400 * 86400  # teams "exist" long before the simulation starts
_BAD_TOKEN = Rejection(1101, "Invalid authorization or token expired")


class TeamRegistry:
    """Every registered key, its team, and token issue and verification."""

    def __init__(self, *, seed: int, epoch_ms: int, token_ttl_seconds: int) -> None:
        self.token_ttl_seconds = token_ttl_seconds
        self._epoch_ms = epoch_ms
        self._token_secret = secrets.token_bytes(32)
        self._account_ids = ObjectIdMinter(seed=seed, label="accounts")
        self.by_key: dict[str, Team] = {}
        self._by_user: dict[str, Team] = {}

    def add(self, api_key: str) -> tuple[Team, bool]:
        """The team of ``api_key``, registering it first if new; True when it was new."""
        if api_key in self.by_key:
            return self.by_key[api_key], False
        born = (self._epoch_ms // 1000) - _TEAM_AGE_SECONDS + len(self.by_key)
        team = Team(
            api_key=api_key,
            client_id=self._account_ids.mint(born),
            team_id=self._account_ids.mint(born),
            user_id=self._account_ids.mint(born),
            uid=101400 + len(self.by_key),
        )
        self.by_key[api_key] = team
        self._by_user[team.user_id] = team
        return team, True

    def issue_token(self, client_id: str, client_secret: str, *, now_unix: int) -> str | None:
        """A token for the team whose key is ``client_secret`` and client id ``client_id``."""
        team = self.by_key.get(client_secret)
        if team is None or not secrets.compare_digest(team.client_id, client_id):
            return None
        return mint_token(
            secret=self._token_secret,
            user_id=team.user_id,
            uid=team.uid,
            issued_at=now_unix,
            ttl_seconds=self.token_ttl_seconds,
        )

    def authenticate(
        self, api_key: str | None, authorization: str | None, *, now_unix: float
    ) -> Team | Rejection:
        """The team behind the request headers. ``Authorization`` wins when both are sent
        (akool-api.md §2: the v5 docs say so; v4 says "typically")."""
        if authorization is not None and authorization.strip():
            scheme, _, token = authorization.strip().partition(" ")
            claims = read_token(token.strip(), secret=self._token_secret)
            if scheme.lower() != "bearer" or claims is None or claims.expires_at <= now_unix:
                return _BAD_TOKEN
            return self._by_user.get(claims.user_id) or _BAD_TOKEN
        if api_key is not None and api_key.strip():
            return self.by_key.get(api_key.strip()) or Rejection(1101, "Invalid authorization")
        return Rejection(1102, "Authorization cannot be empty")
