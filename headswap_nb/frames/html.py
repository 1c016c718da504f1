"""Hand-built HTML tables of the frames: ``to_html`` and ``show``.

Hand-built rather than ``Styler`` so that escaping is guaranteed by construction: every
value passes through ``html.escape`` exactly once, and a URL reaches an ``href``/``src``
attribute only when it is plainly http(s) (or, for thumbnails, an inline raster image).
Inline styles only, because JupyterLab's sanitiser and exported HTML both keep them while a
``<style>`` block may be dropped or leak into the rest of the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

import pandas as pd

from headswap_nb import present
from headswap_nb.frames.files import missing

_LINK_CHARS = 60
"""A link's text is cut in the middle beyond this (the ``title`` holds the whole URL)."""

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


def render(
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    total: int,
    headings: Sequence[str] | None = None,
) -> str:
    """A ``<table>`` of ``rows`` (``None`` for a missing value) under ``columns`` (shown as
    ``headings`` when given); it scrolls sideways inside its own box, never its page."""
    head = "".join(f"<th {_TH}>{escape(str(name))}</th>" for name in headings or columns)
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
    if column in ("status", "state"):
        return present.badge(str(value))
    if column in ("img_url", "thumbnail") and isinstance(value, str):
        return thumbnail(value)
    if column.endswith("url") and isinstance(value, str):
        return link(value)
    return escape(_text(value))


def link(url: str) -> str:
    text = url
    if len(text) > _LINK_CHARS:  # cut in the middle: the host and the file name both show
        half = (_LINK_CHARS - 1) // 2
        text = text[:half] + "…" + text[-half:]
    return present.link(url, text)


def thumbnail(url: str) -> str:
    web = present.is_web_url(url)
    if not (web or present.is_image_data_uri(url)):
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


def readable(df: pd.DataFrame, *, thumbnails: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A copy of an analyses frame for reading, not analysis: times to a tenth of a second,
    no ``error_reason`` on completed rows (the API puts "success" there), and, given
    ``thumbnails`` (video URL → image data URI), a ``thumbnail`` column."""
    out: pd.DataFrame = df.copy()
    if thumbnails is not None and "video_url" in out:
        out["thumbnail"] = out["video_url"].map(lambda url: thumbnails.get(url, pd.NA))
    for name in ("elapsed_s", "duration_s"):
        if name in out:
            out[name] = out[name].round(1)
    if "error_reason" in out and "status" in out:
        out["error_reason"] = out["error_reason"].mask(out["status"] == "completed")
    return out


def to_html(
    df: pd.DataFrame, *, max_rows: int = 200, columns: Mapping[str, str] | None = None
) -> str:
    """Escaped HTML table of ``df`` (without ``raw``): status badges, links, thumbnails.

    ``columns``: only these (name → heading shown), in that order; default: every column.
    """
    names = [c for c in df.columns if c != "raw"] if columns is None else list(columns)
    shown = df[names].head(max_rows).astype(object)
    rows = [[None if missing(v) else v for v in row] for row in shown.itertuples(False, None)]
    headings = names if columns is None else [columns[n] for n in names]
    return render(names, rows, total=len(df), headings=headings)


def show(df: pd.DataFrame, *, max_rows: int = 200) -> HTMLTable:
    """``to_html`` wrapped for display: put ``show(df)`` last in a notebook cell."""
    return HTMLTable(to_html(df, max_rows=max_rows), len(df))
