"""The travelling report and the board snapshot: self-contained, escaped, charted."""

from __future__ import annotations

import asyncio
import base64
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from headswap_nb import AsyncClient, Batch
from headswap_nb.jobs import EntryState, JobEntry, Journal, TaskRequest
from headswap_nb.jobs.summary import summarize
from headswap_nb.models import Analysis, Task
from headswap_nb.present import is_web_url, short_url
from headswap_nb.reports import board_html, collect, fetch_images, report
from headswap_nb.reports.charts import Bar, column_chart, nice_step
from headswap_nb.reports.data import Job, ReportData
from headswap_nb.reports.images import data_uri, sniff
from headswap_nb.reports.page import render_page
from headswap_nb.simulator import Simulator, serve

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
EVIL = '"><script>alert(1)</script><img/src=x/onerror=alert(2)>'  # no spaces: a valid URL
T0 = datetime(2026, 5, 18, 12, 0, tzinfo=timezone.utc)


class Attributes(HTMLParser):
    """Every (tag, attribute, value), and whether a <script> or on* handler appears."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []
        self.scripts = 0
        self.handlers = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scripts += tag == "script"
        for name, value in attrs:
            self.handlers += name.startswith("on")
            self.found.append((tag, name, value or ""))


def parse(page: str) -> Attributes:
    parser = Attributes()
    parser.feed(page)
    return parser


def urls_in(page: str, attribute: str) -> list[str]:
    return [v for _, name, v in parse(page).found if name == attribute]


# --- a real batch against the simulator -------------------------------------------------------


@pytest.fixture(scope="module")
def finished() -> Iterator[tuple[Simulator, Batch, Path]]:
    """A finished batch: completed analyses (with people), a failed one, a hostile URL, a
    completed head-swap task, and its journal."""
    import tempfile

    folder = Path(tempfile.mkdtemp())
    with serve(speed=50.0, seed=2) as sim:
        urls = [f"https://example.com/r{i}.mp4?duration=8&people={i % 3 + 1}&fail=0"
                for i in range(5)]  # fmt: skip
        urls += ["https://example.com/bad.mp4?fail=1&time=1", f"https://example.com/{EVIL}"]

        async def run() -> Batch:
            client = AsyncClient(api_key=sim.api_key, base_url=sim.base_url)
            batch = Batch(urls, client=client, journal=folder / "j.sqlite")
            await batch.wait()
            first = batch.entries[0]
            assert first.analysis is not None
            face = f"{sim.base_url}/_sim/media/faces/1.png"
            batch.create_task(first.url, {first.analysis.people[0].obj_id: face})
            await batch.wait()
            await client.aclose()
            return batch

        batch = asyncio.run(run())
        assert batch.entries[-1].url.endswith(EVIL)  # the hostile URL was analysed
        yield sim, batch, folder / "j.sqlite"
        asyncio.run(batch.aclose())


def test_the_report_is_one_self_contained_file(
    finished: tuple[Simulator, Batch, Path], tmp_path: Path
) -> None:
    _, batch, _ = finished
    path = report(batch, tmp_path / "report.html")
    page = path.read_text()
    parsed = parse(page)
    assert parsed.scripts == 0 and parsed.handlers == 0  # no JavaScript at all
    srcs = urls_in(page, "src")
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    people = sum(len(e.analysis.people) for e in batch.entries if e.analysis)
    assert len(srcs) == people + 1  # every preview, and the task's face
    allowed = {e.url for e in batch.entries} | {t.output_url for t in batch.tasks}
    hrefs = urls_in(page, "href")
    assert hrefs and set(hrefs) <= allowed  # only the videos and the outputs are linked
    assert not [t for t, n, _ in parsed.found if t == "link" or (t == "img" and n == "srcset")]
    assert "url(" not in page and "@import" not in page and "<video" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "may expire (about 7 days)" in page
    output = batch.tasks[0].output_url
    assert output is not None and f'href="{output}"' in page
    # Meant to be shared: the umask's permissions, like any other export, and no temp left.
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_charts_are_inline_svg_of_time_and_people(
    finished: tuple[Simulator, Batch, Path], tmp_path: Path
) -> None:
    _, batch, _ = finished
    page = report(batch, tmp_path / "r.html", images=False).read_text()
    assert page.count("<svg") == 2
    assert 'aria-label="Seconds per analysis"' in page
    assert 'aria-label="People per analysis"' in page
    completed = [e for e in batch.entries if e.state is EntryState.COMPLETED]
    people_chart = page[page.index('aria-label="People per analysis"') :]
    people_chart = people_chart[: people_chart.index("</svg>")]
    assert people_chart.count("<rect") == len(completed)
    tips = re.findall(r"<title>#\d+ [^<]*: (\d+) people</title>", people_chart)
    assert sorted(map(int, tips)) == sorted(len(e.analysis.people) for e in completed)  # type: ignore[union-attr]


def test_hostile_strings_are_escaped_everywhere(
    finished: tuple[Simulator, Batch, Path], tmp_path: Path
) -> None:
    _, batch, _ = finished
    page = report(batch, tmp_path / "r.html", title=EVIL).read_text()
    parsed = parse(page)
    assert parsed.scripts == 0 and parsed.handlers == 0
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert page.count("&quot;&gt;&lt;script&gt;alert(1)") >= 3  # the title, the URL cells
    assert all(not s.startswith("x") for s in urls_in(page, "src"))


def test_a_preview_that_cannot_be_fetched_is_a_placeholder(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/ok.png":
            return httpx.Response(200, content=PNG)
        if request.url.path == "/page.png":
            login = b"<html>login</html>"  # a login page, declared as an image
            return httpx.Response(200, content=login, headers={"content-type": "image/png"})
        return httpx.Response(404)

    people = [
        {"obj_id": 0, "img_url": "https://cdn.example/ok.png"},
        {"obj_id": 1, "img_url": "https://cdn.example/page.png"},
        {"obj_id": 2, "img_url": "https://cdn.example/gone.png"},
        {"obj_id": 3, "img_url": "javascript:alert(1)"},
    ]
    record = Analysis.from_json(
        {"_id": "a" * 24, "status": 3, "progress": 100, "video_url": "https://e.com/v.mp4",
         "analysis_result": {"media": people}}
    )  # fmt: skip
    entry = JobEntry("https://e.com/v.mp4", state=EntryState.COMPLETED, record=record,
                     job_id=record.id, progress=100)  # fmt: skip
    data = ReportData((Job(entry, 100.0),), (), summarize([entry]), summarize([]))
    images = fetch_images(
        ["https://cdn.example/ok.png", "https://cdn.example/page.png",
         "https://cdn.example/gone.png", "javascript:alert(1)"],
        transport=httpx.MockTransport(handler),
    )  # fmt: skip
    assert list(images) == ["https://cdn.example/ok.png"]
    page = render_page(data, images, title="t")
    assert page.count("<img") == 1 and page.count('class="hs-placeholder"') == 3
    assert "cdn.example" not in page and "javascript:" not in page


def test_fetching_is_bounded_parallel_and_has_a_deadline() -> None:
    lock, running, peak = threading.Lock(), [0], [0]

    def slow_body() -> Iterator[bytes]:
        yield PNG[:8]
        for _ in range(50):  # a server answering a byte at a time
            time.sleep(0.1)
            yield b"x"

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            time.sleep(0.05)
            if "drip" in request.url.path:
                return httpx.Response(200, content=slow_body())
            return httpx.Response(200, content=PNG)
        finally:
            with lock:
                running[0] -= 1

    urls = [f"https://cdn.example/{i}.png" for i in range(12)] + ["https://cdn.example/drip"]
    started = time.monotonic()
    images = fetch_images(urls, timeout=0.5, workers=3, transport=httpx.MockTransport(handler))
    assert time.monotonic() - started < 3.0  # the dripping one gave up at its deadline
    assert set(images) == set(urls[:12])
    assert peak[0] <= 3


def test_only_raster_images_become_data_uris() -> None:
    assert sniff(PNG) == "image/png"
    assert sniff(b"\xff\xd8\xff\xe0....") == "image/jpeg"
    assert sniff(b"GIF89a....") == "image/gif"
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert data_uri(b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>') is None
    assert data_uri(b"<html>") is None
    assert (data_uri(PNG) or "").startswith("data:image/png;base64,iVBOR")


# --- the journal and the board snapshot -------------------------------------------------------


def test_a_report_of_the_journal_says_what_a_resume_would_see(
    finished: tuple[Simulator, Batch, Path], tmp_path: Path
) -> None:
    _, batch, journal = finished
    data = collect(journal)
    assert data.summary.completed == batch.summary.completed
    assert data.summary.failed == batch.summary.failed
    assert len(data.tasks) == 1 and data.tasks[0].entry.state is EntryState.COMPLETED
    page = report(Journal(journal), tmp_path / "j.html", images=False).read_text()
    assert "j.sqlite" in page and page.count('class="hs-placeholder"') >= 5
    with pytest.raises(FileNotFoundError):
        collect(tmp_path / "typo.sqlite")
    assert not (tmp_path / "typo.sqlite").exists()


def test_board_snapshot_draws_bars_at_the_shown_progress_and_escapes() -> None:
    request = TaskRequest(((0, "https://e.com/face.png"),))
    running = JobEntry("https://e.com/a.mp4", state=EntryState.PROCESSING, job_id="b" * 24,
                       progress=30.0, submitted_at=T0)  # fmt: skip
    failed = JobEntry(f"https://e.com/{EVIL}", state=EntryState.FAILED, job_id="c" * 24,
                      progress=40.0, error=EVIL, submitted_at=T0,
                      finished_at=T0 + timedelta(seconds=9))  # fmt: skip
    task = Task.from_json({"_id": "d" * 24, "status": 3, "progress": 100,
                           "video_url": "https://cdn.e.com/out.mp4"})  # fmt: skip
    swapped = JobEntry("https://e.com/a.mp4", kind="task", state=EntryState.COMPLETED,
                       request=request, record=task, job_id=task.id, progress=100.0)  # fmt: skip
    jobs = (Job(running, 42.5, 3.0), Job(failed, 40.0))
    data = ReportData(jobs, (Job(swapped, 100.0),), summarize([running, failed]),
                      summarize([swapped]), pace="6.0/min · ~3 s left")  # fmt: skip
    html = board_html(data)
    assert "width:42.5%" in html  # the shown progress, not the last polled 30
    assert "b" * 24 in html and "6.0/min · ~3 s left" in html
    assert "<script>" not in html and parse(html).handlers == 0
    assert 'href="https://cdn.e.com/out.mp4"' in html and "about 7 days" in html
    assert "<style" not in html  # inline styles only: notebook sanitisers keep them


def test_board_snapshot_thumbnails_are_data_uris_only(
    finished: tuple[Simulator, Batch, Path],
) -> None:
    sim, batch, _ = finished
    without = board_html(batch)
    assert "<img" not in without and "people" in without
    previews = [p.img_url for e in batch.entries for p in (e.analysis.people if e.analysis else ())]
    thumbs = fetch_images(u for u in previews if u)
    with_thumbs = board_html(batch, thumbnails=thumbs)
    assert with_thumbs.count("<img") == len(previews)
    assert all(s.startswith("data:image/") for s in urls_in(with_thumbs, "src"))
    assert sim.base_url not in " ".join(urls_in(with_thumbs, "src"))


def test_board_snapshot_of_a_big_batch_keeps_the_rows_that_matter() -> None:
    entries = [
        JobEntry(f"https://e.com/{i}.mp4", state=EntryState.COMPLETED, job_id=f"{i:024x}",
                 progress=100.0, ref=i, submitted_at=T0, finished_at=T0 + timedelta(seconds=i))
        for i in range(200)
    ]  # fmt: skip
    entries[150] = replace(entries[150], state=EntryState.UNKNOWN, job_id=None, error="lost")
    data = ReportData(tuple(Job(e, e.progress) for e in entries), (), summarize(entries),
                      summarize([]))  # fmt: skip
    html = board_html(data, limit=20)
    assert "showing 20 of 200" in html and "lost" in html
    assert html.count('class="hs-snapshot-row') == 20


# --- the pure pieces ----------------------------------------------------------------------


def test_chart_pieces() -> None:
    assert [nice_step(t) for t in (3, 9, 40, 0.7, 0)] == [1.0, 5.0, 10.0, 0.2, 1.0]
    empty = column_chart([Bar(None, "x", "#000")], title="t", unit="s")
    assert "nothing to chart yet" in empty
    svg = column_chart([Bar(2.0, EVIL, "#123456"), Bar(None, "b", "#000")], title=EVIL, unit="s")
    assert svg.count("<rect") == 1 and "<script>" not in svg


def test_urls_shown_and_linked() -> None:
    assert short_url("https://example.com/a/b/c/clip.mp4?x=1") == "example.com/…/clip.mp4?x=1"
    assert len(short_url("https://example.com/" + "x" * 200, 30)) == 30
    assert is_web_url("https://e.com/v.mp4")
    for bad in ("javascript:alert(1)", "java\tscript:x", "https://e.com/a b", 'https://e.com/"',
                "data:text/html,hi", "//e.com/v.mp4", "https://"):  # fmt: skip
        assert not is_web_url(bad), bad
