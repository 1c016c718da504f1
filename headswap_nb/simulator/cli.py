"""``headswap-nb simulate``: run the simulator in the foreground until Ctrl-C.

The lead wires ``run_simulate_cli`` into ``headswap_nb/cli.py``; ``python -m
headswap_nb.simulator`` calls it directly. It prints the base URL and the environment
variables to export, and binds 127.0.0.1 unless ``--host`` says otherwise.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from headswap_nb.simulator.config import DEFAULT_CREDITS
from headswap_nb.simulator.faults import SCOPES, FaultConfig
from headswap_nb.simulator.profiles import Profile
from headswap_nb.simulator.server import serve

__all__ = ["build_parser", "faults_from_args", "run_simulate_cli"]


def build_parser() -> argparse.ArgumentParser:
    """The ``simulate`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="headswap-nb simulate", description="Run a local simulator of Akool's head-swap API."
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    add("--port", type=int, default=0, help="port (default: a free one)")
    add("--speed", type=float, default=1.0, help="simulated seconds per real second")
    add("--seed", type=int, default=0, help="scenario seed")
    add("--api-key", default=None, help="API key of the first team (default: generated)")
    add("--credits", type=int, default=DEFAULT_CREDITS, help="starting credits per team")
    add("--profile", choices=[p.value for p in Profile], default=None, help="force a curve")
    for name, what in (
        ("5xx", "HTTP 502/503"),
        ("throttle", "HTTP 429 with Retry-After"),
        ("throttle-code", "HTTP 200 with code 1005"),
        ("drop", "dropped connections"),
        ("malformed", "truncated JSON or HTML bodies"),
        ("slow", "replies delayed by --slow-seconds"),
        ("hang", "requests never answered"),
        ("drip-body", "bodies sent one byte per --drip-interval"),
        ("drip-headers", "status lines and headers sent one byte per --drip-interval"),
        ("mismatched-id", "detail answers carrying another job's _id"),
        ("echo-credential", "replies that echo the request's API key or token"),
        ("absurd-retry-after", "code 1005 with an absurd Retry-After"),
        ("account-not-exist", 'code 1109 "account not exist"'),
    ):
        add(f"--fault-{name}", type=float, default=0.0, metavar="R", help=f"rate of {what}")
    add("--slow-seconds", type=float, default=2.0, help="delay of a slow reply (real seconds)")
    add("--retry-after", type=int, default=1, help="Retry-After seconds of an HTTP 429")
    add("--drip-interval", type=float, default=0.3, help="seconds between two dripped bytes")
    add("--fault-scope", choices=SCOPES, default="all", help="which endpoints faults hit")
    add("--fault-seed", type=int, default=0, help="seed of the fault RNG")
    return parser


def faults_from_args(args: argparse.Namespace) -> FaultConfig:
    """The ``FaultConfig`` the parsed options ask for (``ValueError`` if it is invalid)."""
    return FaultConfig(
        http_5xx=args.fault_5xx,
        throttle_http=args.fault_throttle,
        throttle_code=args.fault_throttle_code,
        drop=args.fault_drop,
        malformed=args.fault_malformed,
        slow=args.fault_slow,
        hang=args.fault_hang,
        drip_body=args.fault_drip_body,
        drip_headers=args.fault_drip_headers,
        mismatched_id=args.fault_mismatched_id,
        echo_credential=args.fault_echo_credential,
        absurd_retry_after=args.fault_absurd_retry_after,
        account_not_exist=args.fault_account_not_exist,
        slow_seconds=args.slow_seconds,
        retry_after_seconds=args.retry_after,
        drip_interval=args.drip_interval,
        scope=args.fault_scope,
        seed=args.fault_seed,
    )


def run_simulate_cli(argv: list[str] | None = None) -> int:
    """Parse ``argv``, serve until interrupted, return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        faults = faults_from_args(args)
        sim = serve(
            speed=args.speed,
            seed=args.seed,
            api_key=args.api_key,
            faults=faults,
            credits=args.credits,
            profile=args.profile,
            host=args.host,
            port=args.port,
        )
    except (ValueError, OSError) as exc:
        print(f"headswap-nb simulate: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
    print(f"headswap-nb simulator on {sim.base_url} (speed {args.speed:g}x, seed {args.seed})")
    print(f"export AKOOL_BASE_URL={sim.base_url}")
    print(f"export AKOOL_API_KEY={sim.api_key}")
    print(f"client id for getToken (clientSecret is the key): {sim.client_id}")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sim.close()
    print("simulator stopped", flush=True)
    return 0
