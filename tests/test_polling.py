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
        # queued: the submit answer already said so; look late, the start may be seen late
        ([], (0.0, Q, 0), P.queued_interval, P.queued_interval, "first queued poll"),
        (obs((0, Q, 0)), (3.0, Q, 0), P.queued_interval + 1, P.queued_max, "queue grows"),
        (obs((0, Q, 0), (8, Q, 0), (16, Q, 0)), (30.0, Q, 0), P.queued_max, P.queued_max, "cap"),
        ([], (0.0, 7, 0), P.queued_interval, P.queued_interval, "unknown status: like queued"),
        (obs((0, Q, 0)), (8.0, R, 0), P.probe_interval, P.probe_interval, "0 %: probe"),
        (obs((0, Q, 0), (8, R, 0)), (12.0, R, 0), 3.9, 4.1, "0 % again: the probe backs off"),
        # 0 % seen twice is a plateau: flat-sized delays (1 s + 0.07 s per missing %)
        (obs((0, Q, 0), (8, R, 0), (12, R, 0)), (16.0, R, 20), 6.5, 6.7, "step after 0 %"),
        ([], (5.0, R, 30), P.probe_interval, P.probe_interval, "start unknown: probe"),
        # start ~4 s (midpoint), 20 % at 8 s -> ~5 %/s -> ~16 s left: a checkpoint on the way
        (obs((0, Q, 0)), (8.0, R, 20), 8.0, 12.0, "first estimate: checkpoint"),
        # 12 % at 8 s: ~29 s left if smooth, but a step may be about to end it: 2 + 0.1 × 88 s
        (obs((0, Q, 0)), (8.0, R, 12), 10.7, 10.9, "first estimate: capped"),
        # 20 % -> 52 % over 8 s: 4 %/s, ~12 s left; but the start is only known to be in 0-8 s
        # (two samples on different steps look the same): 70 % of the way first
        (obs((0, Q, 0), (8, R, 20)), (16.0, R, 52), 8.2, 8.4, "second sample: part way"),
        # a third point on the same line confirms the rate: aim just after the finish
        (obs((0, Q, 0), (8, R, 20), (16, R, 52)), (24.0, R, 84), 4.2, 4.4, "third: aim at end"),
        # steady 2 %/s at 50 % -> 24.75 s left -> aim just after the predicted finish
        (obs((0, R, 0), (10, R, 20), (20, R, 40)), (25.0, R, 50), 24.8, 25.2, "steady: jump"),
        (obs((0, R, 0), (10, R, 20), (40, R, 80)), (48.0, R, 96), 1.9, 2.2, "near: just after"),
        # accelerating: the average rate since the start (1.5 %/s) disagrees with the latest
        # (2 %/s), so no jump yet: a checkpoint, capped at 2 + 0.1 × 55 s
        (obs((0, R, 0), (10, R, 10), (20, R, 25)), (30.0, R, 45), 7.4, 7.6, "accelerating"),
        # plateau at 99 % -> poll about every flat_min
        (
            obs((0, R, 0), (10, R, 20), (40, R, 80), (49, R, 99)),
            (50.0, R, 99),
            0.9,
            P.flat_min,
            "stall near the end",
        ),
        # plateau at 40 % after 20 s -> plenty left, but capped by flat_min + 0.07 s per missing %
        (obs((0, R, 0), (10, R, 20), (20, R, 40)), (30.0, R, 40), 5.1, 5.3, "stall midway: capped"),
        # 40 % after <= 8 s, then only 10 % in 12 s: a slowdown is treated like a plateau
        (obs((0, Q, 0), (8, R, 40)), (20.0, R, 50), 4.4, 4.6, "slowdown: capped"),
        # once a plateau was seen, even moving progress gets plateau-sized delays
        (obs((0, R, 0), (10, R, 20), (20, R, 20)), (25.0, R, 40), 1.0, 5.2, "after a plateau"),
        # …until three rates after it agree: aim just after the finish again
        (
            obs((0, R, 0), (10, R, 20), (20, R, 20), (25, R, 30), (30, R, 40), (35, R, 50)),
            (40.0, R, 60),
            20.0,
            20.3,
            "moving steadily again",
        ),
        (
            obs((0, R, 0), (10, R, 20), (20, R, 20), (25, R, 30), (30, R, 40), (35, R, 50)),
            (40.0, R, 75),
            2.7,
            2.8,
            "rates disagree: still plateau-sized",
        ),
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


def test_poll_state_keeps_the_start_bounds_through_a_long_stall() -> None:
    state = PollState(PollPolicy())
    state.observe(0.0, Q, 0)
    state.observe(8.0, R, 20)
    for second in range(9, 60):
        state.observe(float(second), R, 30)
    assert state.history[:2] == (Observation(0.0, Q, 0), Observation(8.0, R, 20))
    assert len(state.history) == PollPolicy().window + 3
    assert state.with_policy(PollPolicy()).history == state.history


def test_poll_state_keeps_a_bounded_history() -> None:
    state = PollState(PollPolicy())
    assert state.delay() == PollPolicy().min_interval
    for second in range(20):
        state.observe(float(second), R, float(second))
    # the recent window, plus the first processing sample (it bounds the start)
    assert len(state.history) == PollPolicy().window + 2
    assert state.history[0] == Observation(0.0, R, 0.0)
    assert state.history[-1] == Observation(19.0, R, 19.0)
    assert state.delay() == next_delay(
        state.policy, status=R, progress=19.0, elapsed=19.0, history=state.history[:-1]
    )


# --- model check: synthetic jobs, adaptive vs fixed 1 s --------------------------------------


def simulate(
    policy: PollPolicy, queue: float, duration: float, rng: random.Random, steps: int = 0
) -> tuple[int, float]:
    """Requests until completion is seen, and the detection lag, for one job.

    Progress is linear, or with ``steps`` > 0 moves in that many equal jumps.
    """
    state, t, requests = PollState(policy), 0.0, 0
    state.observe(0.0, Q, 0)  # the submit answer: queued
    while True:
        t += state.delay(rng.random())
        requests += 1
        if t >= queue + duration:
            return requests, t - queue - duration
        fraction = (t - queue) / duration
        if steps:
            fraction = int(fraction * steps) / steps
        status, progress = (Q, 0) if t < queue else (R, min(99, int(100 * fraction)))
        state.observe(t, status, progress)


@pytest.mark.parametrize(
    ("steps", "max_share", "max_lag"),
    [
        (0, 0.12, 0.5),  # linear: the design target (design.md §5, smooth)
        (4, 0.28, 1.8),  # four equal jumps: a regression guard only, the target is 25 % at 1 s
    ],
)
def test_adaptive_polling_is_far_cheaper_than_fixed_one_second(
    steps: int, max_share: float, max_lag: float
) -> None:
    rng = random.Random(7)
    jobs = [(min(30, rng.lognormvariate(1.1, 0.8)), rng.uniform(5, 60)) for _ in range(300)]
    fixed = sum(simulate(PollPolicy.fixed(1.0), q, d, rng, steps)[0] for q, d in jobs)
    results = [simulate(PollPolicy(), q, d, rng, steps) for q, d in jobs]
    adaptive = sum(r[0] for r in results)
    mean_lag = sum(r[1] for r in results) / len(results)
    assert adaptive < max_share * fixed, (adaptive / fixed, mean_lag)
    assert mean_lag < max_lag, (adaptive / fixed, mean_lag)
