"""Where ``connect()`` sends work: the environment's credential, else the simulator."""

from __future__ import annotations

import pytest

import headswap_nb as hs
from headswap_nb.connection import credential_env_var, describe, is_loopback_url
from headswap_nb.errors import ConfigurationError


def test_nothing_configured_means_the_embedded_simulator() -> None:
    with hs.connect() as client:
        info = describe(client)
        assert info.is_simulator and info.credential_source.startswith("embedded simulator")
        assert client.analyze("https://example.com/v.mp4?people=1").status.label == "queued"
        # Said where a user looks first, and no key in it.
        assert "credential='embedded simulator" in repr(client)
        assert client._session.credential.secret.reveal() not in repr(client)


def test_a_key_in_the_environment_means_the_real_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKOOL_API_KEY", "from-env")
    with hs.connect() as client:  # nothing is sent when a client is built
        info = describe(client)
    assert (info.base_url, info.is_simulator) == ("https://openapi.akool.com", False)
    assert info.credential_source == "env AKOOL_API_KEY"
    assert "from-env" not in repr(client) + info.describe()


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"AKOOL_BASE_URL": "https://api.example.com"}, "no credential is"),
        ({"AKOOL_CLIENT_ID": "abc"}, "Only AKOOL_CLIENT_ID is set"),
        ({"AKOOL_CLIENT_SECRET": "abc"}, "Only AKOOL_CLIENT_SECRET is set"),
    ],
)
def test_half_configured_environments_are_errors_not_the_simulator(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], fragment: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=fragment):
        hs.connect()
    with pytest.raises(ConfigurationError, match=fragment):
        hs.connect_async()


def test_blank_variables_count_as_unset() -> None:
    assert credential_env_var({"AKOOL_API_KEY": "  "}) is None
    assert credential_env_var({"AKOOL_CLIENT_ID": "a", "AKOOL_CLIENT_SECRET": "b"}) == (
        "AKOOL_CLIENT_ID/AKOOL_CLIENT_SECRET"
    )


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://localhost", True),
        ("http://[::1]:9", True),
        ("https://openapi.akool.com", False),
        ("http://10.0.0.1", False),
    ],
)
def test_loopback_detection(url: str, local: bool) -> None:
    assert is_loopback_url(url) is local
