"""How fast a batch goes, and when it will be done: one rule, simple enough to say in a line.

The rate is the analyses finished per second since the first was sent. The time left is the
work left at that rate — ``(pending + active) / rate`` — but never less than what the
slowest active job still needs on its own (jobs run side by side, and one long job cannot be
sped up); before anything finished, only that longest job's time left is known, and only
when nothing is still waiting to be sent.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Pace", "Throughput"]


@dataclass(frozen=True, slots=True)
class Pace:
    """A batch's rate and time left, for the summary line."""

    rate: float | None
    """Analyses finished per second since the first submit; ``None`` before one finished."""
    eta: float | None
    """Seconds until every analysis is done, when it can be said; 0 once done."""
    progress: float | None = None
    """Overall percent as shown: the mean of what each analysis shows (``Batch.shown``),
    finished ones counting 100."""

    def describe(self) -> str:
        """``"12.0/min · ~3 min left"``, or what of it is known (``""`` when nothing is)."""
        parts = []
        if self.rate:
            parts.append(f"{self.rate * 60:.1f}/min")
        if self.eta:
            parts.append(f"{approximate(self.eta)} left")
        return " · ".join(parts)


def approximate(seconds: float) -> str:
    """``~12 s``, ``~3 min``, ``~2 h 05 min``: a time left, rounded as a person says it."""
    if seconds < 60:
        return f"~{max(1, round(seconds))} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"~{minutes} min"
    return f"~{minutes // 60} h {minutes % 60:02d} min"


class Throughput:
    """When a batch sent its first analysis and how many have finished since."""

    __slots__ = ("_finished", "_start")

    def __init__(self) -> None:
        self._start: float | None = None
        self._finished = 0

    def started(self, now: float) -> None:
        """A submit went out at ``now`` (only the first one counts)."""
        if self._start is None:
            self._start = now

    def finished(self) -> None:
        """An analysis reached a terminal state."""
        self._finished += 1

    def pace(
        self,
        now: float,
        *,
        pending: int,
        active: int,
        longest: float | None,
        progress: float | None = None,
    ) -> Pace:
        """The pace at ``now`` with ``pending`` analyses not sent yet and ``active`` ones
        running, the slowest of which needs ``longest`` seconds more (``None``: unknown);
        ``progress``: the overall percent shown."""
        rate = None
        if self._start is not None and self._finished and now > self._start:
            rate = self._finished / (now - self._start)
        if not (pending or active):
            return Pace(rate, 0.0, progress)
        if rate is None:
            return Pace(None, None if pending else longest, progress)
        return Pace(rate, max((pending + active) / rate, longest or 0.0), progress)
