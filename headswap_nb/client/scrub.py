"""The door (pure): every answer is scrubbed of the client's credentials before anything
reads it.

A careless or hostile server may echo the API key or token back: in ``error_reason``, in
an id, as a query parameter of a URL, in ``msg``, in an HTML error page. ``admit`` is the one
place where a reply from the server comes in (``protocol.interpret`` calls it first): its
bytes are scrubbed (for snippets), then its JSON is parsed and every string in it, keys and
values at any depth, is scrubbed again (JSON escapes such as ``\\u0041`` could hide a value
from the byte scan). Records, their ``raw`` dicts, error messages, ``msg``, snippets and
logs are all built from what ``admit`` returns, so nothing downstream needs to care.

Each credential is looked for as is and in the forms a server would write it into a URL
(percent-encoded) or a JSON string (escaped).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

from headswap_nb.client.secret import MASK, Secret

__all__ = ["MIN_SECRET_CHARS", "NOT_JSON", "Admitted", "admit", "scrub_text", "scrub_tree"]

MIN_SECRET_CHARS = 8
"""Shorter values are not scrubbed from answers: real keys and tokens are long, and
replacing, say, ``"k"`` everywhere would corrupt ordinary ids and URLs (tests use such keys)."""
NOT_JSON: Any = object()
"""``Admitted.body`` of a reply whose content is not JSON."""


def _forms(secret: Secret) -> tuple[str, ...]:
    value = secret.reveal()
    if len(value) < MIN_SECRET_CHARS:
        return ()
    escaped = json.dumps(value)[1:-1]
    candidates = (
        value,
        quote(value, safe=""),
        quote(value),
        quote_plus(value, safe=""),
        escaped,
        escaped.replace("/", "\\/"),
        json.dumps(value, ensure_ascii=False)[1:-1],
    )
    # Longest first, so that a form containing another is replaced whole.
    return tuple(sorted(set(candidates), key=len, reverse=True))


def _all_forms(secrets: Iterable[Secret]) -> tuple[str, ...]:
    return tuple(form for secret in secrets for form in _forms(secret))


def scrub_text(text: str, secrets: Iterable[Secret]) -> str:
    """``text`` with every form of every credential replaced by ``***``."""
    for form in _all_forms(secrets):
        if form in text:
            text = text.replace(form, MASK)
    return text


def _scrub(value: object, forms: tuple[str, ...]) -> object:
    if isinstance(value, str):
        for form in forms:
            if form in value:
                value = value.replace(form, MASK)
        return value
    if isinstance(value, list):
        return [_scrub(item, forms) for item in value]
    if isinstance(value, Mapping):
        return {_scrub(key, forms): _scrub(item, forms) for key, item in value.items()}
    return value


def scrub_tree(value: object, secrets: Iterable[Secret]) -> Any:
    """A copy of the JSON value ``value`` with every string (keys too) scrubbed."""
    return _scrub(value, _all_forms(secrets))


@dataclass(frozen=True, slots=True)
class Admitted:
    """A reply after the door: scrubbed bytes and their parsed, scrubbed JSON."""

    status: int
    headers: Mapping[str, str]
    content: bytes
    """The body with every credential form replaced, for snippets."""
    body: Any
    """The parsed JSON (scrubbed at every depth), or ``NOT_JSON``."""


def admit(
    status: int, headers: Mapping[str, str], content: bytes, secrets: Iterable[Secret]
) -> Admitted:
    """Scrub a reply's ``content`` and parse it; the only way an answer enters the client."""
    forms = _all_forms(secrets)
    clean = content
    for form in forms:
        raw = form.encode("utf-8")
        if raw in clean:
            clean = clean.replace(raw, MASK.encode())
    try:
        body = json.loads(clean)
    except (ValueError, RecursionError):
        body = NOT_JSON
    else:
        # Without a backslash, JSON strings are their own bytes, which were just scrubbed.
        if forms and b"\\" in clean:
            body = _scrub(body, forms)
    return Admitted(status, headers, clean, body)
