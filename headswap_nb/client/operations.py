"""Every client operation, written once as a sans-I/O generator (effects: see ``effects``).

``Client`` and ``AsyncClient`` drive these generators; all branching — validation before
anything is sent, the wait loop and its poll schedule — lives here (authentication: ``auth``;
retries and deadlines: ``session``; what an answer must hold: ``answers``).

A wait has a deadline (``timeout``): every request it makes gets at most what is left of it,
it never sleeps past it, and a retry that would start after it is not made. So it returns or
raises within ``timeout`` plus one request's deadline, whatever is in flight or asleep.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

from headswap_nb.client import answers, protocol
from headswap_nb.client.auth import call
from headswap_nb.client.deadline import MIN_BUDGET
from headswap_nb.client.effects import Flow, Notify, Request, Sleep
from headswap_nb.client.session import OutOfTime, Session
from headswap_nb.client.validation import (
    RESOLUTIONS,
    check_bool,
    check_choice,
    check_id,
    check_text,
    check_url,
    normalise_mappings,
)
from headswap_nb.errors import ConfigurationError, HeadswapError, WaitTimeoutError
from headswap_nb.models import Analysis, Task
from headswap_nb.polling import PollPolicy, PollState, resolve_policy

__all__ = ["analyze", "create_task", "get_analysis", "get_credits", "get_task", "wait"]

R = TypeVar("R", Analysis, Task)
OnUpdate = Callable[[Any], object]


def analyze(session: Session, video_url: str) -> Flow[Analysis]:
    """Submit a person analysis (§4.1); billed, so never resent when it may have arrived."""
    url = check_url(video_url, "video_url")
    request = Request(
        "POST",
        protocol.ANALYZE_PATH,
        subject=url,
        json={"video_url": url, "type": "head"},
        submit=True,
    )
    accept = answers.submitted(Analysis.from_json, request, session)
    return (yield from call(session, request, accept))


def _job_id(session: Session, value: object, field: str, kind: str, path: str) -> str:
    unusable = answers.unusable_id_error(session, value, kind=kind, endpoint=path)
    if unusable is not None:
        raise unusable
    return check_id(value, field)


def get_analysis(
    session: Session, analysis_id: str, *, until: float | None = None
) -> Flow[Analysis]:
    """Read one analysis record (§4.2); ``until``: the caller's deadline (``session.clock``)."""
    path = protocol.ANALYZE_DETAIL_PATH
    record_id = _job_id(session, analysis_id, "analysis_id", "analysis", path)
    request = Request("GET", path, subject=record_id, params={"_id": record_id})
    accept = answers.read(Analysis.from_json, request, record_id)
    return (yield from call(session, request, accept, until=until))


def create_task(
    session: Session,
    video_url: str,
    mappings: object,
    *,
    resolution: str,
    model_name: str,
    keep_original_sound: bool,
    template_id: str | None,
    webhook_url: str | None,
) -> Flow[Task]:
    """Create a head-swap task (§4.3). ``video_url`` is sent exactly as given."""
    body: dict[str, Any] = {
        "video_url": check_url(video_url, "video_url"),
        "mappings": normalise_mappings(mappings),
        "model_name": check_text(model_name, "model_name"),
        "resolution": check_choice(resolution, "resolution", RESOLUTIONS),
        "keep_original_sound": check_bool(keep_original_sound, "keep_original_sound"),
    }
    if template_id is not None:
        body["template_id"] = check_text(template_id, "template_id")
    if webhook_url is not None:
        body["webhookUrl"] = check_url(webhook_url, "webhook_url")  # camelCase on the wire
    request = Request("POST", protocol.TASK_CREATE_PATH, subject=video_url, json=body, submit=True)

    def parse(data: object) -> Task:
        return Task.from_json(data, source_video_url=video_url)

    return (yield from call(session, request, answers.submitted(parse, request, session)))


def get_task(session: Session, task_id: str, *, until: float | None = None) -> Flow[Task]:
    """Read one head-swap task (§4.4); ``until``: the caller's deadline (``session.clock``)."""
    path = protocol.TASK_DETAIL_PATH
    record_id = _job_id(session, task_id, "task_id", "task", path)
    request = Request("GET", path, subject=record_id, params={"_id": record_id})
    accept = answers.read(Task.from_json, request, record_id)
    return (yield from call(session, request, accept, until=until))


def get_credits(session: Session) -> Flow[float]:
    """The account's credit balance (§14, ``quota/info``; account-wide, read-only)."""
    request = Request("GET", protocol.CREDIT_PATH, subject=None)
    return (yield from call(session, request, answers.credit(request)))


def _check_timeout(timeout: float | None) -> float | None:
    if timeout is None:
        return None
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not timeout >= 0
        or math.isnan(timeout)
    ):
        raise ConfigurationError(
            "timeout must be a number of seconds >= 0, or None to wait forever"
        )
    return float(timeout)


def _until(session: Session, deadline: float | None) -> float | None:
    """The deadline of the next poll: the wait's own, or, for the first poll of
    ``timeout=0`` and the last look at the deadline, one request's worth from now."""
    if deadline is None:
        return None
    now = session.clock()
    return deadline if deadline - now >= MIN_BUDGET else now + session.total_timeout


def _gave_up(
    kind: str, subject: str, limit: float, last: Analysis | Task | None, why: str
) -> WaitTimeoutError:
    seen = (
        f"last seen: {last.status.label}, {last.progress:.0f} %"
        if last is not None
        else "no record read yet"
    )
    return WaitTimeoutError(
        f"Gave up waiting for {kind} {subject} after {limit:g} s ({seen}){why}. The job goes "
        "on at Akool: wait again later, or pass a larger timeout= (timeout=None waits forever).",
        subject=subject,
        last=last,
    )


def wait(
    session: Session,
    fetch: Callable[[float | None], Flow[R]],
    *,
    subject: str,
    kind: str,
    timeout: float | None,
    poll: PollPolicy | float | None,
    on_update: OnUpdate | None,
) -> Flow[R]:
    """Poll ``fetch(until)`` until the record is terminal; return it even if it failed.

    A transient error that survives a poll's own retries propagates (the caller, e.g. a batch
    engine, decides whether to wait again); the job itself is unaffected. Running out of
    time, in a request or between two, is ``WaitTimeoutError`` (``last``: the newest record).
    """
    limit = _check_timeout(timeout)
    state = PollState(resolve_policy(poll))  # HEADSWAP_POLL_INTERVAL is read here, per wait
    start = session.clock()
    deadline = None if limit is None else start + limit
    last: R | None = None
    while True:
        try:
            record = yield from fetch(_until(session, deadline))
        except OutOfTime as out:
            assert limit is not None  # only a deadline runs out
            error: HeadswapError = _gave_up(kind, subject, limit, last, f": {out.reason}")
            raise error from out.error
        elapsed = session.clock() - start
        if on_update is not None and (
            last is None or (record.status, record.progress) != (last.status, last.progress)
        ):
            yield Notify(on_update, record)
        last = record
        if record.is_terminal:
            return record
        if limit is not None and elapsed >= limit:
            raise _gave_up(kind, subject, limit, record, "")
        state.observe(elapsed, int(record.status), record.progress)
        delay = state.delay(session.rng.random())
        if limit is not None:
            delay = min(delay, limit - elapsed)  # never sleep past the deadline
        yield Sleep(max(0.0, delay))
