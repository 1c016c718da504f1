"""Preview PNGs, reference faces and the output MP4, with byte ranges."""

from __future__ import annotations

import struct
import zlib

from sim_helpers import TASK_CREATE, TASK_DETAIL, completed_analysis, in_process

from headswap_nb.simulator import media

URL = "https://example.com/v.mp4?duration=6&people=2&fail=0&task_fail=0"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    assert zlib.crc32(data[12:29]) & 0xFFFFFFFF == struct.unpack(">I", data[29:33])[0]
    return width, height


def test_previews_are_distinct_pngs_on_the_simulator() -> None:
    with in_process() as sim:
        detail = completed_analysis(sim, URL)
        urls = [m["img_url"] for m in detail["analysis_result"]["media"]]
        bodies = []
        for url in urls:
            reply = sim.client.get(url)
            assert reply.status_code == 200 and reply.headers["content-type"] == "image/png"
            assert 96 <= _png_size(reply.content)[0] <= 160
            bodies.append(reply.content)
        assert bodies[0] != bodies[1]
        missing = urls[0].replace("/0.png", "/7.png")
        assert sim.client.get(missing).status_code == 404


def test_faces_are_served_and_deterministic() -> None:
    with in_process() as sim:
        first = sim.client.get("/_sim/media/faces/1.png")
        assert first.headers["content-type"] == "image/png"
        assert first.content == media.face_png(1) != media.face_png(2)
        assert sim.client.get("/_sim/media/faces/1000.png").status_code == 404


def test_output_video_supports_ranges() -> None:
    with in_process() as sim:
        completed_analysis(sim, URL)
        task_id = sim.post(TASK_CREATE, sim.task_body(URL)).json()["data"]["_id"]
        output = f"/_sim/media/output/{task_id}.mp4"
        assert sim.client.get(output).status_code == 404  # not done yet
        sim.finish(task_id)
        url = sim.get(TASK_DETAIL, task_id).json()["data"]["video_url"]
        whole = sim.client.get(url)
        assert whole.status_code == 200 and whole.headers["content-type"] == "video/mp4"
        assert whole.headers["accept-ranges"] == "bytes"
        assert whole.content[4:8] == b"ftyp" and len(whole.content) < 150_000
        part = sim.client.get(url, headers={"Range": "bytes=100-199"})
        assert part.status_code == 206 and part.content == whole.content[100:200]
        assert part.headers["content-range"] == f"bytes 100-199/{len(whole.content)}"
        tail = sim.client.get(url, headers={"Range": "bytes=-10"})
        assert tail.content == whole.content[-10:]
        assert sim.client.get(url, headers={"Range": "bytes=999999-"}).status_code == 416


def test_parse_range_edge_cases() -> None:
    assert media.parse_range(None, 10) is None
    assert media.parse_range("bytes=0-", 10) == (0, 9)
    assert media.parse_range("bytes=2-100", 10) == (2, 9)
    assert media.parse_range("bytes=0-1,3-4", 10) is None
    assert media.parse_range("items=0-1", 10) is None
    assert media.parse_range("bytes=x-y", 10) is None
    assert media.parse_range("bytes=5-2", 10) == media.UNSATISFIABLE
    assert media.parse_range("bytes=-0", 10) == media.UNSATISFIABLE
