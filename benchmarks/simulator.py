"""Throughput of the simulator's polling endpoint under 100 concurrent clients.

Run: ``.venv/bin/python benchmarks/simulator.py [--requests 20000] [--concurrency 100]``

The simulator runs in its own process (``python -m headswap_nb.simulator``) so the load
generator does not share its GIL. After creating ``--analyses`` analyses, ``--concurrency``
async httpx clients (one connection each) poll ``analyze/detail`` round-robin over them until
``--requests`` polls are done or ``--max-seconds`` pass. A baseline row does the same against
``/_sim/health`` (the cheapest route) so the cost of the API logic shows as a ratio.
Loopback only.

Besides wall-clock throughput it prints the simulator process's CPU time per request (from
/proc, Linux only): on a shared machine the wall-clock figure depends on what else runs,
while ``1e6 / cpu_us`` is the rate one free core would sustain.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

import httpx

TARGET_POLLS_PER_SECOND = 1000.0


@dataclass(frozen=True)
class Result:
    """One measured phase."""

    name: str
    concurrency: int
    requests: int
    seconds: float
    latencies_ms: list[float]
    server_cpu_seconds: float | None
    client_cpu_seconds: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_us_per_request(self) -> float | None:
        if self.server_cpu_seconds is None or not self.requests:
            return None
        return self.server_cpu_seconds / self.requests * 1e6

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start_simulator() -> tuple[subprocess.Popen[str], str, str]:
    """The simulator in a child process, and the base URL and key it printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "headswap_nb.simulator", "--speed", "1", "--seed", "1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    exports: dict[str, str] = {}
    while len(exports) < 2:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("the simulator did not start")
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").strip().partition("=")
            exports[name] = value
    return process, exports["AKOOL_BASE_URL"], exports["AKOOL_API_KEY"]


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process, from /proc (None where there is no /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def create_analyses(base_url: str, api_key: str, count: int) -> list[str]:
    """Submit ``count`` analyses and return their ids."""
    headers = {"x-api-key": api_key}
    async with httpx.AsyncClient(base_url=base_url, headers=headers) as client:

        async def one(i: int) -> str:
            body = {"video_url": f"https://cdn.example.com/bench/{i}.mp4", "type": "head"}
            reply = await client.post("/api/open/v4/headswap/analyze", json=body)
            job_id: str = reply.json()["data"]["_id"]
            return job_id

        return list(await asyncio.gather(*(one(i) for i in range(count))))


async def hammer(
    name: str,
    base_url: str,
    api_key: str,
    paths: list[str],
    *,
    concurrency: int,
    requests: int,
    max_seconds: float,
    server_pid: int,
) -> Result:
    """``concurrency`` clients GET ``paths`` round-robin until the count or time runs out."""
    counter = itertools.count()
    latencies: list[float] = []
    cycle = itertools.cycle(paths)
    deadline = time.perf_counter() + max_seconds
    headers = {"x-api-key": api_key}
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits) as client:
            while next(counter) < requests and time.perf_counter() < deadline:
                started = time.perf_counter()
                reply = await client.get(next(cycle))
                latencies.append((time.perf_counter() - started) * 1000)
                if reply.status_code != 200 or reply.json().get("code", 1000) != 1000:
                    raise RuntimeError(f"unexpected reply: {reply.text[:200]}")

    cpu_before = cpu_seconds(server_pid)
    client_before = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    cpu_after = cpu_seconds(server_pid)
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    client_cpu = time.process_time() - client_before
    return Result(name, concurrency, len(latencies), seconds, latencies, cpu, client_cpu)


def print_table(results: list[Result], baseline: Result) -> None:
    """The result table, one row per phase."""
    print(
        f"{'endpoint':<24}{'conc.':>6}{'requests':>9}{'seconds':>8}{'req/s':>7}"
        f"{'p50 ms':>8}{'p95 ms':>8}{'vs target':>10}{'vs base':>8}"
        f"{'srv CPU us/req':>15}{'1-core cap./s':>14}{'client CPU us/req':>18}"
    )
    for result in results:
        cpu = result.cpu_us_per_request
        print(
            f"{result.name:<24}{result.concurrency:>6}{result.requests:>9}"
            f"{result.seconds:>8.2f}{result.per_second:>7.0f}{result.percentile(0.5):>8.1f}"
            f"{result.percentile(0.95):>8.1f}"
            f"{result.per_second / TARGET_POLLS_PER_SECOND:>9.2f}x"
            f"{result.per_second / baseline.per_second:>7.2f}x"
            f"{'n/a' if cpu is None else f'{cpu:.0f}':>15}"
            f"{'n/a' if cpu is None else f'{1e6 / cpu:.0f}':>14}"
            f"{result.client_cpu_seconds / result.requests * 1e6:>18.0f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--analyses", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--max-seconds", type=float, default=60.0)
    args = parser.parse_args()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    process, base_url, api_key = start_simulator()
    try:
        ids = asyncio.run(create_analyses(base_url, api_key, args.analyses))
        detail = [f"/api/open/v4/headswap/analyze/detail?_id={i}" for i in ids]

        def run(name: str, paths: list[str]) -> Result:
            return asyncio.run(
                hammer(
                    name,
                    base_url,
                    api_key,
                    paths,
                    concurrency=args.concurrency,
                    requests=args.requests,
                    max_seconds=args.max_seconds,
                    server_pid=process.pid,
                )
            )

        baseline = run("/_sim/health (baseline)", ["/_sim/health"])
        polls = run("analyze/detail", detail)
    finally:
        process.terminate()
        process.wait(timeout=10)
    print(f"cores: {os.cpu_count()}, load average before the run: {load}")
    print_table([baseline, polls], baseline)
    print(
        f"target: >= {TARGET_POLLS_PER_SECOND:.0f} polls/s on analyze/detail; "
        f"mean latency {statistics.fmean(polls.latencies_ms):.1f} ms"
    )
    return 0 if polls.per_second >= TARGET_POLLS_PER_SECOND else 1


if __name__ == "__main__":
    sys.exit(main())
