"""Splitting and checking pasted URL lists."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headswap_nb.client.urls import parse_urls, video_url_problem


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("", "empty"),
        ("ftp://example.com/a.mp4", "http:// or https://"),
        ("example.com/a.mp4", "http:// or https://"),
        ("https://exa mple.com/a.mp4", "whitespace"),
        ("https:///a.mp4", "no host"),
        ("https://example.com:99999/a.mp4", "not a valid URL"),
        ("https://example.com/\x07.mp4", "control"),
        ("https://example.com/" + "a" * 5000, "characters long"),
        (42, "must be a string"),
    ],
)
def test_problems_are_named(url: object, fragment: str) -> None:
    problem = video_url_problem(url)
    assert problem is not None and fragment in problem


@pytest.mark.parametrize(
    "url",
    ["https://example.com/videos/source.mp4", "HTTP://EXAMPLE.COM/A.MP4?x=1&y=%20#f"],
)
def test_good_urls_pass_unchanged(url: str) -> None:
    assert video_url_problem(url) is None
    assert parse_urls(url).valid == (url,)


def test_text_is_split_deduplicated_and_ordered() -> None:
    text = (
        "https://a.example/1.mp4, https://b.example/2.mp4\n"
        "\n"
        "  https://a.example/1.mp4 ; ftp://c.example/3.mp4\t https://d.example/4.mp4\n"
    )
    parsed = parse_urls(text)
    assert parsed.valid == (
        "https://a.example/1.mp4",
        "https://b.example/2.mp4",
        "https://d.example/4.mp4",
    )
    assert parsed.duplicates == 1
    assert [(r.text, r.line) for r in parsed.rejected] == [("ftp://c.example/3.mp4", 3)]
    assert parsed.describe() == "3 valid URLs, 1 duplicate, 1 invalid"


def test_list_items_are_taken_whole() -> None:
    parsed = parse_urls(["https://a.example/x y.mp4", " https://b.example/z.mp4 ", "", None])
    assert parsed.valid == ("https://b.example/z.mp4",)
    assert parsed.rejected[0].line == 1 and "whitespace" in parsed.rejected[0].reason
    # A note among the URLs (words, no "://") is said to be no URL, not "has whitespace".
    (note,) = parse_urls(["see the sheet for more", "https://b.example/z.mp4"]).rejected
    assert (note.text, note.line) == ("see the sheet for more", 1) and "no URL" in note.reason


def test_pandas_series_with_missing_cells() -> None:
    import pandas as pd

    series = pd.Series(["https://a.example/1.mp4", None, float("nan"), "https://a.example/1.mp4"])
    parsed = parse_urls(series)
    assert parsed.valid == ("https://a.example/1.mp4",)
    assert parsed.duplicates == 1 and parsed.rejected == ()


@given(st.text())
def test_any_text_is_parsed_without_surprises(text: str) -> None:
    parsed = parse_urls(text)
    assert len(set(parsed.valid)) == len(parsed.valid)
    for url in parsed.valid:
        assert video_url_problem(url) is None
        assert url in text
