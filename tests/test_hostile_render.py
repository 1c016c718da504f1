"""HTML/JS in URLs, ids, error messages and ``img_url`` renders as inert, escaped text.

A fake Akool server (``httpx.MockTransport``) answers with hostile strings everywhere a
string can go; a real ``AnalysisBoard`` and the DataFrame renderers show them. Every piece of
HTML produced (board rows, summary, Results tab, gallery, the static fallback, ``frames``
tables) is parsed: no script element, no event-handler attribute, no ``javascript:``/``data:``
link — and the payload text itself is there, escaped. ``test_hostile_browser.py`` renders the
same payloads in JupyterLab and checks that no script runs.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from typing import Any, TypeVar

import httpx
import pytest

from headswap_nb import frames
from headswap_nb.client import AsyncClient
from headswap_nb.models import Analysis

SCRIPT = "<script>window.__pwned=1</script>"
IMG = "<img src=x onerror=window.__pwned=1>"
ATTR = '"><img src=x onerror=window.__pwned=1>'
JS_URL = "javascript:window.__pwned=1"
URLS = {
    "script": "https://example.com/<script>window.__pwned=1</script>.mp4",
    "attr": 'https://example.com/ok.mp4?q="><img/src=x/onerror=window.__pwned=1>',
    "fails": "https://example.com/fails.mp4?<svg/onload=window.__pwned=1>",
    "refused": "https://example.com/refused.mp4?<img/src=x/onerror=window.__pwned=1>",
}
MEDIA = [
    {"obj_id": 0, "img_url": JS_URL},
    {"obj_id": 1, "img_url": 'https://x.test/a.png" onerror="window.__pwned=1'},
    {"obj_id": 2, "img_url": "data:image/svg+xml,<svg onload=window.__pwned=1>"},
    {"obj_id": 3, "img_url": "https://x.test/b.png?<script>window.__pwned=1</script>"},
]

T = TypeVar("T")


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a worker thread. Playwright's sync API (the session-scoped
    ``browser`` fixture) leaves a running event loop in the main thread, so a plain
    ``asyncio.run`` fails in any test that runs after the first browser test."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def hostile_record(job_id: str, url: str) -> dict[str, Any]:
    """A detail record for ``url`` with hostile strings in every text field."""
    record: dict[str, Any] = {
        "_id": job_id,
        "video_url": url,
        "status": 3,
        "progress": 100,
        "type": "head",
        "team_id": SCRIPT,
        "analysis_result": {"media": MEDIA, "detected_objects": len(MEDIA)},
    }
    if "fails" in url:
        record.update(status=4, progress=40, error_code=1015, error_reason=IMG + SCRIPT + ATTR)
        record.pop("analysis_result")
    return record


def hostile_transport() -> httpx.MockTransport:
    """A fake API whose ids, records and error messages carry HTML/JS."""
    jobs: dict[str, str] = {}

    def respond(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            url = json.loads(request.content)["video_url"]
            if "refused" in url:
                return httpx.Response(200, json={"code": 1003, "msg": IMG + SCRIPT})
            job_id = f"<img/src=x/onerror=window.__pwned=1>{len(jobs)}"
            jobs[job_id] = url
            data = {"_id": job_id, "video_url": url, "status": 1, "progress": 0}
            return httpx.Response(200, json={"code": 1000, "msg": "OK", "data": data})
        job_id = request.url.params["_id"]
        return httpx.Response(
            200, json={"code": 1000, "msg": "OK", "data": hostile_record(job_id, jobs[job_id])}
        )

    return httpx.MockTransport(respond)


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed", "svg", "math", "base", "meta"):
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> handler")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value:
                target = "".join(value.split()).lower()
                if target.startswith(("javascript:", "vbscript:")) or (
                    target.startswith("data:") and not target.startswith("data:image/png")
                ):
                    self.problems.append(f"<{tag} {name}={value!r}>")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def assert_inert(markup: str) -> str:
    """Fail if ``markup`` could run script; returns its visible text."""
    inspector = _Inspector()
    inspector.feed(markup)
    inspector.close()
    assert not inspector.problems, (inspector.problems, markup[:500])
    return "".join(inspector.text)


def _html_values(root: Any) -> list[str]:
    import ipywidgets as W

    from headswap_nb.widgets.live import walk

    return [w.value for w in walk(root) if isinstance(w, W.HTML | W.HTMLMath)]


def test_board_and_frames_render_hostile_strings_inert() -> None:
    from headswap_nb.polling import PollPolicy
    from headswap_nb.widgets import AnalysisBoard

    async def main() -> None:
        client = AsyncClient(
            api_key="render-test-key", base_url="https://api.test", transport=hostile_transport()
        )
        board = AnalysisBoard(client=client, poll=PollPolicy(interval=0.05, min_interval=0.02))
        try:
            board.submit(list(URLS.values()))
            await board.batch.wait()
            board.refresh()
            await asyncio.sleep(0)
            board.refresh()
            states = {e.url: e.state.value for e in board.batch.entries}
            assert states == {
                URLS["script"]: "completed",
                URLS["attr"]: "completed",
                URLS["fails"]: "failed",
                URLS["refused"]: "error",
            }
            markup = _html_values(board.view)
            for row in board.renderer.rows:
                markup += _html_values(row)
            markup.append(board._repr_mimebundle_()["text/html"])
            records = list(board.records.values())
            analyses = frames.to_dataframe(records)
            people = frames.people_dataframe(records)
            markup += [
                frames.to_html(analyses),
                frames.to_html(people),
                frames.show(analyses)._repr_html_(),
                board.results.table.value,
                board.results.gallery.value,
            ]
            visible = "".join(assert_inert(m) for m in markup)
            # The payloads are shown as text, not dropped.
            for literal in (SCRIPT, IMG, JS_URL, "onerror=window.__pwned=1>"):
                assert literal in visible, literal
            row_text = "".join(_html_values(board.rows_box))
            assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in row_text  # red error
            # Labels and tooltips are plain text (not HTML) in ipywidgets: shown verbatim.
            labels = {r.url.tooltip for r in board.renderer.rows if r.entry_url}
            assert URLS["script"] in labels
            text = repr(board)
            assert SCRIPT in text and "error" in text
        finally:
            board.close()
            await client.aclose()
            await asyncio.sleep(0.05)

    run_async(main())


@pytest.mark.parametrize("field", ["video_url", "error_reason", "_id", "team_id"])
def test_frames_escape_each_text_column(field: str) -> None:
    data = hostile_record("abc", "https://example.com/fails.mp4")
    data[field] = ATTR + SCRIPT
    analysis = Analysis.from_json(data)
    for markup in (
        frames.to_html(frames.to_dataframe([analysis])),
        frames.to_html(frames.people_dataframe([Analysis.from_json(hostile_record("x", "u"))])),
    ):
        assert_inert(markup)
    assert "&lt;script&gt;" in frames.to_html(frames.to_dataframe([analysis]))
