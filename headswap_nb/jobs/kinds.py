"""What differs between the two kinds of job: which client call submits and which fetches,
how a journaled record is read back, whose submits go first, and a task's local checks.

Everything else — the engine, the entry, the journal, the board row — is written once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from headswap_nb.client.validation import (
    RESOLUTIONS,
    check_bool,
    check_choice,
    check_text,
    normalise_mappings,
)
from headswap_nb.errors import InvalidRequestError
from headswap_nb.jobs.entry import ANALYSIS, TASK, JobEntry
from headswap_nb.jobs.request import TaskRequest
from headswap_nb.jobs.states import EntryState
from headswap_nb.models import Analysis, Task

if TYPE_CHECKING:
    from headswap_nb.client import AsyncClient

__all__ = ["KINDS", "JobKind", "check_task_request", "kind_of"]

Record = Analysis | Task


@dataclass(frozen=True, slots=True)
class JobKind:
    """One kind of job, as data."""

    name: str
    """``"analysis"`` or ``"task"``: the entry's and the journal's ``kind``."""
    submit: Callable[[AsyncClient, JobEntry], Awaitable[Record]]
    """Sends the billed submit of an entry (analyze, or task/create)."""
    fetch: Callable[[AsyncClient, str], Awaitable[Record]]
    """Reads one record by id (analyze/detail, or task/detail)."""
    parse: Callable[[Mapping[str, Any], str], Record]
    """A journaled raw record (and the entry's URL) back to its model."""
    first: bool
    """Submits of this kind go ahead of queued ones of the other (a user's click on
    "Create head swap" must not wait behind thousands of analysis submits)."""

    def event(self, base: str) -> str:
        """The event name of ``base`` (``completed``...) for this kind (``task_completed``)."""
        return base if self.name == ANALYSIS else f"task_{base}"


def _analyze(client: AsyncClient, entry: JobEntry) -> Awaitable[Record]:
    return client.analyze(entry.url)


def _create(client: AsyncClient, entry: JobEntry) -> Awaitable[Record]:
    request = entry.request
    assert request is not None, "a task entry always has its request"
    return client.create_task(
        entry.url,
        [{"obj_id": o, "img_url": u} for o, u in request.mappings],
        resolution=request.resolution,
        model_name=request.model_name,
        keep_original_sound=request.keep_original_sound,
    )


def _get_analysis(client: AsyncClient, job_id: str) -> Awaitable[Record]:
    return client.get_analysis(job_id)


def _get_task(client: AsyncClient, job_id: str) -> Awaitable[Record]:
    return client.get_task(job_id)


def _parse_analysis(raw: Mapping[str, Any], url: str) -> Record:
    return Analysis.from_json(raw)


def _parse_task(raw: Mapping[str, Any], url: str) -> Record:
    return Task.from_json(raw, source_video_url=url)  # task/create does not echo the URL


KINDS: Mapping[str, JobKind] = {
    ANALYSIS: JobKind(ANALYSIS, _analyze, _get_analysis, _parse_analysis, first=False),
    TASK: JobKind(TASK, _create, _get_task, _parse_task, first=True),
}


def kind_of(entry: JobEntry) -> JobKind:
    """The kind of ``entry``."""
    return KINDS[entry.kind]


def _refuse(field: str, problem: str, url: str) -> InvalidRequestError:
    return InvalidRequestError(
        f"{field} {problem}; fix it and call again (nothing was sent).", field=field, subject=url
    )


def check_task_request(
    analysis: JobEntry | None,
    url: str,
    mappings: object,
    *,
    resolution: object,
    model_name: object,
    keep_original_sound: object,
) -> TaskRequest:
    """The request for a task on the ``analysis`` entry of ``url``, or ``InvalidRequestError``
    (nothing sent): the analysis must be COMPLETED, every mapped ``obj_id`` one of its people,
    1–5 distinct mappings with http(s) face URLs, and valid options."""
    if analysis is None:
        raise _refuse("url", "is not an entry of this batch (add and analyse it first)", url)
    record = analysis.analysis
    if analysis.state is not EntryState.COMPLETED or record is None:
        raise _refuse("url", f"has an analysis that is {analysis.state.value}, not completed", url)
    body = normalise_mappings(mappings)
    people = set(record.result.obj_ids if record.result is not None else ())
    for index, mapping in enumerate(body):
        if mapping["obj_id"] not in people:
            known = ", ".join(map(str, sorted(people))) or "none"
            raise _refuse(
                f"mappings[{index}].obj_id",
                f"is {mapping['obj_id']}, not a person of this analysis (obj_ids: {known})",
                url,
            )
    return TaskRequest(
        mappings=tuple((cast(int, m["obj_id"]), cast(str, m["img_url"])) for m in body),
        resolution=check_choice(resolution, "resolution", RESOLUTIONS),
        model_name=check_text(model_name, "model_name"),
        keep_original_sound=check_bool(keep_original_sound, "keep_original_sound"),
    )
