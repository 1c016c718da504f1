"""Every client operation, written once as a sans-I/O generator (effects: see ``effects``).

``Client`` and ``AsyncClient`` drive these generators; all branching — validation before
anything is sent, the wait loop and its poll schedule — lives here (authentication and
retries: ``session``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

from headswap_nb.client import protocol
from headswap_nb.client.effects import Flow, Notify, Request, Sleep
from headswap_nb.client.session import Session, call, record
from headswap_nb.client.validation import (
    RESOLUTIONS,
    check_bool,
    check_choice,
    check_id,
    check_text,
    check_url,
    normalise_mappings,
)
from headswap_nb.errors import ConfigurationError, WaitTimeoutError
from headswap_nb.models import Analysis, Task
from headswap_nb.polling import PollPolicy, PollState, resolve_policy

__all__ = ["analyze", "create_task", "get_analysis", "get_task", "wait"]

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
    return record(Analysis.from_json, (yield from call(session, request)), request, session)


def get_analysis(session: Session, analysis_id: str) -> Flow[Analysis]:
    """Read one analysis record (§4.2)."""
    record_id = check_id(analysis_id, "analysis_id")
    request = Request(
        "GET", protocol.ANALYZE_DETAIL_PATH, subject=record_id, params={"_id": record_id}
    )
    return record(Analysis.from_json, (yield from call(session, request)), request, session)


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

    return record(parse, (yield from call(session, request)), request, session)


def get_task(session: Session, task_id: str) -> Flow[Task]:
    """Read one head-swap task (§4.4)."""
    record_id = check_id(task_id, "task_id")
    request = Request(
        "GET", protocol.TASK_DETAIL_PATH, subject=record_id, params={"_id": record_id}
    )
    return record(Task.from_json, (yield from call(session, request)), request, session)


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


def wait(
    session: Session,
    fetch: Callable[[], Flow[R]],
    *,
    subject: str,
    kind: str,
    timeout: float | None,
    poll: PollPolicy | float | None,
    on_update: OnUpdate | None,
) -> Flow[R]:
    """Poll ``fetch`` until the record is terminal; return it even if it failed.

    A transient error that survives a poll's own retries propagates (the caller, e.g. a batch
    engine, decides whether to wait again); the job itself is unaffected.
    """
    limit = _check_timeout(timeout)
    state = PollState(resolve_policy(poll))  # HEADSWAP_POLL_INTERVAL is read here, per wait
    start = session.clock()
    last: R | None = None
    while True:
        record = yield from fetch()
        elapsed = session.clock() - start
        if on_update is not None and (
            last is None or (record.status, record.progress) != (last.status, last.progress)
        ):
            yield Notify(on_update, record)
        last = record
        if record.is_terminal:
            return record
        if limit is not None and elapsed >= limit:
            raise WaitTimeoutError(
                f"Gave up waiting for {kind} {subject} after {limit:g} s (last seen: "
                f"{record.status.label}, {record.progress:.0f} %). The job goes on at Akool: "
                f"wait again later, or pass a larger timeout= (timeout=None waits forever).",
                subject=subject,
                last=record,
            )
        state.observe(elapsed, int(record.status), record.progress)
        delay = state.delay(session.rng.random())
        if limit is not None:
            delay = min(delay, limit - elapsed)
        yield Sleep(max(0.0, delay))
