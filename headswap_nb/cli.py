"""``headswap-nb``: the command line.

``simulate`` runs the local simulator of the API; ``demo`` starts the simulator and
JupyterLab on ``notebooks/`` (or, with ``--execute``, runs every notebook headlessly and
writes HTML reports); ``analyze``, ``swap`` and ``status`` run and inspect journaled batches
from a terminal (``headswap_nb.terminal``); ``report`` writes a self-contained HTML report
of a journal (``headswap_nb.reports``). This module only parses; everything heavy is
imported lazily, by the command that needs it.
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
    _batch_commands(commands)
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _run_options(command: argparse.ArgumentParser, *, out_what: str) -> None:
    add = command.add_argument
    add("--concurrency", type=_positive, default=4, metavar="N", help="submits at once (4)")
    add("--out", metavar="PATH", help=f"write the {out_what} to PATH (.csv, or .parquet)")
    add(
        "--simulate",
        action="store_true",
        help="run against a simulator started for this run (default: the AKOOL_API_KEY "
        "credential, else an embedded simulator, said so)",
    )
    add("--lines", type=_positive, default=12, metavar="N", help="active jobs shown at most (12)")


def _batch_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from headswap_nb.terminal.outcome import EXIT_CODES_HELP

    analyze = commands.add_parser(
        "analyze",
        help="analyse every video URL of a file, with live progress; resumable",
        description="Analyse every video URL of FILE (one a line, or a CSV with a video_url "
        "column; '-' reads stdin). Journaled: Ctrl-C stops cleanly (the first lets submits "
        "in flight answer, a second stops at once) and the same command resumes without "
        "sending anything twice.",
        epilog=EXIT_CODES_HELP,
    )
    analyze.add_argument("input", metavar="FILE|-", help="the URLs: a text or CSV file, or -")
    analyze.add_argument(
        "--journal",
        metavar="PATH",
        help="the journal (default: FILE.journal.sqlite beside FILE; for stdin "
        "stdin.journal.sqlite here)",
    )
    _run_options(analyze, out_what="analyses")
    analyze.add_argument(
        "--probe",
        action="store_true",
        help="look at each video first and hold back the unreachable ones, those that are "
        "not videos and those outside 3-20 s (needs the probe extra)",
    )
    swap = commands.add_parser(
        "swap",
        help="create head-swap tasks for a journal's completed analyses; resumable",
        description="Create a head-swap task for each video of the --faces CSV (columns "
        "video_url,obj_id,face_url; the rows of one video are one task), on the completed "
        "analyses of JOURNAL, and follow them to the end. Running it again resumes: a task "
        "already created is never created again.",
        epilog=EXIT_CODES_HELP,
    )
    swap.add_argument("journal", metavar="JOURNAL", help="the journal of an analyze run")
    swap.add_argument(
        "--faces", required=True, metavar="CSV", help="columns video_url,obj_id,face_url"
    )
    swap.add_argument(
        "--resolution", choices=("480p", "720p"), default="720p", help="default %(default)s"
    )
    _run_options(swap, out_what="tasks")
    status = commands.add_parser(
        "status",
        help="counts per state of a journal, and what needs attention and why",
        description="Print the counts per state of JOURNAL's analyses and tasks, then what "
        "needs attention and what failed, and why. Sends nothing.",
        epilog=EXIT_CODES_HELP,
    )
    status.add_argument("journal", metavar="JOURNAL", help="a journal (*.journal.sqlite)")
    report = commands.add_parser(
        "report",
        help="write a self-contained HTML report of a journal",
        description="Write one HTML file about JOURNAL: summary, charts, analyses, people "
        "previews (copied into the file now) and links to the swapped videos (which may "
        "expire, about 7 days). Opening it sends no request anywhere.",
    )
    report.add_argument("journal", metavar="JOURNAL", help="a journal (*.journal.sqlite)")
    report.add_argument(
        "-o", "--output", default="report.html", metavar="PATH", help="default %(default)s"
    )
    report.add_argument("--title", default="Head-swap report", help="the page's title")
    report.add_argument(
        "--no-images", action="store_true", help="do not fetch the previews (grey boxes)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``headswap-nb`` script; returns the process exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["simulate"]:
        # The simulator owns its options (faults, speed, seed...), so it parses them itself.
        from headswap_nb.simulator.cli import run_simulate_cli

        return run_simulate_cli(args_list[1:])
    args = _parser().parse_args(args_list)
    if args.command in ("analyze", "swap", "status", "report"):
        from headswap_nb.terminal import run_command

        return run_command(args, args_list)
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
