"""Dripping replies, watched byte by byte on a real loopback socket, and the promise that no
fault stops the server or leaks a traceback."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from urllib.parse import urlsplit

import httpx
import pytest
from sim_helpers import ANALYZE, ANALYZE_DETAIL, QUOTA_INFO, in_process

from headswap_nb.simulator import FaultConfig, FaultKind, Simulator, serve
from headswap_nb.simulator.drip import raw_transport

pytestmark = pytest.mark.sim(speed=1000.0, seed=3)

NOT_FOUND = {"code": 1014, "msg": "Resource not found"}
DETAIL_OF_NOTHING = f"{ANALYZE_DETAIL}?_id=nope"


def _connect(sim: Simulator, path: str) -> socket.socket:
    parts = urlsplit(sim.base_url)
    assert parts.hostname is not None and parts.port is not None
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nx-api-key: {sim.api_key}\r\n"
        "Connection: close\r\n\r\n"
    )
    sock.sendall(request.encode())
    return sock


def _timed_chunks(sock: socket.socket) -> list[tuple[float, bytes]]:
    """Every ``recv`` result with the second it arrived, until the server closes."""
    started, chunks = time.monotonic(), []
    with sock:
        while data := sock.recv(65536):
            chunks.append((time.monotonic() - started, data))
    return chunks


def _split(chunks: list[tuple[float, bytes]]) -> tuple[int, bytes, bytes]:
    """(index of the chunk that completed the head, head, body)."""
    seen = b""
    for index, (_, data) in enumerate(chunks):
        seen += data
        if b"\r\n\r\n" in seen:
            head, _, _ = seen.partition(b"\r\n\r\n")
            body = b"".join(data for _, data in chunks).partition(b"\r\n\r\n")[2]
            return index, head, body
    raise AssertionError(f"no complete head in {seen!r}")


def _no_tracebacks(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> None:
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert bad == [], [r.getMessage() for r in bad]
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception" not in err, err


def test_a_dripping_body_arrives_one_byte_at_a_time(
    sim: Simulator, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    interval = 0.02
    sim.set_faults(FaultConfig(drip_body=1.0, drip_interval=interval, scope="reads"))
    chunks = _timed_chunks(_connect(sim, DETAIL_OF_NOTHING))
    head_at, head, body = _split(chunks)
    assert head.startswith(b"HTTP/1.1 200 ") and f"content-length: {len(body)}".encode() in head
    assert json.loads(body) == NOT_FOUND
    after_head = chunks[head_at + 1 :]
    # The head came whole and at once; then the body trickled (a loaded machine may
    # coalesce a few bytes into one recv, hence "at least a third" rather than all).
    assert len(after_head) >= len(body) // 3
    assert max(len(data) for _, data in after_head) <= 4
    assert chunks[-1][0] - chunks[head_at][0] >= (len(body) - 1) * interval
    assert sim.stats()["faults"] == {"drip_body": 1}
    _no_tracebacks(caplog, capfd)


def test_dripping_headers_arrive_one_byte_at_a_time(
    sim: Simulator, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    interval = 0.01
    sim.set_faults(FaultConfig(drip_headers=1.0, drip_interval=interval, scope="reads"))
    chunks = _timed_chunks(_connect(sim, DETAIL_OF_NOTHING))
    head_at, head, body = _split(chunks)
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"connection: close" in head
    assert json.loads(body) == NOT_FOUND  # the body then comes at once, and the socket closes
    assert head_at + 1 >= len(head) // 4  # many recvs before the head was whole
    assert max(len(data) for _, data in chunks[:head_at]) <= 4
    assert chunks[head_at][0] - chunks[0][0] >= (len(head) - 2) * interval
    assert sim.stats()["faults"] == {"drip_headers": 1}
    _no_tracebacks(caplog, capfd)


@pytest.mark.parametrize("kind", ["drip_body", "drip_headers"])
def test_each_byte_resets_a_per_read_timeout(sim: Simulator, kind: str) -> None:
    sim.set_faults(FaultConfig(**{kind: 1.0}, drip_interval=0.02))
    read_timeout = 0.25
    started = time.monotonic()
    with httpx.Client(base_url=sim.base_url, timeout=httpx.Timeout(read_timeout)) as client:
        reply = client.get(ANALYZE_DETAIL, params={"_id": "nope"}, headers={"x-api-key": "k"})
    assert reply.json() == {"code": 1101, "msg": "Invalid authorization"}
    # Far longer than the read timeout, yet no read ever waited that long.
    assert time.monotonic() - started > 2 * read_timeout


@pytest.mark.parametrize("kind", ["drip_body", "drip_headers"])
def test_a_client_that_leaves_releases_the_drip(
    sim: Simulator,
    kind: str,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    sim.set_faults(FaultConfig(**{kind: 1.0}, drip_interval=0.05, scope="reads"))
    sock = _connect(sim, DETAIL_OF_NOTHING)
    assert sock.recv(1)  # it has started
    sock.close()
    deadline = time.monotonic() + 3
    while sim.core.stats.in_flight["analyze_detail"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sim.core.stats.in_flight["analyze_detail"] == 0
    sim.set_faults(FaultConfig())
    assert httpx.get(f"{sim.base_url}/_sim/health").json()["status"] == "ok"
    _no_tracebacks(caplog, capfd)


@pytest.mark.parametrize("kind", ["drip_body", "drip_headers"])
def test_closing_the_server_cuts_a_drip_quickly(
    kind: str, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    sim = serve(faults=FaultConfig(**{kind: 1.0}, drip_interval=0.2))
    sock = _connect(sim, DETAIL_OF_NOTHING)
    reader = threading.Thread(target=_timed_chunks, args=(sock,), daemon=True)
    reader.start()
    time.sleep(0.5)
    started = time.monotonic()
    sim.close()
    assert time.monotonic() - started < 5  # not the ~20 s the whole drip would take
    reader.join(timeout=5)
    assert not reader.is_alive()  # the connection was closed under the reader
    _no_tracebacks(caplog, capfd)


def test_without_a_raw_transport_the_headers_fall_back_to_a_dripping_body() -> None:
    async def plain_send(message: object) -> None: ...

    assert raw_transport(plain_send) is None  # what httpx.ASGITransport passes
    with in_process(faults=FaultConfig(drip_headers=1.0, drip_interval=0.002)) as sim:
        started = time.monotonic()
        reply = sim.get(ANALYZE_DETAIL, "nope")
        assert reply.status_code == 200 and reply.json() == NOT_FOUND
        assert time.monotonic() - started >= len(reply.content) * 0.002
        assert sim.core.snapshot()["faults"] == {"drip_headers": 1}


def test_a_dripped_submit_still_creates_its_job(sim: Simulator) -> None:
    sim.set_faults(FaultConfig(drip_body=1.0, drip_interval=0.001, scope="submits"))
    body = {"video_url": "https://example.com/v.mp4?people=1", "type": "head"}
    with httpx.Client(base_url=sim.base_url, headers={"x-api-key": sim.api_key}) as client:
        data = client.post(ANALYZE, json=body).json()["data"]
    assert [job["_id"] for job in sim.stats()["analyses"]] == [data["_id"]]


@pytest.mark.parametrize("kind", list(FaultKind))
def test_no_fault_stops_the_server_or_leaks_a_traceback(
    shared_sim: Simulator,
    kind: FaultKind,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    sim = shared_sim
    headers = {"x-api-key": sim.api_key}
    body = {"video_url": "https://example.com/v.mp4?people=2&fail=0", "type": "head"}
    with httpx.Client(base_url=sim.base_url, headers=headers, timeout=2.0) as client:
        sim.set_faults(FaultConfig())
        job_id = client.post(ANALYZE, json=body).json()["data"]["_id"]
        sim.set_faults(
            FaultConfig(
                **{kind.value: 1.0}, drip_interval=0.001, slow_seconds=0.05, hang_seconds=0.3
            )
        )
        for method, path, kwargs in (
            ("POST", ANALYZE, {"json": body}),
            ("GET", ANALYZE_DETAIL, {"params": {"_id": job_id}}),
            ("GET", QUOTA_INFO, {}),
        ):
            with contextlib.suppress(httpx.HTTPError):  # drops, hangs, cut drips: the point
                client.request(method, path, **kwargs)
        sim.set_faults(FaultConfig())
        assert client.get(ANALYZE_DETAIL, params={"_id": job_id}).json()["code"] == 1000
    assert sim.stats()["faults"].get(kind.value, 0) >= 1
    _no_tracebacks(caplog, capfd)
