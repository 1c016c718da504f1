"""The board's pre-flight look at every pasted video, before anything is paid for.

As soon as typing pauses, each pasted URL is probed in the background (``preflight``: a
bounded pool of threads, range requests, a deadline per URL; the event loop never waits),
and what it found shows under the text: how many are fine, which would be held back and why.
On Analyze, a video that is unreachable, not a video, or outside 3–20 s is added *held back*
with that reason (its row has "Send anyway"); one still being looked at is held until the
look ends, then let go if fine. Thumbnails and "12.0 s · 1920×1080 · 30 fps" stay on the rows
and in the Results tab. Without the probe extra the board says in one line how to enable it,
and sends as before.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from headswap_nb.widgets.loop import call_on, running_loop

if TYPE_CHECKING:
    from headswap_nb.preflight import Prober, ProbeResult

__all__ = ["CHECKING", "ENABLE", "Looks"]

CHECKING = "looking at the video first (reachable? how long?)"
"""Why a row is held while its look is still running."""
ENABLE = (
    "See each video before you pay for it (reachable, length, size, a thumbnail): "
    "pip install 'headswap-nb[probe]'"
)


class Looks:
    """What the pre-flight look found per URL, and the probes still running."""

    def __init__(self, *, on_result: Callable[[str, ProbeResult], object]) -> None:
        self._on_result = on_result
        self.found: dict[str, ProbeResult] = {}
        """URL → what the look found."""
        self._running: set[str] = set()
        self._prober: Prober | None = None
        self._home = running_loop()
        self.available = _available()
        """False without the probe extra: then nothing is looked at."""

    def start(self, urls: Iterable[str]) -> None:
        """Look at every URL not looked at yet, in the background."""
        if not self.available:
            return
        for url in urls:
            if url in self.found or url in self._running:
                continue
            prober = self._ensure()
            self._running.add(url)
            prober.submit(url).add_done_callback(self._deliver(url))

    def reason(self, url: str) -> str | None:
        """Why ``url`` should be held back: the look's plain reason, ``CHECKING`` while it
        runs, ``None`` when fine (or when nothing can be looked at)."""
        if not self.available:
            return None
        result = self.found.get(url)
        if result is None:
            return CHECKING
        from headswap_nb.preflight import held_back_reason

        return held_back_reason(result)

    def preview(self, url: str) -> tuple[str | None, str | None] | None:
        """``(thumbnail data URI, "12.0 s · 1920×1080 · 30 fps")`` once looked at."""
        result = self.found.get(url)
        if result is None:
            return None
        from headswap_nb.preflight import summary_text

        return result.thumbnail_data_uri, summary_text(result)

    def thumbnails(self) -> dict[str, str]:
        """URL → thumbnail data URI, for the Results tab."""
        out = {}
        for url, result in self.found.items():
            uri = result.thumbnail_data_uri
            if uri is not None:
                out[url] = uri
        return out

    def line(self, urls: Iterable[str]) -> str:
        """HTML under the pasted text: what the look found of ``urls`` so far."""
        wanted = list(dict.fromkeys(urls))
        if not wanted:
            return ""
        if not self.available:
            return f'<span class="hs-looks-enable" style="opacity:.75">{html.escape(ENABLE)}</span>'
        done = [u for u in wanted if u in self.found]
        reasons = {u: self.reason(u) for u in done}
        held = [u for u in done if reasons[u]]
        parts = [f"looked at {len(done)} of {len(wanted)}: {len(done) - len(held)} fine"]
        if held:
            parts.append(f"{len(held)} would be held back")
        items = "".join(
            f'<div class="hs-looks-held" style="color:#e65100"><code>{html.escape(_short(u))}'
            f"</code> {html.escape(reasons[u] or '')}</div>"
            for u in held[:10]
        )
        return f'<span class="hs-looks-summary">{html.escape(", ".join(parts))}</span>{items}'

    def close(self) -> None:
        """Stop the probes that have not started (the running ones end within their
        deadline)."""
        if self._prober is not None:
            self._prober.close()
            self._prober = None

    def _ensure(self) -> Prober:
        if self._prober is None:
            from headswap_nb.preflight import Prober

            self._prober = Prober(workers=4, timeout=10.0)
        return self._prober

    def _deliver(self, url: str) -> Callable[[Future[ProbeResult]], None]:
        # A pool thread finishes the probe; the result is handled on the board's loop.
        def deliver(future: Future[ProbeResult]) -> None:
            call_on(self._home, self._done, url, future)

        return deliver

    def _done(self, url: str, future: Future[Any]) -> None:
        self._running.discard(url)
        if future.cancelled():
            return
        result = future.result()  # the pool turns every outcome into a result
        self.found[url] = result
        self._on_result(url, result)


def _available() -> bool:
    from headswap_nb.preflight import available

    return available()


def _short(url: str) -> str:
    from headswap_nb.present import short_url

    return short_url(url, 60)
