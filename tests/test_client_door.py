"""Secrets redacted at the door: every string that arrives from the server is scrubbed of the
client's credentials (API key, client secret, bearer token — one fetched by getToken too)
before it is stored anywhere: records and their ``raw`` dicts (keys and values, at any
depth), error messages and ``msg``, snippets, DEBUG logs, and so everything built from them
downstream (DataFrames, the journal). Today only ``msg`` of an error was redacted."""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from client_fixtures import (
    ANALYSIS_ID,
    SENTINEL_KEY,
    VIDEO,
    MakeClient,
    Recorder,
    analysis_data,
    ok,
    replies,
)

from headswap_nb import Batch, Client, PollPolicy
from headswap_nb.client import AsyncClient, scrub
from headswap_nb.client.protocol import TOKEN_PATH
from headswap_nb.client.secret import Secret
from headswap_nb.errors import HeadswapError
from headswap_nb.simulator import FaultConfig, Simulator

TOKEN = "jwt-SENTINEL-token-0123456789"
KEY = SENTINEL_KEY
pytestmark = pytest.mark.sim(speed=100.0, seed=8, api_key="fake-SENTINEL-door-42")


def assert_clean(where: str, *texts: str | bytes) -> None:
    for text in texts:
        data = text if isinstance(text, bytes) else text.encode("utf-8", "replace")
        for secret in (KEY, TOKEN):
            for form in (secret, quote(secret, safe=""), quote_plus(secret)):
                assert form.encode() not in data, f"{secret!r} leaked into {where}: {text!r}"


def escaped(value: str) -> str:
    """``value`` as a JSON string that escapes every character (``\\u0073\\u006b``...)."""
    return "".join(f"\\u{ord(ch):04x}" for ch in value)


def echoing_record(secret: str) -> bytes:
    data = analysis_data(
        3,
        100,
        error_reason=f"request authorized with {secret}",
        task_id=secret,
        video_url=f"{VIDEO}?x-api-key={quote(secret, safe='')}",
        analysis_result={
            "media": [{"obj_id": 0, "img_url": f"https://p.test/0.png?k={quote_plus(secret)}"}],
            "nested": [[{secret: [secret, {"deep": f"..{secret}.."}]}]],
        },
        hidden="HIDDEN",
    )
    text = json.dumps({"code": 1000, "msg": f"OK {secret}", "data": data})
    # The same value once more, JSON-escaped character by character: a byte scan misses it.
    return text.replace('"HIDDEN"', f'"{escaped(secret)}"').encode()


def record_texts(record: Any) -> list[str | bytes]:
    return [
        repr(record),
        str(record),
        json.dumps(dict(record.raw), default=str),
        repr(dict(record.raw)),
        pickle.dumps(record),
        *(p.img_url or "" for p in record.people),
        record.video_url or "",
        record.task_id or "",
        record.error_reason or "",
    ]


def test_a_record_echoing_the_key_is_scrubbed_everywhere(make_client: MakeClient) -> None:
    rec = Recorder(replies(httpx.Response(200, content=echoing_record(KEY))))
    analysis = make_client(rec).get_analysis(ANALYSIS_ID)
    assert_clean("the record", *record_texts(analysis))
    assert analysis.task_id == "***" and analysis.error_reason == "request authorized with ***"
    assert analysis.raw["hidden"] == "***" and analysis.id == ANALYSIS_ID
    assert analysis.people[0].img_url == "https://p.test/0.png?k=***"


def test_the_token_fetched_by_get_token_is_scrubbed_too(make_client: MakeClient) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN_PATH:
            return ok(token=TOKEN)
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        return httpx.Response(200, content=echoing_record(TOKEN).replace(b"OK", KEY.encode()))

    client = make_client(Recorder(respond), api_key=None, client_id="cid", client_secret=KEY)
    analysis = client.get_analysis(ANALYSIS_ID)
    assert_clean("a record of a token client", *record_texts(analysis))


ERROR_BODIES = [
    json.dumps({"code": 1003, "msg": f"bad request from {KEY}"}),
    json.dumps({"code": 1003, "msg": "bad request from KEY"}).replace("KEY", escaped(KEY)),
    json.dumps({"code": 1101, "message": f"illegal token {KEY}"}),
    json.dumps({"code": 1003, "msg": f"bad {quote(KEY, safe='')}"}),
    json.dumps({"code": 1000, "data": {"_id": "other", "error_reason": KEY}}),
    json.dumps({"code": 1000, "data": [KEY]}),
    f"<html>upstream saw {quote_plus(KEY)}</html>",
]


@pytest.mark.parametrize("body", ERROR_BODIES)
def test_errors_built_from_an_echo_are_clean(make_client: MakeClient, body: str) -> None:
    rec = Recorder(replies(httpx.Response(200, content=body.encode())))
    with pytest.raises(HeadswapError) as info:
        make_client(rec, max_retries=0).get_analysis(ANALYSIS_ID)
    error = info.value
    assert_clean("an error", str(error), repr(error), repr(vars(error)))
    for attr in ("msg", "snippet"):
        assert_clean(f"error.{attr}", str(getattr(error, attr, "")))


def test_debug_logs_hold_no_echo(make_client: MakeClient, caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder(replies(httpx.Response(503, content=KEY.encode()), ok(analysis_data())))
    with caplog.at_level(logging.DEBUG):
        make_client(rec).get_analysis(ANALYSIS_ID)
    assert any(r.name == "headswap_nb" for r in caplog.records)
    assert_clean("the DEBUG log", caplog.text)


def test_the_door_itself() -> None:
    secrets = (Secret(KEY), Secret("short"))
    content = ('{"' + escaped(KEY) + '": "a ' + KEY + ' b", "short": "kept"}').encode()
    admitted = scrub.admit(200, {}, content, secrets)
    assert admitted.body == {"***": "a *** b", "short": "kept"}
    assert KEY.encode() not in admitted.content
    # Values shorter than MIN_SECRET_CHARS are no credentials a server could echo
    # recognisably; scrubbing them would corrupt ordinary ids and URLs.
    assert scrub.scrub_text("short shorts", secrets) == "short shorts"


# --- the simulator's echo_credential fault, end to end -----------------------------------


def _run(coro: Any) -> Any:
    with ThreadPoolExecutor(1) as pool:  # a browser test may hold a loop in the main thread
        return pool.submit(asyncio.run, coro).result()


def _assert_sim_clean(sim: Simulator, *texts: str | bytes) -> None:
    for text in texts:
        data = text if isinstance(text, bytes) else text.encode("utf-8", "replace")
        assert sim.api_key.encode() not in data
        assert quote(sim.api_key, safe="").encode() not in data


@pytest.mark.parametrize("credential", ["api_key", "client"])
def test_simulator_echoes_are_scrubbed_from_records(sim: Simulator, credential: str) -> None:
    sim.set_faults(FaultConfig(echo_credential=1.0, scope="all"))
    auth: dict[str, str] = (
        {"api_key": sim.api_key}
        if credential == "api_key"
        else {"client_id": sim.client_id, "client_secret": sim.api_key}
    )
    with Client(base_url=sim.base_url, env={}, **auth) as client:
        first = client.analyze(f"{VIDEO}?duration=5&time=1&people=2&fail=0")
        done = client.wait_for_analysis(first.id, poll=0.2)
        token = client._session.token
    assert done.people and "***" in (done.error_reason or "")
    texts = [*record_texts(first), *record_texts(done)]
    _assert_sim_clean(sim, *texts)
    if token is not None:  # the getToken client: its token was echoed, and scrubbed
        assert all(token.reveal().encode() not in t for t in map(_bytes, texts))


def _bytes(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode()


def test_simulator_echoes_never_reach_the_journal_or_a_dataframe(
    sim: Simulator, tmp_path: Path
) -> None:
    from headswap_nb import frames

    sim.set_faults(FaultConfig(echo_credential=1.0, scope="all"))
    urls = [f"{VIDEO}?duration=5&time=1&people=1&fail={int(i == 2)}&n={i}" for i in range(3)]
    journal = tmp_path / "journal.sqlite"

    async def main() -> Any:
        client = AsyncClient(api_key=sim.api_key, base_url=sim.base_url, env={})
        batch = Batch(urls, client=client, journal=journal, poll=PollPolicy.fixed(0.1))
        try:
            await batch.wait()
            frame = frames.to_dataframe(batch)
            frames.to_csv(frame, tmp_path / "analyses.csv")
            return [repr(e) for e in batch.entries], frame.to_csv()
        finally:
            await batch.aclose()
            await client.aclose()

    entries, csv = _run(main())
    assert sim.stats()["faults"].get("echo_credential", 0) >= 3
    files = [p.read_bytes() for p in tmp_path.glob("*") if p.is_file()]
    _assert_sim_clean(sim, *entries, csv, *files)
