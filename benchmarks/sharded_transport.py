"""An httpx transport for thousands of polls: several small connection pools instead of one.

httpcore's pool does O(connections) work on every request start and finish — it checks each
idle connection for expiry, which costs a socket poll plus anyio attribute lookups. With the
64+ connections a big batch keeps busy, that was the largest CPU cost of a poll (measured:
over 40 % of a request's CPU at 64 connections). Spreading requests over ``shards`` pools of
``connections / shards`` each keeps that scan short; each request goes to the least busy
shard, so connections are reused as before.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

__all__ = ["ShardedTransport"]


class ShardedTransport(httpx.AsyncBaseTransport):
    """``connections`` keep-alive connections split over ``shards`` independent pools."""

    def __init__(self, *, connections: int = 64, shards: int = 8) -> None:
        if connections < 1 or shards < 1:
            raise ValueError("connections and shards must be at least 1")
        shards = min(shards, connections)
        per = -(-connections // shards)  # ceil: never fewer connections than asked
        limits = httpx.Limits(max_connections=per, max_keepalive_connections=per)
        self._pools = [httpx.AsyncHTTPTransport(limits=limits) for _ in range(shards)]
        self._busy = [0] * shards

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        busy = self._busy
        index = busy.index(min(busy))
        busy[index] += 1
        try:
            response = await self._pools[index].handle_async_request(request)
        except BaseException:
            busy[index] -= 1
            raise
        # The connection stays taken until the body is read and closed: count it until then.
        response.stream = _Released(response.stream, busy, index)  # type: ignore[arg-type]
        return response

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()


class _Released(httpx.AsyncByteStream):
    """Wraps a response stream to free its shard slot when the stream is closed."""

    def __init__(self, stream: httpx.AsyncByteStream, busy: list[int], index: int) -> None:
        self._stream = stream
        self._busy = busy
        self._index = index
        self._open = True

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        if self._open:
            self._open = False
            self._busy[self._index] -= 1
        await self._stream.aclose()
