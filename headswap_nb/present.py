"""Words, colours and safe HTML pieces every view of a job shares — the board, the text
fallback, the report, the board snapshot, the terminal and the frames' tables: a state's
colour and badge, a shortened URL, an elapsed time, links and images that cannot misbehave.

Pure and stdlib only (no ipywidgets, no pandas), so that any view can import it. Only an
http(s) URL with nothing odd in it may reach an ``href``; an image ``src`` is only ever such
a URL or a ``data:`` URI of a raster image.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

__all__ = [
    "EXPIRY_NOTE",
    "STATE_COLOURS",
    "badge",
    "bar",
    "elapsed_text",
    "image",
    "is_image_data_uri",
    "is_web_url",
    "link",
    "placeholder",
    "short_url",
]

EXPIRY_NOTE = "Output links may expire (about 7 days): download what you need to keep."
"""akool-api.md §14: other Akool features keep outputs 7 days; head swap says "may expire"."""

STATE_COLOURS = {
    "pending": "#78909c",
    "held": "#ef6c00",
    "submitting": "#0288d1",
    "queued": "#0277bd",
    "processing": "#1565c0",
    "completed": "#2e7d32",
    "failed": "#c62828",
    "error": "#c62828",
    "unknown": "#e65100",
    "cancelled": "#616161",
}
"""Solid badge colours (white text reads on each, on light and dark pages alike)."""

# No whitespace or control characters at all: browsers strip them inside a scheme, which is
# how "java\tscript:" slips past naive checks.
_WEB_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f\"'<>\\]+\Z", re.IGNORECASE)
_IMAGE_DATA = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+\Z")


def is_web_url(value: object) -> bool:
    """True when ``value`` may go into an ``href``: http(s), a host, nothing odd inside."""
    if not isinstance(value, str) or _WEB_URL.match(value) is None:
        return False
    try:
        return bool(urlsplit(value).hostname)
    except ValueError:
        return False


def is_image_data_uri(value: object) -> bool:
    """True for a base64 ``data:`` URI of a PNG, JPEG, GIF or WebP (never SVG: it may
    carry scripts and references to other hosts)."""
    return isinstance(value, str) and _IMAGE_DATA.match(value) is not None


def short_url(url: str, width: int = 48) -> str:
    """Host and file name, the middle path and the query elided to fit ``width``:
    ``example.com/…/broken.mp4?dura…`` (the scheme is dropped; a title has it all)."""
    try:
        parts = urlsplit(url)
        host = parts.netloc if parts.hostname else ""
    except ValueError:
        host = ""
    if not host:
        return url if len(url) <= width else url[: width - 1] + "…"
    segments = [s for s in parts.path.split("/") if s]
    base = host + ("/…/" if len(segments) > 1 else "/") + segments[-1] if segments else host
    text = base + (f"?{parts.query}" if parts.query else "")
    if len(text) <= width:
        return text
    room = width - len(base) - 1  # for the query, after its "?"
    if room >= 6:  # keep both ends of the query: hints such as "…people=1" differ there
        head = (room - 1) // 2
        return f"{base}?{parts.query[:head]}…{parts.query[-(room - 1 - head) :]}"
    if len(base) < width:
        return text[: width - 1] + "…"
    if not segments or width < 12:
        return "…" + base[-(width - 1) :]
    # The file name is what tells one video from the next: keep both its ends (where names
    # differ, "cut-v1-…", and the extension), with the host if that leaves it enough room.
    lead = host + ("/…/" if len(segments) > 1 else "/")
    if width - len(lead) < 24:
        lead = "…/"
    room = width - len(lead)
    name = segments[-1]
    if len(name) <= room:
        fits = lead + name + (f"?{parts.query}" if parts.query else "")
        return fits if len(fits) <= width else fits[: width - 1] + "…"
    head = (room - 1) // 2
    return f"{lead}{name[:head]}…{name[-(room - 1 - head) :]}"


def elapsed_text(seconds: float | None) -> str:
    """``—``, ``7 s``, ``3 min 05 s`` or ``2 h 04 min``."""
    if seconds is None or seconds < 0 or seconds != seconds:
        return "—"
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def badge(state: str) -> str:
    """A coloured pill naming ``state`` (inline style: notebooks' sanitisers keep it)."""
    colour = STATE_COLOURS.get(state, STATE_COLOURS["cancelled"])
    return (
        f'<span class="hs-badge hs-state-{html.escape(state)}" style="background:{colour};'
        "color:#fff;border-radius:8px;padding:0 7px;font-size:11px;line-height:16px;"
        f'display:inline-block;white-space:nowrap">{html.escape(state)}</span>'
    )


def link(url: str, text: str | None = None) -> str:
    """``url`` as a link when it is plainly http(s), else as escaped text (never followed)."""
    shown = html.escape(text if text is not None else url)
    if not is_web_url(url):
        return shown
    return (
        f'<a href="{html.escape(url)}" title="{html.escape(url)}" target="_blank" '
        f'rel="noopener noreferrer">{shown}</a>'
    )


def bar(progress: float, state: str, *, width: int = 120) -> str:
    """A static progress bar at ``progress`` percent, coloured by ``state`` (a job that
    failed shows where it stopped, in red)."""
    shown = min(max(progress, 0.0), 100.0) if progress == progress else 0.0
    colour = STATE_COLOURS.get(state, STATE_COLOURS["cancelled"])
    return (
        f'<span class="hs-bar" title="{shown:.0f}%" style="display:inline-block;'
        f"width:{width}px;height:8px;background:#8883;border-radius:4px;"
        f'vertical-align:middle;overflow:hidden"><span style="display:block;'
        f'width:{shown:.1f}%;height:8px;background:{colour}"></span></span>'
    )


def placeholder(size: int, text: str = "no preview") -> str:
    """What stands where an image could not be fetched: a plain box, no request."""
    return (
        f'<span class="hs-placeholder" style="display:inline-flex;align-items:center;'
        f"justify-content:center;width:{size}px;height:{size}px;border-radius:6px;"
        f"background:#eceff1;color:#78909c;font-size:10px;text-align:center;"
        f'vertical-align:middle">{html.escape(text)}</span>'
    )


def image(uri: str | None, size: int, alt: str) -> str:
    """An ``<img>`` of a ``data:`` URI we made, else ``placeholder``: never another host."""
    if uri is None or not is_image_data_uri(uri):
        return placeholder(size)
    return (
        f'<img class="hs-thumb" src="{uri}" alt="{html.escape(alt)}" width="{size}" '
        f'height="{size}" style="object-fit:cover;border-radius:6px;vertical-align:middle">'
    )
