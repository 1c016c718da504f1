"""The board as one static HTML snippet: what a saved notebook or nbconvert shows where the
live widgets cannot render.

Pure, inline styles only (JupyterLab's sanitiser and exported HTML keep them, while a
``<style>`` block may be dropped or leak into the page). Bars are drawn at the progress the
board shows (``Batch.shown``), thumbnails only from ``data:`` URIs given by the caller —
never an ``<img>`` pointing at another host, so opening the notebook asks nobody anything.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from headswap_nb.present import (
    EXPIRY_NOTE,
    badge,
    bar,
    elapsed_text,
    image,
    link,
    short_url,
)
from headswap_nb.reports.data import Job, ReportData, collect

if TYPE_CHECKING:
    from headswap_nb.batch import Batch
    from headswap_nb.jobs import Journal

__all__ = ["board_html", "select_rows"]

_TD = "padding:2px 6px;border-bottom:1px solid #8882;vertical-align:middle"
_TH = "padding:2px 6px;text-align:left;border-bottom:1px solid #8886"
_RED = "color:#c62828"
_ORDER = {"failed": 0, "error": 0, "unknown": 0, "processing": 1, "queued": 1, "submitting": 1}


def select_rows(jobs: Sequence[Job], limit: int) -> list[Job]:
    """The jobs worth a row, in batch order: all when at most ``limit``; else those that
    went wrong first (they need eyes), then the running ones, then the most recently
    finished, then the rest."""
    if len(jobs) <= limit:
        return list(jobs)

    def rank(index: int) -> tuple[int, float]:
        entry = jobs[index].entry
        group = _ORDER.get(entry.state.value, 2 if entry.state.is_terminal else 3)
        when = entry.finished_at or entry.submitted_at
        return group, -(when.timestamp() if when is not None else 0.0)

    chosen = sorted(sorted(range(len(jobs)), key=rank)[:limit])
    return [jobs[i] for i in chosen]


def _people(job: Job, thumbnails: Mapping[str, str] | None) -> str:
    record = job.entry.analysis
    people = record.people if record is not None else ()
    if not people:
        return ""
    if thumbnails is None:
        return f"{len(people)} people" if len(people) != 1 else "1 person"
    return "".join(
        f'<span title="obj_id {p.obj_id}" style="margin-right:3px">'
        f"{image(thumbnails.get(p.img_url or ''), 32, f'person {p.obj_id}')}</span>"
        for p in people
    )


def _row(job: Job, thumbnails: Mapping[str, str] | None) -> str:
    e = job.entry
    state = e.state.value
    if e.is_task:
        extra = html.escape(e.resolution)
        if state == "completed" and e.output_url:
            extra += " · " + link(e.output_url, "swapped video")
    else:
        extra = _people(job, thumbnails)
    return (
        f'<tr class="hs-snapshot-row hs-state-{html.escape(state)}">'
        f'<td style="{_TD};white-space:nowrap" title="{html.escape(e.url)}">'
        f"{html.escape(short_url(e.url))}</td>"
        f'<td style="{_TD}">{badge(state)}</td>'
        f'<td style="{_TD};white-space:nowrap">{bar(job.shown, state)} {job.shown:.0f}%</td>'
        f'<td style="{_TD}">{elapsed_text(e.elapsed_s)}</td>'
        f'<td style="{_TD}"><code style="user-select:all">{html.escape(e.job_id or "")}</code>'
        f'</td><td style="{_TD}">{extra}</td>'
        f'<td style="{_TD};{_RED}">{html.escape(e.error or "")}</td></tr>'
    )


def _table(
    jobs: Sequence[Job], limit: int, thumbnails: Mapping[str, str] | None, *, tasks: bool
) -> str:
    shown = select_rows(jobs, limit)
    names = ("task id", "output") if tasks else ("analysis id", "people")
    head = "".join(
        f'<th style="{_TH}">{name}</th>'
        for name in ("video", "state", "progress", "elapsed", *names, "error")
    )
    more = ""
    if len(shown) < len(jobs):
        more = f'<div style="font-size:11px;opacity:.7">showing {len(shown)} of {len(jobs)}</div>'
    return (
        '<table style="border-collapse:collapse;font-size:12px;line-height:1.5">'
        f"<thead><tr>{head}</tr></thead><tbody>"
        f"{''.join(_row(j, thumbnails) for j in shown)}</tbody></table>{more}"
    )


def render_board(
    data: ReportData, *, thumbnails: Mapping[str, str] | None = None, limit: int = 50
) -> str:
    """The snapshot of ``data`` (see ``board_html``)."""
    s = data.summary
    pace = f" · {html.escape(data.pace)}" if data.pace else ""
    parts = [
        '<div class="hs-snapshot" style="font-family:system-ui,sans-serif;font-size:13px">',
        f'<div style="margin:2px 0 6px"><b>{html.escape(s.describe())}</b>{pace}</div>',
        f'<div style="margin-bottom:6px">{bar(s.progress, "completed", width=320)}</div>',
        _table(data.analyses, limit, thumbnails, tasks=False),
    ]
    if data.tasks:
        t = data.task_summary
        parts += [
            f'<div style="margin:10px 0 4px"><b>Head-swap tasks: {html.escape(t.describe())}'
            f'</b> <span style="opacity:.7">{html.escape(EXPIRY_NOTE)}</span></div>',
            _table(data.tasks, limit, None, tasks=True),
        ]
    parts.append("</div>")
    return "".join(parts)


def board_html(
    source: Batch | Journal | ReportData | str | os.PathLike[str],
    *,
    thumbnails: Mapping[str, str] | None = None,
    limit: int = 50,
) -> str:
    """The compact board of ``source`` (a ``Batch``, a ``Journal`` or its path) as static
    HTML: summary and pace, the overall bar, then a row per job (at most ``limit`` of each
    kind) with its state badge, a bar at the shown progress, elapsed time, id and error.

    ``thumbnails``: ``{preview URL: data URI}`` (``fetch_images``); with it, each completed
    analysis shows its people's previews, without it just how many people it found."""
    data = source if isinstance(source, ReportData) else collect(source)
    return render_board(data, thumbnails=thumbnails, limit=limit)
