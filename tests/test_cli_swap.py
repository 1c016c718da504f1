"""``headswap-nb swap`` and ``report`` on the journal of an ``analyze`` run (subprocesses)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_cli_analyze import OK, env_for, run_cli, urls_file

from headswap_nb.jobs import Journal
from headswap_nb.simulator import FaultConfig, Simulator, serve

pytestmark = pytest.mark.slow

VIDEOS = [f"https://example.com/sw{i}.mp4?{OK}&task_time=3&task_fail=0" for i in range(3)]


@pytest.fixture
def analysed(tmp_path: Path) -> Iterator[tuple[Simulator, Path]]:
    """A simulator and the journal of a finished analyze run of ``VIDEOS`` (2 people each)."""
    with serve(speed=10.0, seed=5) as sim:
        urls_file(tmp_path / "urls.txt", VIDEOS)
        done = run_cli(["analyze", "urls.txt"], cwd=tmp_path, sim=sim)
        assert done.returncode == 0, done.stdout
        yield sim, tmp_path / "urls.txt.sim.journal.sqlite"


def faces_csv(path: Path, sim: Simulator, rows: list[tuple[str, int, int]]) -> Path:
    lines = ["face_url,obj_id,video_url"]  # any column order
    lines += [f"{sim.base_url}/_sim/media/faces/{face}.png,{obj},{url}" for url, obj, face in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def creates(sim: Simulator) -> int:
    return int(sim.stats()["requests"].get("task_create", 0))


def test_swap_groups_faces_per_video_and_a_rerun_creates_nothing(
    analysed: tuple[Simulator, Path],
) -> None:
    sim, journal = analysed
    cwd = journal.parent
    faces_csv(
        cwd / "faces.csv",
        sim,
        [(VIDEOS[0], 1, 2), (VIDEOS[1], 0, 3), (VIDEOS[0], 0, 1)],  # video 0: two people
    )
    done = run_cli(
        ["swap", journal.name, "--faces", "faces.csv", "--resolution", "480p",
         "--out", "tasks.csv"],
        cwd=cwd, sim=sim,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout
    assert creates(sim) == 2
    with Journal(journal) as j:
        tasks = j.task_records()
    assert {t.url for t in tasks} == {VIDEOS[0], VIDEOS[1]}
    first = next(t for t in tasks if t.url == VIDEOS[0])
    assert first.request is not None
    assert [obj for obj, _ in first.request.mappings] == [0, 1]  # one task, both faces
    assert first.request.resolution == "480p"
    assert all(t.state == "completed" for t in tasks)
    assert done.stdout.count("(may expire, about 7 days)") == 2
    assert "Wrote 2 rows to tasks.csv" in done.stdout

    again = run_cli(
        ["swap", journal.name, "--faces", "faces.csv", "--resolution", "480p"], cwd=cwd, sim=sim
    )
    assert again.returncode == 0, again.stdout
    assert again.stdout.count("already created: task ") == 2
    assert creates(sim) == 2  # nothing created (or paid for) twice

    status = run_cli(["status", journal.name], cwd=cwd, sim=None)
    assert status.returncode == 0, status.stdout
    assert "tasks" in status.stdout


def test_swap_refuses_what_cannot_be_created_and_exits_1(
    analysed: tuple[Simulator, Path],
) -> None:
    sim, journal = analysed
    cwd = journal.parent
    faces_csv(
        cwd / "faces.csv",
        sim,
        [(VIDEOS[2], 7, 1), ("https://example.com/never.mp4", 0, 1), (VIDEOS[1], 0, 2)],
    )
    done = run_cli(["swap", journal.name, "--faces", "faces.csv"], cwd=cwd, sim=sim)
    assert done.returncode == 1, done.stdout
    assert "is 7, not a person of this analysis" in done.stdout
    assert "https://example.com/never.mp4 is not in this journal: analyse it first" in done.stdout
    assert creates(sim) == 1


def test_swap_bad_faces_csv_is_a_usage_error(analysed: tuple[Simulator, Path]) -> None:
    sim, journal = analysed
    (journal.parent / "faces.csv").write_text("video_url,face_url\nhttps://e.com/a.mp4,x\n")
    done = run_cli(["swap", journal.name, "--faces", "faces.csv"], cwd=journal.parent, sim=sim)
    assert done.returncode == 2
    assert "missing: obj_id" in done.stdout


def test_swap_interrupted_then_resumed_creates_each_task_once(
    analysed: tuple[Simulator, Path],
) -> None:
    sim, journal = analysed
    cwd = journal.parent
    sim.set_faults(FaultConfig(slow=1.0, slow_seconds=0.5, scope="submits"))
    faces_csv(cwd / "faces.csv", sim, [(url, 0, 1) for url in VIDEOS])
    args = ["swap", journal.name, "--faces", "faces.csv", "--concurrency", "1"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "headswap_nb.cli", *args], cwd=cwd, env=env_for(sim),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while creates(sim) < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130, out
    assert "Run the same command again to resume" in out
    made = creates(sim)
    assert 1 <= made < 3
    sim.set_faults(FaultConfig())
    again = run_cli(args, cwd=cwd, sim=sim)
    assert again.returncode == 0, again.stdout
    assert creates(sim) == 3  # the rest, once each
    with Journal(journal) as j:
        assert sorted(t.url for t in j.task_records()) == sorted(VIDEOS)


def test_report_command_writes_a_self_contained_file(analysed: tuple[Simulator, Path]) -> None:
    sim, journal = analysed
    done = run_cli(["report", journal.name, "-o", "out/r.html"], cwd=journal.parent, sim=None)
    assert done.returncode == 0, done.stdout
    page = (journal.parent / "out" / "r.html").read_text()
    assert page.count('src="data:image/png;base64,') == 6  # 3 videos × 2 people, embedded
    assert f'src="{sim.base_url}' not in page
