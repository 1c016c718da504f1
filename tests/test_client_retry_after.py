"""Retry-After bounded: honoured up to ``retry_after_cap`` (60 s), a longer hint means "try
again at the cap", absurd values never crash, never sleep absurdly, and every message shows
bounded numbers. Mock transports (both modes) and the simulator's ``absurd_retry_after``."""

from __future__ import annotations

import email.utils
import re

import httpx
import pytest
from client_fixtures import (
    ANALYSIS_ID,
    VIDEO,
    FakeTime,
    MakeClient,
    Recorder,
    analysis_data,
    ok,
    replies,
)

from headswap_nb import Client
from headswap_nb.client import protocol
from headswap_nb.client.effects import Problem, Reply, Request
from headswap_nb.errors import ConfigurationError, HeadswapError, RateLimitError
from headswap_nb.simulator import FaultConfig, Simulator

pytestmark = pytest.mark.sim(speed=100.0, seed=4)

NOW = 1_800_000_000.0
ABSURD = [
    "86400",
    "1e308",
    "1e309",  # inf once parsed
    "-5",
    "nan",
    "inf",
    email.utils.formatdate(NOW + 10 * 365.25 * 86400, usegmt=True),
    "soon, probably",
    "9" * 400,
    "",
]


def throttled(value: str, *, status: int = 429) -> httpx.Response:
    headers = {"Retry-After": value, "Date": email.utils.formatdate(NOW, usegmt=True)}
    body = b'{"code": 1005, "msg": "Operation is too frequent"}'
    return httpx.Response(status, headers=headers, content=body)


def bounded(text: str) -> None:
    assert len(text) < 600, len(text)
    assert not re.search(r"\d{13,}", text), text  # no 309-digit number, no 1e308 spelt out


@pytest.mark.parametrize("value", ABSURD)
def test_an_absurd_retry_after_never_sleeps_past_the_cap(
    make_client: MakeClient, fake_time: FakeTime, value: str
) -> None:
    rec = Recorder(replies(throttled(value), ok(analysis_data())))
    assert make_client(rec).get_analysis(ANALYSIS_ID).id == ANALYSIS_ID
    assert len(fake_time.sleeps) == 1 and 0 < fake_time.sleeps[0] <= 60.0, fake_time.sleeps


@pytest.mark.parametrize("value", ABSURD)
def test_an_absurd_retry_after_gives_a_bounded_error(
    make_client: MakeClient, fake_time: FakeTime, value: str
) -> None:
    rec = Recorder(replies(throttled(value)))
    with pytest.raises(RateLimitError) as info:
        make_client(rec, max_retries=2).get_analysis(ANALYSIS_ID)
    error = info.value
    bounded(str(error))
    bounded(repr(error))
    assert error.retry_after is None or 0 <= error.retry_after <= 60.0
    assert sum(fake_time.sleeps) <= 2 * 60.0


def test_a_huge_hint_means_try_again_at_the_cap_also_for_a_throttled_submit(
    make_client: MakeClient, fake_time: FakeTime
) -> None:
    rec = Recorder(replies(throttled("100"), ok(analysis_data())))
    assert make_client(rec).analyze(VIDEO).id == ANALYSIS_ID
    assert fake_time.sleeps == [60.0]  # today: 100 s inside one call


@pytest.mark.parametrize(
    ("value", "expected"),
    [("86400", 60.0), ("1e308", 60.0), ("inf", 60.0), ("-5", None), ("nan", None), ("x", None)],
)
def test_the_error_attribute_is_the_bounded_wait(value: str, expected: float | None) -> None:
    request = Request("GET", protocol.ANALYZE_DETAIL_PATH, subject="x")
    reply = Reply(429, httpx.Headers({"retry-after": value}), b"{}")
    problem = protocol.interpret(reply, request, secrets=(), now=NOW)
    assert isinstance(problem, Problem)
    assert problem.retry_after == expected
    assert isinstance(problem.error, RateLimitError) and problem.error.retry_after == expected


@pytest.mark.parametrize("cap", [-1, float("nan"), float("inf"), "60", True])
def test_a_bad_cap_is_refused(cap: object) -> None:
    with pytest.raises(ConfigurationError, match="retry_after_cap"):
        Client(api_key="k", env={}, retry_after_cap=cap)  # type: ignore[arg-type]


def test_the_simulators_absurd_hints_never_crash_or_sleep_absurdly(sim: Simulator) -> None:
    fake = FakeTime()
    sim.set_faults(FaultConfig(absurd_retry_after=0.6, scope="reads", seed=5))
    with Client(
        api_key=sim.api_key, base_url=sim.base_url, env={}, sleep=fake.sleep, clock=fake.clock
    ) as client:
        analysis = client.analyze(f"{VIDEO}?duration=5&time=2&fail=0")
        outcomes = []
        for _ in range(30):
            try:
                outcomes.append(client.get_analysis(analysis.id).id)
            except HeadswapError as exc:  # retries exhausted: a bounded, typed error
                assert isinstance(exc, RateLimitError), repr(exc)
                bounded(str(exc))
                outcomes.append(type(exc).__name__)
    assert sim.stats()["faults"].get("absurd_retry_after", 0) >= 10
    assert fake.sleeps and max(fake.sleeps) <= 60.0
    assert analysis.id in outcomes
