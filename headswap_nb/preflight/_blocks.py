"""The blocks of one remote file received so far. Pure: no I/O.

Blocks are ``block_size`` bytes at multiples of ``block_size``. A shorter block is kept
only where nothing follows it (the end of the file, or where the connection broke off),
so that "short block" always means "no more data here".
"""

from __future__ import annotations

__all__ = ["BlockCache"]


class BlockCache:
    """Received blocks by index, and reads across them."""

    def __init__(self, block_size: int) -> None:
        self.block_size = block_size
        self._blocks: dict[int, bytes] = {}

    def __contains__(self, block: object) -> bool:
        return block in self._blocks

    def __len__(self) -> int:
        return len(self._blocks)

    def store(self, offset: int, data: bytes, *, keep_short: bool) -> bytes:
        """Cache ``data`` received at ``offset`` (a block boundary) as blocks.

        A short last piece is cached when ``keep_short`` (nothing follows it) and returned
        otherwise, for the caller to complete or drop. Returns ``b""`` when all was cached.
        """
        if offset % self.block_size:
            raise ValueError(f"offset {offset} is not a multiple of {self.block_size}")
        size = self.block_size
        for start in range(0, len(data), size):
            piece = data[start : start + size]
            if len(piece) < size and not keep_short:
                return piece
            self._blocks[(offset + start) // size] = piece
        return b""

    def read(self, position: int, end: int) -> bytes:
        """The bytes from ``position`` up to ``end`` that are cached without a gap: empty
        when the block at ``position`` is missing or ends before ``position``."""
        out = bytearray()
        while position < end:
            block, offset = divmod(position, self.block_size)
            data = self._blocks.get(block)
            if data is None or offset >= len(data):
                break
            piece = data[offset : offset + end - position]
            out += piece
            position += len(piece)
            if len(data) < self.block_size:
                break  # a short block: nothing follows it
        return bytes(out)
