"""Credentials never show up in a repr, an exception, a log record, a model or a pickle."""

from __future__ import annotations

import logging
import pickle

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

from headswap_nb import Client
from headswap_nb.client.protocol import TOKEN_PATH
from headswap_nb.client.secret import Secret
from headswap_nb.errors import ConfigurationError, HeadswapError

TOKEN = "jwt-SENTINEL-token-abcdef"

# Fixtures shared with other client tests (conftest.py belongs to the whole suite).


def assert_clean(*texts: str) -> None:
    for text in texts:
        assert SENTINEL_KEY not in text and TOKEN not in text, text


def echoing(status: int, body: bytes) -> Recorder:
    """A server that echoes the credential back in its (broken) answer."""
    return Recorder(replies(httpx.Response(status, content=body)))


KEY = SENTINEL_KEY.encode()
PROVOCATIONS = {
    "protocol-html": echoing(200, b"<html>your key " + KEY + b" is shown here</html>"),
    "protocol-404": echoing(404, b"<pre>x-api-key: " + KEY + b"</pre>"),
    "server-5xx": echoing(502, b"<html>upstream saw " + KEY + b"</html>"),
    "auth-1101": echoing(200, b'{"code": 1101, "msg": "Illegal key ' + KEY + b'"}'),
    "invalid-1003": echoing(200, b'{"code": 1003, "msg": "' + KEY + b'"}'),
    "rate-1005": echoing(429, b'{"code": 1005, "msg": "' + KEY + b'"}'),
    "bad-data": echoing(200, b'{"code": 1000, "data": {"x": "' + KEY + b'"}}'),
    "timeout": Recorder(replies(httpx.ReadTimeout("timed out"))),
}


def provoke(client: object, name: str) -> HeadswapError:
    with pytest.raises(HeadswapError) as info:
        if name.startswith("submit"):
            client.analyze(VIDEO)  # type: ignore[attr-defined]
        else:
            client.get_analysis(ANALYSIS_ID)  # type: ignore[attr-defined]
    return info.value


@pytest.mark.parametrize("name", sorted(PROVOCATIONS))
def test_no_secret_in_any_exception(make_client: MakeClient, name: str) -> None:
    client = make_client(PROVOCATIONS[name], max_retries=0)
    error = provoke(client, name)
    assert_clean(str(error), repr(error), str(getattr(error, "snippet", "")), str(vars(error)))
    if error.__cause__ is not None:
        assert_clean(str(error.__cause__), repr(error.__cause__))


def test_no_secret_in_submission_unknown_or_validation(make_client: MakeClient) -> None:
    client = make_client(echoing(503, b"<html>" + KEY + b"</html>"))
    errors = [provoke(client, "submit")]
    with pytest.raises(HeadswapError) as info:
        client.create_task(f"https://x.test/a.mp4?k={SENTINEL_KEY[:3]}", [(0, "ftp://nope")])
    errors.append(info.value)
    for error in errors:
        assert_clean(str(error), repr(error))


def test_no_secret_in_client_repr_or_config_errors() -> None:
    client = Client(api_key=SENTINEL_KEY, env={})
    assert_clean(repr(client), str(client), client.credential_source, repr(vars(client)))
    client_token = Client(token=TOKEN, env={})
    assert_clean(repr(client_token), repr(vars(client_token)))
    with pytest.raises(ConfigurationError) as info:
        Client(api_key=SENTINEL_KEY, token=TOKEN, env={})
    assert_clean(str(info.value), repr(info.value))
    with pytest.raises(ConfigurationError) as bad_url:
        Client(api_key=SENTINEL_KEY, base_url=f"ftp://{SENTINEL_KEY}@host", env={})
    assert_clean(str(bad_url.value))


def test_secret_wrapper() -> None:
    secret = Secret(SENTINEL_KEY)
    assert_clean(str(secret), repr(secret), f"{secret}", repr([secret]))
    assert secret.reveal() == SENTINEL_KEY
    with pytest.raises(TypeError):
        pickle.dumps(secret)


def test_no_secret_in_debug_logs(make_client: MakeClient, caplog: pytest.LogCaptureFixture) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN_PATH:
            return ok(token=TOKEN)
        if request.headers.get("authorization") == f"Bearer {TOKEN}" and len(seen) == 1:
            seen.append(1)
            return httpx.Response(503)
        seen.append(1)
        return ok(analysis_data(3, 100))

    seen: list[int] = [0]
    client = make_client(
        Recorder(respond), api_key=None, client_id="cid", client_secret=SENTINEL_KEY
    )
    with caplog.at_level(logging.DEBUG):
        analysis = client.wait_for_analysis(ANALYSIS_ID)
    assert any(r.name == "headswap_nb" for r in caplog.records), "requests are logged at DEBUG"
    assert_clean(caplog.text, *(str(r.args) for r in caplog.records))
    assert_clean(repr(analysis), repr(dict(analysis.raw)))
