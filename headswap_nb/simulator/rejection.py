"""``Rejection``: a business error as plain data, for the state, validation and HTTP layers."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Rejection"]


@dataclass(frozen=True)
class Rejection:
    """A business error: the envelope's ``code`` and ``msg``."""

    code: int
    msg: str
