"""headswap_nb.frames.html: escaped tables that link only web URLs."""

from __future__ import annotations

import re

import pandas as pd

# akool-api.md §4.1, §4.2, §4.3, §4.4 examples, verbatim.
from frames_fixtures import (
    COMPLETED,
    data,
)

from headswap_nb import frames

# --- HTML -------------------------------------------------------------------------------


HOSTILE = '"><script>alert(1)</script>'


def hostile_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    record = data(COMPLETED)
    record["video_url"] = "https://example.com/v.mp4" + HOSTILE
    record["error_reason"] = HOSTILE
    record["analysis_result"]["media"] = [
        {"obj_id": 0, "img_url": "javascript:alert(1)", "media_type": HOSTILE},
        {"obj_id": 1, "img_url": "java\tscript:alert(1)"},
        {"obj_id": 2, "img_url": "https://example.com/p.png?a=1&b=<2>"},
    ]
    bad = {"_id": HOSTILE, "video_url": "javascript:alert(1)", "status": 9}
    return frames.to_dataframe([record, bad]), frames.people_dataframe([record])


def test_html_escapes_everything_and_only_links_web_urls() -> None:
    analyses, people = hostile_frames()
    for html in (frames.to_html(analyses), frames.to_html(people)):
        assert "<script" not in html
        assert not re.search(r"""(href|src)="\s*java""", html)
        for url in re.findall(r'(?:href|src)="([^"]*)"', html):
            assert url.startswith("https://"), url
    people_html = frames.show(people)._repr_html_()
    # A URL with raw < or > in it is no URL a browser should fetch (RFC 3986 wants them
    # percent-encoded): shown as text, like the javascript: ones.
    assert "<img" not in people_html and "p.png?a=1&amp;b=&lt;2&gt;" in people_html
    media = [{"obj_id": 0, "img_url": "https://example.com/p.png?a=1&b=2"}]
    clean = frames.people_dataframe([{**data(COMPLETED), "analysis_result": {"media": media}}])
    clean_html = frames.show(clean)._repr_html_()
    assert '<img src="https://example.com/p.png?a=1&amp;b=2"' in clean_html
    assert 'loading="lazy"' in clean_html
    assert "javascript:alert(1)" in people_html  # shown as text
    analyses_html = frames.to_html(analyses)
    assert "&lt;script&gt;" in analyses_html
    assert "#e65100" in analyses_html and "#2e7d32" in analyses_html  # unknown, completed badges
    assert "{'_id'" not in analyses_html  # raw is not displayed


def test_html_limits_rows() -> None:
    df = frames.to_dataframe([{"_id": str(i)} for i in range(5)])
    html = frames.to_html(df, max_rows=2)
    assert html.count("<tr>") == 3 and "first 2 of 5 rows" in html
