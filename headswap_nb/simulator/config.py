"""The simulator's settings: one frozen, keyword-only dataclass."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from headswap_nb.simulator.faults import FaultConfig
from headswap_nb.simulator.profiles import Profile

__all__ = ["DEFAULT_CREDITS", "DEFAULT_TOKEN_TTL_SECONDS", "MAX_BODY_BYTES", "SimulatorConfig"]

DEFAULT_CREDITS = 1_000_000
"""Generous: about 10,000 tasks on 10 s clips at 100 credits each."""
DEFAULT_TOKEN_TTL_SECONDS = 400 * 86400
"""akool-api.md §2.1: tokens are "valid for more than 1 year"."""
MAX_BODY_BYTES = 1_048_576


@dataclass(frozen=True, kw_only=True)
class SimulatorConfig:
    """Everything that shapes one simulator instance."""

    speed: float = 1.0
    """Simulated seconds per real second; 100 makes a 20 s analysis take 0.2 s."""
    seed: int = 0
    """Seeds scenarios (what each URL does) and ids."""
    api_key: str | None = None
    """Key of the first team; None generates one with ``secrets.token_urlsafe``."""
    credits: int = DEFAULT_CREDITS
    """Starting credits of each team."""
    profile: Profile | None = None
    """Force one progress curve for every job (a URL's ``profile=`` hint still wins)."""
    faults: FaultConfig = field(default_factory=FaultConfig)
    """Injected faults; off by default."""
    token_ttl_seconds: int = DEFAULT_TOKEN_TTL_SECONDS
    """Lifetime of getToken tokens in simulated seconds."""
    clock: Callable[[], float] = time.monotonic
    """Source of real seconds; inject a fake to run under virtual time."""
    epoch_ms: int | None = None
    """Wall-clock anchor of simulated time zero; None takes the current time."""
    max_body_bytes: int = MAX_BODY_BYTES
    """Bodies larger than this are rejected with HTTP 413."""

    def __post_init__(self) -> None:
        if not self.speed > 0:
            raise ValueError("speed must be positive")
        if self.credits < 0 or self.token_ttl_seconds <= 0 or self.max_body_bytes <= 0:
            raise ValueError("credits must be >= 0; token_ttl_seconds, max_body_bytes > 0")
        if self.profile is not None and not isinstance(self.profile, Profile):
            object.__setattr__(self, "profile", Profile(self.profile))  # accept "stepwise"
