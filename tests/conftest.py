"""Shared test configuration.

Fixtures live in topic modules (``*_fixtures.py``) and are collected here, so a test file
imports nothing from conftest. Every test runs offline: network traffic only goes to
servers the tests start on 127.0.0.1.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

sys.path.insert(0, str(Path(__file__).parent))

# Fixtures shared across test modules, collected here so test files import no fixtures.
from batch_fixtures import fake_client  # noqa: F401
from browser_fixtures import (  # noqa: F401
    browser,
    browser_simulator,
    jupyter_lab,
    lab_notebook,
    notebook7,
    page,
    voila_server,
)
from client_fixtures import fake_time, make_client, mode  # noqa: F401

if TYPE_CHECKING:
    from headswap_nb.simulator import Simulator

REPO_ROOT = Path(__file__).resolve().parent.parent


def _simulator(request: pytest.FixtureRequest) -> Iterator[Simulator]:
    """A simulator on 127.0.0.1 with the options of the closest ``sim`` marker
    (``pytestmark = pytest.mark.sim(speed=40.0, seed=3)``), stopped after use."""
    from headswap_nb.simulator import serve

    marker = request.node.get_closest_marker("sim")
    with serve(**(dict(marker.kwargs) if marker is not None else {})) as running:
        yield running


@pytest.fixture
def sim(request: pytest.FixtureRequest) -> Iterator[Simulator]:
    """A fresh simulator for this test (options: the ``sim`` marker)."""
    yield from _simulator(request)


@pytest.fixture(scope="module")
def shared_sim(request: pytest.FixtureRequest) -> Iterator[Simulator]:
    """One simulator for the whole module (options: the module's ``sim`` marker)."""
    yield from _simulator(request)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's real Akool credentials or proxy settings."""
    for name in (
        "AKOOL_API_KEY",
        "AKOOL_CLIENT_ID",
        "AKOOL_CLIENT_SECRET",
        "AKOOL_BASE_URL",
        "HEADSWAP_POLL_INTERVAL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run browser tests last: while sync Playwright is open it holds an event loop in the
    main thread, which breaks ``asyncio.run`` (the ``browser`` fixture is per module for the
    same reason, as a pytest-xdist worker may run other modules after it)."""
    browser_fixtures = {
        "browser",
        "page",
        "lab_notebook",
        "jupyter_lab",
        "notebook7",
        "voila_server",
    }

    def in_browser(item: pytest.Item) -> bool:
        return bool(browser_fixtures & set(getattr(item, "fixturenames", ())))

    items.sort(key=in_browser)
