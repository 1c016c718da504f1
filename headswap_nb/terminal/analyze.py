"""``headswap-nb analyze FILE|-``: analyse every URL of a file, journaled and resumable.

The same command resumes: the batch is built on the journal beside the input, which knows
every URL it was given, every claim and every id — a job with an id is polled, never sent
again; one that may have left without an id needs attention; one never sent is sent.
"""

from __future__ import annotations

import argparse
import asyncio
from contextlib import AsyncExitStack
from pathlib import Path

from headswap_nb.client.urls import parse_urls
from headswap_nb.errors import JournalError
from headswap_nb.jobs import Journal
from headswap_nb.terminal.common import (
    CommandError,
    default_journal,
    problem_lines,
    read_input,
    resume_hint,
    write_out,
)
from headswap_nb.terminal.connect import open_client, simulated
from headswap_nb.terminal.drive import drive
from headswap_nb.terminal.inputs import read_urls
from headswap_nb.terminal.outcome import ExitCode, outcome
from headswap_nb.terminal.screen import Screen, make_screen
from headswap_nb.terminal.view import Snapshot, snapshot

__all__ = ["run_analyze"]


def _urls(args: argparse.Namespace, screen: Screen) -> tuple[list[str], int]:
    """The usable URLs of the input and how many lines were not usable (said on screen)."""
    items = read_urls(read_input(args.input))
    if not items:
        where = "stdin" if args.input == "-" else args.input
        raise CommandError(f"no video URLs in {where}", ExitCode.USAGE)
    parsed = parse_urls([url for _, url in items])
    for bad in parsed.rejected:
        line = items[bad.line - 1][0]
        screen.say(f"line {line}: {bad.text!r} {bad.reason}; skipped", style="red")
    if parsed.duplicates:
        screen.say(f"{parsed.duplicates} repeated URL(s) counted once")
    if not parsed.valid:
        raise CommandError("no usable video URLs: nothing to do", ExitCode.USAGE)
    return list(parsed.valid), len(parsed.rejected)


def _probe(urls: list[str], journal: Journal, screen: Screen) -> tuple[list[str], int]:
    """The URLs the probe lets through (ones the journal holds as sent are not probed: they
    are polled whatever a probe says now), and how many it held back."""
    from headswap_nb.preflight import held_back_reason, probe

    sent = {r.url for r in journal.rows("analysis") if r.state != "pending" or r.job_id}
    fresh = [u for u in urls if u not in sent]
    screen.say(f"Probing {len(fresh)} video(s) before sending them…")
    held: set[str] = set()
    for result in probe(fresh):
        reason = held_back_reason(result)
        if reason is not None:
            held.add(result.url)
            screen.say(f"held back: {result.url}  {reason}", style="red")
    if held:
        screen.say(f"{len(held)} URL(s) held back by the probe; they are not sent.")
    return [u for u in urls if u not in held], len(held)


async def _run(
    args: argparse.Namespace,
    argv: list[str],
    screen: Screen,
    journal: Journal,
    urls: list[str],
    *,
    held_back: int,
) -> int:
    from headswap_nb.batch import Batch

    async with AsyncExitStack() as stack:
        target = await stack.enter_async_context(open_client(simulate=args.simulate))
        screen.say(target.line)
        client = target.client
        batch = Batch(urls, client=client, concurrency=args.concurrency, journal=journal)
        s = batch.summary
        resumed = s.total - s.pending
        screen.say(
            f"Analysing {s.total} video(s); journal {journal.path}"
            + (f" (resumed: {resumed} already sent, {s.completed} completed)" if resumed else "")
        )

        def view() -> Snapshot:
            return snapshot(
                batch.entries,
                noun="analyses",
                summary=batch.summary,
                pace=batch.pace(),
                shown=batch.shown,
                limit=args.lines,
            )

        try:
            end = await drive(batch, screen, view)
        finally:
            await batch.aclose()
        entries = batch.entries
        for text in problem_lines(entries):
            screen.say(text)
        if args.out:
            screen.say(write_out(batch, args.out))
        code = outcome(entries, held_back=held_back, interrupted=end.interrupted)
        screen.say(f"{batch.summary.describe()} — exit {int(code)} ({code.name.lower()})")
        if end.interrupted:
            screen.say(
                resume_hint(argv, stdin=args.input == "-", ephemeral=target.ephemeral), style="bold"
            )
        return int(code)


def run_analyze(args: argparse.Namespace, argv: list[str]) -> int:
    """Run ``analyze`` with parsed ``args`` (``argv``: the words typed, for the resume
    hint); returns the exit code."""
    screen, _ = make_screen()
    try:
        if args.probe:
            from headswap_nb.preflight import available

            if not available():  # said before anything is read, written or sent
                raise CommandError(
                    "--probe needs the probe extra: pip install 'headswap-nb[probe]'",
                    ExitCode.USAGE,
                )
        urls, rejected = _urls(args, screen)
        sim = simulated(simulate=args.simulate)
        path = Path(args.journal) if args.journal else default_journal(args.input, simulated=sim)
        try:
            journal = Journal(path)
        except JournalError as exc:
            raise CommandError(f"cannot open the journal: {exc}", ExitCode.ERROR) from None
        try:
            held = 0
            if args.probe:  # before the loop runs: a Ctrl-C here stops with nothing sent
                urls, held = _probe(urls, journal, screen)
            return asyncio.run(_run(args, argv, screen, journal, urls, held_back=held + rejected))
        finally:
            journal.close()
    except CommandError as exc:
        screen.say(f"headswap-nb analyze: {exc}", style="red")
        return exc.code
    except KeyboardInterrupt:  # outside the run (probing, closing): nothing is lost
        screen.say("Stopped: whatever was sent is in the journal; run the same command again.")
        return int(ExitCode.INTERRUPTED)
    except JournalError as exc:
        screen.say(f"headswap-nb analyze: the journal failed: {exc}", style="red")
        return int(ExitCode.ERROR)
