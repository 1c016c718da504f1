"""The report's tables: the analyses, their people, the head-swap tasks (pure, escaped).

Images are only ever the ``data:`` URIs fetched for the report (``present.image``: a
placeholder otherwise); outputs are linked, never embedded, because they may expire.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from headswap_nb.models import Person
from headswap_nb.present import (
    EXPIRY_NOTE,
    badge,
    bar,
    elapsed_text,
    image,
    link,
    short_url,
)
from headswap_nb.reports.data import Job

__all__ = ["MAX_PEOPLE_CARDS", "analysis_table", "people_cards", "people_of", "task_table"]

MAX_PEOPLE_CARDS = 500
"""Analyses whose people are drawn at most (the table lists every analysis anyway)."""


def people_of(job: Job) -> tuple[Person, ...]:
    """The people an analysis found (none before it completed, none for a task)."""
    record = job.entry.analysis
    return record.people if record is not None else ()


def _video_text(job: Job) -> str:
    record = job.entry.analysis
    info = record.result.video_info if record is not None and record.result else None
    if info is None:
        return ""
    parts = []
    if info.duration is not None:
        parts.append(f"{info.duration:.1f} s")
    if info.width and info.height:
        parts.append(f"{info.width}×{info.height}")
    if info.fps:
        parts.append(f"{info.fps:g} fps")
    return " · ".join(parts)


def analysis_table(analyses: Sequence[Job]) -> str:
    """Every analysis: video, state, progress, id, people, source, elapsed, error."""
    head = "".join(
        f"<th>{name}</th>"
        for name in ("#", "video", "state", "progress", "analysis id", "people", "source",
                     "elapsed", "error")
    )  # fmt: skip
    rows = []
    for index, job in enumerate(analyses, start=1):
        e = job.entry
        people = str(len(people_of(job))) if e.state.value == "completed" else ""
        error = e.error or ""
        if e.error_code is not None and error:
            error = f"{error} (code {e.error_code})"
        rows.append(
            f"<tr><td>{index}</td>"
            f'<td class="url">{link(e.url, short_url(e.url, 60))}</td>'
            f"<td>{badge(e.state.value)}</td>"
            f'<td class="nowrap">{bar(job.shown, e.state.value, width=80)} {job.shown:.0f}%</td>'
            f"<td><code>{html.escape(e.job_id or '')}</code></td>"
            f'<td>{people}</td><td class="nowrap">{html.escape(_video_text(job))}</td>'
            f'<td class="nowrap">{elapsed_text(e.elapsed_s)}</td>'
            f'<td class="err">{html.escape(error)}</td></tr>'
        )
    body = "".join(rows) or '<tr><td colspan="9">No analyses.</td></tr>'
    return (
        f"<section><h2>Analyses</h2><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></section>"
    )


def people_cards(analyses: Sequence[Job], images: Mapping[str, str]) -> str:
    """A card per analysis with its people's previews (``images``: URL → data URI)."""
    cards = []
    for job in analyses[:MAX_PEOPLE_CARDS]:
        people = people_of(job)
        if not people:
            continue
        figures = "".join(
            f"<figure>{image(images.get(p.img_url or ''), 96, f'person {p.obj_id}')}"
            f"<figcaption>obj_id {p.obj_id}</figcaption></figure>"
            for p in people
        )
        url = job.entry.url
        cards.append(
            f'<div class="card"><div class="title" title="{html.escape(url)}">'
            f"{html.escape(short_url(url, 50))}</div>{figures}</div>"
        )
    if not cards:
        return ""
    more = ""
    if len(analyses) > MAX_PEOPLE_CARDS:
        more = f'<p class="note">People of the first {MAX_PEOPLE_CARDS} analyses.</p>'
    return (
        '<section><h2>People</h2><p class="note">Previews were copied into this file when it '
        "was made; a grey box is one that could not be fetched then.</p>"
        f'<div class="cards">{"".join(cards)}</div>{more}</section>'
    )


def task_table(tasks: Sequence[Job], images: Mapping[str, str]) -> str:
    """Every head-swap task, its faces and a link to its output (never embedded)."""
    if not tasks:
        return ""
    head = "".join(
        f"<th>{name}</th>"
        for name in ("#", "video", "state", "task id", "faces", "resolution", "output", "error")
    )
    rows = []
    for index, job in enumerate(tasks, start=1):
        e = job.entry
        faces = "".join(
            f"<figure>{image(images.get(face), 48, f'face for {obj}')}"
            f"<figcaption>{obj}</figcaption></figure>"
            for obj, face in e.mappings
        )
        output = ""
        if e.output_url and e.state.value == "completed":
            name = (e.task.file_name if e.task is not None else None) or "swapped video"
            output = link(e.output_url, f"Open {name}")
        rows.append(
            f"<tr><td>{index}</td>"
            f'<td class="url">{link(e.url, short_url(e.url, 50))}</td>'
            f"<td>{badge(e.state.value)}</td>"
            f"<td><code>{html.escape(e.job_id or '')}</code></td><td>{faces}</td>"
            f"<td>{html.escape(e.resolution)}</td><td>{output}</td>"
            f'<td class="err">{html.escape(e.error or "")}</td></tr>'
        )
    return (
        '<section><h2>Head-swap tasks</h2><p class="note">The swapped videos are linked, not '
        f"copied. {html.escape(EXPIRY_NOTE)}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )
