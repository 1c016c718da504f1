"""``headswap-nb demo``: the simulator plus JupyterLab, or every notebook run headlessly.

Both modes start their own simulator on 127.0.0.1 and hand it to the notebooks through the
environment (``AKOOL_BASE_URL``/``AKOOL_API_KEY``), which the kernels inherit; the notebooks
then use ``headswap_nb.connect()`` exactly as they would against the real API. The simulator's
key is generated per run and never printed.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headswap_nb.simulator import Simulator

__all__ = ["NotebookRun", "execute_notebooks", "serve_lab"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # tracebacks from the kernel come coloured


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _notebook_root(notebooks: str) -> Path | None:
    root = Path(notebooks).resolve()
    if not root.is_dir() or not any(root.glob("*.ipynb")):
        print(
            f"headswap-nb demo: no notebooks in {root}; run it from the repository root "
            "or pass --notebooks PATH",
            file=sys.stderr,
        )
        return None
    return root


@contextlib.contextmanager
def _simulator_environment(*, speed: float, seed: int) -> Iterator[Simulator]:
    """A simulator, with ``os.environ`` pointing child kernels at it while it runs."""
    from headswap_nb.simulator import serve

    with serve(speed=speed, seed=seed) as sim:
        saved = {name: os.environ.get(name) for name in ("AKOOL_BASE_URL", "AKOOL_API_KEY")}
        os.environ["AKOOL_BASE_URL"] = sim.base_url
        os.environ["AKOOL_API_KEY"] = sim.api_key
        try:
            yield sim
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def _wait_until_up(url: str, proc: subprocess.Popen[bytes], *, deadline_s: float) -> bool:
    import httpx

    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        time.sleep(0.25)
    return False


def serve_lab(*, notebooks: str, port: int, speed: float, seed: int) -> int:
    """Run the simulator and JupyterLab until Ctrl-C; print the URL to open."""
    root = _notebook_root(notebooks)
    if root is None:
        return 2
    port = port or _free_port()
    token = secrets.token_hex(16)
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
        f"--port={port}", "--port-retries=0", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}", "--LabApp.news_url=None",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # JupyterLab refuses to run as root without it
    with _simulator_environment(speed=speed, seed=seed) as sim:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        base = f"http://127.0.0.1:{port}"
        if not _wait_until_up(f"{base}/api/status?token={token}", proc, deadline_s=90):
            proc.kill()
            _, err = proc.communicate()
            print(err.decode(errors="replace")[-2000:], file=sys.stderr)
            print("headswap-nb demo: JupyterLab did not start (log above)", file=sys.stderr)
            return 1
        print(
            "\n".join(
                [
                    "",
                    f"  Simulator   {sim.base_url}  (speed x{speed:g}, seed {seed})",
                    f"  JupyterLab  {base}/lab/tree/01-quickstart.ipynb?token={token}",
                    f"  Voila app   {base}/voila/render/03-stakeholder-demo.ipynb?token={token}",
                    "",
                    "  Open the JupyterLab URL in your browser; the notebooks find the simulator",
                    "  through AKOOL_BASE_URL/AKOOL_API_KEY, already set for their kernels.",
                    "  Press Ctrl-C to stop both.",
                    "",
                ]
            ),
            flush=True,
        )
        try:
            return proc.wait()
        except KeyboardInterrupt:
            print("\nstopping JupyterLab and the simulator...", flush=True)
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
            return 0


@dataclass(frozen=True, slots=True)
class NotebookRun:
    """What happened when one notebook was executed."""

    name: str
    """File name of the notebook."""
    ok: bool
    """True when every cell ran without an error."""
    seconds: float
    """Wall time of the run."""
    cells: int
    """Number of code cells."""
    error: str | None
    """The first error, shortened, when ``ok`` is False."""


def _run_one(path: Path, output: Path, *, cell_timeout: int, host: str) -> NotebookRun:
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from nbconvert import HTMLExporter

    from headswap_nb.reports.embed import embed_media

    notebook = nbformat.read(path, as_version=4)
    sockets = Path(tempfile.mkdtemp(prefix="headswap-kernel-"))
    kernel = KernelManager(kernel_name="python3", transport="ipc", ip=str(sockets / "kernel"))
    client = NotebookClient(
        notebook,
        timeout=cell_timeout,
        # Unix sockets in a private folder rather than TCP on 127.0.0.1: no port for another
        # local user to reach, and no "running over TCP without encryption" warning per run.
        km=kernel,
        # Run in the output folder, so files a notebook writes (exports, saved videos) land
        # beside its report instead of in the notebooks folder.
        resources={"metadata": {"path": str(output)}},
        store_widget_state=True,
    )
    started = time.monotonic()
    error: str | None = None
    try:
        client.execute()
    except CellExecutionError as exc:
        text = _ANSI.sub("", str(exc)).strip()
        error = text.splitlines()[-1][:300] if text else repr(exc)
    except Exception as exc:  # a dead kernel or a timeout: report it, run the next notebook
        error = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        if kernel.has_kernel:  # nbclient shuts down only the kernels it created itself
            kernel.shutdown_kernel(now=True)
        shutil.rmtree(sockets, ignore_errors=True)
    seconds = time.monotonic() - started
    nbformat.write(notebook, output / path.name)
    body, _ = HTMLExporter().from_notebook_node(notebook)
    # Previews and outputs point at the simulator, which stops with the demo: copy them in.
    body = embed_media(body, host=host)
    (output / path.with_suffix(".html").name).write_text(body, encoding="utf-8")
    cells = sum(1 for cell in notebook.cells if cell.cell_type == "code")
    return NotebookRun(path.name, error is None, seconds, cells, error)


def execute_notebooks(
    *, notebooks: str, output: str, speed: float, seed: int, cell_timeout: int
) -> int:
    """Execute every notebook against a fresh simulator; write HTML and print a summary."""
    root = _notebook_root(notebooks)
    if root is None:
        return 2
    out = Path(output).resolve()
    out.mkdir(parents=True, exist_ok=True)
    runs: list[NotebookRun] = []
    with _simulator_environment(speed=speed, seed=seed) as sim:
        print(f"simulator at {sim.base_url}; reports go to {out}", flush=True)
        for path in sorted(root.glob("*.ipynb")):
            run = _run_one(path, out, cell_timeout=cell_timeout, host=sim.base_url)
            runs.append(run)
            print(f"  {'ok ' if run.ok else 'ERR'} {run.name} ({run.seconds:.1f} s)", flush=True)
    print(format_summary(runs))
    return 0 if all(run.ok for run in runs) else 1


def format_summary(runs: list[NotebookRun]) -> str:
    """A plain-text table of notebook runs."""
    width = max([len("notebook"), *(len(run.name) for run in runs)])
    lines = [f"{'notebook':<{width}}  result  cells  seconds", "-" * (width + 25)]
    for run in runs:
        result = "ok" if run.ok else "FAILED"
        lines.append(f"{run.name:<{width}}  {result:<6}  {run.cells:>5}  {run.seconds:>7.1f}")
        if run.error:
            lines.append(f"{'':<{width}}  -> {run.error}")
    passed = sum(run.ok for run in runs)
    lines.append(f"{passed} of {len(runs)} notebooks ran cleanly")
    return "\n".join(lines)
