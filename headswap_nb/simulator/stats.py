"""Request counters for ``/_sim/stats``: cheap increments on the hot path, snapshots on demand."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

__all__ = ["Stats"]


class Stats:
    """Counts requests, in-flight peaks, injected faults and analyze submissions."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.in_flight: Counter[str] = Counter()
        self.in_flight_max: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.submissions_per_url: Counter[str] = Counter()

    def started(self, endpoint: str) -> None:
        """A request to ``endpoint`` arrived."""
        with self._lock:
            self.requests[endpoint] += 1
            self.in_flight[endpoint] += 1
            if self.in_flight[endpoint] > self.in_flight_max[endpoint]:
                self.in_flight_max[endpoint] = self.in_flight[endpoint]

    def finished(self, endpoint: str) -> None:
        """A request to ``endpoint`` is over (answered, failed or cut)."""
        with self._lock:
            self.in_flight[endpoint] -= 1

    def fault(self, kind: str) -> None:
        """A fault of ``kind`` was injected."""
        with self._lock:
            self.faults[kind] += 1

    def submission(self, video_url: str) -> None:
        """An analyze request for ``video_url`` reached the handler (valid or not)."""
        with self._lock:
            self.submissions_per_url[video_url] += 1

    def snapshot(self) -> dict[str, Any]:
        """Plain dicts, safe to serialise while requests keep arriving."""
        with self._lock:
            return {
                "requests": dict(self.requests),
                "in_flight_max": dict(self.in_flight_max),
                "faults": dict(self.faults),
                "submissions_per_url": dict(self.submissions_per_url),
            }

    def reset(self) -> None:
        """Zero every counter except requests still in flight."""
        with self._lock:
            self.requests.clear()
            self.in_flight_max.clear()
            self.faults.clear()
            self.submissions_per_url.clear()
