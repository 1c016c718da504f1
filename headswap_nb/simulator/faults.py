"""Fault injection settings and the seeded decision of which fault, if any, hits a request.

Faults are off by default. Each kind has its own rate (a probability per request in scope);
one uniform draw per request picks at most one kind, so rates add up and must total <= 1.

Kinds and when they strike (``middleware.py`` carries them out; ``drip.py`` and
``tamper.py`` hold the byte-level and record-level ones):

``http_5xx``            HTTP 502 or 503 with an HTML or JSON body        before the handler
``throttle_http``       HTTP 429 with ``Retry-After`` and a 1005 envelope before the handler
``throttle_code``       HTTP 200 with ``{"code": 1005, ...}``             before the handler
``absurd_retry_after``  a 1005 envelope (HTTP 429 or 200) whose ``Retry-After`` is absurd:
                        86400, 1e308, -5, nan, a date years away, or garbage  before the handler
``account_not_exist``   HTTP 200 with ``{"code": 1109, "msg": "account not exist"}``, what
                        Akool's demo treats as a bad API key (akool-api.md §14)  before
``drop``                headers and part of the body sent, then the connection is cut
``malformed``           HTTP 200 with truncated JSON or an HTML page
``slow``                the real reply, ``slow_seconds`` (real seconds) late
``hang``                the request is accepted and never answered until the client gives up
                        (or ``hang_seconds`` pass, or the server stops; then it is cut)
``drip_body``           the real headers, then the body one byte every ``drip_interval``
                        seconds: each byte resets a per-read timeout, only a total deadline
                        catches it
``drip_headers``        the status line and headers themselves one byte at a time (under
                        uvicorn; elsewhere the body drips instead, see ``drip.py``)
``mismatched_id``       a detail answer for id X carries the ``_id`` of another job of the
                        team (or a fresh id), sometimes with more of that job's fields;
                        detail reads only: drawn for any other request it does nothing
``echo_credential``     the request's API key or Bearer token is written into the reply:
                        ``error_reason``, ``task_id``, ``video_url`` and preview ``img_url``s
                        of a record, and ``msg`` of an error envelope

On a submit (analyze, task/create) the "before" kinds strike before the job exists, and the
others strike after it was created: the client cannot tell whether its submit worked, which
is the realistic ambiguous case. ``scope`` limits faults to ``reads``
(the two detail GETs and the credit balance, quota/info), ``submits`` (analyze and
task/create) or ``all`` of those five; getToken, admin and media routes are never faulted.
"""

from __future__ import annotations

import enum
import random
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

__all__ = [
    "AFTER_HANDLER",
    "DETAIL_ONLY",
    "FaultConfig",
    "FaultInjector",
    "FaultKind",
    "choose_fault",
]


class FaultKind(str, enum.Enum):
    """A kind of injected fault; the value names the ``FaultConfig`` rate field."""

    HTTP_5XX = "http_5xx"
    THROTTLE_HTTP = "throttle_http"
    THROTTLE_CODE = "throttle_code"
    DROP = "drop"
    MALFORMED = "malformed"
    SLOW = "slow"
    HANG = "hang"
    # New kinds go last: the draw walks the kinds in this order, so appending keeps every
    # existing seeded fault sequence unchanged.
    DRIP_BODY = "drip_body"
    DRIP_HEADERS = "drip_headers"
    MISMATCHED_ID = "mismatched_id"
    ECHO_CREDENTIAL = "echo_credential"
    ABSURD_RETRY_AFTER = "absurd_retry_after"
    ACCOUNT_NOT_EXIST = "account_not_exist"


AFTER_HANDLER = frozenset(
    {
        FaultKind.DROP,
        FaultKind.MALFORMED,
        FaultKind.SLOW,
        FaultKind.HANG,
        FaultKind.DRIP_BODY,
        FaultKind.DRIP_HEADERS,
        FaultKind.MISMATCHED_ID,
        FaultKind.ECHO_CREDENTIAL,
    }
)
"""Kinds that let the real handler run first (so a submit creates its job)."""
DETAIL_ONLY = frozenset({FaultKind.MISMATCHED_ID})
"""Kinds that only make sense on a detail read (a record with an ``_id`` that was asked for)."""

SCOPES = ("reads", "submits", "all")


@dataclass(frozen=True, kw_only=True)
class FaultConfig:
    """Rates (0–1, summing to at most 1) and parameters of injected faults."""

    http_5xx: float = 0.0
    throttle_http: float = 0.0
    throttle_code: float = 0.0
    drop: float = 0.0
    malformed: float = 0.0
    slow: float = 0.0
    hang: float = 0.0
    drip_body: float = 0.0
    drip_headers: float = 0.0
    mismatched_id: float = 0.0
    echo_credential: float = 0.0
    absurd_retry_after: float = 0.0
    account_not_exist: float = 0.0
    slow_seconds: float = 2.0
    """Real seconds a slow reply is held back."""
    retry_after_seconds: int = 1
    """The ``Retry-After`` header of an HTTP 429."""
    hang_seconds: float = 600.0
    """Real seconds after which a hanging request is cut anyway."""
    drip_interval: float = 0.3
    """Real seconds between two bytes of a dripping reply."""
    scope: str = "all"
    """``reads``, ``submits`` or ``all``."""
    seed: int = 0
    """Seed of the fault RNG; the same seed and request order give the same faults."""
    submits: FaultConfig | None = None
    """Other rates for submits (analyze, task/create), e.g. throttling only, so that a soak
    can hit reads hard while every submit stays safely retryable. ``None``: the rates above
    apply to submits too, as ``scope`` says. Its own scope, seed and delays are ignored."""

    def __post_init__(self) -> None:
        rates = [getattr(self, kind.value) for kind in FaultKind]
        if any(not isinstance(r, (int, float)) or not 0.0 <= r <= 1.0 for r in rates):
            raise ValueError("every fault rate must be a number between 0 and 1")
        if sum(rates) > 1.0 + 1e-9:
            raise ValueError("fault rates must add up to at most 1")
        if self.scope not in SCOPES:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
        delays = (
            self.slow_seconds,
            self.hang_seconds,
            self.retry_after_seconds,
            self.drip_interval,
        )
        if not all(delay >= 0 for delay in delays):  # also false for NaN
            raise ValueError(
                "slow_seconds, hang_seconds, retry_after_seconds and drip_interval must be >= 0"
            )
        if self.submits is not None and not isinstance(self.submits, FaultConfig):
            raise ValueError("submits must be a FaultConfig or None")

    @property
    def enabled(self) -> bool:
        """True when any rate is above zero."""
        own = any(getattr(self, kind.value) > 0 for kind in FaultKind)
        return own or (self.submits is not None and self.submits.enabled)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready fields."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> FaultConfig:
        """Build from JSON; unknown keys or wrong types raise ``ValueError``."""
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        values = dict(values)
        if isinstance(values.get("submits"), Mapping):
            values["submits"] = cls.from_dict(values["submits"])
        for name, value in values.items():
            if name == "submits":
                valid = value is None or isinstance(value, FaultConfig)
            elif name == "scope":
                valid = isinstance(value, str)
            elif name in ("seed", "retry_after_seconds"):
                valid = isinstance(value, int) and not isinstance(value, bool)
            else:
                valid = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not valid:
                raise ValueError(f"{name} has the wrong type")
        return cls(**values)


def choose_fault(
    config: FaultConfig, *, is_submit: bool, draw: float, is_detail: bool = False
) -> FaultKind | None:
    """The fault for one request in scope, given a uniform ``draw`` in [0, 1).

    ``is_detail`` marks the two detail reads; a ``DETAIL_ONLY`` kind drawn for any other
    request gives no fault (its rate is the chance per detail read).
    """
    if is_submit and config.submits is not None:
        config = config.submits
    elif config.scope == ("reads" if is_submit else "submits"):
        return None
    running = 0.0
    for kind in FaultKind:
        running += getattr(config, kind.value)
        if draw < running:
            return kind if is_detail or kind not in DETAIL_ONLY else None
    return None


class FaultInjector:
    """The current ``FaultConfig`` and its seeded RNG; replaceable at runtime."""

    def __init__(self, config: FaultConfig) -> None:
        self._lock = threading.Lock()
        self.config = config
        self._enabled = config.enabled
        self._rng = random.Random(config.seed)

    def set(self, config: FaultConfig) -> None:
        """Switch to ``config`` and restart the RNG from its seed."""
        with self._lock:
            self.config = config
            self._enabled = config.enabled
            self._rng = random.Random(config.seed)

    def pick(self, *, is_submit: bool, is_detail: bool = False) -> FaultKind | None:
        """Draw the fault for one request (None most of the time)."""
        if not self._enabled:
            return None  # the common case costs no lock and no draw
        config = self.config
        with self._lock:
            draw = self._rng.random()
        return choose_fault(config, is_submit=is_submit, draw=draw, is_detail=is_detail)

    def coin(self) -> float:
        """An extra seeded draw to vary a fault's details (502 vs 503, HTML vs JSON)."""
        with self._lock:
            return self._rng.random()

    def hex_digits(self, count: int) -> str:
        """``count`` seeded random hex digits (for a made-up id)."""
        with self._lock:
            return f"{self._rng.getrandbits(4 * count):0{count}x}"
