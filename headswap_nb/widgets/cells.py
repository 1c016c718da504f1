"""The HTML inside a job's row, for analyses and tasks alike: the detail cell (badge,
elapsed, id, the reason when something went wrong) and a task's output cell.

Pure, no ipywidgets (the text/HTML fallback uses it too). Every user or server string is
escaped; only http(s) URLs go into an ``src`` or ``href``.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from headswap_nb.jobs.pace import approximate
from headswap_nb.present import badge, elapsed_text, is_web_url
from headswap_nb.widgets.words import EXPIRY_NOTE, RED, refusal_text

if TYPE_CHECKING:
    from headswap_nb.jobs import JobEntry

__all__ = ["detail_html", "notice_html", "output_html"]


def detail_html(entry: JobEntry, *, eta: float | None = None, about: str | None = None) -> str:
    """``[state] · 12s · ~8 s left · <id> · error`` (the time left while it runs, when known;
    ``about``: what the pre-flight look found of the video; a task also shows its
    resolution, and its reasons in plain words), all escaped."""
    state = entry.state.value
    parts = [
        badge(state),
        f'<span class="hs-elapsed">{elapsed_text(entry.elapsed_s)}</span>',
    ]
    if eta is not None and entry.state.is_active:
        parts.append(f'<span class="hs-eta">{approximate(eta)} left</span>')
    if about:
        parts.append(f'<span class="hs-about" style="opacity:.75">{html.escape(about)}</span>')
    ident, label = (entry.task_id, "task") if entry.is_task else (entry.analysis_id, "analysis")
    if ident:
        css = "hs-task-id" if entry.is_task else "hs-id"
        parts.append(
            f'<code class="{css}" style="user-select:all;cursor:text;font-size:11px" '
            f'title="{label} id">'
            f"{html.escape(ident)}</code>"
        )
    if not entry.is_task:
        if entry.error:
            parts.append(
                f'<span class="hs-error" style="color:#c62828">{html.escape(entry.error)}</span>'
            )
        return " · ".join(parts)
    parts.append(html.escape(entry.resolution))
    if state in ("error", "unknown"):
        words = refusal_text(entry.error_code, entry.error, unknown=state == "unknown")
    elif state == "failed":
        code = f" (code {entry.error_code})" if entry.error_code is not None else ""
        words = f"The head swap failed{code}: {entry.error or 'no reason given'}"
    else:
        words = entry.error or ""  # a polling problem, shown while it is retried
    if words:
        parts.append(f'<span class="hs-task-error" style="{RED}">{html.escape(words)}</span>')
    return " · ".join(parts)


def output_html(entry: JobEntry) -> str:
    """The swapped video inline with a download link and the expiry note (completed only)."""
    if entry.state.value != "completed":
        return ""
    url = entry.output_url
    if not is_web_url(url):
        shown = html.escape(str(url)) if url else "none"
        return (
            f'<span class="hs-task-error" style="{RED}">Completed, but the output URL is not '
            f"an http(s) link: <code>{shown}</code></span>"
        )
    src = html.escape(str(url))
    name = (entry.task.file_name if entry.task is not None else None) or "headswap.mp4"
    return (
        '<div class="hs-swap-output">'
        f'<video controls preload="metadata" src="{src}" class="hs-output-video"></video>'
        f'<a href="{src}" download="{html.escape(name)}" target="_blank" rel="noopener" '
        f'class="hs-swap-download">Download {html.escape(name)}</a> · '
        f'<span class="hs-swap-expiry">{html.escape(EXPIRY_NOTE)}</span></div>'
    )


def notice_html(entry: JobEntry | None) -> str:
    """The swap panel's line about the task it created last (it changes in the background)."""
    if entry is None:
        return ""
    state, ident = entry.state.value, html.escape(entry.task_id or f"#{entry.ref}")
    if state in ("pending", "submitting"):
        text = "Creating the task…"
    elif state in ("queued", "processing"):
        text = f"Task <code>{ident}</code> created: its progress is below."
    elif state == "completed":
        text = f"Task <code>{ident}</code> completed: the video is below."
    elif state == "cancelled":
        text = f"Stopped tracking task <code>{ident}</code>."
    else:
        words = (
            refusal_text(entry.error_code, entry.error, unknown=state == "unknown")
            if state != "failed"
            else f"Task {entry.task_id or entry.ref} failed: {entry.error or 'no reason given'}"
        )
        return f'<span class="hs-swap-refusal" style="{RED}">{html.escape(words)}</span>'
    return f'<span class="hs-swap-created">{text}</span>'
