"""The pre-flight probe against a loopback server: real MP4s, real decoding, and the
servers that misbehave (no Range, lies, drips, silence). Offline: 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import io
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from preflight_media import moov_at_front, write_mp4
from preflight_server import TWO_GB, MediaServer

from headswap_nb.errors import ConfigurationError, HeadswapError
from headswap_nb.preflight import (
    ProbeError,
    Prober,
    ProbeResult,
    ProbeUnavailableError,
    available,
    held_back_reason,
    probe,
    probe_async,
    summary_text,
)

TIMEOUT = 1.0  # per URL, for the tests that wait for the deadline
SLACK = 1.5  # generous: two shared cores, other tests running
TITLE = "HSNBTAG1"


@pytest.fixture(scope="session")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The files the server serves, generated once per session with PyAV."""
    pytest.importorskip("av")
    root = tmp_path_factory.mktemp("probe-videos")
    made = {
        # 4 s of 320×240 at 25 fps, ~1.5 MB: larger than the first request (256 KiB).
        "front.mp4": write_mp4(root / "front.mp4", seconds=4, noise_rows=60),
        "end.mp4": write_mp4(root / "end.mp4", seconds=4, noise_rows=60, faststart=False),
        "long.mp4": write_mp4(root / "long.mp4", seconds=25, fps=10, width=64, height=48),
        "short.mp4": write_mp4(root / "short.mp4", seconds=2, fps=10, width=64, height=48),
        "tagged.mp4": write_mp4(
            root / "tagged.mp4", seconds=4, fps=10, width=64, height=48, title=TITLE
        ),
    }
    files = {name: path.read_bytes() for name, path in made.items()}
    # The title's bytes made not UTF-8 (same length, so every box size stays right).
    assert files["tagged.mp4"].count(TITLE.encode()) == 1
    files["tagged.mp4"] = files["tagged.mp4"].replace(TITLE.encode(), b"\xff\xfe\xc3(\xa0\xa1\xe2(")
    assert moov_at_front(files["front.mp4"]) and not moov_at_front(files["end.mp4"])
    files["page.html"] = b"<!doctype html><html><body><video src=a.mp4></video></body></html>"
    files["empty.mp4"] = b""
    return files


@pytest.fixture
def server(videos: dict[str, bytes]) -> Iterator[MediaServer]:
    with MediaServer(videos) as running:
        yield running


def probe_one(url: str, *, timeout: float = 10.0, max_bytes: int = 4 << 20) -> ProbeResult:
    [result] = probe([url], timeout=timeout, max_bytes=max_bytes)
    return result


def refused_url() -> str:
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/a.mp4"


# -- real videos ----------------------------------------------------------------------


def test_a_title_that_is_not_utf8_does_not_stop_the_look(server: MediaServer) -> None:
    # Any PyAV: before 19 it is told to ignore such bytes; from 19 it does not raise.
    result = probe_one(server.url("v/tagged.mp4"))
    assert result.is_video and result.error is None, result
    assert result.duration_s == pytest.approx(4.0, abs=0.2) and result.fps == 10


@pytest.mark.parametrize("name", ["front.mp4", "end.mp4"])
def test_a_video_is_decoded_from_a_small_part_of_it(
    server: MediaServer, videos: dict[str, bytes], name: str
) -> None:
    from PIL import Image

    result = probe_one(server.url(f"v/{name}"))
    assert result.error is None and result.is_video and result.reachable
    assert result.http_status == 206 and result.content_type == "video/mp4"
    assert result.duration_s == pytest.approx(4.0, abs=0.2)
    assert (result.width, result.height, result.codec) == (320, 240, "h264")
    assert result.fps == pytest.approx(25.0)
    assert result.size_bytes == len(videos[name])
    assert result.bytes_read < len(videos[name]) / 3  # never downloaded whole
    assert result.bytes_read == server.stats.bytes_sent
    image = Image.open(io.BytesIO(result.thumbnail or b""))
    assert image.format == "JPEG" and image.size == (160, 120)
    assert result.thumbnail_mime == "image/jpeg"
    assert (result.thumbnail_data_uri or "").startswith("data:image/jpeg;base64,/9j/")
    assert summary_text(result) == "4.0 s · 320×240 · 25 fps"
    assert held_back_reason(result) is None


def test_an_index_at_the_end_is_read_with_a_tail_range(
    server: MediaServer, videos: dict[str, bytes]
) -> None:
    size = len(videos["end.mp4"])
    result = probe_one(server.url("v/end.mp4"))
    starts = [int(re.findall(r"\d+", header or "")[0]) for _, header in server.stats.requests]
    assert starts[0] == 0 and any(start > size // 2 for start in starts[1:])
    assert result.requests == len(starts) <= 4


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("long.mp4", "25.0 s long: the API accepts 3–20 s"),
        ("short.mp4", "2.0 s long: the API accepts 3–20 s"),
    ],
)
def test_a_duration_outside_the_accepted_range_is_held_back(
    server: MediaServer, name: str, reason: str
) -> None:
    result = probe_one(server.url(f"v/{name}"))
    assert result.is_video and held_back_reason(result) == reason
    assert held_back_reason(result, min_seconds=1, max_seconds=30) is None


def test_redirects_are_followed_a_few_times(server: MediaServer) -> None:
    good, bad = probe([server.url("redirect/3/v/front.mp4"), server.url("redirect/9/v/front.mp4")])
    assert good.is_video and good.requests == 4  # three redirects, then one range
    assert not bad.reachable and bad.error == "not reachable: too many redirects"


# -- not videos, not there ------------------------------------------------------------


def test_an_html_page_is_not_a_video(server: MediaServer) -> None:
    result = probe_one(server.url("v/page.html"))
    assert result.reachable and result.is_video is False
    assert result.content_type == "text/html"
    assert held_back_reason(result) == "not a video (text/html)"


@pytest.mark.parametrize("status", [403, 404, 500, 503])
def test_an_error_status_is_not_reachable(server: MediaServer, status: int) -> None:
    result = probe_one(server.url(f"status/{status}"))
    assert not result.reachable and result.http_status == status
    assert result.is_video is None and result.bytes_read == 0
    assert held_back_reason(result) == f"not reachable: HTTP {status}"


def test_an_empty_file_answers_416(server: MediaServer) -> None:
    result = probe_one(server.url("v/empty.mp4"))
    assert result.http_status == 416 and result.reachable and result.size_bytes == 0
    assert result.is_video is False
    assert held_back_reason(result) == "not a video: the file is empty"


def test_connection_refused() -> None:
    result = probe_one(refused_url())
    assert not result.reachable and result.http_status is None
    assert held_back_reason(result) == "not reachable: connection refused"


def test_a_string_is_not_a_list_of_urls() -> None:
    with pytest.raises(ConfigurationError, match=r"pass \[url\]"):
        probe("https://example.com/a.mp4")


def test_an_invalid_url_sends_nothing() -> None:
    result = probe_one("ftp://example.com/a.mp4")
    assert not result.reachable and result.requests == 0
    assert (result.error or "").startswith("not a valid URL: must start with http://")


# -- servers that misbehave -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "answered"),
    [("hang", False), ("drip-head", False), ("drip/short.mp4", True), ("stall/end.mp4", True)],
)
def test_the_deadline_holds(server: MediaServer, path: str, answered: bool) -> None:
    """Silence, a status line or a body dripped a byte at a time, a body that stops:
    each read gets at most what is left of the URL's deadline."""
    started = time.monotonic()
    result = probe_one(server.url(path), timeout=TIMEOUT)
    elapsed = time.monotonic() - started
    assert elapsed < TIMEOUT + SLACK and result.seconds < TIMEOUT + SLACK
    assert result.seconds >= TIMEOUT * 0.9  # it did wait, for about the timeout
    assert result.is_video is None
    if answered:
        assert result.reachable and (result.error or "").startswith("timed out after 1 s")
        assert (held_back_reason(result) or "").startswith("could not check: timed out")
    else:
        assert not result.reachable and result.error == "no answer within 1 s"
        assert held_back_reason(result) == "no answer within 1 s"


@pytest.mark.parametrize("path", ["liar/end.mp4", "liar206/end.mp4"])
def test_a_server_claiming_2_gb_that_hangs_up(server: MediaServer, path: str) -> None:
    result = probe_one(server.url(path))
    assert result.size_bytes == TWO_GB  # as declared; the probe does not believe it
    assert 0 < result.bytes_read <= server.liar_bytes * 2 < TWO_GB // 1000
    assert result.reachable and result.is_video is None
    assert result.seconds < TIMEOUT + SLACK  # it did not wait for the missing 2 GB


def test_a_server_that_ignores_range_is_read_only_as_far_as_needed(
    server: MediaServer, videos: dict[str, bytes]
) -> None:
    front, end = probe([server.url("norange/front.mp4"), server.url("norange/end.mp4")])
    assert front.http_status == 200 and front.is_video
    assert front.duration_s == pytest.approx(4.0, abs=0.2)
    assert front.bytes_read < len(videos["front.mp4"]) / 3  # the index is at the front
    assert end.is_video and end.bytes_read == len(videos["end.mp4"])  # small enough to read
    limited = probe_one(server.url("norange/end.mp4"), max_bytes=512 * 1024)
    assert limited.is_video is None and limited.bytes_read <= 512 * 1024 + 65536
    assert "ignores range requests" in (held_back_reason(limited) or "")


def test_an_endless_body_is_read_no_further_than_the_cap(server: MediaServer) -> None:
    result = probe_one(server.url("endless"), max_bytes=1024 * 1024)
    assert result.bytes_read <= 1024 * 1024 + 65536
    assert result.is_video in (False, None) and held_back_reason(result) is not None


# -- the pool -------------------------------------------------------------------------


def test_with_two_workers_never_more_than_two_requests_in_flight(server: MediaServer) -> None:
    server.delay = 0.1
    urls = [server.url(f"slow/front.mp4?copy={index}") for index in range(8)]
    results = probe(urls, workers=2)
    assert all(result.is_video for result in results)
    assert server.stats.max_in_flight == 2


def test_order_is_kept_and_duplicates_are_probed_once(server: MediaServer) -> None:
    urls = [server.url("v/front.mp4"), server.url("status/404"), server.url("v/front.mp4")]
    results = probe(urls)
    assert [result.url for result in results] == urls
    assert results[0] is results[2]
    assert sum(path == "/v/front.mp4" for path, _ in server.stats.requests) == 1


def test_the_prober_caches_refreshes_and_closes(server: MediaServer) -> None:
    url = server.url("v/short.mp4")
    with Prober(workers=1, timeout=TIMEOUT) as prober:
        first = prober.submit(url)
        assert prober.submit(url) is first
        assert first.result().is_video
        again = prober.submit(url, refresh=True)
        assert again is not first and again.result().is_video
        hanging = prober.submit(server.url("hang"))
        waiting = [prober.submit(server.url(f"v/short.mp4?n={n}")) for n in range(3)]
        for _ in range(500):  # until the one worker has taken the hanging probe
            if hanging.running():
                break
            time.sleep(0.01)
    # Leaving the block closed it: what had not started is cancelled, the rest ends.
    assert all(future.cancelled() for future in waiting)
    assert hanging.result(timeout=TIMEOUT + SLACK).error == "no answer within 1 s"
    with pytest.raises(ProbeError, match="closed"):
        prober.submit(url)


def test_probing_from_a_running_loop_never_blocks_it(server: MediaServer) -> None:
    async def main() -> tuple[int, ProbeResult, list[ProbeResult]]:
        with Prober(timeout=TIMEOUT) as prober:
            pending = prober.probe_async(server.url("hang"))
            ticks = 0
            while not pending.done():  # the loop runs on while a pool thread waits
                await asyncio.sleep(0.01)
                ticks += 1
            hung = await pending
        both = await probe_async([server.url("v/short.mp4"), server.url("status/404")])
        return ticks, hung, both

    ticks, hung, both = asyncio.run(main())
    assert ticks > 10 and hung.error == "no answer within 1 s"
    assert [result.http_status for result in both] == [206, 404]


def test_any_transport_can_be_given(videos: dict[str, bytes]) -> None:
    data = videos["front.mp4"]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/boom":
            raise RuntimeError("boom")
        first, last = map(int, re.findall(r"\d+", request.headers["range"]))
        last = min(last, len(data) - 1)
        headers = {
            "content-range": f"bytes {first}-{last}/{len(data)}",
            "content-type": "video/mp4",
        }
        return httpx.Response(206, headers=headers, content=data[first : last + 1])

    video, boom = probe(
        ["https://cdn.example/a.mp4", "https://cdn.example/boom"],
        transport=httpx.MockTransport(handler),
    )
    assert video.is_video and video.duration_s == pytest.approx(4.0, abs=0.2)
    assert boom.error == "probe failed: RuntimeError: boom"  # a result, never an exception


def test_a_video_without_a_thumbnail_keeps_its_facts(
    server: MediaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the index opened but the first frame cannot be had (here: the read limit),
    duration and size stay; the error says why there is no picture."""
    from headswap_nb.preflight import _media
    from headswap_nb.preflight._errors import ReadLimitError

    def no_frame(*args: object) -> bytes:
        raise ReadLimitError("reading it needs more than the first 4.2 MB (max_bytes)")

    monkeypatch.setattr(_media, "_thumbnail", no_frame)
    result = probe_one(server.url("v/front.mp4"))
    assert result.is_video and result.duration_s == pytest.approx(4.0, abs=0.2)
    assert result.thumbnail is None and result.thumbnail_data_uri is None
    assert result.error == "no thumbnail: reading it needs more than the first 4.2 MB (max_bytes)"
    assert held_back_reason(result) is None
    assert summary_text(result) == "4.0 s · 320×240 · 25 fps"


# -- without the extra ----------------------------------------------------------------


@pytest.mark.parametrize(("module", "named"), [("av", "av (PyAV)"), ("PIL.Image", "Pillow")])
def test_without_the_extra(monkeypatch: pytest.MonkeyPatch, module: str, named: str) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    assert available() is False
    with pytest.raises(ProbeUnavailableError) as raised:
        probe(["https://example.com/a.mp4"])
    message = str(raised.value)
    assert (
        named in message and "install the probe extra: pip install 'headswap-nb[probe]'" in message
    )
    assert isinstance(raised.value, ImportError) and isinstance(raised.value, HeadswapError)
    with pytest.raises(ImportError):
        Prober()


def test_importing_the_probe_needs_nothing_and_starts_nothing() -> None:
    code = (
        "import sys, threading\n"
        "sys.modules['av'] = None; sys.modules['PIL'] = None\n"
        "import headswap_nb.preflight as p\n"
        "print(p.available(), threading.active_count(),"
        " [m for m in ('pandas', 'ipywidgets') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "1", "[]"]
    lazy = ("av", "PIL", "httpcore")
    code = f"import sys, headswap_nb.preflight; print([m in sys.modules for m in {lazy!r}])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[False, False, False]"  # imported lazily, on first use


def test_this_file_mentions_every_public_name() -> None:
    import headswap_nb.preflight as package

    here = Path(__file__)
    text = here.read_text() + here.with_name("test_preflight_pure.py").read_text()
    assert package.__all__ == sorted(package.__all__)
    assert [name for name in package.__all__ if name not in text] == []
