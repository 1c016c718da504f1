"""``get_credits``: the account's balance (akool-api.md §14), in both modes, and against the
simulator, whose balance analyses and tasks draw down by its own rule (``billing``)."""

from __future__ import annotations

import httpx
import pytest
from client_fixtures import MakeClient, Recorder, ok, replies

from headswap_nb import AsyncClient, Client
from headswap_nb.errors import AuthenticationError, ProtocolError
from headswap_nb.simulator import Simulator
from headswap_nb.simulator.billing import ANALYSIS_COST

pytestmark = pytest.mark.sim(speed=200.0, seed=8)


def test_the_balance_is_data_credit(make_client: MakeClient) -> None:
    rec = Recorder(replies(ok({"credit": 123})))
    assert make_client(rec).get_credits() == 123.0
    (request,) = rec.requests
    assert (request.method, request.url.path) == ("GET", "/api/open/v3/faceswap/quota/info")


@pytest.mark.parametrize(
    "answer", [ok({"credit": "12"}), ok({"credit": -1}), ok({"credit": True}), ok({}), ok([1])]
)
def test_a_balance_that_is_no_number_is_a_protocol_error(
    make_client: MakeClient, answer: httpx.Response
) -> None:
    rec = Recorder(replies(answer))
    with pytest.raises(ProtocolError, match=r"data\.credit"):
        make_client(rec, max_retries=0).get_credits()


def test_a_refused_key_is_an_authentication_error(make_client: MakeClient) -> None:
    rec = Recorder(replies(ok(code=1101, msg="invalid authorization")))
    with pytest.raises(AuthenticationError):
        make_client(rec).get_credits()


def test_the_simulators_balance_goes_down_by_its_rule(sim: Simulator) -> None:
    with Client(api_key=sim.api_key, base_url=sim.base_url) as client:
        before = client.get_credits()
        client.wait_for_analysis(client.analyze("https://e.com/v.mp4?duration=6&fail=0").id)
        assert client.get_credits() == before - ANALYSIS_COST

    async def read() -> float:
        async with AsyncClient(api_key=sim.api_key, base_url=sim.base_url) as client:
            return await client.get_credits()

    import asyncio

    assert asyncio.run(read()) == before - ANALYSIS_COST
