"""What a successful answer must hold (pure): the ``accept`` functions of ``session.attempts``.

* A **read** (analyze/detail, task/detail) must carry, in ``data``, a JSON object whose
  ``_id`` is exactly the id asked for. Anything else — ``data`` missing or not an object,
  the record of another job (``mismatched_id``: a cache or routing mix-up on the server's
  side) — is a ``ProtocolError`` handled as a failed read: retried like a garbled answer,
  then raised. Showing someone else's record as ours would be worse than failing.
* A **submit** (analyze, task/create) was accepted and billed once code 1000 came back: an
  answer without a usable record is ``SubmissionUnknownError`` and is never resent. Its id is
  kept exactly as returned; if it cannot be queried (``validation.id_problem``), the session
  remembers it so that the next call with it raises ``UnusableIdError``, not "fix it".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from headswap_nb.client import protocol
from headswap_nb.client.effects import Delivery, Problem, Request
from headswap_nb.client.session import Session
from headswap_nb.client.validation import id_problem
from headswap_nb.errors import SubmissionUnknownError, UnusableIdError
from headswap_nb.models import Analysis, Task

__all__ = ["credit", "read", "shown_id", "submitted", "unusable_id_error"]

log = logging.getLogger("headswap_nb")
R = TypeVar("R", Analysis, Task)
Parse = Callable[[object], R]


def shown_id(value: object) -> str:
    """An id from the server for a message: its repr, at most 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _garbled(request: Request, problem: str, body: object) -> Problem:
    return Problem(protocol.protocol_error(request, problem, body), Delivery.ANSWERED)


def read(parse: Parse[R], request: Request, job_id: str) -> Callable[[dict[str, Any]], R | Problem]:
    """Accept the record of ``job_id`` and nothing else."""

    def accept(body: dict[str, Any]) -> R | Problem:
        data = body.get("data")
        if not isinstance(data, Mapping):
            return _garbled(request, "its 'data' is not a record (a JSON object)", body)
        got = data.get("_id")
        if got != job_id:
            return _garbled(
                request,
                f"its record has '_id' {shown_id(got)}, not the {job_id!r} asked for",
                body,
            )
        try:
            return parse(data)
        except ValueError:  # pragma: no cover - a dict with the right string _id parses
            return _garbled(request, "its 'data' is not a record with an '_id'", body)

    return accept


def credit(request: Request) -> Callable[[dict[str, Any]], float | Problem]:
    """Accept a balance: ``data.credit``, a finite number not below zero (§14). Anything
    else is a garbled answer (a balance made up from it would mislead a cost warning)."""

    def accept(body: dict[str, Any]) -> float | Problem:
        data = body.get("data")
        value = data.get("credit") if isinstance(data, Mapping) else None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return _garbled(request, "its 'data.credit' is not a number", body)
        if not (0 <= value < float("inf")):
            return _garbled(request, f"its 'data.credit' is {value!r}, not a balance", body)
        return float(value)

    return accept


def submitted(
    parse: Parse[R], request: Request, session: Session
) -> Callable[[dict[str, Any]], R | Problem]:
    """Accept the record a submit created, whatever its id looks like (see the module doc)."""

    def accept(body: dict[str, Any]) -> R | Problem:
        try:
            record = parse(body.get("data"))
        except ValueError:
            problem = protocol.protocol_error(
                request, "its 'data' is not a record with an '_id'", body
            )
            # code 1000 means the server accepted (and billed) the submit; without an id
            # we cannot track it, and resending would bill it again.
            raise SubmissionUnknownError(
                f"{request.method} {request.path} for {request.subject} was accepted "
                f"(code 1000) but the answer carried no '_id'; do not resubmit blindly: "
                f"check the account's history or contact Akool support. ({problem})",
                video_url=request.subject or "",
                endpoint=request.path,
            ) from None
        if id_problem(record.id) is not None:
            log.warning(
                "the API returned an id that cannot be queried (%s) for %s",
                shown_id(record.id),
                request.subject,
            )
            session.remember_unusable(record.id, request.subject or "")
        return record

    return accept


def unusable_id_error(
    session: Session, job_id: object, *, kind: str, endpoint: str
) -> UnusableIdError | None:
    """The error for querying ``job_id`` if it is an unusable id the API returned to this
    client (``None`` otherwise: then local validation has its say)."""
    if not isinstance(job_id, str) or job_id not in session.unusable_ids:
        return None
    url = session.unusable_ids[job_id]
    problem = id_problem(job_id) or "is not usable"
    about = f" for {url}" if url else ""
    return UnusableIdError(
        f"The API returned the {kind} id {shown_id(job_id)}{about}, and it cannot be used to "
        f"query the job: it {problem}. Nothing was sent now, and trying again cannot help. "
        "The job exists at Akool and may be billed: do not submit it again blindly; look for "
        "it in the Akool console, or ask Akool support, quoting this id.",
        job_id=job_id,
        video_url=url,
        endpoint=endpoint,
    )
