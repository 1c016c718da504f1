"""Throughput of the simulator's polling endpoint under 100 concurrent clients.

Run: ``.venv/bin/python benchmarks/simulator.py [--requests 30000] [--concurrency 100]``

The simulator runs in its own process (``python -m headswap_nb.simulator``, loopback only)
so the load generator does not share its GIL. After creating ``--analyses`` analyses, a lean
load generator opens ``--concurrency`` keep-alive connections with plain
``asyncio.open_connection`` (spread over ``--procs`` processes), writes pre-built
``GET .../analyze/detail?_id=... HTTP/1.1`` requests round-robin over the analyses and reads
each reply by its Content-Length, checking it is a 200 whose body starts ``{"code":1000,``.
Each phase stops after ``--requests`` polls or ``--max-seconds``, whichever comes first. Rows:

* ``raw /_sim/health``: the cheapest route, the floor set by uvicorn and Starlette;
* ``raw analyze/detail``: the figure compared with the target;
* ``httpx analyze/detail``: the same polls from 100 ``httpx.AsyncClient`` s (one connection
  each), a realistic but CPU-hungry client; fewer requests (``--httpx-requests``).

Besides wall-clock throughput it prints CPU time per request of the simulator process and of
the generator (from /proc and ``time.process_time``; Linux only for the server). On a shared
machine the wall-clock figure depends on what else runs, while the CPU figures do not:
``1e6 / server CPU us/req`` is the rate one free core would sustain.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import multiprocessing as mp
import os
import queue
import subprocess
import sys
import time
from dataclasses import dataclass
from multiprocessing.synchronize import Event as EventType
from typing import Any
from urllib.parse import urlsplit

import httpx

TARGET_POLLS_PER_SECOND = 1000.0
DETAIL_PATH = "/api/open/v4/headswap/analyze/detail?_id="


@dataclass(frozen=True)
class Result:
    """One measured phase."""

    generator: str
    endpoint: str
    concurrency: int
    requests: int
    seconds: float
    latencies_ms: list[float]
    server_cpu_seconds: float | None
    generator_cpu_seconds: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def server_us(self) -> float | None:
        if self.server_cpu_seconds is None or not self.requests:
            return None
        return self.server_cpu_seconds / self.requests * 1e6

    @property
    def generator_us(self) -> float:
        return self.generator_cpu_seconds / max(1, self.requests) * 1e6

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


# -- the simulator process --------------------------------------------------------------------
_WITHOUT_ACCELERATORS = (
    "import sys; sys.modules['uvloop'] = sys.modules['httptools'] = None; "
    "from headswap_nb.simulator.cli import run_simulate_cli; sys.exit(run_simulate_cli())"
)


def start_simulator(*, accelerated: bool = True) -> tuple[subprocess.Popen[str], str, str]:
    """The simulator in a child process, and the base URL and key it printed.

    ``accelerated=False`` hides uvloop and httptools from it, so uvicorn falls back to the
    pure-Python asyncio loop and h11 (what a machine without them runs).
    """
    launcher = ["-m", "headswap_nb.simulator"] if accelerated else ["-c", _WITHOUT_ACCELERATORS]
    process = subprocess.Popen(
        [sys.executable, *launcher, "--speed", "1", "--seed", "1"],
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


# -- the lean generator -----------------------------------------------------------------------
def build_requests(host: str, api_key: str, paths: list[str]) -> list[bytes]:
    """Complete HTTP/1.1 keep-alive GET requests, one per path."""
    return [
        f"GET {path} HTTP/1.1\r\nhost: {host}\r\nx-api-key: {api_key}\r\n"
        "accept: application/json\r\n\r\n".encode("latin-1")
        for path in paths
    ]


async def _raw_phase(
    host: str,
    port: int,
    requests: list[bytes],
    connections: int,
    total: int,
    deadline_seconds: float,
    expect: bytes,
    go: EventType,
) -> tuple[list[float], float, float]:
    """``connections`` keep-alive sockets sending ``requests`` round-robin, ``total`` in all."""
    streams = [await asyncio.open_connection(host, port) for _ in range(connections)]
    await asyncio.get_running_loop().run_in_executor(None, go.wait)
    cpu_before = time.process_time()
    started = time.perf_counter()
    deadline = started + deadline_seconds
    counter = itertools.count()
    cycle = itertools.cycle(requests)
    latencies: list[float] = []
    record = latencies.append
    clock = time.perf_counter

    async def one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while next(counter) < total and clock() < deadline:
            sent = clock()
            writer.write(next(cycle))
            head = await reader.readuntil(b"\r\n\r\n")
            length = -1
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
                    break
            if length < 0:
                raise RuntimeError(f"no Content-Length in {head[:200]!r}")
            body = await reader.readexactly(length)
            record((clock() - sent) * 1000)
            if head[9:12] != b"200" or not body.startswith(expect):
                raise RuntimeError(f"unexpected reply: {head[:60]!r} {body[:200]!r}")

    await asyncio.gather(*(one(r, w) for r, w in streams))
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    for _, writer in streams:
        writer.close()
    return latencies, seconds, cpu


def _raw_child(
    host: str,
    port: int,
    requests: list[bytes],
    connections: int,
    total: int,
    deadline_seconds: float,
    expect: bytes,
    go: EventType,
    out: Any,
) -> None:
    with contextlib.suppress(ImportError):
        import uvloop  # the lean generator should not be the bottleneck

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    phase = _raw_phase(host, port, requests, connections, total, deadline_seconds, expect, go)
    out.put(asyncio.run(phase))


def raw_hammer(
    endpoint: str,
    base_url: str,
    api_key: str,
    paths: list[str],
    *,
    concurrency: int,
    requests: int,
    max_seconds: float,
    procs: int,
    expect: bytes,
    server_pid: int,
) -> Result:
    """The lean generator: ``procs`` processes sharing ``concurrency`` connections.

    Every reply must be a 200 whose body starts with ``expect``, or the phase fails."""
    url = urlsplit(base_url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    built = build_requests(url.netloc, api_key, paths)
    ctx = mp.get_context("fork") if sys.platform == "linux" else mp.get_context("spawn")
    go = ctx.Event()
    out = ctx.Queue()
    children = []
    for i in range(procs):
        share = concurrency // procs + (i < concurrency % procs)
        total = requests // procs + (i < requests % procs)
        rotated = built[i:] + built[:i]
        args = (host, port, rotated, share, total, max_seconds, expect, go, out)
        children.append(ctx.Process(target=_raw_child, args=args, daemon=True))
    for child in children:
        child.start()
    time.sleep(0.5)  # let every child connect before the clock starts
    cpu_before = cpu_seconds(server_pid)
    go.set()
    parts: list[tuple[list[float], float, float]] = []
    give_up = time.monotonic() + max_seconds + 60
    while len(parts) < len(children):
        try:
            parts.append(out.get(timeout=0.2))
        except queue.Empty:
            if any(child.exitcode not in (None, 0) for child in children):
                raise RuntimeError("a load generator process failed (see above)") from None
            if time.monotonic() > give_up:
                raise RuntimeError("the load generator did not finish") from None
    cpu_after = cpu_seconds(server_pid)
    for child in children:
        child.join(timeout=10)
    latencies = [ms for part in parts for ms in part[0]]
    seconds = max(part[1] for part in parts)
    generator_cpu = sum(part[2] for part in parts)
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    name = f"raw asyncio x{procs}"
    return Result(
        name, endpoint, concurrency, len(latencies), seconds, latencies, cpu, generator_cpu
    )


# -- the realistic (httpx) generator ----------------------------------------------------------
async def httpx_hammer(
    endpoint: str,
    base_url: str,
    api_key: str,
    paths: list[str],
    *,
    concurrency: int,
    requests: int,
    max_seconds: float,
    server_pid: int,
) -> Result:
    """``concurrency`` httpx clients GET ``paths`` round-robin until the count or time is up."""
    counter = itertools.count()
    latencies: list[float] = []
    cycle = itertools.cycle(paths)
    headers = {"x-api-key": api_key}
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [  # each builds an SSL context: seconds for 100, so before the clock starts
        httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits)
        for _ in range(concurrency)
    ]
    deadline = time.perf_counter() + max_seconds

    async def worker(client: httpx.AsyncClient) -> None:
        while next(counter) < requests and time.perf_counter() < deadline:
            started = time.perf_counter()
            reply = await client.get(next(cycle))
            latencies.append((time.perf_counter() - started) * 1000)
            if reply.status_code != 200 or reply.json().get("code", 1000) != 1000:
                raise RuntimeError(f"unexpected reply: {reply.text[:200]}")

    cpu_before = cpu_seconds(server_pid)
    client_before = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(worker(client) for client in clients))
    seconds = time.perf_counter() - started
    cpu_after = cpu_seconds(server_pid)
    client_cpu = time.process_time() - client_before
    for client in clients:
        await client.aclose()
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return Result(
        "httpx AsyncClient",
        endpoint,
        concurrency,
        len(latencies),
        seconds,
        latencies,
        cpu,
        client_cpu,
    )


# -- report -----------------------------------------------------------------------------------
def print_table(results: list[Result]) -> None:
    """The result table, one row per phase."""
    print(
        f"{'generator':<19}{'endpoint':<17}{'clients':>8}{'requests':>9}{'seconds':>8}"
        f"{'polls/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'srv CPU us/req':>15}{'gen CPU us/req':>15}"
    )
    for r in results:
        cpu = r.server_us
        print(
            f"{r.generator:<19}{r.endpoint:<17}{r.concurrency:>8}{r.requests:>9}"
            f"{r.seconds:>8.2f}{r.per_second:>8.0f}{r.percentile(0.5):>8.1f}"
            f"{r.percentile(0.95):>8.1f}{'n/a' if cpu is None else f'{cpu:.0f}':>15}"
            f"{r.generator_us:>15.0f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--analyses", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--requests", type=int, default=30_000)
    parser.add_argument("--httpx-requests", type=int, default=5_000, help="0 skips the row")
    parser.add_argument("--procs", type=int, default=1, help="lean generator processes")
    parser.add_argument("--max-seconds", type=float, default=30.0, help="per phase")
    parser.add_argument(
        "--no-accel", action="store_true", help="server without uvloop/httptools (asyncio + h11)"
    )
    args = parser.parse_args()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    process, base_url, api_key = start_simulator(accelerated=not args.no_accel)
    results: list[Result] = []
    try:
        ids = asyncio.run(create_analyses(base_url, api_key, args.analyses))
        detail = [f"{DETAIL_PATH}{i}" for i in ids]
        common: dict[str, Any] = {
            "concurrency": args.concurrency,
            "max_seconds": args.max_seconds,
            "server_pid": process.pid,
        }
        phases = (
            ("/_sim/health", ["/_sim/health"], b'{"status":"ok",'),
            ("analyze/detail", detail, b'{"code":1000,'),
        )
        for endpoint, paths, expect in phases:
            results.append(
                raw_hammer(
                    endpoint,
                    base_url,
                    api_key,
                    paths,
                    requests=args.requests,
                    procs=args.procs,
                    expect=expect,
                    **common,
                )
            )
        polls = results[-1]
        if args.httpx_requests > 0:
            results.append(
                asyncio.run(
                    httpx_hammer(
                        "analyze/detail",
                        base_url,
                        api_key,
                        detail,
                        requests=args.httpx_requests,
                        **common,
                    )
                )
            )
    finally:
        process.terminate()
        process.wait(timeout=10)
    load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    server = "asyncio + h11 (--no-accel)" if args.no_accel else "uvicorn auto (uvloop/httptools)"
    print(f"cores: {os.cpu_count()}, load average before: {load}, after: {load_after}")
    print(f"server: {server}; generator: {args.procs} process(es) for the raw rows")
    print_table(results)
    capacity = "n/a" if polls.server_us is None else f"{1e6 / polls.server_us:,.0f}/s"
    verdict = "PASS" if polls.per_second >= TARGET_POLLS_PER_SECOND else "BELOW TARGET"
    print(
        f"target >= {TARGET_POLLS_PER_SECOND:,.0f} detail polls/s with {args.concurrency} "
        f"clients: measured {polls.per_second:,.0f}/s "
        f"({polls.per_second / TARGET_POLLS_PER_SECOND:.2f}x) {verdict}; "
        f"server-CPU-bound capacity (1e6 / server us per req): {capacity}"
    )
    return 0 if polls.per_second >= TARGET_POLLS_PER_SECOND else 1


if __name__ == "__main__":
    sys.exit(main())
