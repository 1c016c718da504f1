"""Previews fetched while their URLs still work, kept as ``data:`` URIs inside the report.

Akool's preview and output links expire (akool-api.md §14), and a report that loads them
when opened asks another host every time — and breaks after a week. So each image is
fetched once, now: in a few threads (bounded), each with a short deadline that holds even
against a server that answers a byte at a time, at most ``max_bytes``, with no credential
(they are public links). What comes back must *be* a PNG, JPEG, GIF or WebP by its first
bytes — the declared type is not trusted, and SVG is refused (it can carry scripts and
references to other hosts). Anything else is simply missing from the result: the page
draws a placeholder instead, never an ``<img>`` pointing elsewhere.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import httpx

from headswap_nb.present import is_web_url

__all__ = ["data_uri", "fetch_images", "sniff"]

DEFAULT_TIMEOUT = 4.0
DEFAULT_WORKERS = 8
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
MAX_IMAGES = 2000
"""Images fetched per report at most (a 10,000-analysis journal stays a sane file)."""


def sniff(head: bytes) -> str | None:
    """The image type ``head`` (a file's first bytes) starts like, or ``None``."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def data_uri(content: bytes) -> str | None:
    """``content`` as a ``data:image/...;base64,`` URI when it is a raster image we accept."""
    mime = sniff(content[:16])
    if mime is None:
        return None
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


def _fetch(client: httpx.Client, url: str, timeout: float, max_bytes: int) -> str | None:
    deadline = time.monotonic() + timeout
    try:
        with client.stream("GET", url) as response:
            if response.status_code != 200:
                return None
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_bytes or time.monotonic() > deadline:
                    return None
            return data_uri(bytes(body))
    except (httpx.HTTPError, OSError, ValueError):
        return None


def fetch_images(
    urls: Iterable[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    workers: int = DEFAULT_WORKERS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, str]:
    """``{url: data URI}`` for each http(s) image URL that could be fetched in time (the
    first ``MAX_IMAGES`` distinct ones); the others are absent. Never raises for a URL."""
    wanted = [u for u in dict.fromkeys(urls) if is_web_url(u)][:MAX_IMAGES]
    if not wanted:
        return {}
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    # Each read waits at most ``timeout``; _fetch also checks the whole answer's deadline
    # between chunks, so one URL costs about ``timeout`` seconds at worst.
    with (
        httpx.Client(
            timeout=httpx.Timeout(timeout),
            limits=limits,
            follow_redirects=True,
            max_redirects=3,
            transport=transport,
            headers={"Accept": "image/png,image/jpeg,image/gif,image/webp"},
        ) as client,
        ThreadPoolExecutor(workers, thread_name_prefix="headswap-report") as pool,
    ):
        results = pool.map(lambda u: _fetch(client, u, timeout, max_bytes), wanted)
        return {url: uri for url, uri in zip(wanted, results, strict=True) if uri is not None}
