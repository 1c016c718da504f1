"""Record-level faults as pure functions of a reply: what the middleware writes instead.

``faults.py`` decides when they strike. These functions take the JSON body the real handler
produced and return the tampered bytes; a body that is not a JSON object comes back as is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from email.utils import formatdate
from typing import Any
from urllib.parse import quote

from headswap_nb.simulator.jobs import AnalysisJob, TaskJob

__all__ = [
    "absurd_retry_after",
    "credential_of",
    "echo_credential",
    "identity_of",
    "with_identity",
]

_TEN_YEARS = 10 * 365.25 * 86400


def absurd_retry_after(draw: float, *, now_unix: float) -> str:
    """One absurd ``Retry-After`` value for a uniform ``draw`` in [0, 1): a day, a float
    overflow, a negative, NaN, an HTTP date ten years away, or text that is no number."""
    values = (
        "86400",
        "1e308",
        "-5",
        "nan",
        formatdate(now_unix + _TEN_YEARS, usegmt=True),
        "soon, probably",
    )
    return values[min(len(values) - 1, int(draw * len(values)))]


def credential_of(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The credential a request carried: its Bearer token (which wins, as in
    authentication), else its ``x-api-key``; None when it carried neither."""
    api_key = token = None
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"authorization":
            scheme, _, rest = value.decode("latin-1").strip().partition(" ")
            token = rest.strip() if scheme.lower() == "bearer" and rest.strip() else token
        elif lowered == b"x-api-key":
            api_key = value.decode("latin-1").strip() or api_key
    return token or api_key


def echo_credential(body: bytes, credential: str) -> bytes:
    """``body`` with ``credential`` written where a careless server might put it.

    Records get it in ``error_reason`` (raw), ``task_id`` (raw: the field is opaque, so a
    client stores whatever comes), and as a query parameter (URL-encoded) of ``video_url``
    and of every preview ``img_url``; error envelopes get it in ``msg``.
    """
    document = _json_object(body)
    if document is None:
        return body
    if document.get("code") != 1000:
        document["msg"] = f"{document.get('msg', '')} (credential: {credential})"
    data = document.get("data")
    if isinstance(data, dict) and "_id" in data:
        data["error_reason"] = f"request authorized with {credential}"
        if "task_id" in data:
            data["task_id"] = credential
        if isinstance(data.get("video_url"), str):
            data["video_url"] = _with_query(data["video_url"], credential)
        result = data.get("analysis_result")
        for entry in result.get("media", []) if isinstance(result, dict) else []:
            if isinstance(entry, dict) and isinstance(entry.get("img_url"), str):
                entry["img_url"] = _with_query(entry["img_url"], credential)
    return _dump(document)


def identity_of(job: AnalysisJob | TaskJob, *, whole: bool) -> dict[str, Any]:
    """The fields of ``job`` a mixed-up detail answer borrows: its ``_id`` only, or with
    ``whole`` also its ids, time, source URL and file name."""
    fields: dict[str, Any] = {"_id": job.id}
    if whole:
        fields |= {"task_id": job.task_id, "create_time": job.create_time}
        if isinstance(job, TaskJob):
            fields |= {
                "source_video_url": job.video_url,
                "file_name": f"Headswap_{job.create_time}.mp4",
            }
        else:
            fields["video_url"] = job.video_url
    return fields


def with_identity(body: bytes, fields: Mapping[str, Any]) -> bytes:
    """A successful record ``body`` with ``fields`` (from ``identity_of``) written over it;
    any other body unchanged."""
    document = _json_object(body)
    if document is None or document.get("code") != 1000:
        return body
    data = document.get("data")
    if not isinstance(data, dict) or "_id" not in data:
        return body
    data.update({key: value for key, value in fields.items() if key in data})
    return _dump(document)


def _with_query(url: str, credential: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}x-api-key={quote(credential, safe='')}"


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


def _dump(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()
