"""Which server the board talks to, and a password field to connect to the real API.

The password field exists only when no credential is in the environment. Its value is read
once into a new client and the field is cleared at once, so no widget state (and so no
saved notebook) holds the key after Connect.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as W

from headswap_nb.connection import ConnectionInfo

__all__ = ["ConnectionPanel", "connection_html"]


def connection_html(info: ConnectionInfo) -> str:
    """``Simulator at http://127.0.0.1:8123 · credential: embedded simulator (…)``."""
    kind = "Simulator" if info.is_simulator else "Akool API"
    source = info.credential_source
    return (
        f'<span class="hs-connection-kind"><b>{kind}</b></span> at '
        f'<code class="hs-base-url">{html.escape(info.base_url)}</code> · credential: '
        f'<span class="hs-credential-source">{html.escape(source)}</span>'
    )


class ConnectionPanel(W.VBox):  # type: ignore[misc]
    """Connection status line, plus a collapsed "Use the real API" section when offered."""

    def __init__(self, *, offer_password: bool) -> None:
        self.status = W.HTML()
        self.status.add_class("hs-connection")
        self._where = ""  # the connection part of the status line
        self._credits = ""  # its credits part
        children: tuple[Any, ...] = (self.status,)
        self.password = W.Password(placeholder="Akool API key", description="API key")
        self.password.add_class("hs-password")
        self.connect = W.Button(description="Connect", icon="plug")
        self.connect.add_class("hs-connect")
        self.message = W.HTML()
        self.message.add_class("hs-connect-message")
        self._on_connect: list[Callable[[str], object]] = []
        if offer_password:
            section = W.Accordion(
                children=(W.VBox((W.HBox((self.password, self.connect)), self.message)),),
                titles=("Use the real API",),
                selected_index=None,
            )
            section.add_class("hs-real-api")
            children += (section,)
            self.connect.on_click(self._clicked)
        super().__init__(children=children)
        self.add_class("hs-connection-panel")

    def render(self, info: ConnectionInfo | None, problem: str | None = None) -> None:
        """Show where requests go, or why there is no connection yet."""
        if info is None:
            text = '<span style="color:#c62828">Not connected</span>'
            if problem:
                text += f": {html.escape(problem)}"
            self._where, self._credits = text, ""
        else:
            self._where = connection_html(info)
        self._show()

    def show_credits(self, text: str) -> None:
        """Show the account's balance (and what the board spent) after the connection, at
        the board's next flush (``send_credits``): within its message budget."""
        self._credits = text

    def send_credits(self) -> int:
        """Put a new credits text on screen; returns the messages that cost (0 or 1)."""
        before = self.status.value
        self._show()
        return int(self.status.value != before)

    def _show(self) -> None:
        credits = (
            f' · <span class="hs-credits">{html.escape(self._credits)}</span>'
            if self._credits
            else ""
        )
        self.status.value = self._where + credits

    def on_connect(self, callback: Callable[[str], object]) -> None:
        """Call ``callback(api_key)`` on Connect; the field is already cleared by then."""
        self._on_connect.append(callback)

    def _clicked(self, button: Any) -> None:
        key = self.password.value.strip()
        self.password.value = ""  # cleared before anything else can fail or render
        if not key:
            self.message.value = "Enter an API key first."
            return
        for callback in self._on_connect:
            callback(key)
        del key
