"""Plain words for what went wrong: a refused or lost create, a local mistake on the panel.

No ipywidgets and no HTML here (callers escape what they show).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headswap_nb.errors import InvalidRequestError
    from headswap_nb.jobs import JobEntry

__all__ = ["EXPIRY_NOTE", "MAX_PEOPLE", "RED", "explain_invalid", "refusal_text"]

MAX_PEOPLE = 5
"""Mappings per task at most (akool-api.md §4.3)."""
EXPIRY_NOTE = "Output links may expire — save the file if you need it later."
RED = "color:#c62828"


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
    exc: InvalidRequestError, pairs: list[tuple[int, str]], entry: JobEntry | None
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
