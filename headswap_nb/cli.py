"""``headswap-nb``: the command line.

``headswap-nb simulate`` runs the local simulator of the API; ``headswap-nb demo`` starts the
simulator and JupyterLab on ``notebooks/`` (or, with ``--execute``, runs every notebook
headlessly and writes HTML reports). Everything heavy is imported lazily.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="headswap-nb", description="Akool head-swap API toolkit for Jupyter."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "simulate",
        help="run the local simulator of the API (see 'headswap-nb simulate --help')",
        add_help=False,
    )
    demo = commands.add_parser(
        "demo", help="start the simulator and JupyterLab on the notebooks (127.0.0.1)"
    )
    demo.add_argument("--notebooks", default="notebooks", help="folder of notebooks to serve")
    demo.add_argument("--port", type=int, default=0, help="JupyterLab port (default: a free one)")
    demo.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="simulator time compression (default 1: real timing, so that every analysis is "
        "seen to move; 10 makes a 20 s analysis take 2 s)",
    )
    demo.add_argument("--seed", type=int, default=0, help="simulator scenario seed")
    demo.add_argument(
        "--execute",
        action="store_true",
        help="run every notebook headlessly against the simulator instead, "
        "write HTML reports and print a summary",
    )
    demo.add_argument("--output", default="demo-output", help="folder for --execute reports")
    demo.add_argument(
        "--timeout", type=int, default=600, help="per-cell timeout in seconds for --execute"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``headswap-nb`` script; returns the process exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["simulate"]:
        # The simulator owns its options (faults, speed, seed...), so it parses them itself.
        from headswap_nb.simulator.cli import run_simulate_cli

        return run_simulate_cli(args_list[1:])
    args = _parser().parse_args(args_list)
    from headswap_nb import demo

    if args.execute:
        return demo.execute_notebooks(
            notebooks=args.notebooks,
            output=args.output,
            speed=args.speed,
            seed=args.seed,
            cell_timeout=args.timeout,
        )
    return demo.serve_lab(
        notebooks=args.notebooks, port=args.port, speed=args.speed, seed=args.seed
    )


if __name__ == "__main__":
    raise SystemExit(main())
