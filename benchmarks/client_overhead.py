"""Overhead of ``Client.get_analysis`` over a raw ``httpx`` GET against the same simulator.

Both sides use one keep-alive ``httpx.Client`` on a loopback simulator, fetch the same
analysis, and decode the JSON; ours also checks the envelope, maps errors and builds the
typed ``Analysis``. Rounds alternate between the two so drift hits both alike.

    .venv/bin/python benchmarks/client_overhead.py [--requests 2000] [--rounds 5]

Target: ratio <= 1.2x.
"""

from __future__ import annotations

import argparse
import statistics
import time

import httpx

from headswap_nb import Client
from headswap_nb.client.protocol import ANALYZE_DETAIL_PATH
from headswap_nb.simulator import serve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="GETs per round and side")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    with serve(speed=1000, seed=1) as sim:
        client = Client(api_key=sim.api_key, base_url=sim.base_url, env={})
        analysis = client.analyze("https://example.com/bench.mp4?time=5")
        client.wait_for_analysis(analysis.id, poll=0.05)
        raw = httpx.Client(timeout=httpx.Timeout(30.0, connect=5.0))
        url = sim.base_url + ANALYZE_DETAIL_PATH
        headers = {"x-api-key": sim.api_key, "Accept": "application/json"}

        def ours() -> None:
            client.get_analysis(analysis.id)

        def baseline() -> None:
            response = raw.get(url, params={"_id": analysis.id}, headers=headers)
            response.raise_for_status()
            assert response.json()["code"] == 1000

        for warm in (ours, baseline):
            for _ in range(200):
                warm()
        per_call: dict[str, list[float]] = {"raw httpx GET": [], "Client.get_analysis": []}
        for _ in range(args.rounds):
            for name, func in (("raw httpx GET", baseline), ("Client.get_analysis", ours)):
                start = time.perf_counter()
                for _ in range(args.requests):
                    func()
                per_call[name].append((time.perf_counter() - start) / args.requests)
        client.close()
        raw.close()

    base = statistics.median(per_call["raw httpx GET"])
    print(f"{'variant':<22}{'median µs/call':>16}{'best µs/call':>14}{'ratio':>8}")
    for name, samples in per_call.items():
        median = statistics.median(samples)
        print(f"{name:<22}{median * 1e6:>16.1f}{min(samples) * 1e6:>14.1f}{median / base:>7.2f}x")
    print(f"\n{args.rounds} rounds x {args.requests} requests each; target ratio <= 1.20x")


if __name__ == "__main__":
    main()
