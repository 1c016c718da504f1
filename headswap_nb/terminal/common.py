"""What ``analyze`` and ``swap`` share: reading a file or stdin, the journal beside the
input, writing ``--out``, the closing lines and how to resume."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from headswap_nb.terminal.view import finished_text, mark

if TYPE_CHECKING:
    from headswap_nb.batch import Batch
    from headswap_nb.jobs import JobEntry

__all__ = [
    "CommandError",
    "default_journal",
    "problem_lines",
    "read_input",
    "resume_hint",
    "write_out",
]

STDIN = "stdin"


class CommandError(Exception):
    """A command cannot go on; ``code`` is its exit code, the message says why."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def read_input(name: str) -> str:
    """The text of file ``name``, or of stdin for ``-``."""
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {name}: {exc}", 2) from None


def default_journal(name: str, *, simulated: bool = False) -> Path:
    """``<input>.journal.sqlite`` beside the input; for stdin, in the working directory.

    Work done against a simulator goes to ``<input>.sim.journal.sqlite`` instead: resumed
    against Akool, a simulated "completed" would stand for an analysis Akool never made
    (and a real journal must never be polled at a simulator that is gone)."""
    suffix = ".sim.journal.sqlite" if simulated else ".journal.sqlite"
    if name == "-":
        return Path(STDIN + suffix)
    return Path(name).with_name(Path(name).name + suffix)


def resume_hint(argv: Sequence[str], *, stdin: bool, ephemeral: bool = False) -> str:
    """How to go on after a stop: the very command again (``ephemeral``: the run used a
    simulator that stopped with it, whose jobs no resume can find)."""
    command = shlex.join(["headswap-nb", *argv])
    if ephemeral:
        return (
            "This run used a simulator that stopped with it: its jobs cannot be resumed. "
            "To try resuming, run 'headswap-nb simulate' and export the AKOOL_BASE_URL and "
            f"AKOOL_API_KEY it prints, then: {command}"
        )
    again = f"Run the same command again to resume: {command}"
    if stdin:
        again += " (with the same input on stdin)"
    return again + ". Nothing already sent is sent again."


def problem_lines(jobs: Iterable[JobEntry], *, limit: int = 20) -> list[str]:
    """A line for each job that needs attention, then each that failed (``limit`` at most),
    saying why."""
    attention = [j for j in jobs if j.state.value == "unknown"]
    failed = [j for j in jobs if j.state.value in ("failed", "error")]
    lines = []
    for group, title in (
        (attention, "Need attention (may exist on the server and be billed; check the "
                    "account before sending again):"),
        (failed, "Failed:"),
    ):  # fmt: skip
        if not group:
            continue
        lines.append(title)
        for job in group[:limit]:
            lines.append(f"  {mark(job.state.value)} {job.url}  {finished_text(job)}")
        if len(group) > limit:
            lines.append(f"  … and {len(group) - limit} more (headswap-nb status JOURNAL)")
    return lines


def write_out(batch: Batch, path: str, *, tasks: bool = False) -> str:
    """Write the batch's analyses (or tasks) to ``path``: ``.parquet`` as Parquet, anything
    else as CSV. Returns a line saying so."""
    from headswap_nb import frames  # pandas: only when asked for

    # The tasks themselves: frames reads a Batch by its ``entries``, the analyses.
    frame = frames.tasks_dataframe(batch.tasks) if tasks else frames.to_dataframe(batch)
    target = os.fspath(path)
    try:
        if target.lower().endswith(".parquet"):
            frames.to_parquet(frame, target)
        else:
            frames.to_csv(frame, target)
    except (OSError, ImportError) as exc:
        raise CommandError(f"cannot write {target}: {exc}", 4) from None
    return f"Wrote {len(frame)} rows to {target}"
