"""Progress curves: pure functions from the elapsed fraction of processing to 0–100 %.

The API only promises a ``progress`` number from 0 to 100 (akool-api.md §3); how it moves is
not documented. Polling strategies behave very differently on different curves, so the
simulator offers three shapes that a polling benchmark can compare:

``smooth``
    near-linear with a slight per-job curvature and a small wiggle;
``stepwise``
    long flat stretches, then jumps (3–6 steps);
``stalling``
    rises, then stays stuck for 20–40 % of the processing time, then finishes.

Every curve is monotone non-decreasing, starts at 0 for fraction 0 and reaches 100 at
fraction 1. ``variant`` (any int, usually from the job's seed) varies the shape per job.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import math
from collections.abc import Sequence

__all__ = ["Profile", "progress_at"]


class Profile(str, enum.Enum):
    """Name of a progress curve; the value is what URL hints and configs use."""

    SMOOTH = "smooth"
    STEPWISE = "stepwise"
    STALLING = "stalling"


def progress_at(profile: Profile, fraction: float, *, variant: int = 0) -> float:
    """Progress in percent (0–100) after ``fraction`` (clamped to 0–1) of the processing time."""
    x = min(1.0, max(0.0, fraction))
    if profile is Profile.STEPWISE:
        return _stepwise(x, variant)
    if profile is Profile.STALLING:
        return _stalling(x, variant)
    return _smooth(x, variant)


@functools.lru_cache(maxsize=4096)
def _draws(variant: int, count: int) -> tuple[float, ...]:
    """``count`` stable uniform draws in [0, 1) for one variant (sha256, not ``hash``).

    Cached: every detail poll of a running job needs them, and they never change.
    """
    digest = hashlib.sha256(f"headswap-nb-profile\0{variant}".encode()).digest()
    return tuple(int.from_bytes(digest[2 * i : 2 * i + 2], "big") / 65536 for i in range(count))


def _smooth(x: float, variant: int) -> float:
    curve, phase = _draws(variant, 2)
    exponent = 0.85 + 0.3 * curve
    # The wiggle bends time, not progress: t = x + w(x) with |w'(x)| <= 0.03 * (π + 1) < 1 and
    # w(0) = w(1) = 0, so t is increasing and the curve t**exponent stays monotone.
    warped = x + 0.03 * math.sin(2 * math.pi * (2 * x + phase)) * x * (1 - x)
    value = float(max(0.0, warped) ** exponent)
    return 100.0 * min(1.0, max(0.0, value))


def _stepwise(x: float, variant: int) -> float:
    draws = _draws(variant, 13)
    steps = 3 + int(draws[0] * 4)
    # Cumulative random gaps give sorted jump positions and sorted levels.
    positions = _cumulative(draws[1 : 1 + steps], scale=0.92, offset=0.04)
    levels = _cumulative(draws[7 : 7 + steps], scale=0.95, offset=0.0)
    value = 0.0
    for position, level in zip(positions, levels, strict=True):
        if x >= position:
            value = level
    return 100.0 if x >= 1.0 else 100.0 * value


def _stalling(x: float, variant: int) -> float:
    stuck_at_draw, start_draw, length_draw = _draws(variant, 3)
    stall_level = 0.35 + 0.35 * stuck_at_draw  # stuck somewhere between 35 % and 70 %
    stall_length = 0.2 + 0.2 * length_draw  # for 20–40 % of the processing time
    stall_start = (0.15 + 0.3 * start_draw) * (1 - stall_length)
    stall_end = stall_start + stall_length
    if x >= 1.0:  # exactly: the interpolation below can land on 99.99999999999999
        return 100.0
    if x <= stall_start:
        value = stall_level * x / stall_start
    elif x <= stall_end:
        value = stall_level
    else:
        value = stall_level + (1 - stall_level) * (x - stall_end) / (1 - stall_end)
    return 100.0 * min(1.0, value)


def _cumulative(gaps: Sequence[float], *, scale: float, offset: float) -> list[float]:
    weights = [0.2 + g for g in gaps]
    total = sum(weights)
    running = 0.0
    out = []
    for weight in weights:
        running += weight
        out.append(offset + scale * running / total)
    return out
