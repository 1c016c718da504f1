"""The poll policy and the progress shown between polls.

Table tests of the pure ``next_delay``, the bar's behaviour case by case, hypothesis
properties over arbitrary observation histories, a model check on virtual time against
fixed 1 s polling, and the package's import graph.
"""

from __future__ import annotations

import ast
import math
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headswap_nb.errors import ConfigurationError
from headswap_nb.polling import Observation, PollPolicy, PollState, next_delay, resolve_policy
from headswap_nb.simulator.profiles import Profile, progress_at

P = PollPolicy()
Q, R, DONE, FAILED = 1, 2, 3, 4


def obs(*rows: tuple[float, int, float]) -> list[Observation]:
    return [Observation(*row) for row in rows]


def state_of(*rows: tuple[float, int, float], policy: PollPolicy = P) -> PollState:
    state = PollState(policy)
    for row in rows:
        state.observe(*row)
    return state


# --- next_delay, case by case (default policy: 2.5 s queued, 15-point step) -----------------


@pytest.mark.parametrize(
    ("history", "now", "expected", "why"),
    [
        ([], (0.0, Q, 0), 2.5, "queued: every queued_interval"),
        (obs((0, Q, 0), (2.5, Q, 0), (5, Q, 0)), (7.5, Q, 0), 2.5, "still queued: no back-off"),
        ([], (0.0, 7, 0), 2.5, "a status the docs do not list: like queued"),
        (obs((0, Q, 0)), (2.5, R, 0), 2.5, "processing at 0 %: nothing to extrapolate"),
        (obs((0, Q, 0)), (2.5, R, 10), 2.5, "first look at processing: one point, no rate"),
        (obs((0, R, 30)), (2.5, R, 35), 2.5, "the wait began mid-processing: no start, no pace"),
        (obs((0, Q, 0)), (2.5, R, 10), 2.5, "one point"),
        # two answers at one instant are one point (and divide nothing by zero)
        (obs((0, Q, 0), (5, R, 10)), (5.0, R, 20), 2.5, "same instant"),
        # 5 % then 10 %: the start is back at 0 s, 2.2 %/s since, 2 %/s now: moving, but a
        # pace is trusted only twice as far ahead as the last interval
        (obs((0, Q, 0), (2.5, R, 5)), (5.0, R, 10), 5.0, "moving, young: twice the interval"),
        # 2 %/s twice: due when it will have covered 15 points
        (obs((0, R, 0), (10, R, 20)), (20.0, R, 40), 7.5, "moving: a step at its pace"),
        # 1 %/s then 2 %/s: the step is counted at the faster rate
        (obs((0, R, 0), (10, R, 10)), (20.0, R, 30), 7.5, "accelerating: the faster rate"),
        # 3.5 points left at 2 %/s: 1.75 s, then the overshoot
        (obs((0, R, 0), (10, R, 20), (40, R, 80)), (48.0, R, 96), 2.05, "aim after the finish"),
        # 40 % after 30 s, nothing new for 10 s: half a step at 4/3 %/s
        (obs((0, R, 0), (10, R, 20), (20, R, 40)), (30.0, R, 40), 5.625, "stands still"),
        # 4 %/s, then 0.5 %/s: a sharp slowdown may be a stall beginning
        (obs((0, R, 0), (10, R, 40)), (20.0, R, 45), 10 / 3, "sharp slowdown: standing"),
        # a jump after a plateau is not yet a rate: standing, 40 % in 25 s
        (obs((0, R, 0), (10, R, 20), (20, R, 20)), (25.0, R, 40), 4.6875, "step after plateau"),
        # 95 % after 31 s, standing 1 s: the average pace predicts 1.47 s left: aim there
        (obs((0, R, 0), (20, R, 50), (30, R, 95)), (31.0, R, 95), 4.5 / (95 / 31) + 0.3, "near"),
        # stuck at 99 % for 10 s: overdue, so no faster than half a step at the average pace
        (obs((0, R, 0), (50, R, 99), (55, R, 99)), (60.0, R, 99), 7.5 / 1.65, "overdue: backs off"),
        (obs((0, R, 0), (10, R, 20)), (10.1, R, 20), 0.25, "never sooner than min_interval"),
        (obs((0, R, 0), (100, R, 1)), (200.0, R, 2), 30.0, "never later than max_interval"),
    ],
)
def test_next_delay_table(
    history: list[Observation], now: tuple[float, int, float], expected: float, why: str
) -> None:
    elapsed, status, progress = now
    delay = next_delay(
        P, status=status, progress=progress, elapsed=elapsed, history=history, jitter=0.0
    )
    assert delay == pytest.approx(expected, abs=1e-9), why


def test_next_delay_is_pure_and_jitter_only_shortens() -> None:
    history = obs((0, R, 0), (10, R, 20))
    kwargs = {"status": R, "progress": 40.0, "elapsed": 20.0, "history": history}
    base = next_delay(P, jitter=0.0, **kwargs)  # type: ignore[arg-type]
    assert base == next_delay(P, jitter=0.0, **kwargs)  # type: ignore[arg-type]
    for jitter in (0.1, 0.5, 1.0):
        shorter = next_delay(P, jitter=jitter, **kwargs)  # type: ignore[arg-type]
        assert shorter == pytest.approx(base * (1 - P.jitter * jitter))
    assert history == obs((0, R, 0), (10, R, 20))  # inputs untouched


def test_an_aimed_poll_is_not_shortened_by_jitter() -> None:
    history = obs((0, R, 0), (10, R, 20), (40, R, 80))
    for jitter in (0.0, 0.5, 0.99):
        delay = next_delay(P, status=R, progress=96, elapsed=48.0, history=history, jitter=jitter)
        assert delay == pytest.approx(2.05)


def test_fixed_policy() -> None:
    policy = PollPolicy.fixed(1.0)
    assert policy.is_fixed and not PollPolicy().is_fixed
    for status, progress in ((Q, 0), (R, 50), (R, 99)):
        assert next_delay(policy, status=status, progress=progress, elapsed=9.0, jitter=0.7) == 1.0
    long = PollPolicy.fixed(60)  # the bounds follow a long fixed interval
    assert long.min_interval <= 60 <= long.max_interval
    assert PollPolicy(interval=0.05, min_interval=0.02).interval == 0.05  # what tests pass


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


@pytest.mark.parametrize("bad", ["fast", "0", "-1", "nan", "inf"])
def test_bad_poll_interval_env(bad: str) -> None:
    with pytest.raises(ConfigurationError, match="HEADSWAP_POLL_INTERVAL"):
        resolve_policy(None, {"HEADSWAP_POLL_INTERVAL": bad})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"interval": 0}, "interval"),
        ({"interval": math.nan}, "interval"),
        ({"min_interval": 0}, "min_interval"),
        ({"min_interval": 5, "max_interval": 1}, "min_interval <= max_interval"),
        ({"max_interval": math.inf}, "max_interval"),
        ({"jitter": 1}, "jitter"),
        ({"jitter": -0.1}, "jitter"),
        ({"queued_interval": 0}, "queued_interval"),
        ({"step": 0}, "step"),
        ({"step": 150}, "step"),
        ({"overshoot": -1}, "overshoot"),
        ({"overshoot": math.nan}, "overshoot"),
    ],
)
def test_bad_policies(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        PollPolicy(**kwargs)


# --- PollState: memory and consistency with next_delay ---------------------------------------


def test_poll_state_keeps_the_start_bounds_and_a_bounded_history() -> None:
    state = PollState(P)
    assert state.delay() == P.min_interval  # before any observation
    state.observe(0.0, Q, 0)
    state.observe(2.5, R, 5)
    state.observe(5.0, R, 10)
    for second in range(6, 600):
        state.observe(float(second), R, 10 + second / 10)
    history = state.history
    # the last look before processing and the first two during it, then the latest four
    assert list(history[:3]) == obs((0.0, Q, 0), (2.5, R, 5), (5.0, R, 10))
    assert len(history) == 7 and history[-1] == Observation(599.0, R, 69.9)
    *earlier, last = history
    assert state.delay(0.3) == next_delay(
        P,
        status=last.status,
        progress=last.progress,
        elapsed=last.elapsed,
        history=earlier,
        jitter=0.3,
    )


def test_with_policy_keeps_history_and_bar() -> None:
    state = state_of((0, Q, 0), (2.5, R, 5), (5, R, 10))
    copy = state.with_policy(PollPolicy.fixed(1.0))
    assert copy.history == state.history and copy.policy.is_fixed
    assert copy.shown_progress(6.0) == state.shown_progress(6.0)
    assert copy.delay() == 1.0


def test_earlier_stamps_count_as_simultaneous() -> None:
    state = state_of((0, Q, 0), (5, R, 10))
    state.observe(3.0, R, 20)  # a clock that went back
    assert state.history[-1] == Observation(5.0, R, 20.0)


# --- the bar, case by case ------------------------------------------------------------------


def test_nothing_known_shows_nothing() -> None:
    state = PollState(P)
    assert state.shown_progress(10.0) == 0.0 and state.eta(10.0) is None
    state.observe(0.0, Q, 0)
    assert state.shown_progress(10.0) == 0.0 and state.eta(10.0) is None


def test_the_bar_moves_between_polls() -> None:
    state = state_of((0, Q, 0), (2.5, R, 0), (5, R, 5))  # 2 %/s, next poll in 5 s
    assert state.shown_progress(5.0) == 5.0
    assert state.shown_progress(6.0) == pytest.approx(7.0)
    assert state.shown_progress(9.0) == pytest.approx(13.0)
    eta = state.eta(6.0)
    assert eta is not None and eta == pytest.approx(94.5 / 2 - 1)


def test_the_first_look_extrapolates_the_slowest_rate_it_allows() -> None:
    # 10 % at the first look, queued 2.5 s before: at least 10.5 / 2.5 %/s
    state = state_of((0, Q, 0), (2.5, R, 10))
    assert state.shown_progress(3.5) == pytest.approx(10 + 10.5 / 2.5)
    assert state.eta(2.5) is not None


def test_the_bar_stops_when_the_next_poll_is_long_overdue() -> None:
    state = state_of((0, Q, 0), (2.5, R, 0), (5, R, 5))  # next poll due in 5 s
    assert state.shown_progress(15.0) == pytest.approx(25.0)  # two delays: stops there
    assert state.shown_progress(60.0) == pytest.approx(25.0)


def test_never_100_before_completed_then_100_at_once() -> None:
    state = state_of((0, R, 0), (10, R, 50), (19, R, 99))
    assert state.shown_progress(1000.0) == 99.0
    state.observe(19.5, DONE, 100)
    assert state.shown_progress(19.5) == 100.0 and state.eta(19.5) == 0.0
    state.observe(25.0, R, 10)  # nothing after a terminal answer moves it
    assert state.shown_progress(30.0) == 100.0


def test_failed_keeps_where_it_stopped() -> None:
    state = state_of((0, R, 0), (10, R, 40))
    shown = state.shown_progress(12.0)
    state.observe(12.0, FAILED, 30)
    assert state.shown_progress(12.0) == shown and state.shown_progress(99.0) == shown
    assert state.eta(13.0) == 0.0


def test_a_poll_that_says_less_slows_the_bar_never_moves_it_back() -> None:
    state = state_of((0, Q, 0), (2.5, R, 0), (5, R, 5))
    ahead = state.shown_progress(10.0)  # 15 %, extrapolated
    state.observe(10.0, R, 7)  # the truth slowed down: 7 %
    assert state.shown_progress(10.0) == ahead
    later = [state.shown_progress(10.0 + t / 4) for t in range(40)]
    assert later == sorted(later) and later[0] == ahead
    assert later[4] - ahead < 1.0  # creeping, not running at the old 2 %/s


def test_a_poll_that_says_more_jumps_there() -> None:
    state = state_of((0, Q, 0), (2.5, R, 0), (5, R, 5))
    state.observe(7.0, R, 40)
    assert state.shown_progress(7.0) == 40.0


def test_standing_still_holds_the_bar() -> None:
    state = state_of((0, R, 0), (10, R, 20), (20, R, 40), (30, R, 40))
    assert state.shown_progress(31.0) == state.shown_progress(35.0)


# --- properties over arbitrary histories ----------------------------------------------------

progress_values = st.one_of(
    st.floats(min_value=0, max_value=100),
    st.sampled_from([0.0, 1.0, 99.0, 100.0]),
    st.floats(allow_nan=True, allow_infinity=True),
)
statuses = st.one_of(st.sampled_from([Q, R, R, R, R, DONE, FAILED]), st.integers(-3, 9))
steps = st.one_of(st.just(0.0), st.floats(min_value=0, max_value=40))
events = st.lists(
    st.one_of(
        st.tuples(st.just("observe"), steps, statuses, progress_values, st.booleans()),
        st.tuples(st.just("look"), steps, st.just(0), st.just(0.0), st.just(False)),
    ),
    max_size=40,
)


@st.composite
def policies(draw: st.DrawFn) -> PollPolicy:
    kind = draw(st.sampled_from(["default", "fixed", "custom"]))
    if kind == "default":
        return P
    if kind == "fixed":
        return PollPolicy.fixed(draw(st.floats(min_value=0.01, max_value=100)))
    low = draw(st.floats(min_value=0.01, max_value=5))
    return PollPolicy(
        min_interval=low,
        max_interval=low + draw(st.floats(min_value=0, max_value=100)),
        jitter=draw(st.floats(min_value=0, max_value=0.99)),
        queued_interval=draw(st.floats(min_value=0.01, max_value=20)),
        step=draw(st.floats(min_value=0.5, max_value=100)),
        overshoot=draw(st.floats(min_value=0, max_value=5)),
    )


@settings(max_examples=400, deadline=None)
@given(policy=policies(), script=events, draw=st.floats(min_value=0, max_value=1))
def test_any_history_gives_a_sane_delay_and_a_monotone_bar(
    policy: PollPolicy, script: list[tuple[str, float, int, float, bool]], draw: float
) -> None:
    state = PollState(policy)
    clock, floor, completed = 0.0, 0.0, False
    for kind, step, status, progress, back in script:
        looked, clock = clock, clock + step
        if kind == "observe":
            # ``back``: an answer stamped before now, but not before the last look (the
            # contract: an answer is stamped when it is seen, after what was shown before)
            state.observe(max(looked, clock - 7.0) if back else clock, status, progress)
            completed = completed or status == DONE
            delay = state.delay(draw)
            assert math.isfinite(delay)
            assert policy.min_interval <= delay <= policy.max_interval
            *earlier, last = state.history  # the state decides as the pure function does
            assert delay == next_delay(
                policy,
                status=last.status,
                progress=last.progress,
                elapsed=last.elapsed,
                history=earlier,
                jitter=draw,
            )
        for offset in (0.0, 0.05, 3.0, 1e6):
            shown = state.shown_progress(clock + offset)
            assert math.isfinite(shown) and 0.0 <= shown <= 100.0
            assert shown >= floor, "the bar moved back"
            assert completed or shown < 100.0, "100 % before completed"
            eta = state.eta(clock + offset)
            assert eta is None or (math.isfinite(eta) and eta >= 0)
        floor = state.shown_progress(clock)


@settings(max_examples=300, deadline=None)
@given(
    policy=policies(),
    rows=st.lists(
        st.tuples(
            st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, 5.0])),
            statuses,
            progress_values,
        ),
        min_size=1,
        max_size=12,
    ),
    jitter=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.floats(0, 1)),
)
def test_next_delay_of_any_history_is_finite_and_bounded(
    policy: PollPolicy, rows: list[tuple[float, int, float]], jitter: float
) -> None:
    *history, (elapsed, status, progress) = [Observation(*row) for row in rows]
    kwargs = {"status": status, "progress": progress, "elapsed": elapsed, "history": history}
    delay = next_delay(policy, jitter=jitter, **kwargs)  # type: ignore[arg-type]
    assert math.isfinite(delay)
    assert policy.min_interval <= delay <= policy.max_interval
    again = next_delay(policy, jitter=jitter, **kwargs)  # type: ignore[arg-type]
    assert again == delay or (math.isnan(again) and math.isnan(delay))


@settings(max_examples=200, deadline=None)
@given(script=events, times=st.lists(st.floats(min_value=0, max_value=1e4), max_size=8))
def test_the_bar_is_monotone_in_elapsed(
    script: list[tuple[str, float, int, float, bool]], times: list[float]
) -> None:
    state = PollState(P)
    clock = 0.0
    for kind, step, status, progress, _ in script:
        clock += step
        if kind == "observe":
            state.observe(clock, status, progress)
    values = [state.shown_progress(t) for t in sorted(times)]
    assert values == sorted(values)


# --- model check on virtual time: ours against fixed 1 s ------------------------------------

Truth = Callable[[float], float]


def simulate(policy: PollPolicy, queue: float, length: float, truth: Truth, seed: int) -> tuple:
    """(requests, display error summed over 0.5 s samples, samples, completion lag)."""
    draws = random.Random(seed)
    state, now, requests = PollState(policy), 0.0, 0
    state.observe(0.0, Q, 0)
    error, samples, tick = 0.0, 0, math.ceil(queue / 0.5)
    while True:
        poll = now + state.delay(draws.random())
        while tick * 0.5 < min(poll, queue + length):
            at = tick * 0.5
            error += abs(state.shown_progress(at) - min(99, int(truth((at - queue) / length))))
            samples, tick = samples + 1, tick + 1
        now, requests = poll, requests + 1
        if now >= queue + length:
            return requests, error, samples, now - queue - length
        if now < queue:
            state.observe(now, Q, 0)
        else:
            state.observe(now, R, float(min(99, int(truth((now - queue) / length)))))


@pytest.mark.parametrize(
    ("profile", "max_share", "max_error"),
    [
        (Profile.SMOOTH, 0.10, 2.0),
        (Profile.STEPWISE, 0.20, 6.0),
        (Profile.STALLING, 0.20, 6.0),
    ],
)
def test_long_jobs_take_far_fewer_requests_than_fixed_one_second(
    profile: Profile, max_share: float, max_error: float
) -> None:
    rng = random.Random(5)
    jobs = [(rng.uniform(0.5, 8.0), rng.uniform(60, 600), rng.getrandbits(31)) for _ in range(40)]
    fixed = ours = 0
    error, samples = 0.0, 0
    for queue, length, variant in jobs:

        def truth(x: float, variant: int = variant) -> float:
            return progress_at(profile, x, variant=variant)

        fixed += simulate(PollPolicy.fixed(1.0), queue, length, truth, variant)[0]
        requests, job_error, job_samples, lag = simulate(P, queue, length, truth, variant)
        ours, error, samples = ours + requests, error + job_error, samples + job_samples
        assert lag <= P.max_interval
    assert ours < max_share * fixed, ours / fixed
    assert error / samples < max_error, error / samples
    print(f"{profile.value}: {ours / fixed:.1%} of the requests, {error / samples:.2f} pp")


# --- the package's import graph --------------------------------------------------------------


def test_polling_modules_form_no_import_cycle() -> None:
    """No cycle, not even under TYPE_CHECKING (design.md §1): every import is counted."""
    root = Path(__file__).resolve().parent.parent / "headswap_nb" / "polling"
    modules = {path.stem: path for path in root.glob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for target in targets:
                if target == "headswap_nb.polling":
                    found.add("__init__")
                elif target.startswith("headswap_nb.polling."):
                    found.add(target.split(".")[2])
        graph[name] = found & set(modules)
    for name in modules:
        if name != "__init__":
            assert "__init__" not in graph[name], f"{name} imports the package it is part of"
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in visiting, f"import cycle: {' -> '.join((*path, name))}"
        if name in done:
            return
        visiting.add(name)
        for target in graph[name]:
            visit(target, (*path, name))
        visiting.discard(name)
        done.add(name)

    for name in modules:
        visit(name, ())
