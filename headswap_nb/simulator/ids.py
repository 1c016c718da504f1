"""ObjectId minting that reproduces the id structure seen in Akool's examples.

akool-api.md §3 and §11 [DERIVED]: every ``_id`` and ``task_id`` is a 24-hex MongoDB ObjectId
whose first 8 hex digits, read as Unix seconds, equal ``create_time // 1000``. The example
``task_id``s share one machine/process segment and count upwards (``…2872921bde86b72f`` →
``…2872921bde86b745``), so each minter keeps one 5-byte segment and a 3-byte counter.
"""

from __future__ import annotations

import hashlib
import itertools
import threading

__all__ = ["ObjectIdMinter", "is_object_id", "object_id_seconds"]

_COUNTER_MODULUS = 1 << 24


class ObjectIdMinter:
    """Mints ObjectIds for one simulated process: fixed segment, incrementing counter.

    The segment and the counter's start are derived from ``seed`` and ``label`` with
    sha256, so two minters with different labels (records vs. workers) never collide and a
    given seed always yields the same ids for the same timestamps.
    """

    def __init__(self, *, seed: int, label: str) -> None:
        digest = hashlib.sha256(f"headswap-nb-objectid\0{seed}\0{label}".encode()).digest()
        self.segment_hex = digest[:5].hex()
        self._counter = itertools.count(int.from_bytes(digest[5:8], "big"))
        # itertools.count is not documented as thread-safe; minting is rare, so a lock is cheap.
        self._lock = threading.Lock()

    def mint(self, unix_seconds: int) -> str:
        """Return a new ObjectId whose timestamp prefix is ``unix_seconds``."""
        with self._lock:
            counter = next(self._counter) % _COUNTER_MODULUS
        return f"{unix_seconds & 0xFFFFFFFF:08x}{self.segment_hex}{counter:06x}"


def is_object_id(value: str) -> bool:
    """True for 24 lowercase hex characters."""
    return len(value) == 24 and all(c in "0123456789abcdef" for c in value)


def object_id_seconds(object_id: str) -> int:
    """The Unix-seconds timestamp embedded in the first 8 hex digits."""
    return int(object_id[:8], 16)
