"""What a probe found about one URL, and the plain sentences shown for it.

Pure: a frozen record and functions of it, no I/O and no optional dependency.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

__all__ = ["ProbeResult", "held_back_reason", "summary_text"]

# akool-api.md §5: "about 3–20 seconds; the server enforces the exact bounds" [DOC].
MIN_SECONDS = 3.0
MAX_SECONDS = 20.0


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """The pre-flight facts about one video URL. Every field but ``url`` may be unknown."""

    url: str
    """The URL as given (not the one redirects led to)."""
    reachable: bool
    """An HTTP answer below 400 came back, after following redirects (or a 416: the
    server is there, the file is empty)."""
    http_status: int | None = None
    """Status of the first answer after redirects (206 when ranges work); ``None`` if none came."""
    content_type: str | None = None
    """The media type the server declared, lower case and without parameters."""
    is_video: bool | None = None
    """True: the container layer opened it and found a video stream. False: it is not a
    video (HTML, an image, audio only, unreadable data). ``None``: the probe could not tell
    (not reachable, timed out, read limit reached, connection cut off)."""
    duration_s: float | None = None
    """Duration in seconds, as the container declares it."""
    width: int | None = None
    """Frame width in pixels."""
    height: int | None = None
    """Frame height in pixels."""
    fps: float | None = None
    """Average frame rate in frames per second."""
    codec: str | None = None
    """Video codec name as FFmpeg calls it (``h264``, ``hevc``, ``vp9``...)."""
    thumbnail: bytes | None = field(default=None, repr=False)
    """An encoded image of the first frame, about 160 px wide (``thumbnail_mime``)."""
    thumbnail_mime: str | None = None
    """Media type of ``thumbnail`` (``image/jpeg``)."""
    size_bytes: int | None = None
    """File size the server declared (Content-Range total, or Content-Length of a whole
    answer); ``None`` when it declared none. Not verified: a server may lie."""
    bytes_read: int = 0
    """Body bytes received for this URL (headers not counted)."""
    requests: int = 0
    """HTTP requests sent for this URL (each redirect counts as one)."""
    seconds: float = 0.0
    """Time the probe of this URL took (not counting time waiting for a worker)."""
    error: str | None = None
    """What went wrong, in words for a user. For a video it is ``None``, or says why there
    is no thumbnail (``"no thumbnail: timed out after 10 s (1.2 MB read)"``)."""

    @property
    def thumbnail_data_uri(self) -> str | None:
        """``thumbnail`` as a ``data:image/...;base64,`` URI for an ``<img src>``."""
        if self.thumbnail is None or self.thumbnail_mime is None:
            return None
        encoded = base64.b64encode(self.thumbnail).decode("ascii")
        return f"data:{self.thumbnail_mime};base64,{encoded}"


def _number(value: float, digits: int) -> str:
    """``30.0`` → ``"30"``, ``29.97002997`` → ``"29.97"``: no trailing zeros."""
    text = f"{value:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def summary_text(result: ProbeResult) -> str:
    """One line for a board row: ``"12.0 s · 1920×1080 · 30 fps"``; the known parts only.

    Without any of them (not a video, not reachable) it is the error text.
    """
    parts = []
    if result.duration_s is not None:
        parts.append(f"{result.duration_s:.1f} s")
    if result.width and result.height:
        parts.append(f"{result.width}×{result.height}")
    if result.fps:
        parts.append(f"{_number(result.fps, 2)} fps")
    if parts:
        return " · ".join(parts)
    return result.error or "no video information"


def held_back_reason(
    result: ProbeResult,
    *,
    min_seconds: float = MIN_SECONDS,
    max_seconds: float = MAX_SECONDS,
) -> str | None:
    """Why this URL should not be sent for (paid) analysis, or ``None`` when it looks fine.

    ``None`` only for a reachable video whose duration lies within the accepted range.
    Size (300 MB) and frame-rate (60 fps) limits are not checked: akool-api.md §5 lists
    them as global error codes whose application to head swap is [UNCONFIRMED], and
    holding back a video the API would take costs the user more than a failed analysis.
    """
    if not result.reachable:
        if result.http_status is not None:
            return f"not reachable: HTTP {result.http_status}"
        return result.error or "not reachable"
    if result.is_video is False:
        if result.content_type:
            return f"not a video ({result.content_type})"
        return f"not a video: {result.error or 'unknown type'}"
    if result.is_video is None:
        return f"could not check: {result.error or 'unknown problem'}"
    accepted = f"the API accepts {_number(min_seconds, 2)}–{_number(max_seconds, 2)} s"
    if result.duration_s is None:
        return f"duration unknown: {accepted}"
    if not min_seconds <= result.duration_s <= max_seconds:
        return f"{result.duration_s:.1f} s long: {accepted}"
    return None
