"""Browser-test fixtures: a simulator, JupyterLab 4 / Notebook 7 / Voilà servers, Chromium.

Follows /work/shared/browser-testing.md: Debian's Chromium through Playwright (never
``playwright install``), servers on 127.0.0.1 with a token, a fresh JupyterLab workspace per
test, and a skip (not a failure) when Chromium is absent. The Jupyter servers get
``AKOOL_BASE_URL``/``AKOOL_API_KEY`` of a simulator started here, and their kernels inherit
them, so notebooks talk to the simulator with no key in any cell.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "KERNEL_READY_JS",
    "NOTEBOOKS",
    "REPO_ROOT",
    "browser",
    "browser_simulator",
    "jupyter_lab",
    "lab_notebook",
    "notebook7",
    "page",
    "voila_server",
]

HERE = Path(__file__).parent
REPO_ROOT = HERE.parent
NOTEBOOKS = HERE / "notebooks"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
KERNEL_READY_JS = """() => {
  const ei = document.querySelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator');
  const kn = document.querySelector('.jp-NotebookPanel .jp-KernelName');
  const name = kn ? kn.textContent.trim() : '';
  return ei && ei.dataset.status === 'idle' && name !== '' && name !== 'No Kernel';
}"""


def _need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not installed at {CHROMIUM} (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def browser_simulator() -> Iterator[Any]:
    """A simulator for the Jupyter servers' kernels (10× real time)."""
    _need_chromium()
    from headswap_nb.simulator import serve

    with serve(speed=10.0, seed=7) as sim:
        yield sim


def _server_env(tmp: Path, sim: Any, settings: Path | None = None) -> dict[str, str]:
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        JUPYTER_DATA_DIR=str(tmp / "data"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "ws"),
        JUPYTER_PLATFORM_DIRS="1",
        AKOOL_BASE_URL=sim.base_url,
        AKOOL_API_KEY=sim.api_key,
        NO_PROXY="127.0.0.1,localhost",
    )
    # Kernels find the kernelspec of this venv (JUPYTER_DATA_DIR hides the user's).
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    if settings is not None:
        env["JUPYTERLAB_SETTINGS_DIR"] = str(settings)
    return env


def _start(
    cmd: list[str], env: dict[str, str], log: Path, ready_url: str
) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.time() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{cmd[2]} died rc={proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(ready_url, timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        if time.time() > deadline:
            _stop(proc, None)
            raise TimeoutError(f"{cmd[2]} did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.25)


def _stop(proc: subprocess.Popen[bytes], shutdown_url: str | None) -> None:
    try:
        if shutdown_url is None:
            raise RuntimeError
        httpx.post(shutdown_url, timeout=5)
        proc.wait(timeout=15)
    except Exception:  # then only OUR process group
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _notebook_root(tmp: Path) -> Path:
    root = tmp / "notebooks"
    root.mkdir()
    for nb in NOTEBOOKS.glob("*.ipynb"):
        shutil.copy(nb, root / nb.name)
    for nb in (REPO_ROOT / "notebooks").glob("*.ipynb"):  # the user's notebooks, as shipped
        shutil.copy(nb, root / nb.name)
    return root


def _jupyter_server(
    tmp: Path, sim: Any, module: str, extra: list[str], settings: Path | None = None
) -> Iterator[dict[str, Any]]:
    root = _notebook_root(tmp)
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [
        sys.executable, "-m", module, "--no-browser", "--allow-root", "--ip=127.0.0.1",
        f"--port={port}", "--port-retries=0", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}", *extra,
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    proc = _start(
        cmd, _server_env(tmp, sim, settings), tmp / "server.log", f"{base}/api/status?token={token}"
    )
    yield {"base_url": base, "token": token, "root": root, "log": tmp / "server.log"}
    _stop(proc, f"{base}/api/shutdown?token={token}")


@pytest.fixture(scope="session")
def jupyter_lab(
    tmp_path_factory: pytest.TempPathFactory, browser_simulator: Any
) -> Iterator[dict[str, Any]]:
    """JupyterLab 4 serving copies of ``tests/notebooks``; kernels talk to the simulator."""
    tmp = tmp_path_factory.mktemp("jlab")
    settings = tmp / "settings"
    for rel, data in {
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
            "windowingMode": "none",
            "autoStartDefaultKernel": True,
        },
    }.items():
        (settings / rel).parent.mkdir(parents=True, exist_ok=True)
        (settings / rel).write_text(json.dumps(data))
    extra = ["--LabApp.news_url=None", "--LabApp.extension_manager=readonly"]
    yield from _jupyter_server(tmp, browser_simulator, "jupyterlab", extra, settings)


@pytest.fixture(scope="session")
def notebook7(
    tmp_path_factory: pytest.TempPathFactory, browser_simulator: Any
) -> Iterator[dict[str, Any]]:
    """Notebook 7 (``/notebooks/<name>``) serving copies of ``tests/notebooks``."""
    tmp = tmp_path_factory.mktemp("nb7")
    yield from _jupyter_server(tmp, browser_simulator, "notebook", [])


@pytest.fixture(scope="session")
def voila_server(
    tmp_path_factory: pytest.TempPathFactory, browser_simulator: Any
) -> Iterator[Callable[[str], str]]:
    """``voila_server(name)`` → URL of a Voilà app rendering ``tests/notebooks/<name>``."""
    tmp = tmp_path_factory.mktemp("voila")
    root = _notebook_root(tmp)
    procs: list[subprocess.Popen[bytes]] = []

    def launch(name: str) -> str:
        port = _free_port()
        cmd = [
            sys.executable, "-m", "voila", "--no-browser", f"--port={port}",
            "--Voila.ip=127.0.0.1", "--Voila.open_browser=False", str(root / name),
        ]  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        procs.append(_start(cmd, _server_env(tmp, browser_simulator), tmp / f"{port}.log", base))
        return base

    yield launch
    for proc in procs:
        _stop(proc, None)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright, for one test module: while sync
    Playwright is open it holds an event loop in the main thread, which would break the
    ``asyncio.run`` of any later test that a pytest-xdist worker runs after this module."""
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page (own context) with a large viewport, so screenshots show the board."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1400})
    yield ctx.new_page()
    ctx.close()


@pytest.fixture
def lab_notebook(jupyter_lab: dict[str, Any], page: Any) -> Iterator[Callable[..., Any]]:
    """``lab_notebook(name)`` → page with the notebook open in a FRESH workspace, kernel idle,
    "Run All Cells" clicked. Sessions are deleted afterwards."""

    def open_notebook(name: str, run_all: bool = True) -> Any:
        ws = "t-" + uuid.uuid4().hex[:8]
        base, token = jupyter_lab["base_url"], jupyter_lab["token"]
        page.goto(f"{base}/lab/workspaces/{ws}/tree/{name}?token={token}")
        page.wait_for_function(KERNEL_READY_JS, timeout=60_000)
        if run_all:
            page.locator(
                "#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")
            ).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        return page

    yield open_notebook
    base, tok = jupyter_lab["base_url"], jupyter_lab["token"]
    for s in httpx.get(f"{base}/api/sessions", params={"token": tok}).json():
        httpx.delete(f"{base}/api/sessions/{s['id']}", params={"token": tok})
