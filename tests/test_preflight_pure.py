"""The probe's pure parts: sentences, columns, range arithmetic, the block cache and the
deadline. No server, no PyAV."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headswap_nb.preflight import (
    COLUMNS,
    DEFAULT_MAX_BYTES,
    ProbeResult,
    columns,
    held_back_reason,
    summary_text,
)
from headswap_nb.preflight._blocks import BlockCache
from headswap_nb.preflight._deadline import Deadline
from headswap_nb.preflight._errors import ProbeTimeout
from headswap_nb.preflight._ranges import (
    Answer,
    ContentRange,
    classify_answer,
    human_bytes,
    is_reachable,
    is_textual,
    media_type,
    parse_content_range,
    plan_fetch,
)

VIDEO = ProbeResult(
    url="https://cdn.example/a.mp4",
    reachable=True,
    http_status=206,
    content_type="video/mp4",
    is_video=True,
    duration_s=12.0,
    width=1920,
    height=1080,
    fps=30.0,
    codec="h264",
    thumbnail=b"\xff\xd8\xff",
    thumbnail_mime="image/jpeg",
    size_bytes=10_000_000,
    bytes_read=300_000,
    requests=2,
    seconds=0.25,
)


def test_summary_text() -> None:
    assert summary_text(VIDEO) == "12.0 s · 1920×1080 · 30 fps"
    ntsc = video(duration_s=3.04, fps=30000 / 1001)
    assert summary_text(ntsc) == "3.0 s · 29.97 fps"
    assert summary_text(ProbeResult("u", False, error="no answer within 10 s")) == (
        "no answer within 10 s"
    )


def video(**fields: object) -> ProbeResult:
    """A reachable video with only ``fields`` known (``is_video`` may be overridden)."""
    return ProbeResult(**{"url": "u", "reachable": True, "is_video": True, **fields})  # type: ignore[arg-type]


ACCEPTS = "the API accepts 3–20 s"


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        (VIDEO, None),
        (video(duration_s=25.0), f"25.0 s long: {ACCEPTS}"),
        (video(duration_s=2.96), f"3.0 s long: {ACCEPTS}"),  # 2.96 is under 3, shown rounded
        (video(duration_s=20.0), None),
        (video(), f"duration unknown: {ACCEPTS}"),
        (ProbeResult("u", False, http_status=404, error="HTTP 404"), "not reachable: HTTP 404"),
        (ProbeResult("u", False, error="no answer within 10 s"), "no answer within 10 s"),
        (video(is_video=False, content_type="text/html"), "not a video (text/html)"),
        (video(is_video=False, error="the file is empty"), "not a video: the file is empty"),
        (video(is_video=None, error="timed out"), "could not check: timed out"),
    ],
)
def test_held_back_reason(result: ProbeResult, reason: str | None) -> None:
    assert held_back_reason(result) == reason


def test_held_back_bounds_are_options() -> None:
    long = video(duration_s=25.0)
    assert held_back_reason(long, max_seconds=30) is None
    assert held_back_reason(long, min_seconds=2.5, max_seconds=10) == (
        "25.0 s long: the API accepts 2.5–10 s"
    )


def test_thumbnail_data_uri() -> None:
    assert VIDEO.thumbnail_data_uri == "data:image/jpeg;base64," + base64.b64encode(
        b"\xff\xd8\xff"
    ).decode("ascii")
    assert ProbeResult("u", False).thumbnail_data_uri is None
    assert "thumbnail=" not in repr(VIDEO)  # bytes kept out of the repr


def test_columns_follow_COLUMNS_and_their_kinds() -> None:
    empty = ProbeResult("https://x.example/b.mp4", False, error="no answer within 10 s")
    table = columns([VIDEO, empty])
    assert list(table) == list(COLUMNS)
    kinds = {"str": str, "int": int, "float": float, "bool": bool}
    for name, kind in COLUMNS.items():
        assert len(table[name]) == 2
        for value in table[name]:
            assert value is None or type(value) is kinds[kind], (name, value)
    assert table["summary"] == ["12.0 s · 1920×1080 · 30 fps", "no answer within 10 s"]
    assert table["held_back"] == [None, "no answer within 10 s"]
    assert table["thumbnail"][0].startswith("data:image/jpeg;base64,")
    assert columns([VIDEO], max_seconds=10)["held_back"] == ["12.0 s long: the API accepts 3–10 s"]
    assert columns([]) == {name: [] for name in COLUMNS}


# -- HTTP ranges ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "parsed"),
    [
        ("bytes 0-65535/1454788", ContentRange(0, 65535, 1454788)),
        ("Bytes 10-20/*", ContentRange(10, 20, None)),
        ("bytes */0", ContentRange(None, None, 0)),
        ("bytes 20-10/100", None),
        ("bytes 0-100/100", None),
        ("bytes 0-1", None),
        ("items 0-1/2", None),
        (None, None),
    ],
)
def test_parse_content_range(header: str | None, parsed: ContentRange | None) -> None:
    assert parse_content_range(header) == parsed


@given(st.text())
def test_any_content_range_parses_or_is_none(header: str) -> None:
    parsed = parse_content_range(header)
    assert parsed is None or isinstance(parsed, ContentRange)


def test_media_types() -> None:
    assert media_type("Video/MP4; charset=binary") == "video/mp4"
    assert media_type("") is None and media_type(None) is None
    for kind in ("text/html", "application/json", "image/jpeg", "audio/mpeg"):
        assert is_textual(kind), kind
    for kind in ("video/mp4", "application/octet-stream", "binary/octet-stream", None):
        assert not is_textual(kind), kind
    assert [is_reachable(s) for s in (200, 206, 302, 404, 416, 500, None)] == [
        True, True, True, False, True, False, False,
    ]  # fmt: skip


def test_plan_fetch() -> None:
    plan = {"block_size": 100, "readahead": 4, "budget": 10_000}
    assert plan_fetch(0, 0, cached=set(), size=None, **plan) == (0, 400)
    assert plan_fetch(0, 6, cached=set(), size=None, **plan) == (0, 700)  # the whole read
    assert plan_fetch(0, 0, cached={2}, size=None, **plan) == (0, 200)  # up to a cached block
    assert plan_fetch(8, 8, cached=set(), size=950, **plan) == (800, 150)  # to the end
    assert plan_fetch(10, 10, cached=set(), size=950, **plan) is None  # past the end
    tight = {**plan, "budget": 250}
    assert plan_fetch(0, 6, cached=set(), size=None, **tight) == (0, 200)  # whole blocks
    assert plan_fetch(0, 0, cached=set(), size=None, **{**plan, "budget": 99}) is None


def test_classify_answer() -> None:
    def answer(status: int, first: bool = True, **headers: str | None) -> Answer:
        fields = {"content_range": None, "content_length": None, "content_encoding": None}
        return classify_answer(status, **{**fields, **headers}, offset=0, length=400, first=first)

    assert answer(206, content_range="bytes 0-399/1000") == Answer("part", 1000, 400)
    assert answer(206, content_range="bytes 0-99/*").size == 100  # short: the end
    assert answer(206, content_range="bytes 5-99/1000").kind == "bad"
    assert answer(416, content_range="bytes */0") == Answer("end", 0)
    assert answer(416, content_range="bytes */50").kind == "bad"  # 0-399 was satisfiable
    assert answer(200, content_length="1234") == Answer("whole", 1234, 400)
    assert answer(200, content_length="1234", content_encoding="gzip").size is None
    assert answer(404).kind == "status" and answer(404, first=False).kind == "bad"
    assert "stopped honouring" in (answer(200, first=False).problem or "")


def test_block_cache() -> None:
    cache = BlockCache(4)
    assert cache.store(0, b"abcdefghij", keep_short=False) == b"ij"  # not yet a block
    assert 0 in cache and 1 in cache and 2 not in cache and len(cache) == 2
    assert cache.read(2, 100) == b"cdefgh"
    assert cache.read(8, 100) == b""
    cache.store(8, b"ij", keep_short=True)  # the end of the file
    assert cache.read(6, 100) == b"ghij" and cache.read(10, 100) == b""
    with pytest.raises(ValueError):
        cache.store(3, b"x", keep_short=True)


def test_human_bytes_and_default_limit() -> None:
    assert [human_bytes(n) for n in (999, 1000, 1_454_788, 2 * 1024**3)] == [
        "999 B", "1.0 kB", "1.5 MB", "2.1 GB",
    ]  # fmt: skip
    assert 1_000_000 < DEFAULT_MAX_BYTES <= 10_000_000  # "a few MB"


def test_deadline_on_a_fake_clock() -> None:
    now = [100.0]
    deadline = Deadline.start(10.0, lambda: now[0])
    assert deadline.check() == 10.0 and deadline.timeout().read == 10.0
    now[0] = 107.5
    assert deadline.left() == 2.5 and deadline.timeout().connect == 2.5
    now[0] = 110.0
    assert deadline.left() == 0.0
    with pytest.raises(ProbeTimeout, match="timed out after 10 s"):
        deadline.check()
