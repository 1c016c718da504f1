"""Credentials: one getToken for any number of concurrent first calls (asyncio and threads),
exactly one refetch on 1101 however many calls see it at once; 1109 is a bad credential;
getToken errors read ``msg``, then ``message``, then a generic text (akool-api.md §14)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from client_fixtures import (
    ANALYSIS_ID,
    FACE,
    SENTINEL_KEY,
    VIDEO,
    MakeClient,
    Recorder,
    analysis_data,
    ok,
    replies,
    task_data,
)

from headswap_nb import Client
from headswap_nb.client import AsyncClient
from headswap_nb.client.protocol import TOKEN_PATH
from headswap_nb.errors import AuthenticationError, InvalidRequestError, WaitTimeoutError
from headswap_nb.simulator import FaultConfig, Simulator

pytestmark = pytest.mark.sim(speed=100.0, seed=7)
CALLS = 50


class TokenServer:
    """getToken issues tok1, tok2, ... (slowly, so that concurrent calls pile up); a token
    in ``rejected`` is answered with 1101."""

    def __init__(self, *, rejected: tuple[str, ...] = (), delay: float = 0.05) -> None:
        self.issued: list[str] = []
        self.rejected = set(rejected)
        self.delay = delay
        self.lock = threading.Lock()

    def _issue(self) -> httpx.Response:
        with self.lock:
            self.issued.append(f"tok{len(self.issued) + 1}")
            return ok(token=self.issued[-1])

    def _answer(self, request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("authorization", "")
        if auth.removeprefix("Bearer ") in self.rejected:
            return ok(code=1101, msg="Illegal token")
        return ok(analysis_data())

    def sync(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN_PATH:
            time.sleep(self.delay)
            return self._issue()
        return self._answer(request)

    async def asynchronous(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN_PATH:
            await asyncio.sleep(self.delay)
            return self._issue()
        await asyncio.sleep(0.005)  # answers interleave
        return self._answer(request)


def run_async(coro: Any) -> Any:
    with ThreadPoolExecutor(1) as pool:  # a browser test may hold a loop in the main thread
        return pool.submit(asyncio.run, coro).result()


def async_client(server: TokenServer) -> AsyncClient:
    return AsyncClient(
        client_id="cid",
        client_secret=SENTINEL_KEY,
        base_url="https://api.test",
        env={},
        transport=httpx.MockTransport(server.asynchronous),
    )


def sync_client(server: TokenServer) -> Client:
    return Client(
        client_id="cid",
        client_secret=SENTINEL_KEY,
        base_url="https://api.test",
        env={},
        transport=httpx.MockTransport(server.sync),
    )


def test_fifty_concurrent_first_calls_make_one_token_fetch() -> None:
    server = TokenServer()

    async def main() -> list[str]:
        client = async_client(server)
        try:
            records = await asyncio.gather(
                *(client.get_analysis(ANALYSIS_ID) for _ in range(CALLS))
            )
        finally:
            await client.aclose()
        return [r.id for r in records]

    assert run_async(main()) == [ANALYSIS_ID] * CALLS
    assert server.issued == ["tok1"]


def test_fifty_calls_seeing_1101_at_once_make_exactly_one_refetch() -> None:
    server = TokenServer(rejected=("tok1",))

    async def main() -> list[str]:
        client = async_client(server)
        try:
            return [
                r.id
                for r in await asyncio.gather(
                    *(client.get_analysis(ANALYSIS_ID) for _ in range(CALLS))
                )
            ]
        finally:
            await client.aclose()

    assert run_async(main()) == [ANALYSIS_ID] * CALLS
    assert server.issued == ["tok1", "tok2"]


def test_a_sync_client_shared_by_threads_fetches_once_and_refetches_once() -> None:
    server = TokenServer(delay=0.2)
    with sync_client(server) as client, ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(lambda _: client.get_analysis(ANALYSIS_ID).id, range(16)))
        assert ids == [ANALYSIS_ID] * 16 and server.issued == ["tok1"]
        server.rejected.add("tok1")
        ids = list(pool.map(lambda _: client.get_analysis(ANALYSIS_ID).id, range(16)))
    assert ids == [ANALYSIS_ID] * 16 and server.issued == ["tok1", "tok2"]


def test_a_failed_token_fetch_releases_the_lock_for_the_next_call(make_client: MakeClient) -> None:
    rec = Recorder(
        replies(ok(code=1101, msg="bad secret"), ok(token="tok-ok"), ok(analysis_data()))
    )
    client = make_client(rec, api_key=None, client_id="cid", client_secret=SENTINEL_KEY)
    with pytest.raises(AuthenticationError) as info:
        client.get_analysis(ANALYSIS_ID)
    assert "client_secret" in str(info.value) and len(rec.requests) == 1  # not refetched
    assert client.get_analysis(ANALYSIS_ID).id == ANALYSIS_ID  # the lock was given back


def test_a_wait_does_not_wait_past_its_deadline_for_another_calls_token_fetch() -> None:
    server = TokenServer(delay=3.0)

    async def main() -> tuple[float, BaseException | None]:
        client = async_client(server)
        try:
            first = asyncio.ensure_future(client.get_analysis(ANALYSIS_ID))
            await asyncio.sleep(0.1)  # the first call now holds the token lock
            started = time.monotonic()
            try:
                await client.wait_for_analysis(ANALYSIS_ID, timeout=0.5)
            except WaitTimeoutError as exc:
                return time.monotonic() - started, exc
            finally:
                await first
            return time.monotonic() - started, None
        finally:
            await client.aclose()

    took, error = run_async(main())
    assert isinstance(error, WaitTimeoutError) and took < 0.5 + 0.5, (took, error)
    assert server.issued == ["tok1"]


# --- API facts (akool-api.md §14) ----------------------------------------------------------


def test_1109_is_a_bad_credential_with_plain_advice(make_client: MakeClient) -> None:
    rec = Recorder(replies(ok(code=1109, msg="account not exist")))
    with pytest.raises(AuthenticationError) as info:
        make_client(rec).get_analysis(ANALYSIS_ID)
    assert info.value.code == 1109 and len(rec.requests) == 1
    assert "AKOOL_API_KEY" in str(info.value) and "does not recognise" in str(info.value)


def test_the_simulators_account_not_exist_fault_is_an_authentication_error(
    sim: Simulator,
) -> None:
    sim.set_faults(FaultConfig(account_not_exist=1.0, scope="all"))
    client = Client(api_key=sim.api_key, base_url=sim.base_url, env={})
    with client, pytest.raises(AuthenticationError) as info:
        client.analyze(f"{VIDEO}?duration=5")
    assert info.value.code == 1109
    assert sim.stats()["submissions_per_url"] == {}


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ({"code": 1101, "msg": "from msg", "message": "from message"}, "from msg"),
        ({"code": 1101, "message": "from message"}, "from message"),
        ({"code": 1101, "msg": "", "message": "from message"}, "from message"),
        ({"code": 1101, "msg": None, "message": "from message"}, "from message"),
        ({"code": 1101}, "the server gave no message"),
        ({"code": 1101, "msg": 42}, "the server gave no message"),
    ],
)
def test_get_token_errors_read_msg_then_message_then_a_generic_text(
    make_client: MakeClient, body: dict[str, object], shown: str
) -> None:
    rec = Recorder(replies(httpx.Response(200, content=json.dumps(body).encode())))
    client = make_client(rec, api_key=None, client_id="cid", client_secret=SENTINEL_KEY)
    with pytest.raises(AuthenticationError) as info:
        client.get_analysis(ANALYSIS_ID)
    assert shown in str(info.value)
    assert info.value.msg == (None if shown.startswith("the server") else shown)


@pytest.mark.parametrize("model", ["akool-premium", "akool-premium-multi-person", "x"])
def test_any_non_empty_model_name_is_sent_as_given(make_client: MakeClient, model: str) -> None:
    rec = Recorder(replies(ok(task_data(model_name=model))))
    task = make_client(rec).create_task(VIDEO, [(0, FACE)], model_name=model)
    assert json.loads(rec.requests[0].content)["model_name"] == model
    assert task.model_name == model


@pytest.mark.parametrize("model", ["", "   ", None, 3])
def test_an_empty_model_name_is_refused_locally(make_client: MakeClient, model: object) -> None:
    rec = Recorder(replies(ok(task_data())))
    with pytest.raises(InvalidRequestError) as info:
        make_client(rec).create_task(VIDEO, [(0, FACE)], model_name=model)  # type: ignore[arg-type]
    assert info.value.field == "model_name" and rec.requests == []
