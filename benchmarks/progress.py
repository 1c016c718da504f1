"""What the user sees: the shown progress and the poll cost of three policies, on virtual time.

    .venv/bin/python benchmarks/progress.py            # 1,000 jobs per profile (2–4 min, 2 cores)
    .venv/bin/python benchmarks/progress.py --n 200    # quicker look
    .venv/bin/python benchmarks/progress.py --profile stepwise --profile long

Each job is a truth curve over time; a plain discrete-event loop drives one ``PollState``
per job and policy (the code ``wait_for_*`` and the batch use), with the caller's random
jitter draw, and what the "server" answers is what the simulator answers (``job_view``):
status 1 until the job leaves the queue, then status 2 with ``min(99, int(truth))``, then
status 3 with 100. The same jobs run under ours (``PollPolicy()``), fixed 1 s and fixed
0.5 s, in the same run. Per profile and policy it prints:

* **req/job**: detail requests per job (the submit is not counted) and the ratio to fixed 1 s;
* **start lag**: mean seconds from the server's queued → processing instant to the first
  poll that sees it (or sees completed);
* **done lag**: mean seconds from the server's completion to the poll that sees it;
* **error**: mean |shown − true| in percentage points over samples every 0.1 s while the
  job processes, pooled over all jobs (a time average: every second watched counts the
  same), where shown is ``PollState.shown_progress`` (the code the board uses) and true is
  the server's progress, ``min(99, int(truth))``;
* **frozen / worst**: the longest stretch during which the shown value stood still while
  the truth rose by 10 points or more (counted from when the truth began to rise), as the
  mean over jobs of each job's longest, and the worst job.

Workload. Queue time: log-normal with median 3 s and σ = 0.8 (90 % between 0.8 and 11 s),
clipped to 0.2–60 s: waiting behind other jobs is positive and right-skewed, the median
matches the simulator's default analysis queue (uniform 1–6 s) and the old polling
benchmark, and the tail stands for busy periods. Processing time: uniform 5–60 s (the
simulator's analyses take 5–40 s, its tasks 30–120 s); the ``long`` profile takes 60–600 s
(field reports of jobs that process for 10 minutes, akool-api.md §14) with the simulator's
own mix of curves (half smooth, 30 % stepwise, 20 % stalling), and ``tasks`` the same mix
over 30–120 s (the simulator's task durations). Curves: the simulator's ``smooth``,
``stepwise`` and ``stalling`` (``simulator.profiles.progress_at``), and shapes of our own:
``s-curve`` (slow, fast, slow), ``fast-slow`` (decelerating), ``slow-fast`` (accelerating),
``stall-99`` (reaches 99 % at 70–85 % of the time, then sits there until done),
``late-start`` (0 % for the first 30–50 % of the time, then linear), ``bursty`` (12–20
small steps at random instants) and ``wobbly`` (eight stretches at random speeds).

Honesty: each block says how the policy relates to its profile. *Tuned on*: the policy was
designed and its constants chosen looking at these (300 jobs, seed 7). *Seen once, then the
design changed*: these were meant to be held out, but the first look showed a real flaw
(accelerating and slow-starting jobs were polled far too late), so the rules changed after
seeing them; they are no longer independent. *Held out*: written down before that change
and run only once the policy was final. Other seeds (``--seed``) were not looked at while
designing either. Targets for ours (design.md §5, issue 13): error
≤ 2.5 pp at ≤ 20 % of the requests of fixed 1 s on smooth, ≤ 6 pp at ≤ 35 % on every other
profile; start lag ≤ 1.5 s mean everywhere; done lag ≤ 0.5 s on smooth, ≤ 1 s elsewhere.
Each is printed as PASS or MISS; ``--strict`` exits 1 on any MISS.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import multiprocessing
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from headswap_nb.polling import PollPolicy, PollState
from headswap_nb.simulator.profiles import Profile, progress_at

QUEUED, PROCESSING, COMPLETED = 1, 2, 3
SAMPLE = 0.1
"""Seconds between two looks at the bar."""
RISE = 10
"""Points the truth must rise under a still bar for the stretch to count as frozen."""

POLICIES: dict[str, PollPolicy] = {
    "ours": PollPolicy(),
    "fixed 1 s": PollPolicy.fixed(1.0),
    "fixed 0.5 s": PollPolicy.fixed(0.5),
}
BASELINE = "fixed 1 s"

Curve = Callable[[float, int], float]
"""Truth in percent after ``fraction`` of the processing time, for a job's ``variant``."""


def _simulator(profile: Profile) -> Curve:
    return lambda x, variant: progress_at(profile, x, variant=variant)


def _shape(variant: int) -> float:
    """A per-job exponent in [2, 3) (stable: from the variant, not from the run's RNG)."""
    return 2.0 + (variant % 1000) / 1000


def _s_curve(x: float, variant: int) -> float:
    k = _shape(variant)
    return 100.0 * x**k / (x**k + (1.0 - x) ** k) if 0 < x < 1 else 100.0 * (x >= 1)


def _fast_slow(x: float, variant: int) -> float:
    return 100.0 * (1.0 - (1.0 - x) ** _shape(variant))


def _slow_fast(x: float, variant: int) -> float:
    return 100.0 * x ** _shape(variant)


def _stall_99(x: float, variant: int) -> float:
    reached = 0.7 + 0.15 * (variant % 1000) / 1000
    return 100.0 if x >= 1 else min(99.5, 99.5 * x / reached)


def _draw(variant: int, index: int) -> float:
    """A stable uniform draw in [0, 1) for one job (sha256, like the simulator's)."""
    digest = hashlib.sha256(f"progress-bench\0{variant}\0{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _late_start(x: float, variant: int) -> float:
    """0 % for the first 30–50 % of the time (a download, say), then linear."""
    idle = 0.3 + 0.2 * _draw(variant, 0)
    return 100.0 if x >= 1 else max(0.0, 100.0 * (x - idle) / (1.0 - idle))


def _bursty(x: float, variant: int) -> float:
    """12–20 small steps of random sizes at random instants."""
    count = 12 + int(9 * _draw(variant, 0))
    at = sorted(_draw(variant, 1 + i) for i in range(count))
    sizes = [0.2 + _draw(variant, 100 + i) for i in range(count)]
    done = sum(size for when, size in zip(at, sizes, strict=True) if x >= when)
    return 100.0 if x >= 1 else min(99.9, 100.0 * done / sum(sizes))


def _wobbly(x: float, variant: int) -> float:
    """Eight stretches at random speeds (0.2–2 ×), piecewise linear."""
    speeds = [0.2 + 1.8 * _draw(variant, i) for i in range(8)]
    piece = min(7, int(8 * x))
    covered = sum(speeds[:piece]) + speeds[piece] * (8 * x - piece)
    return 100.0 if x >= 1 else 100.0 * covered / sum(speeds)


def _mix(x: float, variant: int) -> float:
    """The simulator's own mix (``scenarios._seeded_profile``): 50/30/20."""
    u = (variant % 10_000) / 10_000
    profile = Profile.SMOOTH if u < 0.5 else Profile.STEPWISE if u < 0.8 else Profile.STALLING
    return progress_at(profile, x, variant=variant)


TUNED, SEEN, HELD_OUT = "tuned on", "seen once, then the design changed", "held out"


@dataclass(frozen=True)
class Workload:
    name: str
    curve: Curve
    processing: tuple[float, float]
    role: str
    """How the policy relates to this profile: ``TUNED``, ``SEEN`` or ``HELD_OUT``."""


SHORT, LONG, TASKS = (5.0, 60.0), (60.0, 600.0), (30.0, 120.0)
WORKLOADS = {
    w.name: w
    for w in (
        Workload("smooth", _simulator(Profile.SMOOTH), SHORT, TUNED),
        Workload("stepwise", _simulator(Profile.STEPWISE), SHORT, TUNED),
        Workload("stalling", _simulator(Profile.STALLING), SHORT, TUNED),
        Workload("s-curve", _s_curve, SHORT, SEEN),
        Workload("fast-slow", _fast_slow, SHORT, SEEN),
        Workload("slow-fast", _slow_fast, SHORT, SEEN),
        Workload("stall-99", _stall_99, SHORT, SEEN),
        Workload("long", _mix, LONG, SEEN),
        Workload("late-start", _late_start, SHORT, HELD_OUT),
        Workload("bursty", _bursty, SHORT, HELD_OUT),
        Workload("wobbly", _wobbly, SHORT, HELD_OUT),
        Workload("tasks", _mix, TASKS, HELD_OUT),
    )
}


@dataclass(frozen=True)
class Job:
    queue: float
    processing: float
    variant: int


def jobs(workload: Workload, n: int, seed: int) -> list[Job]:
    """``n`` jobs, the same for every policy (seeded by the profile's name and ``seed``)."""
    digest = hashlib.sha256(f"{workload.name}\0{seed}".encode()).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    low, high = workload.processing
    return [
        Job(
            queue=min(60.0, max(0.2, rng.lognormvariate(math.log(3.0), 0.8))),
            processing=rng.uniform(low, high),
            variant=rng.getrandbits(31),
        )
        for _ in range(n)
    ]


@dataclass(frozen=True)
class Row:
    profile: str
    policy: str
    requests: float
    start_lag: float
    done_lag: float
    error: float
    frozen: float
    worst: float
    wall: float


def run(workload_name: str, policy_name: str, n: int, seed: int) -> Row:
    """Every job of one profile under one policy; one row of the table."""
    workload, policy = WORKLOADS[workload_name], POLICIES[policy_name]
    curve = workload.curve
    draws = random.Random(seed)  # the jitter draws, as PollClock makes them
    started = time.perf_counter()
    requests = 0
    start_lags: list[float] = []
    done_lags: list[float] = []
    longest: list[float] = []
    error_sum, samples = 0.0, 0
    for job in jobs(workload, n, seed):
        begin, length = job.queue, job.processing
        end = begin + length
        state = PollState(policy)
        state.observe(0.0, QUEUED, 0.0)  # the submit answer
        shown_at, tick = state.shown_progress, math.ceil(begin / SAMPLE - 1e-9)
        now, seen_start = 0.0, False
        run_value, run_truth, rising_since, frozen = -1.0, 0, 0.0, 0.0
        while True:
            poll = now + state.delay(draws.random())
            # Look at the bar every SAMPLE seconds until this poll's answer arrives.
            while True:
                at = tick * SAMPLE
                if at >= poll or at >= end:
                    break
                truth = min(99, int(curve((at - begin) / length, job.variant)))
                shown = shown_at(at)
                error_sum += abs(shown - truth)
                samples += 1
                if shown != run_value:
                    run_value, run_truth, rising_since = shown, truth, at
                elif truth <= run_truth:
                    rising_since = at
                elif truth - run_truth >= RISE:
                    frozen = max(frozen, at - rising_since)
                tick += 1
            now = poll
            requests += 1
            if now < begin:
                state.observe(now, QUEUED, 0.0)
                continue
            if not seen_start:
                seen_start = True
                start_lags.append(now - begin)
            if now < end:
                truth = min(99, int(curve((now - begin) / length, job.variant)))
                state.observe(now, PROCESSING, float(truth))
                continue
            state.observe(now, COMPLETED, 100.0)
            done_lags.append(now - end)
            break
        longest.append(frozen)
    return Row(
        profile=workload_name,
        policy=policy_name,
        requests=requests / n,
        start_lag=statistics.fmean(start_lags),
        done_lag=statistics.fmean(done_lags),
        error=error_sum / max(1, samples),
        frozen=statistics.fmean(longest),
        worst=max(longest),
        wall=time.perf_counter() - started,
    )


def _run(args: tuple[str, str, int, int]) -> Row:
    return run(*args)


def verdicts(row: Row, baseline: Row) -> list[tuple[bool, str]]:
    """(met, text) for each target of ours on this profile."""
    smooth = row.profile == "smooth"
    max_error, max_share, max_done = (2.5, 0.20, 0.5) if smooth else (6.0, 0.35, 1.0)
    share = row.requests / baseline.requests
    return [
        (row.error <= max_error, f"error {row.error:.2f} pp ≤ {max_error:g}"),
        (share <= max_share, f"requests {share:.1%} ≤ {max_share:.0%}"),
        (row.start_lag <= 1.5, f"start lag {row.start_lag:.2f} s ≤ 1.5"),
        (row.done_lag <= max_done, f"done lag {row.done_lag:.2f} s ≤ {max_done:g}"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="jobs per profile (default 1000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", choices=list(WORKLOADS), action="append")
    parser.add_argument("--processes", type=int, default=min(2, multiprocessing.cpu_count()))
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    names = args.profile or list(WORKLOADS)
    started = time.perf_counter()
    # Longest first, so that two processes finish together (cost ~ polls and samples).
    cost = {name: sum(WORKLOADS[name].processing) for name in names}
    tasks = [
        (name, policy, args.n, args.seed)
        for name in sorted(names, key=cost.__getitem__, reverse=True)
        for policy in POLICIES
    ]
    if args.processes > 1:
        with multiprocessing.Pool(args.processes) as pool:
            rows = pool.map(_run, tasks, chunksize=1)
    else:
        rows = [_run(task) for task in tasks]
    by_key = {(row.profile, row.policy): row for row in rows}
    print(
        f"{args.n} jobs per profile, seed {args.seed}; queue log-normal (median 3 s), "
        f"bar sampled every {SAMPLE:g} s while processing"
    )
    header = (
        f"{'policy':<13}{'req/job':>8}{'vs 1 s':>8}{'start lag s':>13}{'done lag s':>12}"
        f"{'error pp':>10}{'frozen s':>10}{'worst s':>9}"
    )
    missed = 0
    for name in names:
        workload = WORKLOADS[name]
        low, high = workload.processing
        print(f"\n{name} ({workload.role}; processing {low:g}–{high:g} s)")
        print(header)
        baseline = by_key[(name, BASELINE)]
        for policy in POLICIES:
            row = by_key[(name, policy)]
            print(
                f"{policy:<13}{row.requests:>8.2f}{row.requests / baseline.requests:>8.1%}"
                f"{row.start_lag:>13.2f}{row.done_lag:>12.2f}{row.error:>10.2f}"
                f"{row.frozen:>10.2f}{row.worst:>9.1f}"
            )
        results = verdicts(by_key[(name, "ours")], baseline)
        missed += sum(not met for met, _ in results)
        print("  " + " | ".join(f"{'PASS' if met else 'MISS'} {text}" for met, text in results))
    total, wall = len(names) * 4, time.perf_counter() - started
    print(f"\nours: {total - missed}/{total} targets met; wall {wall:.0f} s")
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
