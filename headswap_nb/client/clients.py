"""``Client`` and ``AsyncClient``: thin I/O shells over the generators in ``operations``.

Each shell only performs effects (``effects`` docstring): an HTTP call within its total
deadline (``exchange``), a sleep, an ``on_update`` callback, taking or giving back a lock.
Every public method is one line that builds a flow and runs it, so the two classes
(``blocking.Client`` and ``aio.AsyncClient``, side by side) differ only by ``await``; their
shared configuration is ``base.ClientBase``.
"""

from __future__ import annotations

from headswap_nb.client.aio import AsyncClient
from headswap_nb.client.blocking import Client
from headswap_nb.client.deadline import DEFAULT_TIMEOUT

__all__ = ["DEFAULT_TIMEOUT", "AsyncClient", "Client"]
