"""Scale benchmark: 10,000 concurrent analyses through one ``Batch`` in one process.

    .venv/bin/python benchmarks/scale.py               # 10,000 analyses
    .venv/bin/python benchmarks/scale.py --n 2000      # quicker look

The simulator runs in its own process (``python -m headswap_nb.simulator``) so its CPU is
not counted as ours. Analyses take 120–300 simulated seconds plus 0–10 s of queue; at the
default speed 2 that is 60–155 real seconds, longer than submitting all of them takes
(submits run 256 at a time), so every analysis is in flight at once. The client spreads its
connections over several small pools (``ShardedTransport``): httpcore's pool scans every
connection on each request, which was the largest CPU cost of a poll.

Prints one table row: analyses, most in flight at once (the batch's view: from the submit's
answer to the terminal record), terminal %, requests, polls per analysis, CPU seconds per
1,000 polls (all of this process' CPU, submits included, divided by the polls), peak RSS
and wall time; and checks that every analysis reached a terminal state, submitted once.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sharded_transport import ShardedTransport

from headswap_nb import Batch, BatchEntry, BatchEvent
from headswap_nb.client import AsyncClient

API_KEY = "scale-benchmark-key-not-secret"


def start_simulator(speed: float, port: int = 0) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "headswap_nb.simulator", "--speed", str(speed),
         "--port", str(port), "--api-key", API_KEY],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        for word in line.split():
            if word.startswith("http://127.0.0.1:"):
                return process, word.rstrip(".,")
    process.kill()
    raise RuntimeError("the simulator did not print its URL")


def sim_stats(base_url: str) -> dict[str, object]:
    with urllib.request.urlopen(f"{base_url}/_sim/stats", timeout=60) as response:
        return json.load(response)  # type: ignore[no-any-return]


def max_in_flight(entries: tuple[BatchEntry, ...]) -> int:
    """Most entries between their submit's answer and their terminal record at one instant."""
    edges = sorted(
        [(e.submitted_at, 1) for e in entries if e.submitted_at is not None]
        + [(e.finished_at, -1) for e in entries if e.finished_at is not None]
    )  # at equal instants -1 sorts first: a finish frees its slot before a start takes it
    most = current = 0
    for _, step in edges:
        current += step
        most = max(most, current)
    return most


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--speed", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=256, help="submits in flight")
    parser.add_argument("--polls-in-flight", type=int, default=64)
    parser.add_argument("--shards", type=int, default=16, help="connection pools")
    parser.add_argument("--min-time", type=float, default=120.0, help="simulated seconds")
    parser.add_argument("--max-time", type=float, default=300.0, help="simulated seconds")
    args = parser.parse_args(argv)
    rng = random.Random(11)
    urls = [
        f"https://scale.example/{i}.mp4?duration=10&queue={rng.uniform(0, 10):.2f}"
        f"&time={rng.uniform(args.min_time, args.max_time):.2f}"
        for i in range(args.n)
    ]
    process, base_url = start_simulator(args.speed)
    try:
        events = 0
        peak_active = 0

        def on_event(event: BatchEvent) -> None:
            nonlocal events, peak_active
            events += 1
            summary = event.summary
            peak_active = max(peak_active, summary.queued + summary.processing)

        # One connection per request the batch may have in flight: nothing queues in the pool.
        connections = args.concurrency + args.polls_in_flight
        transport = ShardedTransport(connections=connections, shards=args.shards)
        client = AsyncClient(api_key=API_KEY, base_url=base_url, transport=transport)
        batch = Batch(
            urls,
            client=client,
            concurrency=args.concurrency,
            max_polls_in_flight=args.polls_in_flight,
            on_event=on_event,
        )
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        summary = batch.run_sync()
        wall = time.perf_counter() - wall_started
        cpu = time.process_time() - cpu_started
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        stats = sim_stats(base_url)
    finally:
        process.terminate()
        process.wait(timeout=10)
    requests = stats["requests"]
    assert isinstance(requests, dict)
    polls = sum(v for k, v in requests.items() if "detail" in k)
    total_requests = polls + sum(v for k, v in requests.items() if k == "analyze")
    in_flight = max_in_flight(batch.entries)
    per_url = stats["analyses_per_url"]
    assert isinstance(per_url, dict)
    terminal = summary.completed + summary.failed
    per_1000 = 1000 * cpu / max(1, polls)
    print(f"speed {args.speed:g}, analyses {args.min_time:g}–{args.max_time:g} simulated s, "
          f"submits ≤ {args.concurrency}, polls in flight ≤ {args.polls_in_flight}, "
          f"{args.shards} connection pools; {summary.completed:,} completed, "
          f"{summary.failed:,} failed, {summary.errors} errors, {summary.unknown} unknown; "
          f"peak active from events {peak_active:,}; events {events:,}; "
          f"CPU {cpu:.1f} s total; RSS before the batch {rss_before / 1024:.0f} MiB")  # fmt: skip
    header = ("analyses", "max in flight", "terminal %", "requests", "polls/analysis",
              "CPU s/1k polls", "peak RSS MiB", "wall s")  # fmt: skip
    row = (f"{args.n:,}", f"{in_flight:,}", f"{100 * terminal / args.n:.1f}",
           f"{total_requests:,}", f"{polls / args.n:.2f}", f"{per_1000:.2f}",
           f"{rss_peak / 1024:.0f}", f"{wall:.0f}")  # fmt: skip
    widths = [max(len(h), len(v)) for h, v in zip(header, row, strict=True)]
    print(" | ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    print(" | ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)))
    ok = terminal == args.n and max(per_url.values()) == 1 and len(per_url) == args.n
    print("OK: every analysis reached a terminal state, one submission each" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
