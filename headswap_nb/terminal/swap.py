"""``headswap-nb swap JOURNAL --faces faces.csv``: head-swap tasks for completed analyses.

Resuming is the same command: the batch is built on the journal, which holds every task it
created on those videos; a task whose video, faces and resolution are already there — in
any state, failed included — is followed, never created (and paid for) again. Analyses
still running are followed to their end first; a video the journal never sent is left for
``analyze``.
"""

from __future__ import annotations

import argparse
import asyncio
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

from headswap_nb.errors import InvalidRequestError, JournalError
from headswap_nb.jobs import JobEntry, Journal
from headswap_nb.jobs.pace import Pace
from headswap_nb.jobs.summary import summarize
from headswap_nb.reports.data import open_journal
from headswap_nb.terminal.common import (
    CommandError,
    problem_lines,
    read_input,
    resume_hint,
    write_out,
)
from headswap_nb.terminal.connect import open_client
from headswap_nb.terminal.drive import RunEnd, drive
from headswap_nb.terminal.inputs import FaceGroup, InputError, read_faces
from headswap_nb.terminal.outcome import ExitCode, outcome
from headswap_nb.terminal.screen import Screen, make_screen
from headswap_nb.terminal.view import Snapshot, snapshot

if TYPE_CHECKING:
    from headswap_nb.batch import Batch

__all__ = ["run_swap", "task_key"]

Key = tuple[str, tuple[tuple[int, str], ...], str]


def task_key(url: str, mappings: tuple[tuple[int, str], ...], resolution: str) -> Key:
    """What makes two tasks the same request here (mappings in ``obj_id`` order)."""
    return url, tuple(sorted(mappings)), resolution


def _key_of(task: JobEntry) -> Key:
    return task_key(task.url, task.mappings, task.resolution)


def _tasks_pace(batch: Batch) -> Pace:
    """Tasks have no rate of their own here: the time left is the slowest active one's,
    once nothing waits to be sent."""
    tasks = batch.tasks
    if any(t.state.value == "pending" for t in tasks):
        return Pace(None, None)
    etas = [batch.shown(t)[1] for t in tasks if t.state.is_active]
    known = [e for e in etas if e is not None]
    return Pace(None, max(known) if known and len(known) == len(etas) else None)


async def _follow_analyses(batch: Batch, screen: Screen, urls: list[str], lines: int) -> RunEnd:
    wanted = set(urls)
    running = [e for e in batch.entries if e.url in wanted and e.state.is_active]
    if not running:
        return RunEnd(False, False)
    screen.say(f"Waiting for {len(running)} analysis(es) to finish first…")

    def view() -> Snapshot:
        return snapshot(
            batch.entries, noun="analyses", summary=batch.summary, pace=batch.pace(),
            shown=batch.shown, limit=lines,
        )  # fmt: skip

    return await drive(batch, screen, view)


def _create(batch: Batch, groups: list[FaceGroup], resolution: str, screen: Screen) -> int:
    """Create the tasks not created yet; returns how many groups could not be."""
    held = {_key_of(t): t for t in batch.tasks}
    refused = 0
    for group in groups:
        key = task_key(group.url, group.mappings, resolution)
        existing = held.get(key)
        if existing is not None:
            if existing.task_id is not None:
                state = existing.state.value
                screen.say(f"already created: task {existing.task_id} ({state}) for {group.url}")
            else:  # journaled, never sent (or it needs attention): the batch knows what to do
                screen.say(f"resuming the task for {group.url} ({existing.state.value})")
            continue
        mappings = [{"obj_id": obj, "img_url": face} for obj, face in group.mappings]
        try:
            batch.create_task(group.url, mappings, resolution=resolution)
        except InvalidRequestError as exc:
            refused += 1
            screen.say(f"line {group.line}: not created for {group.url}: {exc}", style="red")
    return refused


async def _run(args: argparse.Namespace, argv: list[str], screen: Screen, journal: Journal) -> int:
    from headswap_nb.batch import Batch

    try:
        groups = read_faces(read_input(args.faces))
    except InputError as exc:
        raise CommandError(f"{args.faces}: {exc}", ExitCode.USAGE) from None
    if not groups:
        raise CommandError(f"no faces in {args.faces}", ExitCode.USAGE)
    rows = {r.url: r for r in journal.rows("analysis")}
    usable, skipped = [], 0
    for group in groups:
        row = rows.get(group.url)
        if row is None or (row.state == "pending" and row.job_id is None):
            skipped += 1
            why = "is not in this journal" if row is None else "was never sent"
            screen.say(f"line {group.line}: {group.url} {why}: analyse it first", style="red")
        else:
            usable.append(group)
    wanted = {task_key(g.url, g.mappings, args.resolution) for g in usable}

    async with AsyncExitStack() as stack:
        target = await stack.enter_async_context(open_client(simulate=args.simulate))
        screen.say(target.line)
        client = target.client
        urls = list(dict.fromkeys(g.url for g in usable))
        batch = Batch(urls, client=client, concurrency=args.concurrency, journal=journal)
        try:
            end = await _follow_analyses(batch, screen, urls, args.lines)
            if not end.interrupted:
                skipped += _create(batch, usable, args.resolution, screen)
                count = sum(1 for t in batch.tasks if _key_of(t) in wanted)
                screen.say(f"Following {count} head-swap task(s); journal {journal.path}")

                def view() -> Snapshot:
                    tasks = batch.tasks
                    return snapshot(
                        tasks, noun="tasks", summary=summarize(tasks), pace=_tasks_pace(batch),
                        shown=batch.shown, limit=args.lines,
                    )  # fmt: skip

                end = await drive(batch, screen, view)
        finally:
            await batch.aclose()
        tasks = [t for t in batch.tasks if _key_of(t) in wanted]
        for text in problem_lines(tasks):
            screen.say(text)
        if args.out:
            screen.say(write_out(batch, args.out, tasks=True))
        code = outcome(tasks, held_back=skipped, interrupted=end.interrupted)
        summary = summarize(tasks)
        screen.say(f"tasks: {summary.describe()} — exit {int(code)} ({code.name.lower()})")
        if end.interrupted:
            screen.say(resume_hint(argv, stdin=False, ephemeral=target.ephemeral), style="bold")
        return int(code)


def run_swap(args: argparse.Namespace, argv: list[str]) -> int:
    """Run ``swap`` with parsed ``args``; returns the exit code."""
    screen, _ = make_screen()
    try:
        try:
            journal = open_journal(args.journal)
        except FileNotFoundError as exc:
            raise CommandError(str(exc), ExitCode.USAGE) from None
        except JournalError as exc:
            raise CommandError(f"cannot open the journal: {exc}", ExitCode.ERROR) from None
        try:
            return asyncio.run(_run(args, argv, screen, journal))
        finally:
            journal.close()
    except CommandError as exc:
        screen.say(f"headswap-nb swap: {exc}", style="red")
        return exc.code
    except KeyboardInterrupt:  # outside the run (closing): nothing is lost
        screen.say("Stopped: whatever was sent is in the journal; run the same command again.")
        return int(ExitCode.INTERRUPTED)
    except JournalError as exc:
        screen.say(f"headswap-nb swap: the journal failed: {exc}", style="red")
        return int(ExitCode.ERROR)
