"""The analysis board in a real browser: JupyterLab 4, Voilà and Notebook 7 (Chromium).

Skipped when /usr/bin/chromium is absent; ``.ci/run`` installs it. The Jupyter servers get
a simulator's ``AKOOL_BASE_URL``/``AKOOL_API_KEY`` (see ``browser_fixtures.py``).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_fixtures import KERNEL_READY_JS, REPO_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GOOD = [
    "https://example.com/browser/one.mp4?duration=10&queue=5&time=30&people=2&fail=0",
    "https://example.com/browser/two.mp4?duration=12&queue=5&time=40&fail=0",
    "https://example.com/browser/three.mp4?duration=15&time=25&people=3&fail=0",
]
BAD = "https://example.com/browser/broken.mp4?duration=10&time=20&fail=1"
INVALID = "ftp://example.com/not-http.mp4"
ARTIFACTS = REPO_ROOT / "test-artifacts"


def _paste_and_analyze(page: Any, text: str) -> None:
    from playwright.sync_api import expect

    page.locator(".hs-urls textarea").fill(text)
    expect(page.locator(".hs-check")).to_contain_text("4 valid URLs", timeout=10_000)
    expect(page.locator(".hs-rejected")).to_contain_text("not-http.mp4")
    page.locator("button.hs-analyze").click()


def _snapshot_is_there_but_hidden(page: Any) -> None:
    """The board's static snapshot (for saved notebooks) is in the page, updated in
    place, and hidden by the board's CSS: a live board shows once."""
    from playwright.sync_api import expect

    snapshot = page.locator(".hs-snapshot-static")
    expect(snapshot).to_have_count(1, timeout=10_000)
    expect(snapshot).to_be_hidden()


def test_board_in_jupyterlab(lab_notebook: Any) -> None:
    from playwright.sync_api import expect

    page = lab_notebook("board-browser.ipynb")
    board = page.locator(".hs-board")
    expect(board).to_be_visible(timeout=60_000)
    expect(page.locator(".hs-connection")).to_contain_text("AKOOL_API_KEY")
    expect(page.locator("button.hs-analyze")).to_be_disabled()
    _paste_and_analyze(page, "\n".join([GOOD[0], INVALID, GOOD[1], BAD, GOOD[2]]))
    expect(page.locator(".hs-row")).to_have_count(4, timeout=15_000)
    # Rows move while the kernel is idle, and end at 100 % (green) or red.
    expect(page.locator(".hs-row-completed")).to_have_count(3, timeout=30_000)
    expect(page.locator(".hs-row-failed")).to_have_count(1, timeout=30_000)
    for bar in page.locator(".hs-row-completed .progress-bar").all():
        expect(bar).to_have_attribute("style", re.compile(r"width: 100%"))
    failed_bar = page.locator(".hs-row-failed .progress-bar")
    expect(failed_bar).to_have_class(re.compile("progress-bar-danger"))
    # A failed bar stays where the analysis stopped (red), not at a full width.
    expect(failed_bar).not_to_have_attribute("style", re.compile(r"width: 100%"))
    expect(page.locator(".hs-row-failed .hs-error")).not_to_be_empty()
    expect(page.locator(".hs-summary-percent")).to_have_text("100%")
    _snapshot_is_there_but_hidden(page)
    ARTIFACTS.mkdir(exist_ok=True)
    board.screenshot(path=str(ARTIFACTS / "board-jupyterlab-progress.png"))
    # Results tab: the DataFrame and preview images that really load.
    page.locator(".hs-tabs .lm-TabBar-tab", has_text="Results").click()
    expect(page.locator(".hs-dataframe table")).to_be_visible(timeout=10_000)
    expect(page.locator(".hs-dataframe tbody tr")).to_have_count(4)
    images = page.locator(".hs-gallery img.hs-person-img")
    expect(images.first).to_be_visible(timeout=10_000)
    assert images.count() >= 3
    images.last.scroll_into_view_if_needed()  # previews load lazily, as they come in view
    page.wait_for_function(
        "() => [...document.querySelectorAll('.hs-gallery img.hs-person-img')]"
        ".every(i => i.complete && i.naturalWidth > 0)",
        timeout=15_000,
    )
    board.screenshot(path=str(ARTIFACTS / "board-jupyterlab-results.png"))


MOVING = "https://example.com/browser/watch-me.mp4?duration=10&queue=8&time=120&fail=0"
"""About 1 s queued and 12 s processing at the browser simulator's speed (10)."""


def test_a_running_row_is_seen_to_move(lab_notebook: Any) -> None:
    """What the user sees: "processing" shows while it runs, and the bar takes many widths
    on its way to 100 % (extrapolated between polls), not one jump."""
    from playwright.sync_api import expect

    page = lab_notebook("board-browser.ipynb")
    expect(page.locator(".hs-board")).to_be_visible(timeout=60_000)
    page.locator(".hs-urls textarea").fill(MOVING)
    page.locator("button.hs-analyze").click()
    expect(page.locator(".hs-row")).to_have_count(1, timeout=15_000)
    samples = page.evaluate(
        """async () => {
          const seen = [];
          const end = Date.now() + 40000;
          while (Date.now() < end) {
            const row = document.querySelector('.hs-row');
            const bar = row && row.querySelector('.progress-bar');
            const badge = row && row.querySelector('.hs-badge');
            if (bar) seen.push([getComputedStyle(bar).width, badge ? badge.textContent : '']);
            if (row && row.classList.contains('hs-row-completed')) break;
            await new Promise(r => setTimeout(r, 100));
          }
          return seen;
        }"""
    )
    states = [state for _, state in samples]
    assert "processing" in states, states[-5:]
    running = {width for width, state in samples if state == "processing"}
    assert len(running) >= 5, sorted(running)
    assert states[-1] == "completed"
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".hs-board").screenshot(path=str(ARTIFACTS / "board-moving-done.png"))


NARROW = [
    "https://media.example-cdn.com/teams/marketing/2026/campaigns/spring-launch/"
    f"final-cut-v{n}-with-a-rather-long-file-name.mp4?duration=8&queue=1&time=4&fail=0"
    for n in range(4)
]


@pytest.mark.parametrize("width", [900, 1400])
def test_rows_keep_their_parts_inside_the_board(lab_notebook: Any, width: int) -> None:
    """At 900 px with the file browser open (and at 1400 px), every row keeps its status,
    id, time left and action button inside the board; the summary fits on two lines."""
    from playwright.sync_api import expect

    page = lab_notebook("board-browser.ipynb")
    page.set_viewport_size({"width": width, "height": 900})
    browser_tab = page.locator('.jp-SideBar .lm-TabBar-tab[data-id="filebrowser"]')
    if browser_tab.count() and "lm-mod-current" not in (browser_tab.get_attribute("class") or ""):
        browser_tab.click()
    expect(page.locator(".jp-FileBrowser")).to_be_visible(timeout=10_000)
    board = page.locator(".hs-board")
    expect(board).to_be_visible(timeout=60_000)
    page.locator(".hs-urls textarea").fill("\n".join(NARROW))
    page.locator("button.hs-analyze").click()
    expect(page.locator(".hs-row-completed")).to_have_count(len(NARROW), timeout=40_000)
    page.wait_for_timeout(600)  # the last transitions end
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"lab-{width}px.png"))
    board.screenshot(path=str(ARTIFACTS / f"board-{width}px.png"))
    outside = page.evaluate(
        """() => {
          const box = document.querySelector('.hs-board').getBoundingClientRect();
          const inside = r => r.width > 0 && r.left >= box.left - 1 && r.right <= box.right + 1;
          const bad = [];
          for (const row of document.querySelectorAll('.hs-row')) {
            for (const sel of ['.hs-badge', '.hs-id', '.hs-swap-open', '.progress-bar']) {
              const el = row.querySelector(sel);
              if (!el || !inside(el.getBoundingClientRect())) bad.push(sel);
            }
          }
          return bad;
        }"""
    )
    assert outside == []
    lines = page.evaluate(
        """() => {
          const range = document.createRange();
          range.selectNodeContents(document.querySelector('.hs-summary-text'));
          const tops = [...range.getClientRects()].filter(r => r.height > 0).map(r => r.top);
          tops.sort((a, b) => a - b);
          return tops.filter((top, i) => i === 0 || top - tops[i - 1] > 6).length;
        }"""
    )
    assert lines <= 2, lines


def test_the_stakeholder_demo_shows_thumbnails_and_holds_back_the_long_clip(
    lab_notebook: Any,
) -> None:
    """make demo's app as a person meets it: the sample videos are looked at before
    anything is sent (thumbnails on the rows); the 25 s one is held back with its reason."""
    from playwright.sync_api import expect

    pytest.importorskip("av")
    page = lab_notebook("03-stakeholder-demo.ipynb")
    expect(page.locator(".hs-board")).to_be_visible(timeout=60_000)
    expect(page.locator(".hs-looks-summary")).to_contain_text("looked at 4 of 4", timeout=30_000)
    expect(page.locator(".hs-looks-held")).to_contain_text("25.0 s long: the API accepts 3–20 s")
    page.locator("button.hs-analyze").click()
    expect(page.locator(".hs-row")).to_have_count(4, timeout=15_000)
    expect(page.locator(".hs-row-held")).to_have_count(1, timeout=15_000)
    expect(page.locator(".hs-row-held .hs-detail")).to_contain_text("25.0 s long")
    expect(page.locator(".hs-row-held button.hs-send-anyway")).to_be_visible()
    page.wait_for_function(
        "() => { const imgs = [...document.querySelectorAll('.hs-row img.hs-thumb')];"
        " return imgs.length === 4 && imgs.every(i => i.complete && i.naturalWidth > 0); }",
        timeout=30_000,
    )
    expect(page.locator(".hs-row .hs-about").first).to_contain_text("160×90 · 10 fps")
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".hs-board").screenshot(path=str(ARTIFACTS / "board-thumbnails.png"))


def test_board_in_voila(voila_server: Any, page: Any) -> None:
    from playwright.sync_api import expect

    base = voila_server("board-browser.ipynb")
    page.goto(base)
    expect(page.locator(".hs-board")).to_be_visible(timeout=60_000)
    page.locator(".hs-urls textarea").fill(GOOD[0] + "\n" + BAD)
    page.locator("button.hs-analyze").click()
    expect(page.locator(".hs-row-completed")).to_have_count(1, timeout=30_000)
    expect(page.locator(".hs-row-failed")).to_have_count(1, timeout=30_000)
    expect(page.locator(".hs-row-completed .progress-bar")).to_have_attribute(
        "style", re.compile(r"width: 100%")
    )
    _snapshot_is_there_but_hidden(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".hs-board").screenshot(path=str(ARTIFACTS / "board-voila.png"))


def test_board_in_notebook7(notebook7: dict[str, Any], page: Any) -> None:
    from playwright.sync_api import expect

    base, token = notebook7["base_url"], notebook7["token"]
    page.goto(f"{base}/notebooks/board-browser.ipynb?token={token}")
    page.wait_for_function(KERNEL_READY_JS, timeout=60_000)
    page.locator(".jp-Notebook").click()
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    expect(page.locator(".hs-board")).to_be_visible(timeout=60_000)
    page.locator(".hs-urls textarea").fill(GOOD[2])
    page.locator("button.hs-analyze").click()
    expect(page.locator(".hs-row-completed")).to_have_count(1, timeout=30_000)
    _snapshot_is_there_but_hidden(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".hs-board").screenshot(path=str(ARTIFACTS / "board-notebook7.png"))
