"""Pure helpers for reading a file through HTTP range requests (RFC 9110 §14).

No I/O: parsing the headers of an answer and deciding which blocks to ask for next.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "Answer",
    "ContentRange",
    "classify_answer",
    "human_bytes",
    "is_reachable",
    "is_textual",
    "media_type",
    "parse_content_range",
    "parse_length",
    "plan_fetch",
]

_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(?:(\d+)\s*-\s*(\d+)|\*)\s*/\s*(\d+|\*)\s*$", re.I)
# Media types that are certainly not a video container, whatever the bytes look like;
# checking them first keeps FFmpeg's probing from guessing a format for a text page.
_TEXTUAL = ("text/", "image/", "audio/", "font/")
_TEXTUAL_APPLICATION = frozenset(
    {"json", "xml", "xhtml+xml", "javascript", "pdf", "zip", "gzip", "x-www-form-urlencoded"}
)


@dataclass(frozen=True, slots=True)
class ContentRange:
    """A parsed ``Content-Range: bytes first-last/total`` (or ``bytes */total``)."""

    first: int | None
    """First byte sent; ``None`` in the ``*/total`` form of a 416 answer."""
    last: int | None
    """Last byte sent (inclusive); ``None`` in the ``*/total`` form."""
    total: int | None
    """Full size of the file; ``None`` when the server wrote ``*`` (unknown)."""


def parse_content_range(value: str | None) -> ContentRange | None:
    """The parsed header, or ``None`` when absent or malformed (also when last < first)."""
    if value is None:
        return None
    match = _CONTENT_RANGE.match(value)
    if match is None:
        return None
    first_text, last_text, total_text = match.groups()
    first = int(first_text) if first_text is not None else None
    last = int(last_text) if last_text is not None else None
    total = int(total_text) if total_text != "*" else None
    if first is not None and last is not None and last < first:
        return None
    if total is not None and last is not None and last >= total:
        return None
    return ContentRange(first, last, total)


def parse_length(value: str | None) -> int | None:
    """``Content-Length`` as an int, ``None`` when absent or not a plain number."""
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def media_type(content_type: str | None) -> str | None:
    """``"Video/MP4; charset=x"`` → ``"video/mp4"``; ``None`` for a missing or empty header."""
    if not content_type:
        return None
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind or None


def is_reachable(status: int | None) -> bool:
    """An answer that shows the file is there: below 400, or 416 to the first range
    (asked from byte 0, which only an empty file cannot satisfy)."""
    return status is not None and (status < 400 or status == 416)


def is_textual(kind: str | None) -> bool:
    """True for media types that cannot be a video container (HTML, JSON, images...).

    ``application/octet-stream`` and unknown types are not textual: many servers send
    videos with them, so those go to the container layer to decide.
    """
    if kind is None:
        return False
    if kind.startswith(_TEXTUAL):
        return True
    family, _, subtype = kind.partition("/")
    return family == "application" and subtype in _TEXTUAL_APPLICATION


@dataclass(frozen=True, slots=True)
class Answer:
    """What one answer to a range request means for the reader."""

    kind: Literal["part", "end", "whole", "status", "bad"]
    """``part``: a 206 to read ``length`` bytes of; ``end``: nothing at this offset (the
    end of the file); ``whole``: a 200 with the whole file (the server ignores Range);
    ``status``: an HTTP error status on the first request; ``bad``: unusable (``problem``)."""
    size: int | None = None
    """The file size this answer reveals, ``None`` if it reveals none."""
    length: int = 0
    """For ``part``: bytes to read from the body."""
    problem: str | None = None
    """For ``bad``: what is wrong, in words."""


def classify_answer(
    status: int,
    *,
    content_range: str | None,
    content_length: str | None,
    content_encoding: str | None,
    offset: int,
    length: int,
    first: bool,
) -> Answer:
    """Decide what the answer to ``Range: bytes=offset-(offset+length-1)`` is.

    ``first``: it answers the first request for this URL, where a 200 (Range ignored),
    a 204 or an error status are expected answers; later they are not.
    """
    if status == 206:
        span = parse_content_range(content_range)
        if span is None or span.first != offset or span.last is None:
            return Answer(
                "bad", problem=f"the server sent a wrong Content-Range ({content_range!r})"
            )
        size = span.total
        if size is None and span.last < offset + length - 1:
            size = span.last + 1  # fewer bytes than asked and no size given: the end
        return Answer("part", size, min(length, span.last - offset + 1))
    if status == 416:  # nothing at this offset: it is the end of the file
        span = parse_content_range(content_range)
        total = span.total if span is not None else None
        if total is not None and offset < total:
            return Answer("bad", problem="the server refused a range within the file (HTTP 416)")
        return Answer("end", total if total is not None else offset)
    if first and status >= 400:
        return Answer("status")
    if first and status == 200:
        identity = content_encoding in (None, "identity")  # else the length is not the file's
        return Answer("whole", parse_length(content_length) if identity else None, length)
    if first and status == 204:
        return Answer("end", 0)
    if status == 200:
        return Answer("bad", problem="the server stopped honouring range requests")
    return Answer("bad", problem=f"unexpected HTTP {status} to a range request")


def plan_fetch(
    first_block: int,
    last_block: int,
    *,
    cached: Container[int],
    block_size: int,
    size: int | None,
    readahead: int,
    budget: int,
) -> tuple[int, int] | None:
    """Which bytes to ask for so that blocks ``first_block..last_block`` can be read.

    Returns ``(offset, length)``: from ``first_block`` (missing) onwards, at least through
    ``last_block`` and at least ``readahead`` blocks, stopping before a cached block, at
    the end of the file (when ``size`` is known) and at whole blocks within ``budget``
    bytes. ``None`` when not even the first block fits in the budget.
    """
    end_block = max(last_block, first_block + readahead - 1)
    if size is not None:
        end_block = min(end_block, (size - 1) // block_size)
    block = first_block
    length = 0
    while block <= end_block and (block == first_block or block not in cached):
        block_end = (block + 1) * block_size
        this = block_size if size is None else min(block_end, size) - block * block_size
        if length + this > budget:
            break
        length += this
        block += 1
    if length == 0:
        return None
    return first_block * block_size, length


def human_bytes(count: float) -> str:
    """``1234567`` → ``"1.2 MB"`` (decimal units, as browsers and CDNs show sizes)."""
    for unit in ("B", "kB", "MB", "GB"):
        if abs(count) < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    raise AssertionError("unreachable")  # pragma: no cover
