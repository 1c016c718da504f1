"""A loopback HTTP server with the misbehaviours the probe must survive.

``http.server.ThreadingHTTPServer`` speaking HTTP/1.1 (keep-alive) on 127.0.0.1, one
thread per connection. Paths (``<name>`` is a key of ``files``):

    /v/<name>             honours Range (206, 416), Content-Type from the name
    /norange/<name>       ignores Range: 200 and the whole body
    /slow/<name>          like /v/, after ``delay`` seconds (to count requests in flight)
    /status/<code>        that status with a small HTML body
    /redirect/<n>/<path>  302 n times, then to /<path>
    /hang                 reads the request and never answers
    /stall/<name>         206 headers and 1000 bytes, then nothing more
    /drip/<name>          200 headers, then one byte every ``drip_interval`` seconds
    /drip-head            the status line itself, one byte every ``drip_interval`` seconds
    /liar/<name>          200 claiming 2 GB, sends the first ``liar_bytes`` then hangs up
    /liar206/<name>       the same as a 206 (``bytes 0-…/2147483648``)
    /endless              200 claiming 2 GB of zeros, and sending them as long as read

``stats``: requests seen (path, Range header), most in flight at once, body bytes sent.
``latency`` (seconds before each answer) and ``rate`` (bytes per second per connection,
0 for no limit) make loopback look like a real link, for the benchmark.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

TWO_GB = 2 * 1024**3
_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


@dataclass
class Stats:
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    bytes_sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.max_in_flight = self.in_flight
            self.bytes_sent = 0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        stats = self.server.media.stats
        with stats.lock:
            stats.requests.append((self.path, self.headers.get("Range")))
            stats.in_flight += 1
            stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        try:
            if self.server.media.latency:
                time.sleep(self.server.media.latency)
            self._route()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            with stats.lock:
                stats.in_flight -= 1

    # -- helpers ----------------------------------------------------------------------

    def _send(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self._write(body)

    def _write(self, data: bytes) -> None:
        media = self.server.media
        step = 65536 if media.rate else max(len(data), 1)
        for start in range(0, len(data), step):
            piece = data[start : start + step]
            self.wfile.write(piece)
            self.wfile.flush()
            with media.stats.lock:
                media.stats.bytes_sent += len(piece)
            if media.rate:
                time.sleep(len(piece) / media.rate)

    def _file(self, name: str) -> bytes | None:
        data = self.server.media.files.get(name)
        if data is None:
            self._send(404, {"Content-Type": "text/html", "Content-Length": "9"}, b"not found")
        return data

    @staticmethod
    def _type(name: str) -> str:
        return "text/html; charset=utf-8" if name.endswith(".html") else "video/mp4"

    def _ranged(self, name: str) -> None:
        data = self._file(name)
        if data is None:
            return
        match = _RANGE.match(self.headers.get("Range", ""))
        if match is None:
            self._whole(name)
            return
        first = int(match.group(1))
        last = min(int(match.group(2) or len(data) - 1), len(data) - 1)
        if first >= len(data):
            self._send(416, {"Content-Range": f"bytes */{len(data)}", "Content-Length": "0"})
            return
        part = data[first : last + 1]
        headers = {
            "Content-Type": self._type(name),
            "Content-Range": f"bytes {first}-{last}/{len(data)}",
            "Content-Length": str(len(part)),
            "Accept-Ranges": "bytes",
        }
        self._send(206, headers, part)

    def _whole(self, name: str) -> None:
        data = self._file(name)
        if data is None:
            return
        headers = {"Content-Type": self._type(name), "Content-Length": str(len(data))}
        self.send_response(200)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        for start in range(0, len(data), 65536):  # as a real server streams a large body
            self._write(data[start : start + 65536])

    def _hold(self) -> None:
        """Keep the connection open and silent until the server stops."""
        self.server.media.stopping.wait()
        self.close_connection = True

    def _route(self) -> None:
        media = self.server.media
        parts = self.path.split("?", 1)[0].strip("/").split("/", 2)
        kind, rest = parts[0], "/".join(parts[1:])
        if kind == "v":
            self._ranged(rest)
        elif kind == "norange":
            self._whole(rest)
        elif kind == "slow":
            time.sleep(media.delay)
            self._ranged(rest)
        elif kind == "status":
            body = f"<html><body>error {rest}</body></html>".encode()
            self._send(
                int(rest), {"Content-Type": "text/html", "Content-Length": str(len(body))}, body
            )
        elif kind == "redirect":
            count, _, target = rest.partition("/")
            location = f"/redirect/{int(count) - 1}/{target}" if int(count) > 1 else f"/{target}"
            self._send(302, {"Location": location, "Content-Length": "0"})
        elif kind == "hang":
            self._hold()
        elif kind == "stall":
            data = self._file(rest)
            if data is not None:
                self.send_response(206)
                self.send_header("Content-Range", f"bytes 0-{len(data) - 1}/{len(data)}")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self._write(data[:1000])
                self._hold()
        elif kind in ("drip", "drip-head"):
            data = self._file(rest) if kind == "drip" else b""
            if data is None:
                return
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(data)}\r\n"
            head += "Content-Type: video/mp4\r\n\r\n"
            if kind == "drip":
                self._write(head.encode())
            for byte in data if kind == "drip" else head.encode():
                if media.stopping.wait(media.drip_interval):
                    break
                self._write(bytes([byte]))
            self.close_connection = True
        elif kind in ("liar", "liar206"):
            data = self._file(rest)
            if data is None:
                return
            self.send_response(200 if kind == "liar" else 206)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(TWO_GB))
            if kind == "liar206":
                self.send_header("Content-Range", f"bytes 0-{TWO_GB - 1}/{TWO_GB}")
            self.end_headers()
            self._write(data[: media.liar_bytes])
            self.close_connection = True  # hang up: the body ends far short of 2 GB
        elif kind == "endless":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(TWO_GB))
            self.end_headers()
            zeros = bytes(65536)
            while not media.stopping.is_set():
                self._write(zeros)
        else:
            self._send(404, {"Content-Length": "0"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    media: MediaServer

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a probe hanging up early is expected here, not worth a traceback


class MediaServer:
    """Serve ``files`` on 127.0.0.1 from a background thread; a context manager."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.stats = Stats()
        self.stopping = threading.Event()
        self.delay = 0.1
        self.drip_interval = 0.05
        self.liar_bytes = 300_000
        self.latency = 0.0
        self.rate = 0.0
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.media = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def __enter__(self) -> MediaServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
