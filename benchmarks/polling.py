"""Polling benchmark: requests per analysis and detection lag, three policies × three profiles.

    .venv/bin/python benchmarks/polling.py            # 1,000 analyses per run (a few minutes)
    .venv/bin/python benchmarks/polling.py --n 200    # quicker look

Each run drives the real ``Batch`` engine and ``AsyncClient`` against the simulator's ASGI
app in-process, on an event loop whose clock is *virtual*: when nothing is ready to run, the
loop jumps straight to its next timer instead of sleeping. The simulator reads the same
clock, so an hour of simulated polling costs only the CPU time of the requests themselves.

Workload: processing time uniform in 5–60 s, queue time log-normal (median 3 s, 0.5–30 s),
all submitted at once; every analysis succeeds (``fail=0``). Detection lag is the time from
the simulator's scheduled completion to the batch's "completed" event, in simulated seconds.
Targets (design.md §5): smooth ≤ 12 % of the requests of fixed 1 s at ≤ 0.5 s mean lag;
stepwise and stalling ≤ 25 % at ≤ 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import selectors
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from headswap_nb import Batch, BatchEvent
from headswap_nb.client import AsyncClient
from headswap_nb.polling import PollPolicy
from headswap_nb.simulator import Profile, SimulatorConfig, core_of, create_app

API_KEY = "benchmark-key-not-secret"
POLICIES: dict[str, PollPolicy] = {
    "fixed 1 s": PollPolicy.fixed(1.0),
    "fixed 0.5 s": PollPolicy.fixed(0.5),
    "ours": PollPolicy(),
}
OURS = "ours"
TARGETS = {
    Profile.SMOOTH: (0.12, 0.5),
    Profile.STEPWISE: (0.25, 1.0),
    Profile.STALLING: (0.25, 1.0),
}


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose ``time()`` is virtual and jumps to the next timer when idle."""

    def __init__(self) -> None:
        super().__init__(selectors.SelectSelector())
        self._virtual = 0.0
        real_select = self._selector.select  # type: ignore[attr-defined]

        def select(timeout: float | None = None) -> list[Any]:
            events = real_select(0)
            if not events:
                if timeout is None:  # no timer at all: only a thread could wake us
                    return list(real_select(0.01))
                self._virtual += timeout
            return list(events)

        self._selector.select = select  # type: ignore[attr-defined]

    def time(self) -> float:
        return self._virtual


@dataclass(frozen=True)
class Row:
    profile: str
    policy: str
    analyses: int
    completed: int
    requests_per_analysis: float
    mean_lag: float
    p95_lag: float
    wall_s: float


def workload(n: int, profile: Profile, seed: int) -> list[str]:
    rng = random.Random(seed)
    urls = []
    for i in range(n):
        processing = rng.uniform(5.0, 60.0)
        queue = min(30.0, max(0.5, rng.lognormvariate(1.1, 0.8)))  # median e^1.1 ≈ 3 s
        urls.append(
            f"https://bench.example/{profile.value}/{i}.mp4?duration=10&fail=0"
            f"&queue={queue:.3f}&time={processing:.3f}&profile={profile.value}"
        )
    return urls


async def _run(urls: list[str], profile: Profile, policy: PollPolicy, seed: int) -> tuple[Any, ...]:
    loop = asyncio.get_running_loop()
    app = create_app(SimulatorConfig(speed=1.0, seed=seed, api_key=API_KEY, clock=loop.time))
    core = core_of(app)
    client = AsyncClient(
        api_key=API_KEY,
        base_url="http://simulator.invalid",
        transport=httpx.ASGITransport(app=app),
    )
    seen: dict[str, float] = {}

    def on_event(event: BatchEvent) -> None:
        if event.kind in ("completed", "failed") and event.entry is not None:
            assert event.entry.analysis_id is not None
            seen[event.entry.analysis_id] = loop.time()

    batch = Batch(urls, client=client, poll=policy, concurrency=32, on_event=on_event)
    summary = await batch.wait()
    await client.aclose()
    # Simulated time runs at speed 1 on the loop's clock from some origin: find the offset.
    offset = loop.time() - core.state.now()
    lags = []
    for analysis_id, seen_at in seen.items():
        schedule = core.job_schedule(analysis_id)
        assert schedule is not None
        lags.append(seen_at - offset - schedule["finished_at"])
    polls = core.stats.snapshot()["requests"]
    detail = sum(count for endpoint, count in polls.items() if "detail" in endpoint)
    return summary, lags, detail


def run_one(urls: list[str], profile: Profile, name: str, seed: int) -> Row:
    loop = VirtualTimeLoop()
    started = time.perf_counter()
    try:
        summary, lags, detail = loop.run_until_complete(_run(urls, profile, POLICIES[name], seed))
    finally:
        loop.close()
    lags.sort()
    return Row(
        profile=profile.value,
        policy=name,
        analyses=len(urls),
        completed=summary.completed,
        requests_per_analysis=detail / len(urls),
        mean_lag=statistics.fmean(lags),
        p95_lag=lags[min(len(lags) - 1, int(0.95 * len(lags)))],
        wall_s=time.perf_counter() - started,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="analyses per run (default 1000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", choices=[p.value for p in Profile], action="append")
    args = parser.parse_args(argv)
    profiles = [Profile(p) for p in args.profile] if args.profile else list(Profile)
    print(f"{args.n} analyses per run; processing 5–60 s, queue 0.5–30 s (median 3 s)")
    header = (
        f"{'profile':<10}{'policy':<13}{'req/analysis':>13}{'vs fixed 1 s':>13}"
        f"{'mean lag s':>11}{'p95 lag s':>10}{'wall s':>8}"
    )
    print(header)
    print("-" * len(header))
    ok = True
    started = time.perf_counter()
    for profile in profiles:
        urls = workload(args.n, profile, args.seed)
        rows = [run_one(urls, profile, name, args.seed) for name in POLICIES]
        base = rows[0].requests_per_analysis
        verdict = ""
        for row in rows:
            assert row.completed == row.analyses, row
            ratio = row.requests_per_analysis / base
            print(
                f"{row.profile:<10}{row.policy:<13}{row.requests_per_analysis:>13.2f}"
                f"{ratio:>12.1%} {row.mean_lag:>11.3f}{row.p95_lag:>10.3f}{row.wall_s:>8.1f}"
            )
            if row.policy == OURS:
                max_ratio, max_lag = TARGETS[profile]
                met = ratio <= max_ratio and row.mean_lag <= max_lag
                ok &= met
                verdict = (
                    f"{'PASS' if met else 'MISS'}: {profile.value} — ours {ratio:.1%} of fixed 1 s "
                    f"(target ≤ {max_ratio:.0%}), mean lag {row.mean_lag:.2f} s "
                    f"(target ≤ {max_lag:g} s)"
                )
        print(f"  {verdict}")
    print(f"total wall time {time.perf_counter() - started:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
