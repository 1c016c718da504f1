"""``headswap-nb analyze`` and ``status`` as a person runs them: real subprocesses.

The simulator runs in this test process and the command reaches it through
``AKOOL_BASE_URL``/``AKOOL_API_KEY``, as it would reach Akool. That is the way to count
what was submitted across two runs: a ``--simulate`` simulator lives and dies with one run,
so it could never show that a resume sent nothing twice. The simulator's ``/_sim/stats``
counts every analyze request per URL.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from headswap_nb.jobs import Journal
from headswap_nb.simulator import FaultConfig, Simulator, serve

pytestmark = pytest.mark.slow

OK = "duration=8&people=2&time=4&queue=1&fail=0"
COLOUR = re.compile(r"\x1b\[[0-9;]*(3[0-7]|38;5;\d+|38;2;[\d;]+|9[0-7])[;m]")


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with serve(speed=10.0, seed=3) as running:
        yield running


def env_for(sim: Simulator | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AKOOL_", "NO_COLOR"))}
    env.update(PYTHONUNBUFFERED="1", NO_PROXY="127.0.0.1,localhost", COLUMNS="160")
    if sim is not None:
        env.update(AKOOL_BASE_URL=sim.base_url, AKOOL_API_KEY=sim.api_key)
    env.update(extra)
    return env


def run_cli(
    args: list[str], *, cwd: Path, sim: Simulator | None, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """``headswap-nb ARGS`` to its end, stdout a pipe (so: the plain screen)."""
    return subprocess.run(
        [sys.executable, "-m", "headswap_nb.cli", *args],
        cwd=cwd, env=env_for(sim, **env), input=stdin, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def urls_file(path: Path, urls: list[str]) -> Path:
    path.write_text("".join(u + "\n" for u in urls))
    return path


def submissions(sim: Simulator) -> dict[str, int]:
    counts: dict[str, int] = sim.stats()["submissions_per_url"]
    return counts


def journal_rows(path: Path) -> list[Any]:
    with Journal(path) as journal:
        return journal.rows("analysis")


# --- stopping and resuming ----------------------------------------------------------------


def test_sigint_midway_then_the_same_command_resumes_and_sends_each_url_once(
    sim: Simulator, tmp_path: Path
) -> None:
    """50 URLs; SIGINT once a dozen are submitted; the same command finishes the batch.

    Submits are held 0.4 s by the simulator, so some are in flight when SIGINT lands: the
    first Ctrl-C must let them answer (their ids journaled), never leave one unknown."""
    sim.set_faults(FaultConfig(slow=1.0, slow_seconds=0.4, scope="submits"))
    urls = [f"https://example.com/v{i:02d}.mp4?{OK}" for i in range(50)]
    source = urls_file(tmp_path / "urls.txt", urls)
    proc = subprocess.Popen(
        [sys.executable, "-m", "headswap_nb.cli", "analyze", "urls.txt", "--concurrency", "4"],
        cwd=tmp_path, env=env_for(sim), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    seen, submitted = [], 0
    deadline = time.monotonic() + 60
    while submitted < 12 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        submitted += " submitted " in line
    assert submitted >= 12, "".join(seen)
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=60)
    printed = "".join(seen) + rest
    assert proc.returncode == 130, printed
    assert "Stopping: nothing new is sent" in printed
    assert "Run the same command again to resume: headswap-nb analyze urls.txt" in printed

    journal = source.with_name("urls.txt.sim.journal.sqlite")
    rows = journal_rows(journal)
    assert len(rows) == 50  # the whole batch was journaled before anything was sent
    assert not [r for r in rows if r.needs_attention]  # in-flight submits answered
    sent_so_far = submissions(sim)
    assert 12 <= len(sent_so_far) < 50, "the stop should land mid-run"
    assert set(sent_so_far.values()) == {1}
    assert {r.url for r in rows if r.job_id} == set(sent_so_far)  # every id was journaled

    again = run_cli(["analyze", "urls.txt", "--concurrency", "4"], cwd=tmp_path, sim=sim)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "resumed" in again.stdout
    assert submissions(sim) == {url: 1 for url in urls}
    assert {r.state for r in journal_rows(journal)} == {"completed"}

    third = run_cli(["analyze", "urls.txt"], cwd=tmp_path, sim=sim)  # all done: nothing sent
    assert third.returncode == 0
    assert submissions(sim) == {url: 1 for url in urls}


def test_a_second_ctrl_c_stops_at_once_and_the_unanswered_need_attention(
    sim: Simulator, tmp_path: Path
) -> None:
    sim.set_faults(FaultConfig(slow=1.0, slow_seconds=5.0, scope="submits"))
    urls = [f"https://example.com/s{i}.mp4?{OK}" for i in range(6)]
    urls_file(tmp_path / "urls.txt", urls)
    proc = subprocess.Popen(
        [sys.executable, "-m", "headswap_nb.cli", "analyze", "urls.txt", "--concurrency", "2"],
        cwd=tmp_path, env=env_for(sim), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    while "Analysing" not in proc.stdout.readline():
        pass
    deadline = time.monotonic() + 10
    while sum(submissions(sim).values()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)  # both submits are at the simulator, held 5 s
    proc.send_signal(signal.SIGINT)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    started = time.monotonic()
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130, out
    assert time.monotonic() - started < 4.5, "the second Ctrl-C must not wait for the answers"
    assert "Stopping now" in out

    status = run_cli(["status", "urls.txt.sim.journal.sqlite"], cwd=tmp_path, sim=None)
    assert status.returncode == 3, status.stdout
    assert "need attention" in status.stdout and "Need attention" in status.stdout
    assert status.stdout.count("may exist on the server") >= 1

    sim.set_faults(FaultConfig())
    again = run_cli(["analyze", "urls.txt"], cwd=tmp_path, sim=sim)
    assert again.returncode == 3, again.stdout  # the 2 unknown ones are not sent again
    assert submissions(sim) == {url: 1 for url in urls}


# --- what is printed ------------------------------------------------------------------------


def test_plain_output_when_stdout_is_not_a_terminal(sim: Simulator, tmp_path: Path) -> None:
    urls = [f"https://example.com/p{i}.mp4?{OK}" for i in range(4)]
    urls_file(tmp_path / "urls.txt", urls)
    done = run_cli(["analyze", "urls.txt"], cwd=tmp_path, sim=sim)
    assert done.returncode == 0, done.stdout
    assert "\x1b" not in done.stdout and "\r" not in done.stdout  # nothing redrawn, no colour
    lines = done.stdout.splitlines()
    completed = [line for line in lines if " completed " in line and line.startswith("[")]
    assert len(completed) == 4  # one line per change
    assert completed[-1].startswith("[4/4 done]")
    assert all(re.match(r"\[\d+/4 done", line) for line in completed)  # each with counts
    assert f"Simulator at {sim.base_url}" in done.stdout
    assert "4 total · 4 completed · 100% — exit 0 (ok)" in done.stdout


def _run_in_pty(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    parent, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "headswap_nb.cli", *args],
        cwd=cwd, env=env, stdin=child, stdout=child, stderr=child, close_fds=True,
    )  # fmt: skip
    os.close(child)
    chunks = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([parent], [], [], 0.2)
        if ready:
            try:
                data = os.read(parent, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(parent)
    return proc.wait(timeout=30), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize("no_color", [False, True])
def test_a_terminal_gets_the_live_view_and_no_color_removes_the_colours(
    sim: Simulator, tmp_path: Path, no_color: bool
) -> None:
    urls_file(tmp_path / "urls.txt", [f"https://example.com/t{i}.mp4?{OK}" for i in range(3)])
    extra = {"TERM": "xterm-256color", "COLUMNS": "140", "LINES": "40"}
    if no_color:
        extra["NO_COLOR"] = "1"
    code, screen = _run_in_pty(["analyze", "urls.txt"], tmp_path, env_for(sim, **extra))
    assert code == 0, screen
    assert "\x1b[2K" in screen or "\x1b[1A" in screen  # redrawn in place: the live view
    assert "━" in screen  # rich's bars
    assert "3 total · 3 completed · 100%" in screen
    assert bool(COLOUR.search(screen)) is not no_color


# --- inputs ---------------------------------------------------------------------------------


def test_csv_input_with_a_video_url_column_and_out_csv(sim: Simulator, tmp_path: Path) -> None:
    from headswap_nb.frames import read_csv

    rows = [f"clip {i},https://example.com/c{i}.mp4?{OK},note" for i in range(3)]
    (tmp_path / "in.csv").write_text("name,video_url,comment\n" + "\n".join(rows) + "\n")
    done = run_cli(["analyze", "in.csv", "--out", "out.csv"], cwd=tmp_path, sim=sim)
    assert done.returncode == 0, done.stdout
    assert (tmp_path / "in.csv.sim.journal.sqlite").is_file()  # beside the input
    frame = read_csv(tmp_path / "out.csv")
    assert sorted(frame["video_url"]) == sorted(r.split(",")[1] for r in rows)
    assert list(frame["status"].astype(str)) == ["completed"] * 3
    assert set(submissions(sim)) == set(frame["video_url"])


def test_stdin_input_journals_in_the_working_directory_and_out_parquet(
    sim: Simulator, tmp_path: Path
) -> None:
    from headswap_nb.frames import read_parquet

    urls = [f"https://example.com/i{i}.mp4?{OK}" for i in range(2)]
    text = "# my videos\n\n" + "\n".join(urls) + "\n" + urls[0] + "\n"  # comment, repeat
    done = run_cli(["analyze", "-", "--out", "res.parquet"], cwd=tmp_path, sim=sim, stdin=text)
    assert done.returncode == 0, done.stdout
    assert "1 repeated URL(s) counted once" in done.stdout
    assert (tmp_path / "stdin.sim.journal.sqlite").is_file()
    frame = read_parquet(tmp_path / "res.parquet")
    assert sorted(frame["video_url"]) == sorted(urls)
    assert submissions(sim) == {u: 1 for u in urls}


# --- exit codes -----------------------------------------------------------------------------


def test_exit_1_when_some_failed_or_were_not_urls(sim: Simulator, tmp_path: Path) -> None:
    urls_file(
        tmp_path / "urls.txt",
        [f"https://example.com/ok.mp4?{OK}", "https://example.com/bad.mp4?fail=1&time=1",
         "ftp://example.com/x.mp4"],
    )  # fmt: skip
    done = run_cli(["analyze", "urls.txt"], cwd=tmp_path, sim=sim)
    assert done.returncode == 1, done.stdout
    assert "line 3: 'ftp://example.com/x.mp4' must start with http:// or https://" in done.stdout
    assert "Failed:" in done.stdout and "bad.mp4" in done.stdout
    status = run_cli(["status", "urls.txt.sim.journal.sqlite"], cwd=tmp_path, sim=None)
    assert status.returncode == 1
    assert re.search(r"completed\s+│\s+1", status.stdout) and "failed" in status.stdout


@pytest.mark.parametrize(
    ("args", "stdin", "words"),
    [
        (["analyze", "missing.txt"], None, "cannot read missing.txt"),
        (["analyze", "-"], "\n# nothing\n", "no video URLs in stdin"),
        (["analyze", "-", "--concurrency", "0"], "", "must be at least 1"),
        (["status", "nope.sqlite"], None, "no journal at"),
        (["swap", "nope.sqlite", "--faces", "f.csv"], None, "no journal at"),
        (["analyze"], None, "the following arguments are required"),
    ],
)
def test_exit_2_on_usage_errors(
    tmp_path: Path, args: list[str], stdin: str | None, words: str
) -> None:
    done = run_cli(args, cwd=tmp_path, sim=None, stdin=stdin)
    assert done.returncode == 2, done.stdout + done.stderr
    assert words in done.stdout + done.stderr
    assert not (tmp_path / "nope.sqlite").exists()  # status never creates a journal


def test_exit_4_when_the_environment_is_half_configured(tmp_path: Path) -> None:
    urls_file(tmp_path / "urls.txt", [f"https://example.com/x.mp4?{OK}"])
    done = run_cli(
        ["analyze", "urls.txt"], cwd=tmp_path, sim=None, AKOOL_BASE_URL="http://127.0.0.1:9"
    )
    assert done.returncode == 4, done.stdout
    assert "AKOOL_BASE_URL is set but no credential is" in done.stdout


def test_without_a_credential_the_embedded_simulator_says_so(tmp_path: Path) -> None:
    urls_file(tmp_path / "urls.txt", [f"https://example.com/e.mp4?{OK}"])
    done = run_cli(["analyze", "urls.txt"], cwd=tmp_path, sim=None)
    assert done.returncode == 0, done.stdout
    assert "No Akool credential is set (AKOOL_API_KEY): using an embedded simulator" in (
        done.stdout
    )


def test_simulate_runs_against_a_simulator_of_its_own(tmp_path: Path) -> None:
    urls_file(tmp_path / "urls.txt", [f"https://example.com/m{i}.mp4?{OK}" for i in range(2)])
    done = run_cli(["analyze", "urls.txt", "--simulate"], cwd=tmp_path, sim=None)
    assert done.returncode == 0, done.stdout
    assert "started for this run (--simulate)" in done.stdout


def test_probe_holds_back_what_the_api_would_refuse(sim: Simulator, tmp_path: Path) -> None:
    from headswap_nb.preflight import available

    if not available():
        pytest.skip("the probe extra is not installed")
    good, short = sim.video_url("clip-8s"), sim.video_url("clip-2s")
    missing = sim.base_url + "/_sim/media/videos/none.mp4"
    urls_file(tmp_path / "urls.txt", [good, short, missing])
    done = run_cli(["analyze", "urls.txt", "--probe"], cwd=tmp_path, sim=sim)
    assert done.returncode == 1, done.stdout  # held back: not every URL was analysed
    assert f"held back: {short}  2.0 s long: the API accepts 3–20 s" in done.stdout
    assert f"held back: {missing}  not reachable: HTTP 404" in done.stdout
    assert "2 URL(s) held back by the probe" in done.stdout
    assert submissions(sim) == {good: 1}
