"""The report as one HTML page that travels: nothing in it asks another host for anything.

Pure: ``ReportData`` and the fetched images in, markup out. No JavaScript at all; the
charts are inline SVG; images are ``data:`` URIs or plain placeholders; the only URLs are
links a reader may click (the analysed videos and the swapped outputs, which may expire).
A Content-Security-Policy of ``default-src 'none'`` makes the browser itself refuse any
request the page might still try — a second lock, not the first. Every user or server
string passes through ``html.escape`` exactly once.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence

from headswap_nb._version import __version__
from headswap_nb.jobs import BatchSummary
from headswap_nb.present import STATE_COLOURS, bar
from headswap_nb.reports.charts import Bar, column_chart
from headswap_nb.reports.data import Job, ReportData
from headswap_nb.reports.tables import (
    MAX_PEOPLE_CARDS,
    analysis_table,
    people_cards,
    people_of,
    task_table,
)

__all__ = ["image_urls", "render_page"]

CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'"
)
CHART_WIDTH = 1200
"""Pixels: the page's content width, so a chart fills its section (it scrolls if wider)."""

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#212121;
 margin:0;background:#fafafa}
main{max-width:1320px;margin:0 auto;padding:24px 32px 48px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta,.note{color:#616161;font-size:12px}
section{background:#fff;border:1px solid #e0e0e0;border-radius:8px;padding:14px 18px;
 margin-top:16px}
section>h2{margin-top:0}
.headline{font-size:18px;font-weight:600;margin:0 0 8px}
.counts{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}
.count{border:1px solid #e0e0e0;border-radius:6px;padding:4px 10px;font-size:13px}
.count b{font-size:16px;margin-right:4px}
table{border-collapse:collapse;width:100%;font-size:12.5px}
th{text-align:left;border-bottom:2px solid #bdbdbd;padding:4px 8px;white-space:nowrap}
td{border-bottom:1px solid #eeeeee;padding:4px 8px;vertical-align:middle}
td.url{max-width:360px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
td.err{color:#c62828;max-width:380px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;user-select:all}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid #e0e0e0;border-radius:8px;padding:8px;max-width:100%;min-width:140px}
.card .title{font-size:12px;margin-bottom:6px;overflow:hidden;text-overflow:ellipsis;
 white-space:nowrap;max-width:560px}
td.nowrap{white-space:nowrap}
figure{display:inline-block;margin:0 6px 6px 0;text-align:center;font-size:11px;color:#616161}
figure>*{display:block}
.legend{display:flex;gap:12px;font-size:12px;color:#616161;margin-top:4px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
.chart{overflow-x:auto}
a{color:#1565c0}
"""

_STATE_ORDER = (
    "completed", "failed", "error", "unknown", "cancelled",
    "processing", "queued", "submitting", "pending",
)  # fmt: skip


def image_urls(data: ReportData) -> list[str]:
    """Every image the report would show: people previews, then the tasks' faces."""
    urls = [p.img_url for job in data.analyses[:MAX_PEOPLE_CARDS] for p in people_of(job)]
    urls += [face for job in data.tasks for _, face in job.entry.mappings]
    return [u for u in urls if u]


def _counts(summary: BatchSummary, noun: str) -> str:
    chips = []
    for state in _STATE_ORDER:
        count = getattr(summary, "errors" if state == "error" else state, 0)
        if count:
            colour = STATE_COLOURS[state]
            label = "need attention" if state == "unknown" else state
            chips.append(
                f'<span class="count" style="border-left:4px solid {colour}">'
                f"<b>{count}</b>{html.escape(label)}</span>"
            )
    if not chips:
        chips.append(f'<span class="count">no {html.escape(noun)}</span>')
    return f'<div class="counts">{"".join(chips)}</div>'


def _headline(summary: BatchSummary, noun: str) -> str:
    if not summary.total:
        return f"No {noun}."
    return f"{summary.completed} of {summary.total} {noun} completed"


def _summary(data: ReportData) -> str:
    s = data.summary
    pace = f" · {html.escape(data.pace)}" if data.pace else ""
    parts = [
        "<section><h2>Summary</h2>",
        f'<p class="headline">{html.escape(_headline(s, "analyses"))}</p>',
        f"<div>{bar(s.progress, 'completed' if s.done else 'processing', width=480)} "
        f"{s.progress:.0f}%{pace}</div>",
        _counts(s, "analyses"),
        f'<div class="note">{html.escape(s.describe())}</div>',
    ]
    if data.tasks:
        t = data.task_summary
        parts += [
            f'<p class="headline" style="margin-top:12px">'
            f"{html.escape(_headline(t, 'head-swap tasks'))}</p>",
            _counts(t, "tasks"),
        ]
    parts.append("</section>")
    return "".join(parts)


def _legend(states: Iterable[str]) -> str:
    seen = set(states)
    present = [s for s in _STATE_ORDER if s in seen]
    items = "".join(
        f'<span><i style="background:{STATE_COLOURS[s]}"></i>{html.escape(s)}</span>'
        for s in present
    )
    return f'<div class="legend">{items}</div>'


def _charts(analyses: Sequence[Job]) -> str:
    timing = [
        Bar(j.entry.elapsed_s, j.entry.url, STATE_COLOURS.get(j.entry.state.value, "#616161"))
        for j in analyses
    ]
    people = [
        Bar(
            float(len(people_of(j))) if j.entry.state.value == "completed" else None,
            j.entry.url,
            STATE_COLOURS["completed"],
        )
        for j in analyses
    ]
    more = ""
    if len(analyses) > 400:
        more = f'<p class="note">The first 400 of {len(analyses)} analyses are drawn.</p>'
    time_chart = column_chart(
        timing, title="Seconds per analysis", unit="seconds", width=CHART_WIDTH
    )
    people_chart = column_chart(
        people, title="People per analysis", unit="people", integer=True, width=CHART_WIDTH
    )
    return (
        '<section><h2>Time per analysis</h2><p class="note">Seconds from the submit answer '
        "to the end (or to now, while it runs), in the order the videos were given.</p>"
        f'<div class="chart">{time_chart}</div>'
        f"{_legend(j.entry.state.value for j in analyses)}{more}</section>"
        '<section><h2>People detected per analysis</h2><p class="note">Completed analyses '
        f'only.</p><div class="chart">{people_chart}</div>{more}</section>'
    )


def render_page(data: ReportData, images: Mapping[str, str], *, title: str) -> str:
    """The whole page."""
    made = data.made_at.strftime("%Y-%m-%d %H:%M UTC") if data.made_at else ""
    source = f"from {data.source} · " if data.source else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body><main>"
        f"<h1>{html.escape(title)}</h1>"
        f'<div class="meta">{html.escape(source)}made {made} · headswap-nb '
        f"{html.escape(__version__)} · this file asks no other host for anything</div>"
        f"{_summary(data)}{_charts(data.analyses)}{analysis_table(data.analyses)}"
        f"{people_cards(data.analyses, images)}{task_table(data.tasks, images)}"
        "</main></body></html>"
    )
