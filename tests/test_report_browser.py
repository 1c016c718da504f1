"""The report in a real Chromium with every network request blocked: it must not need one.

Each request the page attempts is counted and aborted, except the report file itself.
Every image must decode from the file alone; a screenshot goes to
``test-artifacts/report.png`` (1400 px wide) for a person to look at.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from headswap_nb import AsyncClient, Batch
from headswap_nb.reports import board_html, fetch_images, report
from headswap_nb.simulator import serve

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
IMAGES_DECODED = """() => [...document.images].map(
  i => ({complete: i.complete, width: i.naturalWidth, src: i.src.slice(0, 30)}))"""


def _in_thread(work: Any) -> Any:
    """Run ``asyncio.run(work())`` off the main thread: sync Playwright holds its loop."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(work())
        except BaseException as exc:  # re-raised in the test
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(120)
    if "error" in box:
        raise box["error"]
    return box["value"]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A finished batch with people, failures and two head-swap tasks: its report file and
    its board snapshot, made while the simulator (the previews' host) was up."""
    folder = tmp_path_factory.mktemp("report")
    with serve(speed=50.0, seed=11) as sim:
        urls = [f"https://example.com/b{i}.mp4?duration={6 + i}&people={i % 4}&time={2 + i}&fail=0"
                for i in range(10)]  # fmt: skip
        urls += ["https://example.com/broken.mp4?fail=1&time=2", sim.video_url("clip-25s")]

        async def run() -> dict[str, Any]:
            async with AsyncClient(api_key=sim.api_key, base_url=sim.base_url) as client:
                batch = Batch(urls, client=client, journal=folder / "j.sqlite")
                await batch.wait()
                for entry in [e for e in batch.entries if e.analysis and e.analysis.people][:2]:
                    assert entry.analysis is not None
                    faces = {p.obj_id: f"{sim.base_url}/_sim/media/faces/{p.obj_id + 1}.png"
                             for p in entry.analysis.people[:2]}  # fmt: skip
                    batch.create_task(entry.url, faces)
                await batch.wait()
                path = report(batch, folder / "report.html", title="Head-swap report: demo")
                previews = [p.img_url for e in batch.entries if e.analysis
                            for p in e.analysis.people if p.img_url]  # fmt: skip
                board = board_html(batch, thumbnails=fetch_images(previews))
                outputs = [t.output_url for t in batch.tasks]
                await batch.aclose()
                return {"path": path, "board": board, "outputs": outputs, "host": sim.base_url}

        return _in_thread(run)  # type: ignore[no-any-return]


def _block_everything(page: Any, allowed: str | None) -> list[str]:
    attempts: list[str] = []

    def handle(route: Any) -> None:
        url = route.request.url
        if allowed is not None and url == allowed:
            route.continue_()
        else:
            attempts.append(url)
            route.abort()

    page.route("**/*", handle)
    return attempts


def test_the_report_opens_offline_with_every_image_decoded(page: Any, made: dict[str, Any]) -> None:
    url = made["path"].resolve().as_uri()
    attempts = _block_everything(page, url)
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # anything lazy would have asked by now
    images = page.evaluate(IMAGES_DECODED)
    assert len(images) >= 10, images
    assert all(i["complete"] and i["width"] > 0 for i in images), images
    assert attempts == []  # not one request to any host
    assert page.locator("svg.hs-chart").count() == 2
    assert page.locator("svg.hs-chart rect").count() > 10
    assert page.locator("text=may expire (about 7 days)").count() >= 1
    links = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
    assert set(made["outputs"]) <= set(links)  # outputs are linked, and were not fetched
    assert page.evaluate("document.scripts.length") == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)


def test_the_board_snapshot_needs_no_network_either(page: Any, made: dict[str, Any]) -> None:
    attempts = _block_everything(page, None)
    page.set_content(f"<!DOCTYPE html><html><body>{made['board']}</body></html>")
    page.wait_for_timeout(200)
    images = page.evaluate(IMAGES_DECODED)
    assert images and all(i["complete"] and i["width"] > 0 for i in images), images
    assert attempts == []
    assert page.locator(".hs-snapshot-row").count() == 12 + 2
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".hs-snapshot").screenshot(path=str(ARTIFACTS / "board-snapshot.png"))
