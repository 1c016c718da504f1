"""headswap_nb.client.validation: arguments checked before anything is sent."""

from __future__ import annotations

import json

import httpx
import pytest

from headswap_nb.client import protocol
from headswap_nb.client.effects import Problem, Reply, Request
from headswap_nb.client.secret import Secret
from headswap_nb.client.validation import check_url, normalise_mappings
from headswap_nb.errors import (
    InvalidRequestError,
)

KEY = Secret("fake-SENTINEL-api")
GET = Request("GET", protocol.ANALYZE_DETAIL_PATH, subject="abc", params={"_id": "abc"})
POST = Request("POST", protocol.ANALYZE_PATH, subject="https://v.test/a.mp4", json={}, submit=True)


def reply(body: object, status: int = 200, **headers: str) -> Reply:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Reply(status, httpx.Headers(headers), content)


def interpret(r: Reply, request: Request = GET) -> dict[str, object] | Problem:
    return protocol.interpret(r, request, secrets=(KEY,), now=1_000_000.0)


# --- local validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["", "example.com/a.mp4", "ftp://x/a.mp4", "https://", "https://x/a b.mp4", "https://x/a\n", 5],
)
def test_bad_urls_are_rejected(url: object) -> None:
    with pytest.raises(InvalidRequestError) as info:
        check_url(url, "video_url")
    assert info.value.field == "video_url"


def test_urls_are_returned_verbatim() -> None:
    url = "HTTPS://Example.com/a%20b.mp4?x=1&y=2#frag"
    assert check_url(url, "video_url") is url


@pytest.mark.parametrize(
    "mappings",
    [
        [{"obj_id": 0, "img_url": "https://f/0.jpg"}, {"obj_id": 2, "img_url": "https://f/2.jpg"}],
        [(0, "https://f/0.jpg"), (2, "https://f/2.jpg")],
        {0: "https://f/0.jpg", 2: "https://f/2.jpg"},
    ],
)
def test_mapping_shapes_normalise_alike(mappings: object) -> None:
    assert normalise_mappings(mappings) == [
        {"obj_id": 0, "img_url": "https://f/0.jpg"},
        {"obj_id": 2, "img_url": "https://f/2.jpg"},
    ]


@pytest.mark.parametrize(
    ("mappings", "field"),
    [
        ([], "mappings"),
        ([(i, "https://f/x.jpg") for i in range(6)], "mappings"),
        ([(0, "https://f/a.jpg"), (0, "https://f/b.jpg")], "mappings[1].obj_id"),
        ([("0", "https://f/a.jpg")], "mappings[0].obj_id"),
        ([(True, "https://f/a.jpg")], "mappings[0].obj_id"),
        ([(-1, "https://f/a.jpg")], "mappings[0].obj_id"),
        ([(0, "file:///a.jpg")], "mappings[0].img_url"),
        ([{"obj_id": 0}], "mappings[0].img_url"),
        ({"obj_id": 0, "img_url": "https://f/a.jpg"}, "mappings"),
        ("https://f/a.jpg", "mappings"),
        ([0], "mappings[0]"),
    ],
)
def test_bad_mappings_name_the_field(mappings: object, field: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        normalise_mappings(mappings)
    assert info.value.field == field
