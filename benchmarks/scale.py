"""Scale benchmark: 10,000 concurrent analyses through one ``Batch`` in one process.

    .venv/bin/python benchmarks/scale.py               # 10,000 analyses
    .venv/bin/python benchmarks/scale.py --n 2000      # quicker look

The simulator runs in its own process (``python -m headswap_nb.simulator``) so its CPU is
not counted as ours. Analyses take 20–60 simulated seconds plus 1–10 s of queue; at the
default speed 4 that is 5–17 real seconds, longer than submitting all of them takes, so
nearly all are in flight at once. Prints peak RSS, CPU seconds per 1,000 polls and wall
time, and checks that every analysis reached a terminal state with one submission each.
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

from headswap_nb import Batch, BatchEvent
from headswap_nb.client import AsyncClient

API_KEY = "scale-benchmark-key-not-secret"


def start_simulator(speed: float) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "headswap_nb.simulator", "--speed", str(speed),
         "--api-key", API_KEY],
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
    with urllib.request.urlopen(f"{base_url}/_sim/stats", timeout=30) as response:
        return json.load(response)  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--speed", type=float, default=4.0)
    parser.add_argument("--concurrency", type=int, default=16, help="submits in flight")
    parser.add_argument("--polls-in-flight", type=int, default=32)
    args = parser.parse_args(argv)
    rng = random.Random(11)
    urls = [
        f"https://scale.example/{i}.mp4?duration=10&queue={rng.uniform(1, 10):.2f}"
        f"&time={rng.uniform(20, 60):.2f}"
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

        client = AsyncClient(api_key=API_KEY, base_url=base_url)
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
    polls = sum(v for k, v in requests.items() if "analyze/detail" in k or "detail" in k)
    per_url = stats["analyses_per_url"]
    assert isinstance(per_url, dict)
    terminal = summary.completed + summary.failed
    print(f"analyses             {args.n:,} (speed {args.speed:g}, submits ≤ {args.concurrency},"
          f" polls in flight ≤ {args.polls_in_flight})")  # fmt: skip
    print(f"terminal             {terminal:,} ({summary.completed:,} completed, "
          f"{summary.failed:,} failed, {summary.errors} errors, "
          f"{summary.unknown} unknown)")  # fmt: skip
    print(f"peak in flight       {peak_active:,} analyses queued or processing at once")
    print(f"submissions          {sum(per_url.values()):,} for {len(per_url):,} URLs "
          f"(max {max(per_url.values())} per URL)")  # fmt: skip
    print(f"polls                {polls:,} ({polls / args.n:.1f} per analysis); events {events:,}")
    print(f"peak RSS             {rss_peak / 1024:.0f} MiB (before the batch: "
          f"{rss_before / 1024:.0f} MiB)")  # fmt: skip
    per_1000 = 1000 * cpu / max(1, polls)
    print(f"CPU                  {cpu:.1f} s total, {per_1000:.2f} s per 1,000 polls")
    print(f"wall time            {wall:.1f} s")
    ok = terminal == args.n and max(per_url.values()) == 1 and len(per_url) == args.n
    print("OK: every analysis reached a terminal state, one submission each" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
