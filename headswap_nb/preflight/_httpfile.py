"""A read-only, seekable file over HTTP range requests, for ``av.open`` to read from.

FFmpeg reads a video's index and first frames, and jumps to the end when the index
(``moov``) is stored there; every read here asks only for the 64 KiB blocks it needs
(plus a little read-ahead), keeps them, and stops at ``max_bytes``. A server that
ignores ``Range`` answers 200 with the whole body: that body is read in order, only as
far as needed and never past ``max_bytes``.

Errors inside ``read`` are kept in ``failure``: PyAV re-raises the first one from
``av.open``, and later reads return end-of-file, because PyAV prints every further
exception from a callback to stderr ("PyAV library exception being dropped").
"""

from __future__ import annotations

import io

import httpx

from headswap_nb.preflight._blocks import BlockCache
from headswap_nb.preflight._bodies import Meter, WholeBody, receive_part
from headswap_nb.preflight._deadline import Deadline
from headswap_nb.preflight._errors import HttpStatusError, ReadFailedError, ReadLimitError
from headswap_nb.preflight._ranges import classify_answer, human_bytes, media_type, plan_fetch

__all__ = ["RangeFile"]


class RangeFile:
    """The file at ``url`` read through ``client``; ``open()`` sends the first request.

    After ``open()``: ``status``, ``content_type``, ``size`` (declared, may be ``None``),
    ``bytes_read`` and ``requests`` describe what happened so far.
    """

    def __init__(
        self,
        client: httpx.Client,
        url: str,
        *,
        deadline: Deadline,
        max_bytes: int,
        block_size: int,
        readahead: int,
    ) -> None:
        self.url = url
        self.status: int | None = None
        self.content_type: str | None = None
        self.size: int | None = None
        self.requests = 0
        self.failure: BaseException | None = None
        self._client = client
        self._deadline = deadline
        self._max_bytes = max_bytes
        self._block_size = block_size
        self._readahead = readahead
        self._cache = BlockCache(block_size)
        self._pos = 0
        self._meter = Meter()
        self._broken: str | None = None  # set once the connection failed mid-body
        self._whole: WholeBody | None = None  # a 200 answer: the server ignores Range

    @property
    def bytes_read(self) -> int:
        """Body bytes received so far, over all requests."""
        return self._meter.bytes

    # -- the file interface PyAV uses ------------------------------------------------

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        # Never raise here: PyAV turns an exception from seek into a failed av.open.
        # -1 is how FFmpeg's I/O layer says "cannot" (e.g. SEEK_END, size unknown).
        if whence == io.SEEK_SET:
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._pos + offset
        elif whence == io.SEEK_END and self.size is not None:
            position = self.size + offset
        else:
            return -1
        if position < 0:
            return -1
        self._pos = position
        return position

    def read(self, size: int = -1) -> bytes:
        if self.failure is not None:
            return b""
        try:
            return self._read(size)
        except BaseException as exc:
            self.failure = exc
            raise

    def close(self) -> None:
        if self._whole is not None:
            self._whole.close()

    def __enter__(self) -> RangeFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- fetching ------------------------------------------------------------------

    def open(self) -> None:
        """Send the first request (the first blocks); raises ``HttpStatusError`` for an
        HTTP error status and what httpx raises when no answer comes."""
        self._fetch(0, 0)

    def _read(self, size: int) -> bytes:
        count = self._max_bytes if size < 0 else size
        end = self._pos + count if self.size is None else min(self._pos + count, self.size)
        out = bytearray()
        position = self._pos
        while position < end:
            piece = self._cache.read(position, end)
            block = position // self._block_size
            if not piece and not out and block not in self._cache:
                # Fetch only for an empty read: a short read is fine for FFmpeg, and what
                # is cached stays usable should the next request fail.
                self._fetch(block, (end - 1) // self._block_size)
                piece = self._cache.read(position, end)
            if not piece:
                # Nothing more at this offset: the end of the file, where it broke off, or
                # (with data already in ``out``) a block still to fetch on the next read.
                if self._broken is not None and not out:
                    raise ReadFailedError(self._broken)
                break
            out += piece
            position += len(piece)
        self._pos = position
        return bytes(out)

    def _fetch(self, first: int, last: int) -> None:
        """Receive block ``first`` (and maybe more, through ``last`` and read-ahead)."""
        self._deadline.check()
        if self._broken is not None:
            return
        if self._whole is not None:
            self._pull(first, last)
            return
        span = plan_fetch(
            first,
            last,
            cached=self._cache,
            block_size=self._block_size,
            size=self.size,
            readahead=self._readahead,
            budget=self._max_bytes - self._meter.bytes,
        )
        if span is None:
            raise ReadLimitError(
                f"reading it needs more than the first {human_bytes(self._max_bytes)} (max_bytes)"
            )
        offset, length = span
        request = self._client.build_request(
            "GET",
            self.url,
            headers={"Range": f"bytes={offset}-{offset + length - 1}"},
            timeout=self._deadline.timeout(),
        )
        response = self._client.send(request, stream=True)
        keep = False
        try:
            keep = self._answer(response, offset, length)
        finally:
            if not keep:
                response.close()

    def _answer(self, response: httpx.Response, offset: int, length: int) -> bool:
        """Handle one answer; True when it is a whole body kept open to read on."""
        self.requests += len(response.history) + 1
        first = self.status is None
        if first:
            self.status = response.status_code
            self.content_type = media_type(response.headers.get("content-type"))
            self.url = str(response.url)  # after redirects: later requests go straight there
        answer = classify_answer(
            response.status_code,
            content_range=response.headers.get("content-range"),
            content_length=response.headers.get("content-length"),
            content_encoding=response.headers.get("content-encoding"),
            offset=offset,
            length=length,
            first=first,
        )
        if answer.size is not None:
            self.size = answer.size
        if answer.kind == "status":
            raise HttpStatusError(response.status_code)
        if answer.kind == "bad":
            raise ReadFailedError(answer.problem or "unusable answer")
        if answer.kind == "part":
            self._receive(response, offset, answer.length)
        elif answer.kind == "whole":
            # The server ignores Range and sends everything: read it only as far as needed.
            self._whole = WholeBody(
                response, cache=self._cache, meter=self._meter, deadline=self._deadline
            )
            self._pull(0, (length - 1) // self._block_size)
            return True
        return False

    def _receive(self, response: httpx.Response, offset: int, length: int) -> None:
        """Read and cache the body of a 206 answer: ``length`` bytes from ``offset``.

        A short last block is kept only at the end of the file or where the connection
        broke off: a server that sends fewer bytes than asked is asked again for the rest.
        """
        data, broken = receive_part(
            response, length=length, meter=self._meter, deadline=self._deadline
        )
        if broken:
            self._broken = self._cut_off(offset + len(data))
        at_end = self.size is not None and offset + len(data) >= self.size
        self._cache.store(offset, data, keep_short=at_end or broken)

    def _pull(self, first: int, last: int) -> None:
        """Read the whole-body answer on, through block ``last`` or the read limit."""
        assert self._whole is not None
        if first * self._block_size >= self._max_bytes:
            raise ReadLimitError(
                "the server ignores range requests and the part needed lies beyond the "
                f"first {human_bytes(self._max_bytes)}"
            )
        self._whole.pull(min((last + 1) * self._block_size, self._max_bytes))
        if self._whole.broken:
            self._broken = self._cut_off(self._whole.received)
        elif self._whole.ended:
            self.size = self._whole.received  # what arrived is the whole file

    def _cut_off(self, position: int) -> str:
        declared = f" of the {human_bytes(self.size)} announced" if self.size else ""
        return f"the connection was cut off after {human_bytes(position)}{declared}"
