"""Probe one URL from start to finish, and say in words what went wrong.

Runs in a pool thread. Whatever happens (no answer, HTML, a lying server, FFmpeg
refusing the data, a bug) ends as a ``ProbeResult``: nothing escapes to the pool.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import httpx

from headswap_nb.client.urls import video_url_problem
from headswap_nb.preflight._deadline import Deadline, active
from headswap_nb.preflight._errors import (
    HttpStatusError,
    ProbeTimeout,
    ReadFailedError,
    ReadLimitError,
)
from headswap_nb.preflight._httpfile import RangeFile
from headswap_nb.preflight._media import THUMBNAIL_MIME, inspect
from headswap_nb.preflight._ranges import human_bytes, is_reachable, is_textual
from headswap_nb.preflight._result import ProbeResult

__all__ = ["Options", "probe_one"]

_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")


@dataclass(frozen=True, slots=True)
class Options:
    """How each URL is probed (see ``Prober``)."""

    timeout: float
    """Seconds allowed per URL, from its first request to its result."""
    max_bytes: int
    """Most body bytes read per URL."""
    block_size: int
    """Bytes per cached block (the unit of a range request)."""
    readahead: int
    """Blocks asked for at least, per request."""
    clock: Callable[[], float]
    """Monotonic clock."""


def probe_one(client: httpx.Client, url: str, options: Options) -> ProbeResult:
    """Everything the probe can tell about ``url``; never raises."""
    started = options.clock()
    problem = video_url_problem(url)
    if problem is not None:
        return ProbeResult(url=str(url), reachable=False, error=f"not a valid URL: {problem}")
    deadline = Deadline.start(options.timeout, options.clock)
    file = RangeFile(
        client,
        url,
        deadline=deadline,
        max_bytes=options.max_bytes,
        block_size=options.block_size,
        readahead=options.readahead,
    )
    try:
        with active(deadline), file:
            result = _examine(url, file, options)
    except Exception as exc:  # every outcome is a result, a bug included
        result = _failure(url, file, _cause(file, exc), options)
    return replace(
        result,
        size_bytes=file.size,
        bytes_read=file.bytes_read,
        requests=file.requests,
        seconds=options.clock() - started,
    )


def _answered(url: str, file: RangeFile) -> ProbeResult:
    return ProbeResult(
        url=url,
        reachable=is_reachable(file.status),
        http_status=file.status,
        content_type=file.content_type,
    )


def _cause(file: RangeFile, exc: Exception) -> Exception:
    # PyAV re-raises the first error of a read; if it raised its own, the read's is still
    # the real cause (e.g. the connection broke, then FFmpeg saw bad data).
    return file.failure if isinstance(file.failure, Exception) else exc


def _examine(url: str, file: RangeFile, options: Options) -> ProbeResult:
    file.open()
    base = _answered(url, file)
    if file.size == 0:
        return replace(base, is_video=False, error="the file is empty")
    if is_textual(file.content_type):
        return replace(base, is_video=False, error=f"not a video ({file.content_type})")
    info = inspect(file)
    if not info.is_video:
        return replace(base, is_video=False, error=info.problem)
    error = None
    if info.thumbnail_failure is not None:
        cause = _cause(file, info.thumbnail_failure)
        error = f"no thumbnail: {_failure(url, file, cause, options).error}"
    return replace(
        base,
        error=error,
        is_video=True,
        duration_s=info.duration_s,
        width=info.width,
        height=info.height,
        fps=info.fps,
        codec=info.codec,
        thumbnail=info.thumbnail,
        thumbnail_mime=THUMBNAIL_MIME if info.thumbnail is not None else None,
    )


def _reason(exc: BaseException) -> str:
    """``"[Errno 111] Connection refused"`` → ``"connection refused"``."""
    text = _ERRNO.sub("", str(exc)).strip() or type(exc).__name__
    return text[:1].lower() + text[1:]


def _is_ffmpeg_error(exc: BaseException) -> bool:
    try:
        from av.error import FFmpegError
    except ImportError:  # pragma: no cover - Prober requires av before any probe runs
        return False
    return isinstance(exc, FFmpegError)


def _failure(url: str, file: RangeFile, cause: Exception, options: Options) -> ProbeResult:
    base = _answered(url, file)
    answered = file.status is not None
    if isinstance(cause, HttpStatusError):
        return replace(base, error=f"HTTP {cause.status}")
    if isinstance(cause, (ProbeTimeout, httpx.TimeoutException)):
        if not answered:
            return replace(base, error=f"no answer within {options.timeout:g} s")
        read = human_bytes(file.bytes_read)
        return replace(base, error=f"timed out after {options.timeout:g} s ({read} read)")
    if isinstance(cause, httpx.TooManyRedirects):
        return replace(base, error="not reachable: too many redirects")
    if isinstance(cause, httpx.UnsupportedProtocol):
        return replace(base, error="not reachable: redirected to a URL that is not http(s)")
    if isinstance(cause, httpx.TransportError):
        prefix = "the connection failed" if answered else "not reachable"
        return replace(base, error=f"{prefix}: {_reason(cause)}")
    if isinstance(cause, (ReadLimitError, ReadFailedError)):
        return replace(base, error=str(cause))
    if _is_ffmpeg_error(cause):
        detail = getattr(cause, "strerror", None) or _reason(cause)
        return replace(base, is_video=False, error=f"the container layer cannot open it ({detail})")
    return replace(base, error=f"probe failed: {type(cause).__name__}: {cause}")
