"""Hand-built HTML tables of the frames: ``to_html`` and ``show``.

Hand-built rather than ``Styler`` so that escaping is guaranteed by construction: every
value passes through ``html.escape`` exactly once, and a URL reaches an ``href``/``src``
attribute only when it is plainly http(s) (or, for thumbnails, an inline raster image).
Inline styles only, because JupyterLab's sanitiser and exported HTML both keep them while a
``<style>`` block may be dropped or leak into the rest of the page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

import pandas as pd

from headswap_nb.frames.files import missing

# Solid badges with white text read well on both the light and the dark JupyterLab theme.
STATUS_COLOURS = {
    "queued": "#6b7280",
    "processing": "#2563eb",
    "completed": "#15803d",
    "failed": "#b91c1c",
    "unknown": "#b45309",
}
# No whitespace or control characters at all: browsers strip them inside a scheme, which is
# how "java\tscript:" slips past naive checks.
_WEB_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f]+\Z", re.IGNORECASE)
_IMAGE_DATA = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+\Z")

_TABLE = 'style="border-collapse:collapse;font-size:12px;line-height:1.4"'
_TH = 'style="text-align:left;padding:3px 8px;border-bottom:2px solid #8884;white-space:nowrap"'
_TD = 'style="text-align:left;padding:3px 8px;border-bottom:1px solid #8883;vertical-align:middle"'
_NULL = '<span style="opacity:.4">–</span>'


@dataclass(frozen=True)
class HTMLTable:
    """Rendered table; Jupyter displays it through ``_repr_html_``."""

    html: str
    rows: int

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<HTMLTable of {self.rows} rows; display it in a notebook or use .html>"


def is_web_url(value: str) -> bool:
    """True when ``value`` may go into an ``href`` (http or https, nothing odd inside)."""
    return _WEB_URL.match(value) is not None


def render(columns: Sequence[str], rows: Sequence[Sequence[object]], *, total: int) -> str:
    """A ``<table>`` of ``rows`` (``None`` for a missing value) under ``columns``."""
    head = "".join(f"<th {_TH}>{escape(str(name))}</th>" for name in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td {_TD}>{cell(name, value)}</td>" for name, value in zip(columns, row, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    note = ""
    if total > len(rows):
        note = f'<div style="font-size:11px;opacity:.7">first {len(rows)} of {total} rows</div>'
    return (
        f'<div style="overflow-x:auto"><table {_TABLE}><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>{note}</div>"
    )


def cell(column: str, value: object) -> str:
    """The escaped inner HTML of one cell, styled by its column."""
    if value is None:
        return _NULL
    if column == "status":
        return badge(str(value))
    if column == "img_url" and isinstance(value, str):
        return thumbnail(value)
    if column.endswith("url") and isinstance(value, str):
        return link(value)
    return escape(_text(value))


def badge(label: str) -> str:
    colour = STATUS_COLOURS.get(label, STATUS_COLOURS["unknown"])
    return (
        f'<span style="background:{colour};color:#fff;border-radius:9px;padding:1px 8px;'
        f'font-size:11px;white-space:nowrap">{escape(label)}</span>'
    )


def link(url: str) -> str:
    if not is_web_url(url):
        return escape(url)  # shown, never followed
    safe = escape(url)
    return f'<a href="{safe}" target="_blank" rel="noopener noreferrer">{safe}</a>'


def thumbnail(url: str) -> str:
    web = is_web_url(url)
    if not (web or _IMAGE_DATA.match(url)):
        return escape(url)
    safe = escape(url)
    image = (
        f'<img src="{safe}" alt="preview" width="64" loading="lazy" '
        'style="max-height:64px;object-fit:contain;border-radius:4px">'
    )
    if not web:
        return image  # browsers refuse to navigate to data: URLs, so no link
    return f'<a href="{safe}" target="_blank" rel="noopener noreferrer">{image}</a>'


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def to_html(df: pd.DataFrame, *, max_rows: int = 200) -> str:
    """Escaped HTML table of ``df`` (without ``raw``): status badges, links, thumbnails."""
    shown = df[[c for c in df.columns if c != "raw"]].head(max_rows).astype(object)
    rows = [[None if missing(v) else v for v in row] for row in shown.itertuples(False, None)]
    return render([str(c) for c in shown.columns], rows, total=len(df))


def show(df: pd.DataFrame, *, max_rows: int = 200) -> HTMLTable:
    """``to_html`` wrapped for display: put ``show(df)`` last in a notebook cell."""
    return HTMLTable(to_html(df, max_rows=max_rows), len(df))
