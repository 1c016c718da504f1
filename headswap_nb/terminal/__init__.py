"""The terminal commands: ``analyze``, ``swap``, ``status`` and ``report``.

Pure core, thin rich shell. Modules, one job each:

``inputs``   the URL list and the faces CSV, read (pure)
``outcome``  exit codes and the rule that picks one (pure)
``view``     what the screen says about a batch: snapshot, lines, counts (pure)
``screen``   drawing it: rich live in a terminal, plain lines in a log
``drive``    running a batch under a screen; Ctrl-C that never loses an id
``connect``  which API (``--simulate``, the credential, the embedded simulator), said so
``common``   what the commands share: input, journal beside it, ``--out``, resume hint
``analyze``, ``swap``, ``status``  the commands

Importing this package imports nothing heavy; each command imports what it needs.
"""

from __future__ import annotations

import argparse

__all__ = ["run_command"]


def run_command(args: argparse.Namespace, argv: list[str]) -> int:
    """Run the parsed command ``args.command``; returns the exit code."""
    if args.command == "analyze":
        from headswap_nb.terminal.analyze import run_analyze

        return run_analyze(args, argv)
    if args.command == "swap":
        from headswap_nb.terminal.swap import run_swap

        return run_swap(args, argv)
    if args.command == "status":
        from headswap_nb.terminal.status import run_status

        return run_status(args)
    from headswap_nb.terminal.status import run_report

    return run_report(args)
