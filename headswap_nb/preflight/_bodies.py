"""Reading answer bodies into the block cache: counted, against the deadline.

Two shapes: the body of a 206 (a known number of bytes), and the whole body of a 200
sent by a server that ignores ``Range`` (read in order, on demand, never to its end
unless needed). A connection that breaks mid-body is reported, not raised: what
arrived before the break is kept and may be enough. A timeout is raised.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from headswap_nb.preflight._blocks import BlockCache
from headswap_nb.preflight._deadline import Deadline

__all__ = ["Meter", "WholeBody", "receive_part"]


@dataclass
class Meter:
    """Body bytes received for one URL, across all its requests."""

    bytes: int = 0
    """Running total; counts every byte received, also those past what was asked."""


def _raw(response: httpx.Response) -> Iterator[bytes]:
    """The body as it arrives (not decoded: range offsets count the bytes sent). A
    response made from bytes, as ``httpx.MockTransport`` returns, is already read."""
    if response.is_stream_consumed:
        yield response.content
        return
    yield from response.iter_raw()


def receive_part(
    response: httpx.Response, *, length: int, meter: Meter, deadline: Deadline
) -> tuple[bytes, bool]:
    """At most ``length`` bytes of ``response``'s body, and whether it broke off early."""
    got = bytearray()
    try:
        for chunk in _raw(response):
            meter.bytes += len(chunk)
            got += chunk
            if len(got) >= length:
                break
            deadline.check()
    except httpx.TimeoutException:
        raise
    except httpx.TransportError:
        return bytes(got), True
    return bytes(got[:length]), len(got) < length


class WholeBody:
    """The 200 answer of a server that ignores ``Range``, cached block by block."""

    def __init__(
        self, response: httpx.Response, *, cache: BlockCache, meter: Meter, deadline: Deadline
    ) -> None:
        self._response = response
        self._chunks = _raw(response)
        self._cache = cache
        self._meter = meter
        self._deadline = deadline
        self._pending = bytearray()  # received, not yet a whole block
        self.received = 0
        """Bytes of the body received so far (the offset reached)."""
        self.ended = False
        """The body is over: complete, or ``broken`` off."""
        self.broken = False
        """The connection failed before the body was complete."""

    def pull(self, until: int) -> None:
        """Receive the body on to offset ``until`` (or its end)."""
        try:
            while not self.ended and self.received < until:
                self._deadline.check()
                chunk = next(self._chunks, None)
                if chunk is None:
                    self.ended = True
                    break
                self._meter.bytes += len(chunk)
                self.received += len(chunk)
                self._pending += chunk
                self._flush(final=False)
        except httpx.TimeoutException:
            raise
        except httpx.TransportError:
            self.ended = self.broken = True
        if self.ended:
            self._flush(final=True)

    def close(self) -> None:
        self._response.close()

    def _flush(self, *, final: bool) -> None:
        base = self.received - len(self._pending)
        rest = self._cache.store(base, bytes(self._pending), keep_short=final)
        self._pending = bytearray(rest)
