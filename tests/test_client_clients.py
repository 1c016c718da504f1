"""Client and AsyncClient against httpx.MockTransport: every rule, in both modes."""

from __future__ import annotations

import builtins
import email.utils
import inspect
import json

import httpx
import pytest
from client_fixtures import (
    ANALYSIS_ID,
    FACE,
    SENTINEL_KEY,
    TASK_ID,
    VIDEO,
    FakeTime,
    MakeClient,
    Recorder,
    analysis_data,
    ok,
    replies,
    task_data,
)

import headswap_nb
from headswap_nb import AsyncClient, Client, PollPolicy
from headswap_nb.client.protocol import ANALYZE_DETAIL_PATH, TOKEN_PATH
from headswap_nb.errors import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    ConnectionError,
    InsufficientCreditsError,
    InvalidRequestError,
    NotFoundError,
    ProtocolError,
    RateLimitError,
    ServerError,
    SubmissionUnknownError,
    TimeoutError,
    WaitTimeoutError,
)
from headswap_nb.models import Status

# Fixtures shared with other client tests (conftest.py belongs to the whole suite).


def public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_") and name not in ("close", "aclose")
    }


def test_sync_and_async_have_the_same_methods_and_signatures() -> None:
    sync, asynchronous = public_methods(Client), public_methods(AsyncClient)
    assert sorted(sync) == sorted(asynchronous) == [
        "analyze", "create_task", "get_analysis", "get_credits", "get_task", "wait_for_analysis",
        "wait_for_task",
    ]  # fmt: skip
    for name in sync:
        assert sync[name] == asynchronous[name], name
        assert inspect.iscoroutinefunction(getattr(AsyncClient, name))
    init_sync = inspect.signature(Client.__init__).parameters
    init_async = inspect.signature(AsyncClient.__init__).parameters
    assert list(init_sync) == list(init_async)
    assert all(p.kind is p.KEYWORD_ONLY for n, p in init_sync.items() if n != "self")


def test_exports() -> None:
    assert {"Client", "AsyncClient", "PollPolicy"} <= set(headswap_nb.__all__)
    assert headswap_nb.__all__ == sorted(headswap_nb.__all__, key=str)


# --- requests on the wire ----------------------------------------------------------------


def test_analyze_request_shape(make_client: MakeClient) -> None:
    rec = Recorder(replies(ok(analysis_data(), msg="Analyze success")))
    client = make_client(rec)
    analysis = client.analyze(VIDEO)
    assert analysis.id == ANALYSIS_ID and analysis.status is Status.QUEUED
    (request,) = rec.requests
    assert (
        request.method == "POST"
        and str(request.url) == f"https://api.test{headswap_nb.client.protocol.ANALYZE_PATH}"
    )
    assert json.loads(request.content) == {"video_url": VIDEO, "type": "head"}
    assert request.headers["x-api-key"] == SENTINEL_KEY
    assert "authorization" not in request.headers
    assert request.headers["user-agent"] == f"headswap-nb/{headswap_nb.__version__}"
    assert request.headers["content-type"] == "application/json"


def test_get_analysis_uses_the_id_query(make_client: MakeClient) -> None:
    rec = Recorder(replies(ok(analysis_data(3, 100))))
    assert make_client(rec).get_analysis(ANALYSIS_ID).status is Status.COMPLETED
    assert rec.requests[0].url.params["_id"] == ANALYSIS_ID
    assert rec.requests[0].url.path == ANALYZE_DETAIL_PATH


def test_create_task_body(make_client: MakeClient) -> None:
    rec = Recorder(replies(ok(task_data())))
    odd_url = "https://Example.com/v.mp4?b=2&a=1"  # sent exactly, never normalised
    task = make_client(rec).create_task(
        odd_url, {1: FACE}, resolution="480p", webhook_url="https://hook.test/x"
    )
    assert task.id == TASK_ID and task.source_video_url == odd_url
    assert json.loads(rec.requests[0].content) == {
        "video_url": odd_url,
        "mappings": [{"obj_id": 1, "img_url": FACE}],
        "model_name": "akool-premium",
        "resolution": "480p",
        "keep_original_sound": True,
        "webhookUrl": "https://hook.test/x",
    }


def test_get_task(make_client: MakeClient) -> None:
    rec = Recorder(replies(ok(task_data(3, 100, video_url="https://out.test/r.mp4"))))
    task = make_client(rec).get_task(TASK_ID)
    assert task.output_url == "https://out.test/r.mp4"
    assert rec.requests[0].url.params["_id"] == TASK_ID


BAD_CALLS = [
    ("analyze", ("example.com/a.mp4",), {}, "video_url"),
    ("analyze", ("https://x.test/a b.mp4",), {}, "video_url"),
    ("get_analysis", ("",), {}, "analysis_id"),
    ("get_task", (" x",), {}, "task_id"),
    ("create_task", (VIDEO, []), {}, "mappings"),
    ("create_task", (VIDEO, [(0, FACE)] * 2), {}, "mappings[1].obj_id"),
    ("create_task", (VIDEO, [(i, FACE) for i in range(6)]), {}, "mappings"),
    ("create_task", (VIDEO, [(0, "data:xyz")]), {}, "mappings[0].img_url"),
    ("create_task", (VIDEO, [(0, FACE)]), {"resolution": "1080p"}, "resolution"),
    ("create_task", (VIDEO, [(0, FACE)]), {"keep_original_sound": 1}, "keep_original_sound"),
    ("create_task", (VIDEO, [(0, FACE)]), {"webhook_url": "hook"}, "webhook_url"),
    ("create_task", ("ftp://x/a.mp4", [(0, FACE)]), {}, "video_url"),
]


@pytest.mark.parametrize(("method", "args", "kwargs", "field"), BAD_CALLS)
def test_local_validation_sends_nothing(
    make_client: MakeClient,
    method: str,
    args: tuple[object, ...],
    kwargs: dict[str, object],
    field: str,
) -> None:
    rec = Recorder(replies(ok(analysis_data())))
    with pytest.raises(InvalidRequestError) as info:
        getattr(make_client(rec), method)(*args, **kwargs)
    assert info.value.field == field and "nothing was sent" in str(info.value)
    assert rec.requests == []


# --- error mapping end to end ------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (1003, InvalidRequestError),
        (1014, NotFoundError),
        (1101, AuthenticationError),
        (1102, AuthenticationError),
        (1104, InsufficientCreditsError),
        (1200, APIError),
    ],
)
def test_error_codes(make_client: MakeClient, code: int, cls: type[APIError]) -> None:
    rec = Recorder(replies(ok(code=code, msg="server says no")))
    with pytest.raises(cls) as info:
        make_client(rec).get_analysis(ANALYSIS_ID)
    assert type(info.value) is cls
    assert (info.value.code, info.value.msg, info.value.subject) == (
        code,
        "server says no",
        ANALYSIS_ID,
    )
    assert len(rec.requests) == 1  # not retried


@pytest.mark.parametrize(("code", "cls"), [(1005, RateLimitError), (2001, ServerError)])
def test_transient_codes_are_retried_then_raised(
    make_client: MakeClient, fake_time: FakeTime, code: int, cls: type[APIError]
) -> None:
    rec = Recorder(replies(ok(code=code)))
    with pytest.raises(cls):
        make_client(rec, max_retries=2).get_analysis(ANALYSIS_ID)
    assert len(rec.requests) == 3 and len(fake_time.sleeps) == 2
    assert all(0 <= s <= 8 for s in fake_time.sleeps)


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(503, content=b"<html>down</html>"),
        httpx.Response(429),
        httpx.Response(408),
        httpx.Response(200, content=b'{"code": 1000, "da'),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("dropped"),
        httpx.ConnectError("refused"),
    ],
    ids=["503", "429", "408", "truncated", "read-timeout", "drop", "refused"],
)
def test_reads_recover_from_transient_failures(
    make_client: MakeClient, fake_time: FakeTime, failure: httpx.Response | Exception
) -> None:
    rec = Recorder(replies(failure, failure, ok(analysis_data(2, 40))))
    assert make_client(rec).get_analysis(ANALYSIS_ID).progress == 40
    assert len(rec.requests) == 3 and len(fake_time.sleeps) == 2


@pytest.mark.parametrize(
    ("failure", "cls"),
    [
        (httpx.ReadTimeout("slow"), TimeoutError),
        (httpx.ConnectError("refused"), ConnectionError),
        (httpx.Response(502, content=b"<html>bad gateway</html>"), ServerError),
        (httpx.Response(200, content=b"<html>captive portal</html>"), ProtocolError),
    ],
)
def test_reads_give_up_after_max_retries(
    make_client: MakeClient, failure: httpx.Response | Exception, cls: type[Exception]
) -> None:
    rec = Recorder(replies(failure))
    with pytest.raises(cls) as info:
        make_client(rec, max_retries=3).get_analysis(ANALYSIS_ID)
    assert len(rec.requests) == 4
    assert getattr(info.value, "subject", ANALYSIS_ID) == ANALYSIS_ID


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(500),
        httpx.Response(503, content=b"<html>down</html>"),
        httpx.Response(200, content=b'{"code": 2001, "msg": "Server error"}'),
        httpx.Response(200, content=b'{"code": 1000, "data": {"_id'),
        httpx.ReadTimeout("no answer"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.WriteTimeout("half sent"),
    ],
    ids=["500", "503", "2001", "truncated", "read-timeout", "drop", "write-timeout"],
)
@pytest.mark.parametrize("submit", ["analyze", "create_task"])
def test_submits_are_never_resent_when_they_may_have_arrived(
    make_client: MakeClient, fake_time: FakeTime, failure: httpx.Response | Exception, submit: str
) -> None:
    rec = Recorder(replies(failure, ok(analysis_data())))
    client = make_client(rec)
    call = (
        (lambda: client.analyze(VIDEO))
        if submit == "analyze"
        else (lambda: client.create_task(VIDEO, [(0, FACE)]))
    )
    with pytest.raises(SubmissionUnknownError) as info:
        call()
    assert len(rec.requests) == 1 and fake_time.sleeps == []
    assert (
        info.value.video_url == VIDEO
        and VIDEO in str(info.value)
        and "NOT resent" in str(info.value)
    )


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("[Errno 111] Connection refused"),
        httpx.ConnectError("[Errno -2] Name or service not known"),
        httpx.ConnectTimeout("connect"),
        httpx.Response(429, headers={"Retry-After": "3"}),
        httpx.Response(200, content=b'{"code": 1005, "msg": "Operation is too frequent"}'),
    ],
    ids=["refused", "dns", "connect-timeout", "429", "1005"],
)
def test_submits_are_retried_when_they_certainly_did_not_arrive(
    make_client: MakeClient, fake_time: FakeTime, failure: httpx.Response | Exception
) -> None:
    rec = Recorder(replies(failure, ok(analysis_data())))
    assert make_client(rec).analyze(VIDEO).id == ANALYSIS_ID
    assert len(rec.requests) == 2 and len(fake_time.sleeps) == 1


def test_retry_after_seconds(make_client: MakeClient, fake_time: FakeTime) -> None:
    rec = Recorder(replies(httpx.Response(429, headers={"Retry-After": "7"}), ok(analysis_data())))
    make_client(rec).get_analysis(ANALYSIS_ID)
    assert fake_time.sleeps == [7.0]


def test_retry_after_http_date(make_client: MakeClient, fake_time: FakeTime) -> None:
    now = 1_800_000_000.0
    headers = {
        "Retry-After": email.utils.formatdate(now + 30, usegmt=True),
        "Date": email.utils.formatdate(now, usegmt=True),
    }
    rec = Recorder(replies(httpx.Response(503, headers=headers), ok(analysis_data())))
    make_client(rec).get_analysis(ANALYSIS_ID)
    assert fake_time.sleeps == [30.0]


def test_a_retry_after_over_the_cap_means_try_again_at_the_cap(
    make_client: MakeClient, fake_time: FakeTime
) -> None:
    rec = Recorder(
        replies(httpx.Response(429, headers={"Retry-After": "600"}), ok(analysis_data()))
    )
    assert make_client(rec).get_analysis(ANALYSIS_ID).id == ANALYSIS_ID
    assert fake_time.sleeps == [60.0] and len(rec.requests) == 2


def test_retry_after_cap_is_configurable(make_client: MakeClient, fake_time: FakeTime) -> None:
    rec = Recorder(replies(httpx.Response(429, headers={"Retry-After": "100"})))
    with pytest.raises(RateLimitError) as info:
        make_client(rec, retry_after_cap=5, max_retries=2).get_analysis(ANALYSIS_ID)
    assert fake_time.sleeps == [5.0, 5.0] and info.value.retry_after == 5.0


# --- credentials -------------------------------------------------------------------------


def token_server(*, reject_first_token: bool) -> Recorder:
    issued: list[str] = []

    def respond(request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN_PATH:
            body = json.loads(request.content)
            assert body == {"clientId": "cid", "clientSecret": SENTINEL_KEY}
            assert "authorization" not in request.headers and "x-api-key" not in request.headers
            issued.append(f"tok{len(issued) + 1}")
            return ok(token=issued[-1])
        auth = request.headers.get("authorization", "")
        if reject_first_token and auth == "Bearer tok1":
            return ok(code=1101, msg="Illegal token")
        assert auth == f"Bearer {issued[-1]}"
        return ok(analysis_data())

    return Recorder(respond)


def test_client_credentials_are_exchanged_once_and_cached(make_client: MakeClient) -> None:
    rec = token_server(reject_first_token=False)
    client = make_client(rec, api_key=None, client_id="cid", client_secret=SENTINEL_KEY)
    client.get_analysis(ANALYSIS_ID)
    client.get_analysis(ANALYSIS_ID)
    assert rec.paths().count(TOKEN_PATH) == 1 and len(rec.requests) == 3


def test_token_is_fetched_again_once_on_1101(make_client: MakeClient) -> None:
    rec = token_server(reject_first_token=True)
    client = make_client(rec, api_key=None, client_id="cid", client_secret=SENTINEL_KEY)
    assert client.get_analysis(ANALYSIS_ID).id == ANALYSIS_ID
    assert rec.paths() == [TOKEN_PATH, ANALYZE_DETAIL_PATH, TOKEN_PATH, ANALYZE_DETAIL_PATH]


def test_token_refresh_happens_only_once(make_client: MakeClient) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN_PATH:
            return ok(token="always-bad")
        return ok(code=1101, msg="Illegal token")

    rec = Recorder(respond)
    client = make_client(rec, api_key=None, client_id="cid", client_secret=SENTINEL_KEY)
    with pytest.raises(AuthenticationError) as info:
        client.get_analysis(ANALYSIS_ID)
    assert len(rec.requests) == 4 and "AKOOL_CLIENT_ID" in str(info.value)


def test_fixed_api_key_1101_raises_with_advice(make_client: MakeClient) -> None:
    rec = Recorder(replies(ok(code=1101, msg="Invalid authorization")))
    with pytest.raises(AuthenticationError) as info:
        make_client(rec).get_analysis(ANALYSIS_ID)
    assert len(rec.requests) == 1 and "AKOOL_API_KEY" in str(info.value)


def test_bearer_token_argument(make_client: MakeClient) -> None:
    rec = Recorder(replies(ok(analysis_data())))
    make_client(rec, api_key=None, token="jwt-xyz").get_analysis(ANALYSIS_ID)
    assert rec.requests[0].headers["authorization"] == "Bearer jwt-xyz"
    assert "x-api-key" not in rec.requests[0].headers


def test_get_token_without_token_is_a_protocol_error(make_client: MakeClient) -> None:
    rec = Recorder(replies(ok(data={"token": "nested"})))
    with pytest.raises(ProtocolError):
        make_client(rec, api_key=None, client_id="cid", client_secret="s").get_analysis(ANALYSIS_ID)


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_environment_is_read_when_the_client_is_built(
    cls: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AKOOL_API_KEY", raising=False)
    monkeypatch.delenv("AKOOL_CLIENT_ID", raising=False)
    monkeypatch.delenv("AKOOL_CLIENT_SECRET", raising=False)
    monkeypatch.setenv("AKOOL_BASE_URL", "http://127.0.0.1:9/")
    with pytest.raises(ConfigurationError) as info:
        cls()
    message = str(info.value)
    assert all(
        v in message
        for v in ("AKOOL_API_KEY", "AKOOL_CLIENT_ID", "AKOOL_CLIENT_SECRET", "simulator")
    )
    monkeypatch.setenv("AKOOL_API_KEY", "")  # empty counts as unset
    with pytest.raises(ConfigurationError):
        cls()
    monkeypatch.setenv("AKOOL_API_KEY", SENTINEL_KEY)
    client = cls()
    assert client.base_url == "http://127.0.0.1:9"
    assert client.credential_source == "env AKOOL_API_KEY"
    assert (
        repr(client)
        == f"{cls.__name__}(base_url='http://127.0.0.1:9', credential='env AKOOL_API_KEY')"
    )


@pytest.mark.parametrize(
    ("kwargs", "env", "source"),
    [
        ({"api_key": "k"}, {"AKOOL_API_KEY": "e"}, "api_key argument"),
        ({"token": "t"}, {}, "token argument"),
        ({"client_id": "i", "client_secret": "s"}, {}, "client_id argument"),
        (
            {},
            {"AKOOL_CLIENT_ID": "i", "AKOOL_CLIENT_SECRET": "s"},
            "env AKOOL_CLIENT_ID/AKOOL_CLIENT_SECRET",
        ),
    ],
)
def test_credential_sources(kwargs: dict[str, str], env: dict[str, str], source: str) -> None:
    assert Client(env=env, **kwargs).credential_source == source


@pytest.mark.parametrize(
    "kwargs",
    [
        {"api_key": "k", "token": "t"},
        {"client_id": "i"},
        {"env": {"AKOOL_CLIENT_ID": "i"}},
        {"api_key": "k", "base_url": "openapi.akool.com"},
        {"api_key": "k", "max_retries": -1},
    ],
)
def test_bad_configuration(kwargs: dict[str, object]) -> None:
    kwargs.setdefault("env", {})
    with pytest.raises(ConfigurationError):
        Client(**kwargs)  # type: ignore[arg-type]


def test_injected_http_client_is_used_and_left_open() -> None:
    rec = Recorder(replies(ok(analysis_data())))
    http = httpx.Client(transport=httpx.MockTransport(rec))
    with Client(api_key="k", env={}, http_client=http) as client:
        client.get_analysis(ANALYSIS_ID)
    assert not http.is_closed and str(rec.requests[0].url).startswith("https://openapi.akool.com/")
    http.close()


# --- waiting -----------------------------------------------------------------------------


def progression(*states: tuple[int, float]) -> Recorder:
    return Recorder(replies(*(ok(analysis_data(s, p)) for s, p in states)))


def test_wait_returns_terminal_record_and_reports_changes(
    make_client: MakeClient, fake_time: FakeTime
) -> None:
    rec = progression((1, 0), (1, 0), (2, 10), (2, 10), (2, 60), (3, 100))
    seen: list[tuple[int, float]] = []
    result = make_client(rec).wait_for_analysis(
        ANALYSIS_ID, on_update=lambda a: seen.append((int(a.status), a.progress))
    )
    assert result.status is Status.COMPLETED and len(rec.requests) == 6
    assert seen == [(1, 0), (2, 10), (2, 60), (3, 100)]
    assert len(fake_time.sleeps) == 5


def test_async_on_update_may_be_a_coroutine(make_client: MakeClient, mode: str) -> None:
    rec = progression((2, 50), (3, 100))
    seen: list[float] = []

    async def on_update(a: object) -> None:
        seen.append(a.progress)  # type: ignore[attr-defined]

    callback = on_update if mode == "async" else seen_sync(seen)
    make_client(rec).wait_for_analysis(ANALYSIS_ID, on_update=callback)
    assert seen == [50, 100]


def seen_sync(seen: list[float]) -> object:
    return lambda a: seen.append(a.progress)


def test_wait_returns_failed_records_without_raising(make_client: MakeClient) -> None:
    rec = Recorder(
        replies(ok(analysis_data(4, 33, error_code=1015, error_reason="Video processing error")))
    )
    result = make_client(rec).wait_for_analysis(ANALYSIS_ID)
    assert result.status is Status.FAILED and result.error_code == 1015


def test_wait_for_task(make_client: MakeClient) -> None:
    rec = Recorder(
        replies(ok(task_data(2, 10)), ok(task_data(3, 100, video_url="https://o/r.mp4")))
    )
    assert make_client(rec).wait_for_task(TASK_ID, poll=0.5).output_url == "https://o/r.mp4"


def test_wait_times_out_with_the_last_record(make_client: MakeClient, fake_time: FakeTime) -> None:
    rec = progression((2, 5))
    start = fake_time.now
    with pytest.raises(WaitTimeoutError) as info:
        make_client(rec).wait_for_analysis(ANALYSIS_ID, timeout=10, poll=PollPolicy.fixed(3))
    error = info.value
    assert isinstance(error, builtins.TimeoutError)  # callers may catch the builtin
    assert error.subject == ANALYSIS_ID and error.last is not None and error.last.progress == 5
    assert fake_time.sleeps == [3, 3, 3, 1] and fake_time.now - start == 10


def test_wait_forever_only_when_asked(make_client: MakeClient, fake_time: FakeTime) -> None:
    rec = progression(*([(2, 1)] * 400), (3, 100))
    make_client(rec).wait_for_analysis(ANALYSIS_ID, timeout=None, poll=5)
    assert fake_time.now > 1000 + 900  # past the default timeout


def test_poll_interval_environment(
    make_client: MakeClient, fake_time: FakeTime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEADSWAP_POLL_INTERVAL", "0.7")
    make_client(progression((2, 1), (2, 2), (3, 100))).wait_for_analysis(ANALYSIS_ID)
    assert fake_time.sleeps == [0.7, 0.7]


def test_a_poll_error_that_survives_retries_propagates(make_client: MakeClient) -> None:
    rec = Recorder(replies(ok(analysis_data(2, 5)), httpx.Response(503)))
    with pytest.raises(ServerError):
        make_client(rec).wait_for_analysis(ANALYSIS_ID)
    assert len(rec.requests) == 5


def test_bad_timeout(make_client: MakeClient) -> None:
    rec = progression((2, 5))
    with pytest.raises(ConfigurationError):
        make_client(rec).wait_for_analysis(ANALYSIS_ID, timeout=-1)
    assert rec.requests == []


@pytest.mark.parametrize("data", [None, {"status": 1}, {"_id": 7}])
def test_an_accepted_submit_without_an_id_is_unknown_never_resent(
    make_client: MakeClient, data: object
) -> None:
    rec = Recorder(replies(ok(data)))
    with pytest.raises(SubmissionUnknownError) as info:
        make_client(rec).analyze("https://example.com/v.mp4")
    assert info.value.video_url == "https://example.com/v.mp4"
    assert "do not resubmit" in str(info.value)
    assert len(rec.requests) == 1
