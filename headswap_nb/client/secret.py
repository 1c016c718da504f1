"""Credentials that cannot leak by accident.

A :class:`Secret` wraps a credential string; ``str()``/``repr()`` show ``***`` and it refuses
to be pickled, so a client, a log line or a saved notebook can never carry the value by
accident. Only the request builder calls :meth:`Secret.reveal`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NoReturn, final

__all__ = ["MASK", "Secret", "redact"]

MASK = "***"


@final
class Secret:
    """A credential value whose ``str``/``repr`` never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str) or not value:
            raise TypeError("a secret must be a non-empty string")
        self._value = value

    def reveal(self) -> str:
        """The raw value, for building a request header or body; never log it."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self) -> NoReturn:
        # Pickling would write the value to disk (journals, notebooks); make it a loud error.
        raise TypeError("Secret cannot be pickled: credentials are never persisted")


def redact(text: str, secrets: Iterable[Secret]) -> str:
    """``text`` with every occurrence of any of ``secrets`` replaced by ``***``."""
    for secret in secrets:
        value = secret.reveal()
        if value in text:
            text = text.replace(value, MASK)
    return text
