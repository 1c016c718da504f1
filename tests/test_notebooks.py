"""The notebooks are executed documentation: they run, they show what they promise, and
they are committed clean. ``headswap-nb demo --execute`` is what runs them here, so the
newcomer's one-command proof is itself under test."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="session")  # session: the browser test that reads it runs last
def executed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run ``headswap-nb demo --execute`` once; return its output and the executed notebooks."""
    out = tmp_path_factory.mktemp("demo-output")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKOOL_")}
    proc = subprocess.run(
        [sys.executable, "-m", "headswap_nb.cli", "demo", "--execute", "--output", str(out),
         "--notebooks", str(REPO / "notebooks"), "--speed", "20"],
        capture_output=True, text=True, timeout=600, env=env, cwd=out,
    )  # fmt: skip
    notebooks = {p.name: nbformat.read(p, as_version=4) for p in out.glob("*.ipynb")}
    return {"proc": proc, "out": out, "notebooks": notebooks}


def _texts(notebook: nbformat.NotebookNode) -> str:
    """All text a reader would see in the outputs (streams, plain text and HTML)."""
    parts: list[str] = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            data = output.get("data", {})
            parts += [str(data.get("text/plain", "")), str(data.get("text/html", ""))]
            if output.get("output_type") == "error":
                parts.append(f"ERROR {output.get('ename')}: {output.get('evalue')}")
    return "\n".join(parts)


def test_demo_execute_runs_every_notebook_and_prints_a_summary(executed: dict[str, Any]) -> None:
    proc = executed["proc"]
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"{len(NOTEBOOKS)} of {len(NOTEBOOKS)} notebooks ran cleanly" in proc.stdout
    for path in NOTEBOOKS:
        assert re.search(rf"^{re.escape(path.name)}\s+ok\s+\d+", proc.stdout, re.M), path.name
        report = executed["out"] / path.with_suffix(".html").name
        assert report.stat().st_size > 10_000, report
    # Each kernel is shut down after its notebook (not left to notice its parent is gone),
    # and talks over a private Unix socket, so Jupyter has no TCP warning to print.
    assert "Parent appears to have exited" not in proc.stderr
    assert "without encryption" not in proc.stderr


def test_quickstart_shows_progress_record_people_and_frame(executed: dict[str, Any]) -> None:
    notebook = executed["notebooks"]["01-quickstart.ipynb"]
    text = _texts(notebook)
    assert "Client(base_url='http://127.0.0.1:" in text  # talked to the simulator
    assert "1 total · 1 completed · 100%" in text
    assert "completed 100%" in text and "people: [0, 1]" in text
    assert text.count("<img") >= 2 and "/_sim/media/preview/" in text  # the previews
    assert "detected_objects" in text  # the DataFrame
    widget_state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]
    bars = [
        model["state"] for model in widget_state["state"].values()
        if model["model_name"] == "FloatProgressModel"
    ]  # fmt: skip
    assert any(bar.get("value") == 100 and bar.get("bar_style") == "success" for bar in bars)


@pytest.mark.parametrize(
    "name", ["01-quickstart.ipynb", "02-batch-analysis.ipynb", "04-head-swap.ipynb"]
)
def test_the_board_is_still_there_after_run_all(executed: dict[str, Any], name: str) -> None:
    """Nothing vanishes: the board's view is saved with its model, in its final state."""
    notebook = executed["notebooks"][name]
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    views = [
        output["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in output.get("data", {})
    ]
    assert views and all(model_id in state for model_id in views)
    boards = [m for m in state.values() if "hs-board" in m["state"].get("_dom_classes", ())]
    assert boards  # the board itself, not closed by the last cell
    summaries = [
        m["state"]["value"]
        for m in state.values()
        if "hs-summary-text" in m["state"].get("_dom_classes", ())
    ]
    assert summaries and all("completed" in text for text in summaries)


def test_batch_notebook_counts_failures_and_exports(executed: dict[str, Any]) -> None:
    text = _texts(executed["notebooks"]["02-batch-analysis.ipynb"])
    summary = re.search(r"(\d+) total · .*?(\d+) completed · (\d+) failed", text)
    assert summary is not None, text[:2000]
    total, completed, failed = map(int, summary.groups())
    assert total == 60 and completed + failed == total
    assert failed >= 8  # 3 too long, 2 too short, 3 broken on purpose
    assert "image/png" in json.dumps(executed["notebooks"]["02-batch-analysis.ipynb"].cells)
    assert "1208" in text and "1003" in text  # failures grouped by error code
    assert "60 rows in analyses.csv; 60 rows in analyses.parquet" in text
    shared = executed["out"] / "batch-report.html"  # board.save_report: one file to share
    assert shared.stat().st_size > 20_000 and "<script" not in shared.read_text("utf-8")
    # The timing plot has bars: every analysis has its elapsed time (journal or not);
    # people are known for the completed ones only (a failed video found nobody, not zero).
    counts = re.search(r"count\s+(\S+)\s+(\S+)", text)
    assert counts is not None, text[-3000:]
    assert counts.groups() == ("60.0", f"{completed}.0"), text[-3000:]


def test_stakeholder_demo_shows_only_the_board(executed: dict[str, Any]) -> None:
    notebook = executed["notebooks"]["03-stakeholder-demo.ipynb"]
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert len(code_cells) == 1
    outputs = code_cells[0].outputs
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)


def test_head_swap_notebook_completes_the_task_and_shows_the_video(
    executed: dict[str, Any],
) -> None:
    notebook = executed["notebooks"]["04-head-swap.ipynb"]
    text = _texts(notebook)
    assert "ERROR" not in text and "people: [0, 1]" in text
    assert re.search(r"^completed 100% \w+", text, re.M), text[:3000]
    assert "<video" in text and "/_sim/media/output/" in text  # the swapped video, inline
    assert re.search(r"saved Headswap_\d+\.mp4 \d{4,} bytes", text)
    widget_state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]
    classes = [
        c for m in widget_state["state"].values() for c in m["state"].get("_dom_classes", ())
    ]
    assert "hs-task-row-completed" in classes  # the board's task row, saved by send_state()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebooks_are_clean(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name
            assert "def " not in cell.source, "notebooks are thin: no helper functions"
    assert "widgets" not in notebook.metadata
    raw = path.read_text()
    assert not re.search(r"(api_key|AKOOL_API_KEY|client_secret)\s*=\s*['\"]", raw)


def test_readme_python_blocks_run_against_the_simulator(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks, "the README has Python examples"
    script = tmp_path / "readme_blocks.py"
    script.write_text("\n\n".join(blocks))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKOOL_")}
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=180,
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert "completed [0, 1]" in proc.stdout


@pytest.mark.browser
@pytest.mark.parametrize(
    ("name", "counts", "images"),
    [
        ("01-quickstart", "1 total · 1 completed · 100%", 2),
        ("02-batch-analysis", "60 total · ", 40),
        ("04-head-swap", "1 total · 1 completed · 100%", 2),
    ],
)
def test_an_exported_notebook_shows_the_final_board_offline(
    executed: dict[str, Any], page: Any, name: str, counts: str, images: int
) -> None:
    """``nbconvert --to html`` of the executed notebook (what ``demo --execute`` writes),
    opened with every request but the file's own blocked: the widgets cannot load their
    renderer, and the board's snapshot shows instead, final counts and previews included."""
    path = (executed["out"] / f"{name}.html").resolve()
    blocked: list[str] = []

    def handle(route: Any) -> None:
        if route.request.url == path.as_uri():
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", handle)
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    snapshot = page.locator(".hs-snapshot-static").first
    assert snapshot.is_visible()
    assert counts in snapshot.inner_text()
    decoded = snapshot.evaluate(
        "s => [...s.querySelectorAll('img')].filter(i => i.complete && i.naturalWidth > 0).length"
    )
    assert decoded >= images
    assert all(not url.startswith("http://127.0.0.1") for url in blocked)  # no dead previews
    if name == "01-quickstart":
        ARTIFACTS.mkdir(exist_ok=True)
        snapshot.screenshot(path=str(ARTIFACTS / "exported-board-offline.png"))
