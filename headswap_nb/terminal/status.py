"""``headswap-nb status JOURNAL`` and ``headswap-nb report JOURNAL``: a journal, read.

Nothing is sent: the journal's rows become entries the way a resume sees them
(``report.data``), then a table of counts per state, and what needs attention and why.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from headswap_nb.errors import JournalError
from headswap_nb.jobs import BatchSummary, JobEntry
from headswap_nb.reports.data import ReportData, collect
from headswap_nb.terminal.common import problem_lines
from headswap_nb.terminal.outcome import ExitCode, outcome
from headswap_nb.terminal.screen import STATE_STYLES

__all__ = ["run_report", "run_status", "status_rows"]

_ROWS = (
    ("pending", "pending", "never sent"),
    ("submitting", "submitting", ""),
    ("queued", "queued", ""),
    ("processing", "processing", ""),
    ("completed", "completed", ""),
    ("failed", "failed", "failed on the server"),
    ("errors", "error", "refused, or polling gave up"),
    ("unknown", "need attention", "may be billed, id unknown"),
    ("cancelled", "cancelled", "stopped"),
)


def status_rows(analyses: BatchSummary, tasks: BatchSummary) -> list[tuple[str, str, int, int]]:
    """``(state, label, analyses, tasks)`` for each state either has, then the totals."""
    rows = []
    for field, label, _ in _ROWS:
        a, t = getattr(analyses, field), getattr(tasks, field)
        if a or t:
            rows.append((field, label, a, t))
    rows.append(("total", "total", analyses.total, tasks.total))
    return rows


def _table(data: ReportData) -> Table:
    table = Table(title=f"Journal {data.source}", title_justify="left")
    table.add_column("state")
    table.add_column("analyses", justify="right")
    table.add_column("tasks", justify="right")
    table.add_column("")
    notes = {label: note for _, label, note in _ROWS}
    for field, label, a, t in status_rows(data.summary, data.task_summary):
        style = "bold" if field == "total" else STATE_STYLES.get(label.split()[0], "")
        if field == "unknown":
            style = STATE_STYLES["unknown"]
        table.add_row(label, str(a), str(t), notes.get(label, ""), style=style)
    return table


def _jobs(data: ReportData) -> Sequence[JobEntry]:
    return [j.entry for j in (*data.analyses, *data.tasks)]


def run_status(args: argparse.Namespace) -> int:
    """Print the journal's table and its problems; the exit code says how it stands."""
    console = Console(highlight=False)
    try:
        data = collect(args.journal)
    except FileNotFoundError as exc:
        console.print(f"headswap-nb status: {exc}", style="red")
        return int(ExitCode.USAGE)
    except JournalError as exc:
        console.print(f"headswap-nb status: cannot read the journal: {exc}", style="red")
        return int(ExitCode.ERROR)
    console.print(_table(data))
    jobs = _jobs(data)
    for line in problem_lines(jobs):
        console.print(line, soft_wrap=True, markup=False)
    code = outcome(jobs)
    if code is ExitCode.UNFINISHED:
        console.print("Some are not finished: run the analyze (or swap) command again to resume.")
    return int(code)


def run_report(args: argparse.Namespace) -> int:
    """Write the HTML report of the journal and say where."""
    from headswap_nb.reports import report

    console = Console(highlight=False)
    try:
        path = report(args.journal, args.output, title=args.title, images=not args.no_images)
    except FileNotFoundError as exc:
        console.print(f"headswap-nb report: {exc}", style="red")
        return int(ExitCode.USAGE)
    except (JournalError, OSError) as exc:
        console.print(f"headswap-nb report: {exc}", style="red")
        return int(ExitCode.ERROR)
    console.print(f"Wrote {path} (self-contained: opening it sends no request)", markup=False)
    return int(ExitCode.OK)
