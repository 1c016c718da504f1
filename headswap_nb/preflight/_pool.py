"""The I/O shell: a bounded pool of worker threads probing URLs, blocking or awaitable.

``Prober`` is what the board holds: one ``ThreadPoolExecutor`` of ``workers`` threads,
one httpx client whose connection pool has as many sockets, and a cache of one future
per URL. ``probe`` and ``probe_async`` are the one-shot forms.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

import httpx

from headswap_nb.errors import ConfigurationError
from headswap_nb.preflight._errors import ProbeError
from headswap_nb.preflight._media import require
from headswap_nb.preflight._result import ProbeResult
from headswap_nb.preflight._worker import Options, probe_one

__all__ = ["DEFAULT_MAX_BYTES", "Prober", "probe", "probe_async"]

DEFAULT_MAX_BYTES = 4 * 1024 * 1024
"""Per URL: enough for the index and first frames of a typical MP4, from either end."""
BLOCK_SIZE = 64 * 1024
READAHEAD = 4  # blocks per request at least: 256 KiB, where most MP4 indexes fit
MAX_REDIRECTS = 5


class Prober:
    """Probes URLs in ``workers`` threads, each URL once (results are cached per URL).

    ``timeout``: seconds per URL, from its first request (not from ``submit``) to its
    result, holding even against a server that drips a byte at a time. ``max_bytes``:
    most body bytes read per URL. ``transport``: an httpx transport to use instead of
    the sockets (tests); the deadline then holds between reads, not inside one.
    Raises ``ProbeUnavailableError`` when PyAV or Pillow is missing.
    """

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        workers: int = 4,
        max_bytes: int = DEFAULT_MAX_BYTES,
        block_size: int = BLOCK_SIZE,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        require()
        if not timeout > 0:
            raise ConfigurationError(f"timeout must be positive, got {timeout!r}")
        if workers < 1:
            raise ConfigurationError(f"workers must be at least 1, got {workers!r}")
        if block_size < 4096:
            raise ConfigurationError(f"block_size must be at least 4096, got {block_size!r}")
        if max_bytes < block_size:
            raise ConfigurationError(f"max_bytes must be at least block_size ({block_size})")
        self._options = Options(timeout, max_bytes, block_size, READAHEAD, clock)
        if transport is None:
            # Imported here: httpx itself defers importing httpcore until first use, and
            # so does this package. Note that httpx ignores HTTP(S)_PROXY once it is given
            # a transport: probes go direct.
            from headswap_nb.preflight._transport import DeadlineTransport

            transport = DeadlineTransport(max_connections=workers)
        self._client = httpx.Client(
            transport=transport,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            # Range offsets count encoded bytes: a compressed answer would not be the file.
            headers={"Accept-Encoding": "identity"},
        )
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="headswap-probe")
        self._futures: dict[str, Future[ProbeResult]] = {}
        self._lock = threading.Lock()
        self._pending = 0  # submitted, not yet done or cancelled
        self._closed = False

    def submit(self, url: str, *, refresh: bool = False) -> Future[ProbeResult]:
        """The future result for ``url``: the cached one, or a new probe (``refresh``:
        always a new one). The future never fails; it is cancelled only by ``close``."""
        with self._lock:
            if self._closed:
                raise ProbeError("this Prober is closed")
            future = self._futures.get(url)
            # A cancelled future (an awaiting task was cancelled before the probe began)
            # is no result: probe again.
            if future is not None and not refresh and not future.cancelled():
                return future
            future = self._executor.submit(probe_one, self._client, url, self._options)
            self._futures[url] = future
            self._pending += 1
        future.add_done_callback(self._finished)
        return future

    def probe_async(self, url: str, *, refresh: bool = False) -> asyncio.Future[ProbeResult]:
        """``submit`` as an awaitable of the running loop: the loop never waits on a
        probe, a pool thread resolves it. Call it from inside the loop."""
        return asyncio.wrap_future(self.submit(url, refresh=refresh))

    def map(self, urls: Iterable[str]) -> list[ProbeResult]:
        """Probe ``urls`` and wait: one result per item, in order (duplicates share one)."""
        futures = [self.submit(url) for url in urls]
        return [future.result() for future in futures]

    def close(self) -> None:
        """Cancel the probes that have not started; the sockets are released when the
        running ones end (each within its timeout). Does not wait."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            idle = self._pending == 0
        if idle:
            self._client.close()

    def __enter__(self) -> Prober:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _finished(self, _future: Future[ProbeResult]) -> None:
        # Runs when a probe ends or is cancelled; the last one after close() closes the
        # client (closing it earlier would break the probes still running).
        with self._lock:
            self._pending -= 1
            last = self._closed and self._pending == 0
        if last:
            self._client.close()


def _check_urls(urls: object) -> None:
    if isinstance(urls, str):  # iterating it would probe one "URL" per character
        raise ConfigurationError(
            "probe() takes a list of URLs; for one, pass [url] (to split pasted text, "
            "use headswap_nb.client.urls.parse_urls(text).valid)"
        )


def probe(
    urls: Iterable[str],
    *,
    timeout: float = 10.0,
    workers: int = 4,
    max_bytes: int = DEFAULT_MAX_BYTES,
    transport: httpx.BaseTransport | None = None,
) -> list[ProbeResult]:
    """Probe every URL (each distinct one once) and return one result per item, in order.

    Blocks until all are done: at most about ``timeout`` × ceil(distinct URLs / workers).
    From a running event loop use ``probe_async`` (or a ``Prober``) instead.
    """
    _check_urls(urls)
    with Prober(timeout=timeout, workers=workers, max_bytes=max_bytes, transport=transport) as p:
        return p.map(urls)


async def probe_async(
    urls: Iterable[str],
    *,
    timeout: float = 10.0,
    workers: int = 4,
    max_bytes: int = DEFAULT_MAX_BYTES,
    transport: httpx.BaseTransport | None = None,
) -> list[ProbeResult]:
    """``probe`` for a running event loop: the loop keeps running while the pool works."""
    _check_urls(urls)
    with Prober(timeout=timeout, workers=workers, max_bytes=max_bytes, transport=transport) as p:
        return list(await asyncio.gather(*(p.probe_async(url) for url in urls)))
