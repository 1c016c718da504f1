"""Tolerant readers of JSON values: the one definition of "what counts as an int/float/string"
for the records of the API, shared by ``models`` and ``frames`` so both read a field alike.

A value of the wrong type reads as missing (``None``) rather than raising: the docs warn that
the API evolves (akool-api.md §3–§4), and one odd field must not hide a whole record.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

__all__ = ["timestamp_from_ms", "to_float", "to_int", "to_mapping", "to_str"]


def to_int(value: object) -> int | None:
    """An int, or ``None`` for a missing or non-integral value (bools are not numbers here)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def to_float(value: object) -> float | None:
    """A finite float, or ``None`` (numeric strings count; NaN, infinities and bools do not)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an int beyond float range is no meaningful number here
            return None
        return number if math.isfinite(number) else None
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def to_str(value: object) -> str | None:
    """The value if it is a string, else ``None``."""
    return value if isinstance(value, str) else None


def to_mapping(value: object) -> Mapping[str, Any] | None:
    """The value if it is a mapping (a JSON object), else ``None``."""
    return value if isinstance(value, Mapping) else None


def timestamp_from_ms(value: object) -> datetime | None:
    """Turn ``create_time`` (integer milliseconds, akool-api.md §3) into an aware UTC datetime."""
    millis = to_int(value)
    if millis is None:
        return None
    try:
        return datetime.fromtimestamp(millis / 1000, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
