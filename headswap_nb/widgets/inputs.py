"""The URL textarea with its live check, the concurrency field and the Analyze button."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as W

from headswap_nb.client.urls import ParsedUrls, parse_urls
from headswap_nb.widgets.loop import AfterPause

__all__ = ["UrlInput", "check_html"]

_MAX_LISTED = 20  # invalid lines listed by the check; the count covers the rest


def check_html(parsed: ParsedUrls) -> str:
    """The live check: a count of valid URLs, collapsed duplicates, and each invalid line."""
    lines = [f'<b class="hs-valid-count">{html.escape(parsed.describe())}</b>']
    for rejected in parsed.rejected[:_MAX_LISTED]:
        lines.append(
            f'<div class="hs-rejected" style="color:#c62828">line {rejected.line}: '
            f"<code>{html.escape(rejected.text)}</code> {html.escape(rejected.reason)}</div>"
        )
    if len(parsed.rejected) > _MAX_LISTED:
        lines.append(f"<div>… and {len(parsed.rejected) - _MAX_LISTED} more invalid</div>")
    return "".join(lines)


class UrlInput(W.VBox):  # type: ignore[misc]
    """Paste URLs (one per line; commas and spaces also separate), see them checked, Analyze."""

    def __init__(self, *, concurrency: int = 4) -> None:
        self.text = W.Textarea(
            placeholder="Paste video URLs, one per line (commas and spaces also separate)",
            layout=W.Layout(width="100%", height="8em"),
        )
        self.text.add_class("hs-urls")
        self.check = W.HTML()
        self.check.add_class("hs-check")
        self.note = W.HTML()
        self.note.add_class("hs-analyze-note")
        self.looks = W.HTML()
        """What the pre-flight look found of the pasted videos, or how to enable it."""
        self.looks.add_class("hs-looks")
        self.concurrency = W.BoundedIntText(
            value=concurrency, min=1, max=256, description="Concurrency",
            style={"description_width": "initial"}, layout=W.Layout(width="auto"),
        )  # fmt: skip
        self.concurrency.add_class("hs-concurrency")
        self.analyze = W.Button(description="Analyze", button_style="primary", icon="play")
        self.analyze.add_class("hs-analyze")
        controls = W.HBox((self.concurrency, self.analyze))
        super().__init__(children=(self.text, self.check, self.looks, controls, self.note))
        self.add_class("hs-input")
        self.parsed = parse_urls("")
        """The latest check of the textarea."""
        self._on_analyze: list[Callable[[ParsedUrls], object]] = []
        self._on_pause: list[Callable[[ParsedUrls], object]] = []
        self._pause = AfterPause(self._paused)
        self.text.observe(self._recheck, names="value")
        self.analyze.on_click(self._clicked)
        self._recheck()

    def on_analyze(self, callback: Callable[[ParsedUrls], object]) -> None:
        """Call ``callback(parsed)`` when Analyze is pressed with valid URLs."""
        self._on_analyze.append(callback)

    def on_pause(self, callback: Callable[[ParsedUrls], object]) -> None:
        """Call ``callback(parsed)`` once typing pauses, with the URLs pasted so far."""
        self._on_pause.append(callback)

    def show_looks(self, html_text: str) -> None:
        """Show what the pre-flight look found, under the check (``""`` clears it)."""
        self.looks.value = html_text

    def _paused(self) -> None:
        for callback in self._on_pause:
            callback(self.parsed)

    def say(self, note: str) -> None:
        """A line under the check about what Analyze did (``""`` clears it)."""
        self.note.value = (
            f'<span class="hs-analyze-note">{html.escape(note)}</span>' if note else ""
        )

    def _recheck(self, change: Any = None) -> None:
        self.parsed = parse_urls(self.text.value)
        with self.check.hold_sync():
            self.check.value = check_html(self.parsed) if self.text.value.strip() else ""
        self.analyze.disabled = not self.parsed.valid
        self.say("")
        if change is not None:
            self._pause.poke()

    def _clicked(self, button: Any) -> None:
        if not self.parsed.valid:
            return
        for callback in self._on_analyze:
            callback(self.parsed)
