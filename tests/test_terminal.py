"""The terminal's pure core (inputs, exit codes, what the screen says) and its thin shell."""

from __future__ import annotations

import asyncio
import io
import os
import signal
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from batch_fixtures import FakeClient
from rich.console import Console

from headswap_nb import Batch
from headswap_nb.jobs import EntryState, JobEntry, Journal
from headswap_nb.jobs.pace import Pace
from headswap_nb.jobs.summary import summarize
from headswap_nb.models import Analysis, Task
from headswap_nb.terminal.common import default_journal, resume_hint
from headswap_nb.terminal.connect import simulated
from headswap_nb.terminal.drive import RunEnd, drive
from headswap_nb.terminal.inputs import InputError, read_faces, read_urls
from headswap_nb.terminal.outcome import EXIT_CODES_HELP, ExitCode, outcome
from headswap_nb.terminal.screen import PlainScreen, render
from headswap_nb.terminal.status import status_rows
from headswap_nb.terminal.view import change_line, counts_text, headline, snapshot

T0 = datetime(2026, 5, 18, 12, 0, tzinfo=timezone.utc)


def job(state: str, **fields: object) -> JobEntry:
    return JobEntry("https://example.com/v.mp4", state=EntryState(state), **fields)  # type: ignore[arg-type]


# --- inputs ---------------------------------------------------------------------------------


def test_urls_one_a_line_with_comments_and_blank_lines() -> None:
    text = "\ufeff# mine\n\nhttps://a.com/1.mp4\n  https://a.com/2.mp4?x=1,2  \n"
    assert read_urls(text) == [(3, "https://a.com/1.mp4"), (4, "https://a.com/2.mp4?x=1,2")]


def test_urls_from_a_csv_with_a_video_url_column() -> None:
    text = '\nname,Video_URL\n"a, b",https://a.com/1.mp4\nc,\nd,https://a.com/2.mp4\n'
    assert read_urls(text) == [(3, "https://a.com/1.mp4"), (5, "https://a.com/2.mp4")]


def test_faces_are_grouped_per_video_in_obj_id_order() -> None:
    text = (
        "video_url,obj_id,face_url,note\n"
        "https://a.com/1.mp4,2,https://f.com/b.png,x\n"
        "https://a.com/2.mp4,0,https://f.com/c.png,\n"
        "https://a.com/1.mp4, 0 ,https://f.com/a.png,\n"
        ",,,\n"
    )
    groups = read_faces(text)
    assert [(g.url, g.mappings, g.line) for g in groups] == [
        ("https://a.com/1.mp4", ((0, "https://f.com/a.png"), (2, "https://f.com/b.png")), 2),
        ("https://a.com/2.mp4", ((0, "https://f.com/c.png"),), 3),
    ]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("video_url,face_url\nhttps://a.com/1.mp4,x\n", "missing: obj_id"),
        ("video_url,obj_id,face_url\nhttps://a.com/1.mp4,one,x\n", "line 2: obj_id 'one'"),
        ("video_url,obj_id,face_url\nhttps://a.com/1.mp4,,x\n", "line 2: every row needs"),
        ("video_url,obj_id,face_url\nu,1,x\nu,1,y\n", "line 3: obj_id 1 of u is given twice"),
    ],
)
def test_faces_csv_mistakes_name_the_line(text: str, words: str) -> None:
    with pytest.raises(InputError, match=words):
        read_faces(text)


def test_the_journal_lives_beside_the_input(tmp_path: Path) -> None:
    assert default_journal(str(tmp_path / "urls.txt")) == tmp_path / "urls.txt.journal.sqlite"
    assert default_journal("-") == Path("stdin.journal.sqlite")
    # Simulated work is journaled apart: resumed against Akool, a simulated "completed"
    # would stand for an analysis Akool never made.
    simulated_path = default_journal(str(tmp_path / "urls.txt"), simulated=True)
    assert simulated_path == tmp_path / "urls.txt.sim.journal.sqlite"
    assert default_journal("-", simulated=True) == Path("stdin.sim.journal.sqlite")


@pytest.mark.parametrize(
    ("simulate", "env", "expected"),
    [
        (True, {"AKOOL_API_KEY": "k"}, True),
        (False, {}, True),  # no credential: the embedded simulator
        (False, {"AKOOL_API_KEY": "k"}, False),  # Akool
        (False, {"AKOOL_API_KEY": "k", "AKOOL_BASE_URL": "https://eu.openapi.akool.com"}, False),
        (False, {"AKOOL_API_KEY": "k", "AKOOL_BASE_URL": "http://127.0.0.1:8123"}, True),
    ],
)
def test_which_runs_count_as_simulated(simulate: bool, env: dict[str, str], expected: bool) -> None:
    assert simulated(simulate=simulate, environ=env) is expected


# --- exit codes -----------------------------------------------------------------------------


def test_exit_codes() -> None:
    assert outcome([job("completed"), job("completed")]) is ExitCode.OK
    assert outcome([job("completed"), job("failed")]) is ExitCode.FAILED
    assert outcome([job("completed"), job("error")]) is ExitCode.FAILED
    assert outcome([job("completed")], held_back=1) is ExitCode.FAILED
    assert outcome([job("failed"), job("unknown")]) is ExitCode.ATTENTION  # attention first
    assert outcome([job("completed"), job("queued")]) is ExitCode.UNFINISHED
    assert outcome([job("unknown")], interrupted=True) is ExitCode.INTERRUPTED
    assert outcome([]) is ExitCode.OK
    assert [int(c) for c in ExitCode] == [0, 1, 2, 3, 4, 5, 130]
    for code in ExitCode:
        assert f"{int(code)} " in EXIT_CODES_HELP


# --- what the screen says -----------------------------------------------------------------


def _analysis(people: int) -> Analysis:
    media = [{"obj_id": i, "img_url": f"https://p/{i}.png"} for i in range(people)]
    return Analysis.from_json(
        {"_id": "a" * 24, "status": 3, "progress": 100, "analysis_result": {"media": media}}
    )


def test_change_lines_say_what_happened_with_counts() -> None:
    done = job("completed", job_id="a" * 24, record=_analysis(2), submitted_at=T0,
               finished_at=T0 + timedelta(seconds=12))  # fmt: skip
    failed = job("failed", job_id="b" * 24, error="Video processing error", error_code=1015)
    summary = summarize([done, failed, job("processing"), job("pending")])
    assert counts_text(summary) == "2/4 done · 1 running · 1 waiting · 1 failed"
    assert change_line("completed", done) == (
        f"✓ completed  {'a' * 24} example.com/v.mp4 2 people · 12 s"
    )
    assert change_line("failed", failed) == (
        f"✗ failed     {'b' * 24} example.com/v.mp4 Video processing error (code 1015)"
    )
    assert change_line("submitted", job("queued", job_id="c" * 24)) == (
        f"· submitted  {'c' * 24} example.com/v.mp4"
    )
    assert change_line("progress", done) is None and change_line("added", done) is None
    task = Task.from_json({"_id": "d" * 24, "status": 3, "video_url": "https://o/x.mp4"})
    swapped = JobEntry("https://example.com/v.mp4", kind="task", state=EntryState.COMPLETED,
                       record=task, job_id=task.id)  # fmt: skip
    line = change_line("completed", swapped)
    assert line is not None and line.startswith("task ✓ completed")
    assert line.endswith("https://o/x.mp4 (may expire, about 7 days)")


def test_snapshot_and_live_render_show_the_shown_progress() -> None:
    active = [job("processing", job_id=f"{i:024x}", progress=10.0, ref=i) for i in range(5)]
    jobs = [*active, job("completed", ref=9)]
    snap = snapshot(
        jobs, noun="analyses", summary=summarize(jobs), pace=Pace(0.2, 30.0),
        shown=lambda e: (55.0, 4.0), limit=3,
    )  # fmt: skip
    assert [line.shown for line in snap.active] == [55.0] * 3 and snap.more == 2
    assert headline(snap).endswith("12.0/min · ~30 s left")
    console = Console(record=True, width=140, color_system=None)
    console.print(render(snap, width=140))
    text = console.export_text()
    assert text.count(" 55% processing ") == 3
    assert "~4 s left" in text and "… and 2 more running" in text
    assert "6 total · 5 processing · 1 completed" in text


def test_plain_screen_prints_changes_with_counts_and_a_heartbeat() -> None:
    out = io.StringIO()
    screen = PlainScreen(out, heartbeat=0.0)
    done = job("completed", job_id="a" * 24, record=_analysis(1))
    screen.change("✓ completed", done, "1/2 done")
    snap = snapshot([done], noun="analyses", summary=summarize([done]), pace=Pace(None, None),
                    shown=lambda e: (100.0, 0.0), limit=5)  # fmt: skip
    screen.refresh(lambda: snap)
    assert out.getvalue().splitlines() == [
        "[1/2 done] ✓ completed",
        "[1 total · 1 completed · 100%]",
    ]


def test_status_rows_and_resume_hint() -> None:
    rows = status_rows(summarize([job("completed"), job("unknown")]), summarize([]))
    assert rows == [
        ("completed", "completed", 1, 0),
        ("unknown", "need attention", 1, 0),
        ("total", "total", 2, 0),
    ]
    hint = resume_hint(["analyze", "my urls.txt"], stdin=False)
    assert "headswap-nb analyze 'my urls.txt'" in hint
    assert "cannot be resumed" in resume_hint(["analyze", "-"], stdin=True, ephemeral=True)


# --- Ctrl-C, in process -------------------------------------------------------------------


class Quiet:
    def __init__(self) -> None:
        self.said: list[str] = []
        self.changes: list[str] = []

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def say(self, text: str, *, style: str = "") -> None:
        self.said.append(text)

    def change(self, line: str, job: JobEntry, counts: str) -> None:
        self.changes.append(line)

    def refresh(self, view: object) -> None:
        pass


def test_first_ctrl_c_lets_submits_in_flight_answer_and_journal_their_ids(
    tmp_path: Path,
) -> None:
    client = FakeClient(duration=5.0, submit_delay=0.3)
    screen = Quiet()
    urls = [f"https://example.com/{i}.mp4" for i in range(10)]

    async def run() -> RunEnd:
        batch = Batch(urls, client=client, concurrency=3, journal=tmp_path / "j.sqlite")  # type: ignore[arg-type]
        loop = asyncio.get_running_loop()
        loop.call_later(0.45, os.kill, os.getpid(), signal.SIGINT)  # mid second wave
        end = await drive(batch, screen, lambda: None, refresh=0.05)  # type: ignore[arg-type, return-value]
        await batch.aclose()
        return end

    assert asyncio.run(run()) == RunEnd(interrupted=True, forced=False)
    assert any("Stopping: nothing new is sent" in s for s in screen.said)
    assert not [c for c in screen.changes if "cancelled" in c]  # nothing is dropped
    stopped = [s for s in screen.said if s.startswith("Stopped with")]
    assert stopped and "not sent yet" in stopped[0]
    with Journal(tmp_path / "j.sqlite") as journal:
        rows = journal.rows("analysis")
    sent = {r.url for r in rows if r.job_id}
    assert sent == set(client.submissions)  # every submit that left has its id journaled
    assert 3 <= len(sent) < 10 and len(sent) % 3 == 0  # whole waves: in-flight ones answered
    assert not [r for r in rows if r.needs_attention]


def test_probe_without_the_extra_is_a_one_line_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import headswap_nb.preflight
    from headswap_nb.cli import main

    monkeypatch.setattr(headswap_nb.preflight, "available", lambda: False)
    source = tmp_path / "urls.txt"
    source.write_text("https://example.com/v.mp4\n")
    assert main(["analyze", str(source), "--probe"]) == 2
    out = capsys.readouterr().out.strip()
    assert out == (
        "headswap-nb analyze: --probe needs the probe extra: pip install 'headswap-nb[probe]'"
    )
    assert list(tmp_path.iterdir()) == [source]  # no journal made, nothing sent
