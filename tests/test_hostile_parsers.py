"""Hostile input to the parsers, through the real client code path.

Property tests: any status, any headers and any body — arbitrary bytes, arbitrary JSON, or a
JSON envelope with arbitrary fields — sent to each of the four calls (analyze, analyze
detail, task create, task detail) gives either a record or a *typed* ``HeadswapError``;
never another exception. The record then survives everything the toolkit does with it
(properties, repr, DataFrames, escaped HTML), and no text contains the credential even when
the server echoes it. The URL-list parser gets arbitrary text and arbitrary Python lists.
(``test_api.py`` covers ``interpret`` + ``Analysis.from_json`` alone.)
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headswap_nb import Client, frames
from headswap_nb.client.urls import parse_urls, video_url_problem
from headswap_nb.errors import (
    APIError,
    HeadswapError,
    ProtocolError,
    SubmissionUnknownError,
)
from headswap_nb.models import Analysis, Task
from headswap_nb.present import badge, short_url

KEY = "hs-sentinel-parser-5e1d0c"
VIDEO = "https://example.com/a.mp4"
ID = "0123456789abcdef01234567"

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and infinities too: json.dumps writes them, Python reads them back
    | st.text(max_size=24)
    | st.just(KEY)
    | st.just("<script>window.__pwned=1</script>")
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=16,
)
media = st.lists(
    st.fixed_dictionaries(
        {}, optional={"obj_id": json_values, "img_url": json_values, "media_type": json_values}
    ),
    max_size=3,
)
record = st.fixed_dictionaries(
    {"_id": st.text(max_size=30) | st.just(ID) | json_values},
    optional={
        "status": st.sampled_from([1, 2, 3, 4]) | json_values,
        "progress": st.floats(0, 100) | json_values,
        "create_time": st.integers() | json_values,
        "video_url": st.just(VIDEO) | json_values,
        "analysis_result": st.fixed_dictionaries(
            {}, optional={"media": media | json_values, "video_info": json_values}
        )
        | json_values,
        "error_code": json_values,
        "error_reason": json_values,
        "mappings": json_values,
        "resolution": json_values,
        "video_duration": json_values,
        "priority": json_values,
        "uid": json_values,
    },
)
envelopes = st.fixed_dictionaries(
    {"code": st.sampled_from([1000, 1000, 1003, 1005, 1014, 1101, 2001]) | json_values},
    optional={"msg": json_values, "data": record | json_values, "token": json_values},
)
bodies = (
    st.binary(max_size=200)
    | envelopes.map(lambda e: json.dumps(e).encode())
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.just(b'{"code": 1000, "data": {"_id": "' + KEY.encode() + b'"}}')
)
headers = st.dictionaries(
    st.sampled_from(["content-type", "retry-after", "date", "x-whatever", "content-encoding"]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
    max_size=3,
)
statuses = st.sampled_from([200, 200, 200, 201, 204, 301, 400, 401, 404, 408, 429, 500, 502])
CALLS = ["analyze", "get_analysis", "create_task", "get_task"]


def _call(client: Client, name: str) -> Analysis | Task:
    if name == "analyze":
        return client.analyze(VIDEO)
    if name == "get_analysis":
        return client.get_analysis(ID)
    if name == "create_task":
        return client.create_task(VIDEO, [(0, "https://example.com/face.png")])
    return client.get_task(ID)


def _exercise(out: Analysis | Task) -> list[str]:
    """Everything the toolkit does with a record; returns the texts it produced."""
    texts = [repr(out), str(out.status), out.status.label, f"{out.progress:.0f}"]
    if isinstance(out, Analysis):
        texts += [repr(p) for p in out.people]
        df = frames.to_dataframe([out])
        people = frames.people_dataframe([out])
        texts += [frames.to_html(df), frames.to_html(people)]
    else:
        df = frames.tasks_dataframe([out])
        texts.append(frames.to_html(df))
    texts += [badge(out.status.label), short_url(str(out.raw.get("video_url", "")))]
    return texts


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    call=st.sampled_from(CALLS),
    status=statuses,
    header_values=headers,
    body=bodies,
)
def test_any_reply_gives_a_record_or_a_typed_error(
    call: str, status: int, header_values: dict[str, str], body: bytes
) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=header_values, content=body)

    client = Client(
        api_key=KEY,
        base_url="https://api.test",
        transport=httpx.MockTransport(respond),
        max_retries=0,
        sleep=lambda _s: None,
        env={},
    )
    try:
        out: Any = _call(client, call)
    except HeadswapError as error:
        assert isinstance(error, (APIError, ProtocolError, SubmissionUnknownError)), repr(error)
        # Errors are the client's own words: the key is redacted even when the body echoes it.
        texts = [str(error), repr(error), str(vars(error))]
        if error.__cause__ is not None:
            texts += [str(error.__cause__), repr(error.__cause__)]
        for text in texts:
            assert KEY not in text, text
    else:
        # A record is the server's data, shown as given (escaped); it must survive everything.
        assert isinstance(out, Task if "task" in call else Analysis)
        _exercise(out)
    finally:
        client.close()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.none() | st.integers() | st.floats() | st.text() | st.binary(), max_size=8))
def test_any_python_list_is_parsed_without_surprises(items: list[object]) -> None:
    parsed = parse_urls(items)
    assert len(parsed.valid) + len(parsed.rejected) + parsed.duplicates <= len(items)
    for url in parsed.valid:
        assert isinstance(url, str) and video_url_problem(url) is None
        assert url.strip() in [i.strip() for i in items if isinstance(i, str)]
    for rejected in parsed.rejected:
        assert rejected.reason and 1 <= rejected.line <= len(items)
    parsed.describe()


hostile_lines = st.lists(
    st.sampled_from(
        [
            "https://example.com/ok.mp4",
            "https://example.com/<script>alert(1)</script>.mp4",
            'https://example.com/"onmouseover="x.mp4',
            "javascript:alert(1)",
            "https://example.com/a.mp4,https://example.com/b.mp4",
            "https://exa mple.com/x.mp4",
            "https://example.com/\u202eevil.mp4",
            "https://example.com/\x00.mp4",
            "HTTPS://EXAMPLE.COM/UP.MP4",
            "",
            "   ",
            ";;,,",
        ]
    )
    | st.text(max_size=40),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(lines=hostile_lines, separator=st.sampled_from(["\n", "\r\n", ",", ";", " ", "\t"]))
def test_hostile_pasted_text_yields_only_valid_unique_urls(
    lines: list[str], separator: str
) -> None:
    text = separator.join(lines)
    parsed = parse_urls(text)
    assert len(set(parsed.valid)) == len(parsed.valid)
    for url in parsed.valid:
        assert video_url_problem(url) is None and url in text
        assert not re.search(r"\s", url) and url.lower().startswith(("http://", "https://"))
    for rejected in parsed.rejected:
        assert rejected.reason and rejected.text in text
