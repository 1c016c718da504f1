"""Shared helpers for the batch and journal tests: an in-memory fake ``AsyncClient``.

The fake follows the client's contract (``analyze``, ``get_analysis``, ``aclose``) with jobs
whose progress is a function of the event loop's clock, and counts what the batch did:
submissions per URL, the most submits and polls in flight at once.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from headswap_nb.errors import HeadswapError
from headswap_nb.models import Analysis


class FakeClient:
    """Jobs last ``duration`` loop-seconds after ``queue`` seconds queued; URLs containing
    ``"fail"`` end with status 4. ``submit_errors[url]`` is raised by ``analyze`` (once per
    listed exception), ``poll_errors[id]`` by ``get_analysis``."""

    def __init__(
        self,
        *,
        duration: float = 0.05,
        queue: float = 0.0,
        submit_delay: float = 0.005,
        poll_delay: float = 0.0,
    ) -> None:
        self.duration = duration
        self.queue = queue
        self.submit_delay = submit_delay
        self.poll_delay = poll_delay
        self.submissions: Counter[str] = Counter()
        self.polls = 0
        self.submit_errors: dict[str, list[BaseException]] = {}
        self.poll_errors: dict[str, list[HeadswapError]] = {}
        self.on_submit: Callable[[str], None] | None = None
        self.jobs: dict[str, tuple[str, float]] = {}
        self._ids = itertools.count(1)
        self._submitting = 0
        self._polling = 0
        self.max_submitting = 0
        self.max_polling = 0
        self.closed = False

    def _record(self, job_id: str) -> dict[str, Any]:
        url, created = self.jobs[job_id]
        t = asyncio.get_running_loop().time() - created
        if t < self.queue:
            status, progress = 1, 0
        elif t < self.queue + self.duration:
            status, progress = 2, int(100 * (t - self.queue) / self.duration)
        else:
            status, progress = (4, 60) if "fail" in url else (3, 100)
        data: dict[str, Any] = {
            "_id": job_id,
            "video_url": url,
            "status": status,
            "progress": progress,
            "type": "head",
        }
        if status == 4:
            data.update(error_code=1015, error_reason="no face found")
        if status == 3:
            data["analysis_result"] = {"media": [{"obj_id": 0, "img_url": "https://x/0.png"}]}
        return data

    async def analyze(self, video_url: str) -> Analysis:
        self._submitting += 1
        self.max_submitting = max(self.max_submitting, self._submitting)
        try:
            await asyncio.sleep(self.submit_delay)
            errors = self.submit_errors.get(video_url)
            if errors:
                raise errors.pop(0)
            if self.on_submit is not None:
                self.on_submit(video_url)
            self.submissions[video_url] += 1
            job_id = f"{next(self._ids):024x}"
            self.jobs[job_id] = (video_url, asyncio.get_running_loop().time())
            return Analysis.from_json(self._record(job_id))
        finally:
            self._submitting -= 1

    async def get_analysis(self, analysis_id: str) -> Analysis:
        self._polling += 1
        self.max_polling = max(self.max_polling, self._polling)
        try:
            self.polls += 1
            await asyncio.sleep(self.poll_delay)
            errors = self.poll_errors.get(analysis_id)
            if errors:
                raise errors.pop(0)
            return Analysis.from_json(self._record(analysis_id))
        finally:
            self._polling -= 1

    async def aclose(self) -> None:
        self.closed = True


@pytest.fixture
def fake_client() -> FakeClient:
    """A fresh fake client with 50 ms jobs."""
    return FakeClient()


def urls(n: int, *, prefix: str = "https://example.com/v") -> list[str]:
    """``n`` distinct video URLs."""
    return [f"{prefix}{i}.mp4" for i in range(n)]
