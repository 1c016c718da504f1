"""Checking and splitting lists of video URLs, the way people paste them.

Pure functions, no I/O. The exact string a user gave (after trimming the whitespace and
separators around it) is the one submitted for analysis and reused for the head-swap task:
akool-api.md §4.3 links a task to its analysis by the *identical* ``video_url`` and warns
against normalising it, so nothing here rewrites a URL — it only accepts or rejects it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["ParsedUrls", "RejectedUrl", "parse_urls", "video_url_problem"]

# Separators people use when pasting: new lines, commas, semicolons, spaces and tabs.
# A URL cannot contain raw whitespace, and a comma inside one must be percent-encoded to
# survive this split; the API docs give no URL with a raw comma.
_SEPARATORS = re.compile(r"[\s,;]+")
_MAX_URL_LENGTH = (
    4096  # [UNCONFIRMED] no documented limit; longer strings are surely pastes gone wrong
)


def video_url_problem(url: object) -> str | None:
    """Say what is wrong with ``url`` as a ``video_url`` (akool-api.md §4.1, §5), or ``None``.

    The API needs an absolute ``http``/``https`` URL reachable by Akool; whitespace is never
    valid in a URL and would be a copy-paste accident.
    """
    if not isinstance(url, str):
        return f"must be a string, got {type(url).__name__}"
    if not url:
        return "is empty"
    if len(url) > _MAX_URL_LENGTH:
        return f"is {len(url)} characters long; at most {_MAX_URL_LENGTH} are accepted"
    if any(char.isspace() for char in url):
        return "contains whitespace; remove it or percent-encode it (%20)"
    if any(ord(char) < 32 or ord(char) == 127 for char in url):
        return "contains control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a non-numeric or out-of-range port
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        shown = parts.scheme or "none"
        return f"must start with http:// or https:// (scheme: {shown})"
    if not parts.hostname:
        return "has no host name"
    return None


class _Prose(str):
    """A pasted line of several words none of which is a URL."""


@dataclass(frozen=True, slots=True)
class RejectedUrl:
    """A pasted entry that is not a usable video URL."""

    text: str
    """The entry as it was pasted (trimmed)."""
    reason: str
    """Why it was rejected, phrased to be shown after the entry."""
    line: int
    """1-based line of the pasted text it came from (1 for non-text input)."""


@dataclass(frozen=True, slots=True)
class ParsedUrls:
    """The result of splitting and checking a pasted list of URLs."""

    valid: tuple[str, ...]
    """Usable URLs, first occurrence order, each once."""
    rejected: tuple[RejectedUrl, ...]
    """Entries that are not usable, with the reason."""
    duplicates: int
    """How many repeated entries were collapsed into an earlier one."""

    def describe(self) -> str:
        """One line for a status label: counts of valid, duplicate and invalid entries."""
        parts = [f"{len(self.valid)} valid URL{'s' if len(self.valid) != 1 else ''}"]
        if self.duplicates:
            parts.append(f"{self.duplicates} duplicate{'s' if self.duplicates != 1 else ''}")
        if self.rejected:
            parts.append(f"{len(self.rejected)} invalid")
        return ", ".join(parts)


_NO_URL = "has no URL in it (a video URL starts with https:// or http://)"


def _entries(source: str | Iterable[object]) -> Iterable[tuple[int, object]]:
    if isinstance(source, str):
        for line_number, line in enumerate(source.splitlines(), start=1):
            pieces = [piece for piece in _SEPARATORS.split(line) if piece]
            if len(pieces) > 1 and not any("://" in piece for piece in pieces):
                # A sentence, a heading, a note: one error for the line, not one per word.
                yield line_number, _Prose(line.strip())
                continue
            for piece in pieces:
                yield line_number, piece
        return
    for index, item in enumerate(source, start=1):
        # Items of a list are taken whole (only trimmed): a list element is one URL, and
        # splitting it would hide a URL with a space inside instead of reporting it. Words
        # with no "://" anywhere are no URL at all (a note in a file of URLs): said so.
        if isinstance(item, str) and " " in item.strip() and "://" not in item:
            yield index, _Prose(item.strip())
            continue
        yield index, item.strip() if isinstance(item, str) else item


def parse_urls(source: str | Iterable[object]) -> ParsedUrls:
    """Split pasted text (or take a list/tuple/Series of strings) into checked, unique URLs.

    Text is split on new lines, commas, semicolons and spaces. Duplicates are collapsed
    keeping the first, and order is kept. Empty items in a list are skipped.
    """
    valid: list[str] = []
    seen: set[str] = set()
    rejected: list[RejectedUrl] = []
    duplicates = 0
    for line, item in _entries(source):
        if isinstance(item, _Prose):
            rejected.append(RejectedUrl(str(item)[:200], _NO_URL, line))
            continue
        if item == "" or item is None or (isinstance(item, float) and item != item):
            continue  # blank lines, and the NaN a pandas Series holds for a missing cell
        problem = video_url_problem(item)
        if problem is not None:
            rejected.append(RejectedUrl(str(item)[:200], problem, line))
        elif item in seen:
            duplicates += 1
        else:
            assert isinstance(item, str)  # video_url_problem accepted it
            seen.add(item)
            valid.append(item)
    return ParsedUrls(tuple(valid), tuple(rejected), duplicates)
