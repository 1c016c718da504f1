"""Local validation of request arguments (pure), run before anything is sent.

Each rule comes from akool-api.md §4.3/§5; a failure raises ``InvalidRequestError`` whose
``field`` names the offending argument, and nothing goes over the wire.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from headswap_nb.client.urls import video_url_problem
from headswap_nb.errors import InvalidRequestError

__all__ = ["RESOLUTIONS", "check_id", "check_url", "id_problem", "normalise_mappings"]

RESOLUTIONS = ("480p", "720p")  # §4.3
MAX_MAPPINGS = 5  # §4.3: at least 1, at most 5

MappingsArg = Mapping[int, str] | Iterable[Mapping[str, Any] | tuple[int, str]]


def _invalid(field: str, problem: str, subject: str | None = None) -> InvalidRequestError:
    return InvalidRequestError(
        f"{field} {problem}; fix it and call again (nothing was sent).",
        field=field,
        subject=subject,
    )


def check_url(value: object, field: str) -> str:
    """Return ``value`` unchanged if it is an absolute http(s) URL without whitespace.

    The string is never normalised: the API links a task to its analysis by the identical
    ``video_url`` string (§4.3). The rules are those of pasted URL lists (``urls.py``).
    """
    problem = video_url_problem(value)
    if problem is not None:
        raise _invalid(field, problem, value if isinstance(value, str) else None)
    assert isinstance(value, str)  # video_url_problem accepts strings only
    return value


def id_problem(value: object) -> str | None:
    """Why ``value`` cannot be queried as an ``_id`` (``None``: it can). An id is sent as a
    query parameter exactly as given, so it must be a non-empty string without whitespace or
    control characters (anything else is surely a copy-and-paste slip, or a broken answer)."""
    if not isinstance(value, str) or not value:
        return "is not a non-empty string"
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        return "contains whitespace or control characters"
    return None


def check_id(value: object, field: str) -> str:
    """An ``_id`` to query: a non-empty string without whitespace (``id_problem``)."""
    if id_problem(value) is not None:
        raise _invalid(field, "must be the non-empty '_id' string returned by the API")
    assert isinstance(value, str)
    return value


def _pairs(mappings: object) -> list[tuple[object, object]]:
    if isinstance(mappings, Mapping):
        if "obj_id" in mappings or "img_url" in mappings:
            raise _invalid("mappings", "must be a list of {'obj_id', 'img_url'} dicts")
        return list(mappings.items())
    if isinstance(mappings, (str, bytes)) or not isinstance(mappings, Iterable):
        raise _invalid("mappings", "must be a list of mappings or an {obj_id: img_url} dict")
    pairs: list[tuple[object, object]] = []
    for index, entry in enumerate(mappings):
        if isinstance(entry, Mapping):
            pairs.append((entry.get("obj_id"), entry.get("img_url")))
        elif isinstance(entry, tuple) and len(entry) == 2:
            pairs.append((entry[0], entry[1]))
        else:
            raise _invalid(f"mappings[{index}]", "must be {'obj_id': int, 'img_url': str}")
    return pairs


def normalise_mappings(mappings: object) -> list[dict[str, object]]:
    """The ``mappings`` body value: 1–5 entries, distinct int ``obj_id``, http(s) ``img_url``."""
    pairs = _pairs(mappings)
    if not 1 <= len(pairs) <= MAX_MAPPINGS:
        raise _invalid("mappings", f"must have 1 to {MAX_MAPPINGS} entries, got {len(pairs)}")
    seen: set[int] = set()
    body: list[dict[str, object]] = []
    for index, (obj_id, img_url) in enumerate(pairs):
        if not isinstance(obj_id, int) or isinstance(obj_id, bool) or obj_id < 0:
            raise _invalid(
                f"mappings[{index}].obj_id", "must be a zero-based int from the analysis"
            )
        if obj_id in seen:
            # v4 does not say; v5 requires distinct ids (§5), and a repeat is surely a mistake.
            raise _invalid(f"mappings[{index}].obj_id", f"repeats obj_id {obj_id}")
        seen.add(obj_id)
        body.append({"obj_id": obj_id, "img_url": check_url(img_url, f"mappings[{index}].img_url")})
    return body


def check_choice(value: object, field: str, choices: tuple[str, ...]) -> str:
    """``value`` if it is one of ``choices``."""
    if value not in choices:
        raise _invalid(field, f"must be one of {', '.join(choices)}")
    return str(value)


def check_text(value: object, field: str) -> str:
    """A non-empty string option such as ``model_name``."""
    if not isinstance(value, str) or not value.strip():
        raise _invalid(field, "must be a non-empty string")
    return value


def check_bool(value: object, field: str) -> bool:
    """A real bool (``keep_original_sound``), not a truthy stand-in."""
    if not isinstance(value, bool):
        raise _invalid(field, "must be True or False")
    return value
