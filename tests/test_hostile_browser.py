"""Hostile strings rendered in a real browser (JupyterLab 4 + Chromium): no script runs.

``tests/notebooks/hostile-render.ipynb`` drives an ``AnalysisBoard`` against a fake API whose
ids, URLs, error messages and ``img_url``s carry HTML/JS payloads that would set
``window.__pwned``, then shows ``hs.show(hs.to_dataframe(...))`` and
``hs.show(hs.people_dataframe(...))``. The page must never get ``window.__pwned``, and the
payloads must be visible as literal text (on the error row, in red, and in the tables).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from browser_fixtures import CHROMIUM, CHROMIUM_ARGS, KERNEL_READY_JS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PWNED_JS = "() => window.__pwned === undefined && !document.querySelector('.jp-OutputArea script')"


def _main_thread_loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@pytest.fixture
def hostile_page(request: pytest.FixtureRequest, jupyter_lab: dict[str, Any]) -> Iterator[Any]:
    """``hostile-render.ipynb`` open in JupyterLab, "Run All Cells" clicked.

    Playwright's sync API keeps an event loop running in the main thread while it lives,
    and the shared ``browser`` fixture lives for the whole session: started here, it would
    break ``asyncio.run`` in every test collected after this file (``test_widgets.py``...).
    So this test runs its own Playwright and stops it at the end — unless a session browser
    is already running, which it then reuses.
    """
    viewport = {"width": 1400, "height": 1400}
    if _main_thread_loop_running():
        context = request.getfixturevalue("browser").new_context(viewport=viewport)
        try:
            yield _open(context.new_page(), jupyter_lab)
        finally:
            context.close()
            _delete_sessions(jupyter_lab)
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield _open(browser.new_context(viewport=viewport).new_page(), jupyter_lab)
        finally:
            browser.close()
            _delete_sessions(jupyter_lab)


def _open(page: Any, lab: dict[str, Any]) -> Any:
    workspace = "t-" + uuid.uuid4().hex[:8]
    page.goto(
        f"{lab['base_url']}/lab/workspaces/{workspace}/tree/hostile-render.ipynb"
        f"?token={lab['token']}"
    )
    page.wait_for_function(KERNEL_READY_JS, timeout=60_000)
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    return page


def _delete_sessions(lab: dict[str, Any]) -> None:
    params = {"token": lab["token"]}
    for session in httpx.get(f"{lab['base_url']}/api/sessions", params=params).json():
        httpx.delete(f"{lab['base_url']}/api/sessions/{session['id']}", params=params)


def test_no_script_runs_from_hostile_strings(hostile_page: Any) -> None:
    from playwright.sync_api import expect

    page = hostile_page
    expect(page.locator(".jp-OutputArea-output", has_text="hostile-done")).to_be_visible(
        timeout=60_000
    )
    board = page.locator(".hs-board")
    expect(page.locator(".hs-row")).to_have_count(4, timeout=15_000)
    expect(page.locator(".hs-row-completed")).to_have_count(2, timeout=15_000)
    # The refused submit: its row shows the server's message as text, in red.
    error = page.locator(".hs-row-error .hs-error")
    expect(error).to_contain_text("<img src=x onerror=window.__pwned=1>")
    expect(error).to_contain_text("<script>window.__pwned=1</script>")
    assert "rgb(198, 40, 40)" in error.evaluate("e => getComputedStyle(e).color")
    expect(page.locator(".hs-row-failed .hs-error")).to_contain_text("onerror=window.__pwned=1")
    # The two ``hs.show`` outputs (not the board's hidden Results table, nor its hidden
    # static snapshot, which escapes them too) show them as text.
    shown = (
        page.locator(".jp-OutputArea-output")
        .filter(has=page.locator("table"))
        .filter(has_not=page.locator(".hs-board"))
        .filter(has_not=page.locator(".hs-snapshot-static"))
    )
    expect(shown).to_have_count(2)
    expect(shown.nth(0)).to_contain_text("<script>window.__pwned=1</script>")
    expect(shown.nth(0)).to_contain_text("<img src=x onerror=window.__pwned=1>")
    expect(shown.nth(1)).to_contain_text("javascript:window.__pwned=1")
    expect(shown.nth(1)).to_contain_text("data:image/svg+xml,<svg onload=window.__pwned=1>")
    # The Results tab (DataFrame + gallery inside HTML widgets).
    page.locator(".hs-tabs .lm-TabBar-tab", has_text="Results").click()
    expect(board.locator(".hs-dataframe table")).to_be_visible(timeout=10_000)
    expect(board.locator(".hs-dataframe")).to_contain_text("<script>window.__pwned=1</script>")
    # Give failed image loads time to fire any onerror, then check nothing ran.
    page.wait_for_timeout(1500)
    assert page.evaluate(PWNED_JS), "a hostile payload executed"
    assert page.evaluate("() => document.querySelectorAll('.hs-board [onerror]').length") == 0
