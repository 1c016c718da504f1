"""The API client: ``Client`` (blocking) and ``AsyncClient`` (asyncio), on httpx.

Layout, one job a module. The two thin I/O shells: ``blocking`` and ``aio`` (index:
``clients``), over ``base`` (their shared configuration) and ``exchange`` (one HTTP exchange
within its total deadline, and the locks). The pure core: ``operations`` (every call, as a
sans-I/O generator), ``auth`` (credentials, one token fetch at a time), ``session``
(sending with retries within deadlines), ``answers`` (what a successful answer must hold),
``effects`` (the vocabulary between core and shells), ``protocol`` (paths, envelope, error
map), ``scrub`` (the door: credentials out of every answer), ``retry`` (what may be sent
again), ``deadline`` (request deadlines, budgets, Retry-After bounds), ``config`` and
``secret`` (credentials that cannot leak), ``validation`` and ``urls`` (local checks:
nothing is sent on a mistake) and ``downloads`` (saving an output video). Nothing here
imports the simulator.
"""

from headswap_nb.client.clients import DEFAULT_TIMEOUT, AsyncClient, Client

__all__ = ["DEFAULT_TIMEOUT", "AsyncClient", "Client"]
