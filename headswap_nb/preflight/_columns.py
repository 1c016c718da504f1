"""Probe results as plain columns, for ``hs.probe(urls) -> DataFrame`` in ``frames/``.

Pure and pandas-free: ``COLUMNS`` names each column and its kind, ``columns`` fills them
(``None`` where a value is unknown), so the frame builder can pick nullable dtypes
("int" → ``Int64``, "float" → ``Float64``, "bool" → ``boolean``, "str" → ``string``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Literal

from headswap_nb.preflight._result import (
    MAX_SECONDS,
    MIN_SECONDS,
    ProbeResult,
    held_back_reason,
    summary_text,
)

__all__ = ["COLUMNS", "columns"]

Kind = Literal["str", "int", "float", "bool"]

COLUMNS: Mapping[str, Kind] = MappingProxyType(
    {
        "url": "str",
        "reachable": "bool",
        "http_status": "int",
        "content_type": "str",
        "is_video": "bool",
        "duration_s": "float",
        "width": "int",
        "height": "int",
        "fps": "float",
        "codec": "str",
        "summary": "str",
        "held_back": "str",
        "size_bytes": "int",
        "bytes_read": "int",
        "requests": "int",
        "seconds": "float",
        "error": "str",
        "thumbnail": "str",
    }
)
"""Column name → kind, in display order. ``held_back`` is ``held_back_reason`` (``None``
when the URL looks fine); ``thumbnail`` is the ``data:`` URI."""


def columns(
    results: Iterable[ProbeResult],
    *,
    min_seconds: float = MIN_SECONDS,
    max_seconds: float = MAX_SECONDS,
) -> dict[str, list[object]]:
    """One list per name of ``COLUMNS``, in that order, one entry per result."""
    out: dict[str, list[object]] = {name: [] for name in COLUMNS}
    for result in results:
        row: dict[str, object] = {
            "url": result.url,
            "reachable": result.reachable,
            "http_status": result.http_status,
            "content_type": result.content_type,
            "is_video": result.is_video,
            "duration_s": result.duration_s,
            "width": result.width,
            "height": result.height,
            "fps": result.fps,
            "codec": result.codec,
            "summary": summary_text(result),
            "held_back": held_back_reason(result, min_seconds=min_seconds, max_seconds=max_seconds),
            "size_bytes": result.size_bytes,
            "bytes_read": result.bytes_read,
            "requests": result.requests,
            "seconds": result.seconds,
            "error": result.error,
            "thumbnail": result.thumbnail_data_uri,
        }
        for name, values in out.items():
            values.append(row[name])
    return out
