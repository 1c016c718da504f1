"""Media the simulator serves itself: preview PNGs, reference faces and the output video.

PNGs are drawn in pure Python (zlib + struct): a head-and-shoulders silhouette whose colours
come from sha256 of a key, so every (analysis, obj_id) and every face number gets its own
deterministic picture. The output video is a small H.264/AAC MP4 shipped in ``assets/``
(generated with ffmpeg's ``testsrc``), served with byte ranges so a browser ``<video>`` plays it.
"""

from __future__ import annotations

import functools
import hashlib
import struct
import zlib
from importlib import resources
from typing import Literal

__all__ = ["UNSATISFIABLE", "face_png", "output_video", "parse_range", "preview_png"]

UNSATISFIABLE: Literal["unsatisfiable"] = "unsatisfiable"
_SIZE = 128
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@functools.lru_cache(maxsize=1024)
def preview_png(analysis_id: str, obj_id: int) -> bytes:
    """The preview crop of person ``obj_id`` in an analysis."""
    return _silhouette(f"preview\0{analysis_id}\0{obj_id}", eyes=False)


@functools.lru_cache(maxsize=128)
def face_png(number: int) -> bytes:
    """Reference face number ``number``, for tests and demos (a face has eyes)."""
    return _silhouette(f"face\0{number}", eyes=True)


@functools.lru_cache(maxsize=1)
def output_video() -> bytes:
    """The MP4 served for every completed task."""
    return resources.files("headswap_nb.simulator").joinpath("assets/output.mp4").read_bytes()


def parse_range(header: str | None, size: int) -> tuple[int, int] | Literal["unsatisfiable"] | None:
    """Inclusive ``(first, last)`` byte positions of a single-range ``Range`` header.

    None means "send everything" (no header, or a form we choose to ignore, such as several
    ranges: RFC 9110 lets a server ignore Range). ``UNSATISFIABLE`` means reply 416.
    """
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first_text, dash, last_text = header[6:].strip().partition("-")
    if not dash or not (first_text.isdecimal() or last_text.isdecimal()):
        return None
    if not first_text:  # suffix range: the last N bytes
        length = int(last_text)
        return (max(0, size - length), size - 1) if length and size else UNSATISFIABLE
    first = int(first_text)
    if not last_text.isdecimal() and last_text:
        return None
    last = min(int(last_text), size - 1) if last_text else size - 1
    if first >= size or last < first:
        return UNSATISFIABLE
    return first, last


def _silhouette(key: str, *, eyes: bool) -> bytes:
    digest = hashlib.sha256(key.encode()).digest()
    background = _colour(digest[0:3], lighten=0.55)
    body = _colour(digest[3:6], lighten=0.0)
    tone = digest[6] / 255  # one tone parameter keeps every skin colour plausible
    skin = (int(235 - 120 * tone), int(196 - 110 * tone), int(170 - 100 * tone))
    head_x = _SIZE // 2 + (digest[7] % 13) - 6
    head_y, head_r = 48, 22 + digest[8] % 6
    rows = bytearray()
    for y in range(_SIZE):
        rows.append(0)  # PNG filter type "None" for this row
        for x in range(_SIZE):
            rows += bytes(_pixel(x, y, head_x, head_y, head_r, background, body, skin, eyes))
    return _png(_SIZE, _SIZE, bytes(rows))


def _pixel(
    x: int,
    y: int,
    head_x: int,
    head_y: int,
    head_r: int,
    background: tuple[int, int, int],
    body: tuple[int, int, int],
    skin: tuple[int, int, int],
    eyes: bool,
) -> tuple[int, int, int]:
    dx, dy = x - head_x, y - head_y
    if eyes and abs(dy + 3) <= 2 and (abs(dx - 8) <= 2 or abs(dx + 8) <= 2):
        return (30, 30, 40)
    if dx * dx + dy * dy <= head_r * head_r:
        return skin
    if abs(dx) <= head_r // 2 and head_y < y <= head_y + head_r + 10:
        return skin  # neck
    sx, sy = (x - head_x) / 54, (y - _SIZE - 8) / 50  # shoulders: an ellipse below the head
    if sx * sx + sy * sy <= 1.0:
        return body
    return background


def _colour(raw: bytes, *, lighten: float) -> tuple[int, int, int]:
    r, g, b = (int(c + (255 - c) * lighten) for c in raw)
    return r, g, b


def _png(width: int, height: int, raw_rows: bytes) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        _PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw_rows, 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)
