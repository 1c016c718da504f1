"""The head-swap panel in a real browser (JupyterLab 4, Chromium), by clicking.

From a completed analysis' row: "Swap…", two face URLs served by the simulator, Create; the
task row reaches 100 % and the output video element loads. Skipped when /usr/bin/chromium is
absent (see ``browser_fixtures.py``).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_fixtures import REPO_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = REPO_ROOT / "test-artifacts"


def test_head_swap_in_jupyterlab(lab_notebook: Any, browser_simulator: Any) -> None:
    from playwright.sync_api import expect

    page = lab_notebook("swap-browser.ipynb")
    expect(page.locator(".hs-board")).to_be_visible(timeout=60_000)
    completed = page.locator(".hs-row-completed")
    expect(completed).to_have_count(1, timeout=30_000)
    swap = completed.locator("button.hs-swap-open")
    expect(swap).to_be_visible()
    swap.click()
    panel = page.locator(".hs-swap-panel")
    expect(panel).to_be_visible(timeout=10_000)
    expect(panel.locator(".hs-swap-person")).to_have_count(2)
    for n in (0, 1):
        face = f"{browser_simulator.base_url}/_sim/media/faces/{n + 5}.png"
        panel.locator(f".hs-swap-face-{n} input").fill(face)
    expect(panel.locator("img.hs-swap-face-img")).to_have_count(2, timeout=10_000)
    expect(panel.locator(".hs-swap-count")).to_contain_text("2 of 2 people chosen")
    panel.locator("button.hs-swap-create").click()
    row = panel.locator(".hs-task-row")
    expect(row).to_have_count(1, timeout=10_000)
    expect(panel.locator(".hs-task-row-completed")).to_have_count(1, timeout=30_000)
    expect(row.locator(".hs-task-progress .progress-bar")).to_have_attribute(
        "style", re.compile(r"width: 100%")
    )
    expect(row.locator("a.hs-swap-download")).to_have_attribute("href", re.compile(r"\.mp4$"))
    expect(row.locator(".hs-swap-expiry")).to_contain_text("Output links may expire")
    page.wait_for_function(
        "() => { const v = document.querySelector('.hs-output-video');"
        " return v !== null && v.readyState >= 1; }",
        timeout=15_000,
    )
    expect(row.locator("button.hs-swap-save")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".hs-board").screenshot(path=str(ARTIFACTS / "swap-jupyterlab.png"))
