"""The API client: ``Client`` (blocking) and ``AsyncClient`` (asyncio), on httpx.

Layout, one job a module: ``clients`` (the two thin I/O shells), ``operations`` (every call,
as a sans-I/O generator), ``session`` (authentication, token exchange, retries), ``effects``
(the vocabulary between the two), ``protocol`` (paths, envelope, error map), ``retry``
(what may be sent again), ``config`` and ``secret`` (credentials that cannot leak),
``validation`` and ``urls`` (local checks: nothing is sent on a mistake) and ``downloads``
(saving an output video). Nothing here imports the simulator.
"""

from headswap_nb.client.clients import DEFAULT_TIMEOUT, AsyncClient, Client

__all__ = ["DEFAULT_TIMEOUT", "AsyncClient", "Client"]
