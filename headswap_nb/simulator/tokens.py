"""HS256 JWTs shaped like the getToken example (akool-api.md §2.1).

The claims mirror the example payload: ``id`` (24-hex), ``type``, ``from``, ``email``,
``firstName``, ``uid``, ``code``, ``iat``, ``exp``. ``iat``/``exp`` are in the simulator's
clock (wall-clock anchor plus simulated time), so a test can make a token expire by
advancing an injected clock instead of waiting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

__all__ = ["TokenClaims", "mint_token", "read_token"]


@dataclass(frozen=True)
class TokenClaims:
    """The parts of a verified token the simulator uses."""

    user_id: str
    """The ``id`` claim: the team's user ObjectId."""
    uid: int
    expires_at: float
    """The ``exp`` claim, Unix seconds of the simulator's clock."""


def mint_token(*, secret: bytes, user_id: str, uid: int, issued_at: int, ttl_seconds: int) -> str:
    """A signed ``header.payload.signature`` token, base64url without padding."""
    header = {"alg": "HS256", "typ": "JWT"}
    payload: dict[str, Any] = {
        "id": user_id,
        "type": "user",
        "from": "openapi",
        "email": f"sim+{uid}@headswap-nb.invalid",
        "firstName": "Simulator",
        "uid": uid,
        "code": "sim",
        "iat": issued_at,
        "exp": issued_at + ttl_seconds,
    }
    signing_input = f"{_b64(_json(header))}.{_b64(_json(payload))}"
    signature = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def read_token(token: str, *, secret: bytes) -> TokenClaims | None:
    """The claims of a token signed with ``secret``, or None if it is malformed or forged.

    Expiry is not checked here: the caller compares ``expires_at`` with its own clock.
    """
    parts = token.split(".")
    if len(parts) != 3:
        return None
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii", "replace")
    expected = hmac.new(secret, signing_input, hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(expected, _unb64(parts[2])):
            return None
        payload = json.loads(_unb64(parts[1]))
        return TokenClaims(
            user_id=str(payload["id"]), uid=int(payload["uid"]), expires_at=float(payload["exp"])
        )
    except (ValueError, KeyError, TypeError):
        return None


def _json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
