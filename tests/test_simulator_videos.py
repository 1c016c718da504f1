"""Real source clips served at the simulator's own URLs, and analyses that use their metadata."""

from __future__ import annotations

import struct
import subprocess
import sys
from collections.abc import Iterator
from importlib import resources

import httpx
import pytest
from sim_helpers import TASK_CREATE, completed_analysis, in_process

from headswap_nb.simulator import Simulator, scenario_for
from headswap_nb.simulator.videos import SOURCE_CLIPS, VIDEOS_PATH, clip_bytes, clip_named

pytestmark = pytest.mark.sim(speed=1000.0, seed=3)

CLIP_NAMES = ["clip-2s.mp4", "clip-8s.mp4", "clip-12s.mp4", "clip-25s.mp4"]


def _boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[str, int, int]]:
    """``(type, payload start, box end)`` of the ISO-BMFF boxes in ``data[start:end]``."""
    end = len(data) if end is None else end
    while start + 8 <= end:
        size, kind = struct.unpack(">I4s", data[start : start + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[start + 8 : start + 16])[0], 16
        assert size >= header, "corrupt box"
        yield kind.decode("latin-1"), start + header, start + size
        start += size


def _payload(data: bytes, *path: str) -> bytes:
    start, end = 0, len(data)
    for name in path:
        start, end = next((s, e) for kind, s, e in _boxes(data, start, end) if kind == name)
    return data[start:end]


def _mp4_facts(data: bytes) -> dict[str, object]:
    top = [kind for kind, _, _ in _boxes(data)]
    mvhd = _payload(data, "moov", "mvhd")
    assert mvhd[0] == 0  # version 0: 32-bit times
    timescale, duration = struct.unpack(">II", mvhd[12:20])
    tkhd = _payload(data, "moov", "trak", "tkhd")
    width, height = (v >> 16 for v in struct.unpack(">II", tkhd[-8:]))
    stbl = ("moov", "trak", "mdia", "minf", "stbl")
    (frames,) = struct.unpack(">I", _payload(data, *stbl, "stsz")[8:12])
    codec = _payload(data, *stbl, "stsd")[12:16].decode("latin-1")
    return {
        "top": top,
        "seconds": duration / timescale,
        "size": (width, height),
        "frames": frames,
        "codec": codec,
    }


def test_the_committed_files_are_what_the_table_says() -> None:
    assert [clip.name for clip in SOURCE_CLIPS] == CLIP_NAMES
    total = 0
    for clip in SOURCE_CLIPS:
        data = clip_bytes(clip)
        facts = _mp4_facts(data)
        top = facts["top"]
        assert isinstance(top, list) and top[0] == "ftyp"
        assert top.index("moov") < top.index("mdat")  # faststart
        assert facts["seconds"] == pytest.approx(clip.duration_seconds, abs=0.05)
        assert facts["size"] == (clip.width, clip.height) == (160, 90)
        assert facts["frames"] == clip.frame_count == clip.duration_seconds * clip.fps
        assert facts["codec"] in ("avc1", "mp4v")
        assert len(data) < 16_000
        total += len(data)
    assert total < 40_000


def test_clips_are_served_with_ranges_and_listed() -> None:
    with in_process() as sim:
        index = sim.client.get(VIDEOS_PATH)
        assert index.status_code == 200
        listed = index.json()["videos"]
        assert sim.client.get(VIDEOS_PATH.rstrip("/")).json()["videos"] == listed
        assert [entry["name"] for entry in listed] == CLIP_NAMES
        eight = listed[1]
        assert eight == {
            "name": "clip-8s.mp4",
            "duration": 8,
            "width": 160,
            "height": 90,
            "fps": 10,
            "frame_count": 80,
            "bytes": len(clip_bytes(SOURCE_CLIPS[1])),
            "path": "/_sim/media/videos/clip-8s.mp4",
            "url": "http://testserver/_sim/media/videos/clip-8s.mp4",
        }
        whole = sim.client.get(eight["path"])
        assert whole.status_code == 200 and whole.headers["content-type"] == "video/mp4"
        assert whole.headers["accept-ranges"] == "bytes"
        assert whole.content == clip_bytes(SOURCE_CLIPS[1])
        size = len(whole.content)
        part = sim.client.get(eight["path"], headers={"Range": "bytes=0-99"})
        assert part.status_code == 206 and part.content == whole.content[:100]
        assert part.headers["content-range"] == f"bytes 0-99/{size}"
        assert (
            sim.client.get(eight["path"], headers={"Range": "bytes=-7"}).content
            == (whole.content[-7:])
        )
        unsatisfiable = sim.client.get(eight["path"], headers={"Range": f"bytes={size}-"})
        assert unsatisfiable.status_code == 416
        assert unsatisfiable.headers["content-range"] == f"bytes */{size}"
        assert sim.client.get(VIDEOS_PATH + "clip-3s.mp4").status_code == 404


def test_video_url_points_at_this_simulator(shared_sim: Simulator) -> None:
    url = shared_sim.video_url("clip-12s.mp4")
    assert url == f"{shared_sim.base_url}/_sim/media/videos/clip-12s.mp4"
    assert shared_sim.video_url("clip-12s") == url
    with pytest.raises(ValueError, match=r"clip-8s\.mp4"):
        shared_sim.video_url("clip-13s")
    reply = httpx.get(url, headers={"Range": "bytes=4-7"})
    assert reply.status_code == 206 and reply.content == b"ftyp"
    assert shared_sim.stats()["requests"]["media"] >= 1


@pytest.mark.parametrize(
    "host", ["http://127.0.0.1:50123", "http://localhost", "https://sim.internal:8443"]
)
def test_the_analysis_takes_the_real_metadata_on_any_host(host: str) -> None:
    for clip in SOURCE_CLIPS:
        # duration/fps/size hints cannot change a real file; other hints still apply.
        url = f"{host}{clip.path}?duration=5&fps=60&size=1920x1080&people=3&queue=2"
        scenario = scenario_for(url, seed=1)
        assert scenario.duration_seconds == clip.duration_seconds
        assert (scenario.width, scenario.height, scenario.fps) == (160, 90, 10)
        assert scenario.frame_count == clip.frame_count
        assert scenario.people == 3 and scenario.analysis.queue_seconds == 2
    elsewhere = scenario_for("https://example.com/clip-8s.mp4?duration=5", seed=1)
    assert elsewhere.duration_seconds == 5  # the same name on another path is just a URL


def test_a_clip_does_the_same_on_every_port_and_host() -> None:
    # Each simulator listens on a fresh port: the clip's chance failure, timing and curve
    # must not change with it, or a test of clip-12s would fail now and then.
    seen = set()
    for seed in range(60):
        for clip in SOURCE_CLIPS:
            plans = {
                (scenario_for(f"{host}{clip.path}?take=2", seed=seed).analysis,
                 scenario_for(f"{host}{clip.path}?take=2", seed=seed).task)
                for host in ("http://127.0.0.1:40001", "http://127.0.0.1:40002", "http://sim")
            }  # fmt: skip
            assert len(plans) == 1
            seen.add(next(iter(plans))[0].error_code)
    assert {None, 1003} <= seen  # still seeded: the length rule and chance outcomes apply


def test_short_and_long_clips_fail_and_the_others_complete() -> None:
    with in_process() as sim:
        outcomes = {}
        for clip in SOURCE_CLIPS:
            url = f"http://testserver{clip.path}?people=2&fail=0"
            detail = completed_analysis(sim, url)
            outcomes[clip.name] = (detail["status"], detail["error_code"])
            if detail["status"] == 3:
                assert detail["analysis_result"]["video_info"] == {
                    "width": 160,
                    "height": 90,
                    "fps": 10,
                    "frame_count": clip.frame_count,
                }
                preview = detail["analysis_result"]["media"][1]["img_url"]
                assert sim.client.get(preview).headers["content-type"] == "image/png"
            else:
                assert "between 3 and 20 seconds" in detail["error_reason"]
        assert outcomes == {
            "clip-2s.mp4": (4, 1003),
            "clip-8s.mp4": (3, 0),
            "clip-12s.mp4": (3, 0),
            "clip-25s.mp4": (4, 1003),
        }
        task = sim.post(TASK_CREATE, sim.task_body(f"http://testserver{VIDEOS_PATH}clip-8s.mp4"))
        # The URL must be the identical string: without the query it is another source.
        assert task.json()["code"] == 1003
        url = f"http://testserver{VIDEOS_PATH}clip-12s.mp4?people=2&fail=0"
        data = sim.post(TASK_CREATE, sim.task_body(url)).json()["data"]
        assert data["video_duration"] == 12 and data["deduction_lock_duration"] == 120


def test_a_clip_that_does_not_exist_fails_like_an_unreachable_url() -> None:
    with in_process() as sim:
        detail = completed_analysis(sim, f"http://testserver{VIDEOS_PATH}clip-9s.mp4?fail=0")
        assert (detail["status"], detail["error_code"]) == (4, 1003)
        assert "404" in detail["error_reason"]
        assert sim.core.job_schedule(detail["_id"])["finished_at"] < 10  # fails early


def test_serving_clips_needs_no_pyav() -> None:
    code = (
        "import sys; from headswap_nb.simulator import videos, create_app;"
        "create_app(); [videos.clip_bytes(c) for c in videos.SOURCE_CLIPS];"
        "assert 'av' not in sys.modules and 'numpy' not in sys.modules, sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert clip_named("clip-8s.mp4") is SOURCE_CLIPS[1]
    folder = resources.files("headswap_nb.simulator").joinpath("assets/videos")
    assert sorted(p.name for p in folder.iterdir() if p.name.endswith(".mp4")) == sorted(CLIP_NAMES)
