"""Column charts as inline SVG: no JavaScript, no fonts or images from elsewhere.

Pure: numbers in, markup out. Every bar carries a native SVG ``<title>`` (the browser's own
tooltip), so the chart needs no script to say which analysis a bar is. Labels are escaped.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Bar", "column_chart", "nice_step"]

_LEFT, _RIGHT, _TOP, _BOTTOM = 52, 12, 14, 28
_AXIS = "#9e9e9e"
_GRID = "#e0e0e0"
_TEXT = "#424242"


@dataclass(frozen=True, slots=True)
class Bar:
    """One column."""

    value: float | None
    """Its height in the chart's unit; ``None``: nothing to draw (not finished)."""
    label: str
    """What the tooltip says about it (e.g. the video URL)."""
    colour: str
    """Fill colour (a state's colour)."""


def nice_step(top: float, ticks: int = 4) -> float:
    """A round step (1, 2 or 5 × 10ⁿ) dividing ``[0, top]`` into about ``ticks`` parts."""
    if not top > 0 or not math.isfinite(top):
        return 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _number(value: float) -> str:
    return f"{value:g}" if value < 1e6 else f"{value:.3g}"


def column_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    unit: str,
    width: int = 960,
    height: int = 220,
    max_bars: int = 400,
    integer: bool = False,
) -> str:
    """An ``<svg>`` column chart of ``bars`` (in order; the first ``max_bars`` only), the
    y axis in ``unit`` from 0, ``integer`` ticks when the values are counts."""
    shown = list(bars[:max_bars])
    values = [b.value for b in shown if b.value is not None and math.isfinite(b.value)]
    label = html.escape(title)
    head = (
        f'<svg class="hs-chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{label}" '
        f'font-family="system-ui, sans-serif" font-size="11">'
    )
    if not values:
        return (
            f'{head}<text x="{width / 2}" y="{height / 2}" text-anchor="middle" '
            f'fill="{_TEXT}">nothing to chart yet</text></svg>'
        )
    top = max(max(values), 1.0 if integer else 0.0) or 1.0
    step = max(nice_step(top), 1.0) if integer else nice_step(top)
    axis_top = step * math.ceil(top / step)
    plot_w, plot_h = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    parts = [head]
    tick = 0.0
    while tick <= axis_top + step / 2:
        y = _TOP + plot_h - tick / axis_top * plot_h
        parts.append(
            f'<line x1="{_LEFT}" x2="{width - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{_GRID}"/><text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'fill="{_TEXT}">{_number(tick)}</text>'
        )
        tick += step
    parts.append(
        f'<text x="12" y="{_TOP + plot_h / 2:.1f}" fill="{_TEXT}" text-anchor="middle" '
        f'transform="rotate(-90 12 {_TOP + plot_h / 2:.1f})">{html.escape(unit)}</text>'
    )
    slot = plot_w / len(shown)
    gap = min(slot * 0.2, 4.0) if slot > 3 else 0.0
    for index, bar in enumerate(shown):
        if bar.value is None or not math.isfinite(bar.value):
            continue
        h = max(bar.value, 0.0) / axis_top * plot_h
        x = _LEFT + index * slot + gap / 2
        tip = f"#{index + 1} {bar.label}: {_number(round(bar.value, 2))} {unit}"
        parts.append(
            f'<rect x="{x:.2f}" y="{_TOP + plot_h - h:.2f}" width="{max(slot - gap, 0.5):.2f}" '
            f'height="{h:.2f}" fill="{html.escape(bar.colour)}">'
            f"<title>{html.escape(tip)}</title></rect>"
        )
    base = _TOP + plot_h
    parts.append(
        f'<line x1="{_LEFT}" x2="{width - _RIGHT}" y1="{base}" y2="{base}" stroke="{_AXIS}"/>'
    )
    every = max(1, math.ceil(len(shown) / 20))  # about 20 labels along the x axis at most
    for index in range(0, len(shown), every):
        x = _LEFT + (index + 0.5) * slot
        parts.append(
            f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle" fill="{_TEXT}">'
            f"{index + 1}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
