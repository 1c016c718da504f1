"""The probe's exceptions, all under ``headswap_nb.errors.HeadswapError``.

Only ``ProbeUnavailableError`` (and ``ProbeError`` for a closed ``Prober``) ever reaches a
caller: everything that goes wrong while probing a URL becomes a ``ProbeResult`` with
``error`` set. The other classes are raised inside a probe and turned into that text.
"""

from __future__ import annotations

import builtins

from headswap_nb.errors import HeadswapError

__all__ = [
    "HttpStatusError",
    "ProbeError",
    "ProbeTimeout",
    "ProbeUnavailableError",
    "ReadFailedError",
    "ReadLimitError",
]

INSTALL_HINT = "install the probe extra: pip install 'headswap-nb[probe]'"


class ProbeError(HeadswapError):
    """Base of the probe's errors."""


class ProbeUnavailableError(ProbeError, ImportError):
    """PyAV or Pillow is not installed; the message says how to install them."""


class ProbeTimeout(ProbeError, builtins.TimeoutError):
    """The per-URL deadline passed."""


class HttpStatusError(ProbeError):
    """The server answered the first request with an HTTP error status."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


class ReadLimitError(ProbeError):
    """Going on would read more than ``max_bytes`` of this URL."""


class ReadFailedError(ProbeError):
    """The body could not be read as asked (cut off, bad Content-Range, a later error)."""
