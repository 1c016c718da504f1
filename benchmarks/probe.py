"""The pre-flight probe against downloading each file whole, same URLs, same run.

    .venv/bin/python benchmarks/probe.py [--workers 4] [--mbit 100] [--latency-ms 20]

50 URLs on a loopback server (tests/preflight_server.py) serving files generated once and
deterministically with PyAV (tests/preflight_media.py): 20 copies of a 10 MB H.264 MP4
(640×360, 10 s, 25 fps) with its index (``moov``) at the front, 20 of the same video with
the index at the end, and 10 of a 1.5 MB 4 s clip. Each copy has its own URL
(``?copy=N``), so nothing is deduplicated.

Two sides, the same number of worker threads, one after the other against one server:

- probe: ``headswap_nb.preflight.probe`` (range requests, 64 KiB blocks, first-frame thumbnail);
- baseline: GET each file whole into memory, then the same PyAV inspection (metadata and
  thumbnail) from memory.

Two links: loopback as it is (no limit: the cost is CPU and memory copies), and loopback
throttled to ``--mbit`` per connection with ``--latency-ms`` before each answer (roughly a
CDN seen from a notebook). Printed per group: seconds per URL (median and p95, from the
URL's first request to its result) and body bytes read per URL as a share of the file size
(median and max), with the baseline/probe ratio of the median seconds.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from headswap_nb.preflight import ProbeResult, probe
from headswap_nb.preflight._media import inspect

# The loopback server and the video generator are the test suite's own helpers.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from preflight_media import moov_at_front, write_mp4
from preflight_server import MediaServer

GROUPS = (  # name, file, copies
    ("10 MB, index at front", "front.mp4", 20),
    ("10 MB, index at end", "end.mp4", 20),
    ("1.5 MB clip", "clip.mp4", 10),
)


def make_files(root: Path) -> dict[str, bytes]:
    def big(name: str, *, faststart: bool) -> Path:  # ~10 MB: the noise band sets the size
        return write_mp4(root / name, seconds=10, width=640, height=360, noise_rows=88,
                         faststart=faststart)  # fmt: skip

    files = {
        "front.mp4": big("front.mp4", faststart=True),
        "end.mp4": big("end.mp4", faststart=False),
        "clip.mp4": write_mp4(root / "clip.mp4", seconds=4, noise_rows=60),
    }
    data = {name: path.read_bytes() for name, path in files.items()}
    assert moov_at_front(data["front.mp4"]) and not moov_at_front(data["end.mp4"])
    return data


def urls_for(server: MediaServer) -> list[tuple[str, str]]:
    """(group, URL) pairs, the groups interleaved as a pasted list would be."""
    pairs = [
        (group, server.url(f"v/{name}?copy={n}")) for group, name, count in GROUPS
        for n in range(count)
    ]  # fmt: skip
    return sorted(pairs, key=lambda pair: int(pair[1].rsplit("=", 1)[1]))


def baseline(urls: list[str], workers: int) -> list[tuple[float, int]]:
    """Download whole, then inspect from memory: (seconds, bytes read) per URL."""
    with httpx.Client(timeout=120.0) as client:

        def one(url: str) -> tuple[float, int]:
            started = time.monotonic()
            with client.stream("GET", url) as response:
                body = b"".join(response.iter_raw())
            info = inspect(io.BytesIO(body))
            assert info.is_video and info.thumbnail, url
            return time.monotonic() - started, len(body)

        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(one, urls))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def run(label: str, server: MediaServer, files: dict[str, bytes], workers: int) -> None:
    pairs = urls_for(server)
    urls = [url for _, url in pairs]
    server.stats.reset()
    started = time.monotonic()
    results: list[ProbeResult] = probe(urls, workers=workers, timeout=60.0)
    probe_wall = time.monotonic() - started
    requests = list(server.stats.requests)
    started = time.monotonic()
    whole = baseline(urls, workers)
    baseline_wall = time.monotonic() - started
    assert all(result.is_video and result.thumbnail for result in results), results

    sizes = {group: len(files[name]) for group, name, _ in GROUPS}
    median = statistics.median
    print(f"\n== {label}: {len(urls)} URLs, {workers} workers")
    print(f"{'':30}{'seconds per URL':^31}  {'bytes read / file size':^27}")
    print(f"{'group':22}{'size':>8}{'probe med/p95':>14}{'baseline':>12}{'ratio':>7}"
          f"{'probe med':>12}{'max':>7}{'baseline':>10}")  # fmt: skip
    for group in [*sizes, "all"]:
        index = [i for i, (g, _) in enumerate(pairs) if group in (g, "all")]
        ours = [results[i].seconds for i in index]
        theirs = [whole[i][0] for i in index]
        share = [results[i].bytes_read / sizes[pairs[i][0]] for i in index]
        full = [whole[i][1] / sizes[pairs[i][0]] for i in index]
        size = f"{sizes[group] / 1e6:.1f} MB" if group in sizes else ""
        ratio = median(theirs) / median(ours)
        print(f"{group:22}{size:>8}{median(ours):8.3f}/{p95(ours):.3f}"
              f"{median(theirs):6.3f}/{p95(theirs):.3f}{ratio:6.1f}×"
              f"{median(share):12.1%}{max(share):7.1%}{median(full):10.0%}")  # fmt: skip
    ratio = baseline_wall / probe_wall
    print(f"whole batch: probe {probe_wall:.2f} s, baseline {baseline_wall:.2f} s ({ratio:.1f}×)")

    end_size = sizes["10 MB, index at end"]
    end = [i for i, (g, _) in enumerate(pairs) if g == "10 MB, index at end"]
    starts = [int(r[6:].split("-")[0]) for p, r in requests if "end.mp4" in p and r]
    tails = [start for start in starts if start > end_size // 2]
    print(
        f"index at the end: {len(tails)} tail range requests for {len(end)} URLs, each within "
        f"the last {(end_size - min(tails)) / 1e3:.0f} kB of the file; per URL a median of "
        f"{median(results[i].requests for i in end):g} requests and "
        f"{median(results[i].bytes_read for i in end) / 1e3:.0f} kB "
        f"({median(results[i].bytes_read / end_size for i in end):.1%} of the file)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--mbit", type=float, default=100.0, help="throttled link, per connection")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="before each answer")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        files = make_files(Path(tmp))
    with MediaServer(files) as server:
        run("loopback, no limit", server, files, args.workers)
        server.rate, server.latency = args.mbit * 1e6 / 8, args.latency_ms / 1000
        link = f"loopback at {args.mbit:g} Mbit/s per connection, {args.latency_ms:g} ms/answer"
        run(link, server, files, args.workers)


if __name__ == "__main__":
    main()
