"""Pure checks of request bodies (akool-api.md §4, §5): a typed request or a Rejection.

Only structure is checked here; rules that need state (the analysis of the URL, its people,
credits) live in ``state.py``. Every failure is code 1003 with a message naming the field,
except the two documented literal messages (akool-api.md §4.3).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from headswap_nb.simulator.jobs import FaceMapping
from headswap_nb.simulator.rejection import Rejection
from headswap_nb.simulator.state import TaskRequest

__all__ = ["check_analyze", "check_detail_id", "check_get_token", "check_task_create"]

MAX_MAPPINGS = 5
RESOLUTIONS = ("480p", "720p")
MODEL_NAME = "akool-premium"
TOO_MANY_MAPPINGS = "Up to 5 characters can be replaced at one time."
MODEL_NOT_SUPPORTED = "Your current account does not support this feature."


def check_get_token(body: dict[str, Any]) -> tuple[str, str] | Rejection:
    """``(clientId, clientSecret)`` of a getToken body."""
    client_id, client_secret = body.get("clientId"), body.get("clientSecret")
    if not isinstance(client_id, str) or not client_id:
        return Rejection(1003, "clientId is required and must be a string.")
    if not isinstance(client_secret, str) or not client_secret:
        return Rejection(1003, "clientSecret is required and must be a string.")
    return client_id, client_secret


def check_analyze(body: dict[str, Any]) -> str | Rejection:
    """The ``video_url`` of a valid analyze body."""
    video_url = _http_url(body, "video_url")
    if isinstance(video_url, Rejection):
        return video_url
    if body.get("type") != "head":
        return Rejection(1003, 'type is required and must be "head".')
    return video_url


def check_detail_id(query_id: str | None) -> str | Rejection:
    """The ``_id`` query parameter of a detail request."""
    if query_id is None or not query_id.strip():
        return Rejection(1003, "_id is required.")
    return query_id.strip()


def check_task_create(body: dict[str, Any]) -> TaskRequest | Rejection:
    """A task/create body with every structural rule checked."""
    video_url = _http_url(body, "video_url")
    if isinstance(video_url, Rejection):
        return video_url
    mappings = _mappings(body.get("mappings"))
    if isinstance(mappings, Rejection):
        return mappings
    model_name = body.get("model_name")
    if not isinstance(model_name, str) or not model_name:
        return Rejection(1003, "model_name is required and must be a string.")
    if model_name != MODEL_NAME:
        return Rejection(1003, MODEL_NOT_SUPPORTED)
    resolution = body.get("resolution")
    if resolution not in RESOLUTIONS:
        return Rejection(1003, 'resolution is required and must be "480p" or "720p".')
    keep_sound = body.get("keep_original_sound", True)  # documented default: true
    if not isinstance(keep_sound, bool):
        return Rejection(1003, "keep_original_sound must be a boolean.")
    optional: dict[str, str | None] = {}
    for name in ("template_id", "webhookUrl"):
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            return Rejection(1003, f"{name} must be a string.")
        optional[name] = value or None
    return TaskRequest(
        video_url=video_url,
        mappings=mappings,
        resolution=str(resolution),
        model_name=model_name,
        keep_original_sound=keep_sound,
        template_id=optional["template_id"],
        webhook_url=optional["webhookUrl"],
    )


def is_http_url(value: str) -> bool:
    """An absolute http or https URL with a host."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return (
        parts.scheme.lower() in ("http", "https") and bool(parts.netloc) and value == value.strip()
    )


def _http_url(body: dict[str, Any], name: str) -> str | Rejection:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        return Rejection(1003, f"{name} is required and must be a string.")
    if not is_http_url(value):
        return Rejection(1003, f"{name} must be an absolute http or https URL.")
    return value


def _mappings(value: object) -> tuple[FaceMapping, ...] | Rejection:
    if not isinstance(value, list) or not value:
        return Rejection(1003, "mappings is required: a list of 1 to 5 objects.")
    if len(value) > MAX_MAPPINGS:
        return Rejection(1003, TOO_MANY_MAPPINGS)
    out: list[FaceMapping] = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            return Rejection(1003, f"mappings[{index}] must be an object.")
        obj_id, img_url = item.get("obj_id"), item.get("img_url")
        if not isinstance(obj_id, int) or isinstance(obj_id, bool):
            return Rejection(1003, f"mappings[{index}].obj_id is required and must be an integer.")
        if not isinstance(img_url, str) or not is_http_url(img_url):
            return Rejection(1003, f"mappings[{index}].img_url must be an absolute http(s) URL.")
        out.append(FaceMapping(obj_id=obj_id, img_url=img_url))
    if len({m.obj_id for m in out}) != len(out):
        # v4 is silent; v5 requires distinct obj_ids (akool-api.md §5), the defensive reading.
        return Rejection(1003, "mappings[].obj_id values must be distinct.")
    return tuple(out)
