"""Copy into an HTML page the media it loads from a host about to go away.

``headswap-nb demo --execute`` exports each executed notebook while its simulator still
runs; the person previews and output videos in those pages point at that simulator, which
stops when the demo ends. ``embed_media`` replaces each such ``src`` with a ``data:`` URI of
what the host serves now, so the exported page shows them for good, offline.
"""

from __future__ import annotations

import base64
import html
import re

import httpx

__all__ = ["embed_media"]

_SRC = re.compile(r'(?P<lead>\bsrc=")(?P<url>[^"]+)(?P<end>")')
_KINDS = ("image/png", "image/jpeg", "image/gif", "image/webp", "video/mp4", "video/webm")
_MAX_BYTES = 4_000_000
"""Per file: a sample preview is a few KB, a simulated output video a few hundred."""


def embed_media(page: str, *, host: str, timeout: float = 5.0) -> str:
    """``page`` with every ``src="…"`` under ``host`` (a base URL such as
    ``http://127.0.0.1:8123``) replaced by a ``data:`` URI of its content — raster images
    and mp4/webm videos up to 4 MB; anything else, or what cannot be fetched, is left as
    it was."""
    prefix = host.rstrip("/") + "/"
    wanted = {
        html.unescape(m["url"])
        for m in _SRC.finditer(page)
        if html.unescape(m["url"]).startswith(prefix)
    }
    if not wanted:
        return page
    copied: dict[str, str] = {}
    with httpx.Client(timeout=timeout, trust_env=False) as client:
        for url in sorted(wanted):
            uri = _copy(client, url)
            if uri is not None:
                copied[url] = uri

    def swap(match: re.Match[str]) -> str:
        uri = copied.get(html.unescape(match["url"]))
        return match.group(0) if uri is None else f"{match['lead']}{uri}{match['end']}"

    return _SRC.sub(swap, page)


def _copy(client: httpx.Client, url: str) -> str | None:
    try:
        with client.stream("GET", url) as response:
            kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if response.status_code != 200 or kind not in _KINDS:
                return None
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > _MAX_BYTES:
                    return None
    except httpx.HTTPError:
        return None
    return f"data:{kind};base64,{base64.b64encode(body).decode('ascii')}"
