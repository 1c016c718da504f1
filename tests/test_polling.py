"""The poll policy: table tests of the pure next_delay, and a model check against fixed 1 s."""

from __future__ import annotations

import random

import pytest

from headswap_nb.errors import ConfigurationError
from headswap_nb.polling import Observation, PollPolicy, PollState, next_delay, resolve_policy

P = PollPolicy()
Q, R = 1, 2  # queued, processing


def obs(*rows: tuple[float, int, float]) -> list[Observation]:
    return [Observation(*row) for row in rows]


@pytest.mark.parametrize(
    ("history", "now", "low", "high", "why"),
    [
        ([], (0.0, Q, 0), P.queued_interval, P.queued_interval, "first queued poll"),
        (obs((0, Q, 0), (3, Q, 0)), (7.5, Q, 0), P.queued_interval, P.queued_max, "queue grows"),
        (
            obs((0, Q, 0), (3, Q, 0), (8, Q, 0), (16, Q, 0)),
            (24.0, Q, 0),
            P.queued_max,
            P.queued_max,
            "queue cap",
        ),
        ([], (0.0, 7, 0), P.queued_interval, P.queued_interval, "unknown status: like queued"),
        (obs((0, Q, 0)), (2.0, R, 0), P.probe_interval, P.queued_max, "just started: probe"),
        # start ~1 s (midpoint), 10 % at 2 s -> ~10 %/s, but unconfirmed: short, capped jump
        (obs((0, Q, 0)), (2.0, R, 10), 1.0, 4.0, "first estimate is cautious"),
        # steady 2 %/s at 50 % -> 25 s left -> aim ~22.5 s ahead
        (obs((0, R, 0), (10, R, 20), (20, R, 40)), (25.0, R, 50), 20.0, 23.0, "steady: long jump"),
        # steady 2 %/s at 96 % -> 2 s left -> aim just after the predicted finish
        (obs((0, R, 0), (10, R, 20), (40, R, 80)), (48.0, R, 96), 1.9, 2.1, "near: just after"),
        # plateau at 99 % -> poll about every flat_min
        (
            obs((0, R, 0), (10, R, 20), (40, R, 80), (49, R, 99)),
            (50.0, R, 99),
            1.1,
            P.flat_min,
            "stall near the end",
        ),
        # plateau at 40 % after 20 s -> plenty left, but capped by flat_min + 0.1 s per missing %
        (obs((0, R, 0), (10, R, 20), (20, R, 40)), (30.0, R, 40), 1.0, 7.3, "stall midway: capped"),
    ],
)
def test_next_delay_table(
    history: list[Observation], now: tuple[float, int, float], low: float, high: float, why: str
) -> None:
    elapsed, status, progress = now
    delay = next_delay(
        P, status=status, progress=progress, elapsed=elapsed, history=history, jitter=0.0
    )
    assert low - 1e-9 <= delay <= high + 1e-9, why
    assert P.min_interval <= delay <= P.max_interval


def test_next_delay_is_pure_and_jitter_only_shortens() -> None:
    history = obs((0, R, 0), (10, R, 20), (20, R, 40))
    kwargs = {"status": R, "progress": 50.0, "elapsed": 25.0, "history": history}
    base = next_delay(P, jitter=0.0, **kwargs)  # type: ignore[arg-type]
    assert base == next_delay(P, jitter=0.0, **kwargs)  # type: ignore[arg-type]
    for jitter in (0.1, 0.5, 0.99):
        shorter = next_delay(P, jitter=jitter, **kwargs)  # type: ignore[arg-type]
        assert base * (1 - P.jitter) <= shorter <= base
    assert history == obs((0, R, 0), (10, R, 20), (20, R, 40))  # inputs untouched


def test_fixed_policy() -> None:
    policy = PollPolicy.fixed(1.0)
    assert policy.is_fixed and not PollPolicy().is_fixed
    for status, progress in ((Q, 0), (R, 50), (R, 99)):
        assert next_delay(policy, status=status, progress=progress, elapsed=9.0, jitter=0.7) == 1.0


@pytest.mark.parametrize(
    ("poll", "env", "expected"),
    [
        (None, {}, PollPolicy()),
        (None, {"HEADSWAP_POLL_INTERVAL": "0.5"}, PollPolicy.fixed(0.5)),
        (None, {"HEADSWAP_POLL_INTERVAL": " "}, PollPolicy()),
        (2, {"HEADSWAP_POLL_INTERVAL": "0.5"}, PollPolicy.fixed(2)),
        (PollPolicy.fixed(3), {"HEADSWAP_POLL_INTERVAL": "0.5"}, PollPolicy.fixed(3)),
    ],
)
def test_resolve_policy(
    poll: PollPolicy | float | None, env: dict[str, str], expected: PollPolicy
) -> None:
    assert resolve_policy(poll, env) == expected


@pytest.mark.parametrize("bad", ["fast", "0", "-1", "nan"])
def test_bad_poll_interval_env(bad: str) -> None:
    with pytest.raises(ConfigurationError, match="HEADSWAP_POLL_INTERVAL"):
        resolve_policy(None, {"HEADSWAP_POLL_INTERVAL": bad})


@pytest.mark.parametrize(
    "kwargs",
    [{"interval": 0}, {"min_interval": 0}, {"min_interval": 5, "max_interval": 1}, {"jitter": 1}],
)
def test_bad_policies(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        PollPolicy(**kwargs)


def test_poll_state_keeps_a_bounded_history() -> None:
    state = PollState(PollPolicy())
    assert state.delay() == PollPolicy().min_interval
    for second in range(20):
        state.observe(float(second), R, float(second))
    assert len(state.history) == PollPolicy().window + 1
    assert state.history[-1] == Observation(19.0, R, 19.0)
    assert state.delay() == next_delay(
        state.policy, status=R, progress=19.0, elapsed=19.0, history=state.history[:-1]
    )


# --- model check: synthetic linear jobs, adaptive vs fixed 1 s ------------------------------


def simulate(
    policy: PollPolicy, queue: float, duration: float, rng: random.Random
) -> tuple[int, float]:
    """Requests until completion is seen, and the detection lag, for a linear job."""
    state, t, requests = PollState(policy), 0.0, 0
    while True:
        requests += 1
        if t >= queue + duration:
            return requests, t - queue - duration
        status, progress = (Q, 0) if t < queue else (R, min(99, int(100 * (t - queue) / duration)))
        state.observe(t, status, progress)
        t += state.delay(rng.random())


def test_adaptive_polling_is_far_cheaper_than_fixed_one_second() -> None:
    rng = random.Random(7)
    jobs = [(rng.uniform(0, 10), rng.uniform(5, 60)) for _ in range(300)]
    fixed = sum(simulate(PollPolicy.fixed(1.0), q, d, rng)[0] for q, d in jobs)
    results = [simulate(PollPolicy(), q, d, rng) for q, d in jobs]
    adaptive = sum(r[0] for r in results)
    mean_lag = sum(r[1] for r in results) / len(results)
    assert adaptive < 0.25 * fixed, (adaptive, fixed)
    assert mean_lag < 0.5, mean_lag
    assert max(r[1] for r in results) < 3.0
