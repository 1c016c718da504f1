"""Parsing of the query-string hints of a submitted ``video_url`` (grammar in ``scenarios.py``).

Each reader returns None for a missing or invalid value, so the caller falls back to the
seeded draw: a typo in a hint never breaks a submit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlsplit

from headswap_nb.simulator.profiles import Profile

__all__ = ["float_hint", "hints_of", "int_hint", "profile_hint", "size_hint"]


def hints_of(video_url: str) -> dict[str, str]:
    """The URL's query parameters, names lower-cased; the last value wins."""
    try:
        query = urlsplit(video_url).query
    except ValueError:
        return {}
    return {key.strip().lower(): value for key, value in parse_qsl(query, keep_blank_values=True)}


def float_hint(hints: Mapping[str, str], name: str, low: float, high: float) -> float | None:
    """A finite number in ``[low, high]``."""
    try:
        value = float(hints[name])
    except (KeyError, ValueError):
        return None
    return value if math.isfinite(value) and low <= value <= high else None


def int_hint(hints: Mapping[str, str], name: str, low: int, high: int) -> int | None:
    """A decimal integer in ``[low, high]``."""
    raw = hints.get(name, "").strip()
    return int(raw) if raw.isdecimal() and low <= int(raw) <= high else None


def size_hint(hints: Mapping[str, str]) -> tuple[int, int] | None:
    """``size=<W>x<H>`` with both sides in 1..8192."""
    width, _, height = hints.get("size", "").lower().partition("x")
    if (
        width.isdecimal()
        and height.isdecimal()
        and 0 < int(width) <= 8192
        and 0 < int(height) <= 8192
    ):
        return int(width), int(height)
    return None


def profile_hint(hints: Mapping[str, str]) -> Profile | None:
    """``profile=<name>``, one of the ``Profile`` values."""
    try:
        return Profile(hints.get("profile", "").strip().lower())
    except ValueError:
        return None
