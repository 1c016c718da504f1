"""Poll timing of a batch: backing off after failed polls, bounded Retry-After hints."""

from __future__ import annotations

import pytest

from headswap_nb.client.deadline import RETRY_AFTER_CAP
from headswap_nb.client.retry import backoff
from headswap_nb.errors import RateLimitError, ServerError
from headswap_nb.jobs.timing import MAX_POLL_FAILURES, poll_trouble


@pytest.mark.parametrize(
    ("failures", "hint", "expected"),
    [
        (1, None, 1.0),
        (2, None, 2.0),
        (4, None, 8.0),
        (1, 5.0, 5.0),
        (5, 3.0, 16.0),
    ],
)
def test_backoff_table(failures: int, hint: float | None, expected: float) -> None:
    """Doubling from 1 s up to 30 s (the top of its jitter range); a longer hint wins."""
    exc = RateLimitError("slow", retry_after=hint) if hint is not None else ServerError("x")
    delay, message = poll_trouble(failures, exc, jitter=1.0)
    assert delay == expected and f"polling again in {expected:.0f} s" in message


def test_backoff_is_capped_and_polling_gives_up_at_last() -> None:
    assert backoff(9, 1.0, base=1.0, cap=30.0) == 30.0
    assert backoff(9, 0.0, base=1.0, cap=30.0) == 15.0  # jitter spreads the upper half
    delay, message = poll_trouble(MAX_POLL_FAILURES, ServerError("down"), jitter=0.5)
    assert delay is None and f"gave up after {MAX_POLL_FAILURES} failed polls" in message


@pytest.mark.parametrize("hint", [86400.0, 1e308, float("inf"), float("nan")])
def test_an_absurd_retry_after_never_parks_a_job(hint: float) -> None:
    delay, message = poll_trouble(1, RateLimitError("slow", retry_after=hint), jitter=1.0)
    assert delay is not None and delay <= RETRY_AFTER_CAP
    assert len(message) < 200
