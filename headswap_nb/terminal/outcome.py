"""Exit codes of the commands, and the one rule that picks one from how the jobs ended.

Pure. A script (or CI) can act on the code alone: 0 only when every job asked for
completed. Needing attention outranks failing: a submit that may have been billed without
its id being recorded is the one thing a person must look at before anything else.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headswap_nb.jobs import JobEntry

__all__ = ["EXIT_CODES_HELP", "ExitCode", "outcome"]


class ExitCode(enum.IntEnum):
    """What ``headswap-nb analyze`` / ``swap`` / ``status`` exit with."""

    OK = 0
    """Every job completed."""
    FAILED = 1
    """Some failed: on the server, refused (credits, invalid video), or held back before
    sending (not a usable URL, or ``--probe`` found it unusable)."""
    USAGE = 2
    """Bad arguments or unreadable input (argparse uses 2 as well)."""
    ATTENTION = 3
    """Some need attention: a submit may exist on the server (and be billed) but its id was
    never recorded. Check the account before sending those again."""
    ERROR = 4
    """Could not run: configuration, connection or journal problem."""
    UNFINISHED = 5
    """``status`` only: some jobs are still pending or running (resume with the command)."""
    INTERRUPTED = 130
    """Stopped by Ctrl-C (128 + SIGINT): run the same command again to resume."""


EXIT_CODES_HELP = "exit codes: " + ", ".join(
    f"{code.value} {label}"
    for code, label in (
        (ExitCode.OK, "every job completed"),
        (ExitCode.FAILED, "some failed or were held back"),
        (ExitCode.USAGE, "usage error"),
        (ExitCode.ATTENTION, "some need attention (may be billed, id unknown)"),
        (ExitCode.ERROR, "could not run (configuration, connection, journal)"),
        (ExitCode.UNFINISHED, "status: some still pending or running"),
        (ExitCode.INTERRUPTED, "interrupted (run it again to resume)"),
    )
)


def outcome(jobs: Iterable[JobEntry], *, held_back: int = 0, interrupted: bool = False) -> ExitCode:
    """The exit code for ``jobs`` (the ones this command was asked to finish), with
    ``held_back`` more that were never sent, after a run that was ``interrupted`` or not."""
    states = {job.state.value for job in jobs}
    if interrupted:
        return ExitCode.INTERRUPTED
    if "unknown" in states:
        return ExitCode.ATTENTION
    if held_back or states & {"failed", "error", "cancelled"}:
        return ExitCode.FAILED
    if states - {"completed"}:
        return ExitCode.UNFINISHED
    return ExitCode.OK
