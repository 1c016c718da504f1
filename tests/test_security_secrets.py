"""End to end: a sentinel API key goes everywhere a user's key goes, and shows up nowhere.

The key is a fresh ``hs-sentinel-<random>`` per run. Checked: the executed quickstart
notebook saved with its widget state; a batch's SQLite journal (with its ``-wal``/``-shm``
files, while open and after close); DEBUG logs of every logger; CSV/Parquet exports; the
text, repr and formatted traceback of every kind of error the toolkit raises; the repr of
the client, batch, board, journal, records, entries and summaries; the board's widget
state. (``test_client_security.py`` covers the client with mock transports; this drives
the real pieces together against the simulator.)
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import shutil
import socket
import traceback
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

import headswap_nb as hs
from headswap_nb import Batch, Client, frames
from headswap_nb.client import AsyncClient
from headswap_nb.errors import (
    AuthenticationError,
    ConnectionError,
    HeadswapError,
    InvalidRequestError,
    NotFoundError,
    ProtocolError,
    RateLimitError,
    ServerError,
    SubmissionUnknownError,
    TimeoutError,
    WaitTimeoutError,
)
from headswap_nb.simulator import FaultConfig, Simulator

SENTINEL = f"hs-sentinel-{secrets.token_hex(8)}"
pytestmark = pytest.mark.sim(speed=50.0, seed=9, api_key=SENTINEL)
REPO_ROOT = Path(__file__).resolve().parent.parent
FAST = "?duration=5&queue=0&time=2&people=2"
URLS = [f"https://example.com/secret{i}.mp4{FAST}&fail={int(i == 2)}" for i in range(4)]

T = TypeVar("T")


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a worker thread. Playwright's sync API (the session-scoped
    ``browser`` fixture) leaves a running event loop in the main thread, so a plain
    ``asyncio.run`` fails in any test that runs after the first browser test."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def assert_clean(where: str, content: str | bytes) -> None:
    data = content if isinstance(content, bytes) else content.encode("utf-8", "replace")
    assert SENTINEL.encode() not in data, f"the key leaked into {where}"


@pytest.fixture
def debug_log(tmp_path: Path) -> Iterator[Path]:
    """Every logger at DEBUG into a file, with arguments interpolated."""
    path = tmp_path / "debug.log"
    handler = logging.FileHandler(path)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    names = ["headswap_nb", "httpx", "httpcore", "uvicorn", "uvicorn.error", "asyncio"]
    levels = {n: logging.getLogger(n).level for n in names}
    old_root = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(old_root)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        handler.close()


# --- the quickstart notebook, executed and saved with widget state --------------------


@pytest.mark.slow
def test_quickstart_notebook_saved_with_widget_state_holds_no_key(
    shared_sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nbformat
    from nbclient import NotebookClient

    shutil.copy(REPO_ROOT / "notebooks/01-quickstart.ipynb", tmp_path / "quickstart.ipynb")
    nb = nbformat.read(tmp_path / "quickstart.ipynb", as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "print(repr(client), repr(board), repr(board.batch), repr(analysis))\n"
            "hs.frames.to_csv(frame, 'quickstart.csv')\n"
            "hs.frames.to_parquet(frame, 'quickstart.parquet')"
        )
    )
    monkeypatch.setenv("AKOOL_API_KEY", SENTINEL)
    monkeypatch.setenv("AKOOL_BASE_URL", shared_sim.base_url)
    monkeypatch.setenv("HEADSWAP_POLL_INTERVAL", "0.2")  # a quick run_sync
    NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    saved = tmp_path / "executed.ipynb"
    nbformat.write(nb, saved)
    assert_clean("the saved quickstart notebook", saved.read_bytes())
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    classes = {c for m in state.values() for c in m["state"].get("_dom_classes", ())}
    assert {"hs-board", "hs-row-completed"} <= classes, "the widget state was saved"
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", ()))
    assert "AKOOL_API_KEY" in printed  # the reprs name where the key came from, not the key
    for name in ("quickstart.csv", "quickstart.parquet"):
        assert_clean(name, (tmp_path / name).read_bytes())
    assert shared_sim.stats()["analyses_per_url"], "the notebook really used the simulator"


# --- a journaled batch, DEBUG logs, exports, reprs, widget state ----------------------


def test_batch_journal_logs_exports_and_reprs_hold_no_key(
    shared_sim: Simulator, tmp_path: Path, debug_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from headswap_nb.polling import PollPolicy
    from headswap_nb.widgets import AnalysisBoard
    from headswap_nb.widgets.live import walk

    journal = tmp_path / "journal.sqlite"
    texts: dict[str, str | bytes] = {}

    async def main() -> None:
        client = AsyncClient(api_key=SENTINEL, base_url=shared_sim.base_url)
        board = AnalysisBoard(client=client, poll=PollPolicy(interval=0.05, min_interval=0.02))
        batch = Batch(URLS, client=client, journal=journal, poll=PollPolicy.fixed(0.05))
        try:
            summary = await batch.wait()
            assert summary.completed == 3 and summary.failed == 1
            board.submit(URLS[:2])
            await board.batch.wait()
            board.refresh()
            for sidecar in tmp_path.glob("journal.sqlite*"):  # while the journal is open
                texts[f"{sidecar.name} (open)"] = sidecar.read_bytes()
            texts["widget state"] = json.dumps(
                [w.get_state() for w in walk(board.view)], default=str
            )
            texts["board mimebundle"] = json.dumps(board._repr_mimebundle_(), default=str)
            records = list(batch.records.values())
            frame = frames.to_dataframe(batch)
            frames.to_csv(frame, tmp_path / "analyses.csv")
            frames.to_parquet(frame, tmp_path / "analyses.parquet")
            frames.to_csv(frames.people_dataframe(records), tmp_path / "people.csv")
            frames.to_parquet(frames.people_dataframe(records), tmp_path / "people.parquet")
            texts["reprs"] = "\n".join(
                [
                    repr(client),
                    str(client),
                    repr(vars(client)),
                    repr(batch),
                    repr(board),
                    repr(board.batch),
                    repr(batch.journal),
                    repr(batch.summary),
                    batch.summary.describe(),
                    *(repr(e) for e in batch.entries),
                    *(repr(r) for r in records),
                    *(repr(r) for r in batch.journal.records()),  # type: ignore[union-attr]
                    repr(frame),
                    frames.to_html(frame),
                    repr(shared_sim),
                    repr(hs.connection.describe(client)),
                ]
            )
        finally:
            board.close()
            await batch.aclose()
            await client.aclose()
            await asyncio.sleep(0.05)

    run_async(main())
    monkeypatch.setenv("AKOOL_API_KEY", SENTINEL)
    monkeypatch.setenv("AKOOL_BASE_URL", shared_sim.base_url)
    with hs.connect() as from_env:
        texts["env client repr"] = repr(from_env) + repr(vars(from_env))
        texts["env record"] = repr(from_env.get_analysis(next(iter(_ids(shared_sim)))))
    for sidecar in tmp_path.glob("journal.sqlite*"):
        texts[f"{sidecar.name} (closed)"] = sidecar.read_bytes()
    for export in ("analyses.csv", "analyses.parquet", "people.csv", "people.parquet"):
        texts[export] = (tmp_path / export).read_bytes()
    texts["DEBUG log"] = debug_log.read_bytes()
    assert b"headswap_nb DEBUG" in texts["DEBUG log"], "requests were logged at DEBUG"  # type: ignore[operator]
    assert any("(open)" in k for k in texts) and "journal.sqlite (closed)" in texts
    for where, content in texts.items():
        assert_clean(where, content)


def _ids(shared_sim: Simulator) -> list[str]:
    return [a["_id"] for a in shared_sim.stats()["analyses"]]


# --- every kind of error: str, repr, traceback ----------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def _echoing(status: int, body: bytes) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, content=body))


def _provoke(shared_sim: Simulator) -> dict[str, BaseException]:
    key = SENTINEL.encode()
    errors: dict[str, BaseException] = {}

    def catch(name: str, call: Any) -> None:
        try:
            call()
        except HeadswapError as exc:
            errors[name] = exc
        else:  # pragma: no cover - a provocation that did not provoke
            raise AssertionError(f"{name} raised nothing")

    def client(**options: Any) -> Client:
        options.setdefault("api_key", SENTINEL)
        options.setdefault("base_url", shared_sim.base_url)
        options.setdefault("env", {})
        return Client(**options)

    ok = client()
    some_id = ok.analyze(f"https://example.com/errors.mp4{FAST}").id
    long_id = ok.analyze("https://example.com/long.mp4?duration=10&time=3000").id
    catch("wrong key 1101", lambda: client(api_key=SENTINEL + "-wrong").get_analysis(some_id))
    catch("unknown id 1014", lambda: ok.get_analysis("0" * 24))
    catch("validation url", lambda: ok.analyze("ftp://example.com/a.mp4"))
    catch("validation mappings", lambda: ok.create_task(URLS[0], [(0, "ftp://example.com/f.png")]))
    catch("validation id", lambda: ok.get_analysis("an id with spaces"))
    catch(
        "protocol echo",
        lambda: client(transport=_echoing(200, b"<html>x-api-key: " + key + b"</html>"))
        .get_analysis(some_id),
    )  # fmt: skip
    catch(
        "api echo 1101",
        lambda: client(
            transport=_echoing(200, b'{"code": 1101, "msg": "bad key ' + key + b'"}')
        ).get_analysis(some_id),
    )
    catch(
        "server 502 echo",
        lambda: client(transport=_echoing(502, b"<pre>" + key + b"</pre>"), max_retries=0)
        .get_analysis(some_id),
    )  # fmt: skip
    catch(
        "connection refused",
        lambda: client(base_url=f"http://127.0.0.1:{_closed_port()}", max_retries=0)
        .get_analysis(some_id),
    )  # fmt: skip

    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    catch(
        "timeout",
        lambda: client(transport=httpx.MockTransport(timeout), max_retries=0).get_analysis(some_id),
    )
    shared_sim.set_faults(FaultConfig(drop=1.0, scope="submits"))
    try:
        catch("submission unknown", lambda: ok.analyze("https://example.com/dropped.mp4"))
    finally:
        shared_sim.set_faults(FaultConfig())
    shared_sim.set_faults(FaultConfig(throttle_http=1.0, scope="reads", retry_after_seconds=0))
    try:
        catch("rate limit", lambda: client(max_retries=0).get_analysis(some_id))
    finally:
        shared_sim.set_faults(FaultConfig())
    catch("wait timeout", lambda: ok.wait_for_analysis(long_id, timeout=0))
    ok.close()
    return errors


def test_no_error_text_repr_or_traceback_holds_the_key(shared_sim: Simulator) -> None:
    errors = _provoke(shared_sim)
    expected = {
        "wrong key 1101": AuthenticationError,
        "unknown id 1014": NotFoundError,
        "validation url": InvalidRequestError,
        "validation mappings": InvalidRequestError,
        "validation id": InvalidRequestError,
        "protocol echo": ProtocolError,
        "api echo 1101": AuthenticationError,
        "server 502 echo": (ServerError, ProtocolError),
        "connection refused": ConnectionError,
        "timeout": TimeoutError,
        "submission unknown": SubmissionUnknownError,
        "rate limit": RateLimitError,
        "wait timeout": WaitTimeoutError,
    }
    assert set(errors) == set(expected)
    for name, error in errors.items():
        assert isinstance(error, expected[name]), (name, repr(error))  # type: ignore[arg-type]
        formatted = "".join(traceback.format_exception(error))
        chain = []
        cause: BaseException | None = error
        while cause is not None:
            chain += [str(cause), repr(cause), repr(getattr(cause, "__dict__", {}))]
            cause = cause.__cause__ or cause.__context__
        assert_clean(f"{name} str", str(error))
        assert_clean(f"{name} traceback", formatted)
        for text in chain:
            assert_clean(f"{name} repr/cause chain", text)
