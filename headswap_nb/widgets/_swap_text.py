"""Pure words and HTML of the head-swap views: refusals in plain words, the output video.

No ipywidgets here. Every user or server string is escaped; only http(s) URLs go into an
``src`` or ``href``.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from headswap_nb.widgets._present import badge_html, format_elapsed, is_web_url

if TYPE_CHECKING:
    from headswap_nb._task_state import TaskEntry
    from headswap_nb.batch import BatchEntry
    from headswap_nb.errors import InvalidRequestError

__all__ = [
    "EXPIRY_NOTE",
    "MAX_PEOPLE",
    "STYLE_HTML",
    "explain_invalid",
    "output_html",
    "refusal_text",
    "task_detail_html",
]

MAX_PEOPLE = 5
"""Mappings per task at most (akool-api.md §4.3)."""
EXPIRY_NOTE = "Output links may expire — save the file if you need it later."
RED = "color:#c62828"

STYLE_HTML = (
    "<style>.hs-row .hs-swap-open{visibility:hidden}"
    ".hs-row.hs-row-completed .hs-swap-open{visibility:visible}"
    ".hs-output-video{max-width:100%;max-height:360px;display:block;margin:4px 0}</style>"
)
"""Board-wide CSS: a row's "Swap…" button shows on completed rows only, so a row changing
state costs no extra comm message for it (its class already changes)."""


def _server_words(error: str) -> str:
    """The server's own message inside a client error text (``... code 1003: MSG; advice.``)."""
    found = re.search(r"code \d+: (.*?); [^;]*\.?$", error)
    return found.group(1) if found else error


def refusal_text(code: int | None, error: str | None, *, unknown: bool = False) -> str:
    """A create (or poll) refused or lost, in plain words."""
    text = error or "no reason given"
    if unknown:
        return (
            "The create may have reached Akool without an answer: check your account for the "
            f"task before creating it again (it may be billed). Details: {text}"
        )
    if code == 1104:
        return (
            "Not enough credits for this task (code 1104). Top up your Akool account or "
            "choose a shorter video."
        )
    if code == 1014:
        return "The analysis was not found for this account (code 1014)."
    if code in (1101, 1102):
        return f"The API key was refused (code {code}): connect again with a valid key."
    if code == 1005:
        return "Too many requests right now (code 1005): try again in a moment."
    if code is not None:
        return f"Akool refused the task (code {code}): {_server_words(text)}"
    return text


def explain_invalid(
    exc: InvalidRequestError, pairs: list[tuple[int, str]], entry: BatchEntry | None
) -> tuple[int | None, str]:
    """``(obj_id or None, plain words)`` for a local refusal: where to show it, and what.

    ``pairs``: the mappings as given; ``field`` of the error (``mappings[2].img_url``) says
    which one is wrong."""
    field = getattr(exc, "field", None) or ""
    nothing = " Nothing was sent."
    if field == "url":
        if entry is None:
            return None, "This video is not in the board's batch: analyse it first." + nothing
        state = entry.state.value
        return None, (
            f"This analysis is {state}, not completed: a head swap needs a completed "
            "analysis (wait for it, or choose another one)." + nothing
        )
    if field == "mappings" and not 1 <= len(pairs) <= MAX_PEOPLE:
        if not pairs:
            return None, (
                "Choose at least one person: enter a reference face image URL under their "
                "preview." + nothing
            )
        return None, (
            f"At most {MAX_PEOPLE} people can be swapped in one task (the API's limit); you "
            f"chose {len(pairs)}. Clear {len(pairs) - MAX_PEOPLE} face field(s)." + nothing
        )
    found = re.match(r"mappings\[(\d+)\]\.(obj_id|img_url)", field)
    words = str(exc).replace("; fix it and call again (nothing was sent).", ".")
    if found is None or int(found.group(1)) >= len(pairs):
        return None, words + ("" if "nothing was sent" in words.lower() else nothing)
    obj_id = pairs[int(found.group(1))][0]
    if found.group(2) == "img_url":
        return obj_id, "The face must be an http:// or https:// image URL." + nothing
    if re.search(r"repeats obj_id", words):
        return obj_id, f"Person {obj_id} is mapped twice: give each person one face." + nothing
    return obj_id, f"obj_id {obj_id} is not a person of this analysis." + nothing


def task_detail_html(entry: TaskEntry) -> str:
    """``[state] · 12s · <task id> · 720p · error in plain words``, all escaped."""
    state = entry.state.value
    parts = [
        badge_html(state),
        f'<span class="hs-elapsed">{format_elapsed(_elapsed(entry))}</span>',
    ]
    if entry.task_id:
        parts.append(
            '<code class="hs-task-id" style="user-select:all;cursor:text" title="task id">'
            f"{html.escape(entry.task_id)}</code>"
        )
    parts.append(html.escape(entry.resolution))
    if state in ("error", "unknown"):
        words = refusal_text(entry.error_code, entry.error, unknown=state == "unknown")
    elif state == "failed":
        code = f" (code {entry.error_code})" if entry.error_code is not None else ""
        words = f"The head swap failed{code}: {entry.error or 'no reason given'}"
    else:
        words = ""
    if words:
        parts.append(f'<span class="hs-task-error" style="{RED}">{html.escape(words)}</span>')
    return " · ".join(parts)


def _elapsed(entry: TaskEntry) -> float | None:
    if entry.submitted_at is None:
        return None
    from datetime import datetime, timezone

    end = entry.finished_at or datetime.now(timezone.utc)
    return (end - entry.submitted_at).total_seconds()


def output_html(entry: TaskEntry) -> str:
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
