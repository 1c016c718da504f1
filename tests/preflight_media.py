"""Small MP4 files for the probe tests and benchmark, generated with PyAV.

A moving colour gradient (the "test pattern") with a band of seeded noise whose height
sets the file size: noise does not compress, a gradient does. Deterministic for a given
set of arguments (seeded noise, single-threaded x264).
"""

from __future__ import annotations

from pathlib import Path


def write_mp4(
    path: Path,
    *,
    seconds: float,
    fps: int = 25,
    width: int = 320,
    height: int = 240,
    faststart: bool = True,
    noise_rows: int = 0,
    seed: int = 7,
    title: str | None = None,
) -> Path:
    """Write an H.264 MP4 of ``seconds`` at ``fps``; ``faststart``: index (moov) first."""
    import av
    import numpy as np

    rng = np.random.default_rng(seed)
    columns = np.arange(width, dtype=np.uint16)
    rows = np.arange(height, dtype=np.uint16)[:, None]
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), mode="w", format="mp4", options=options) as out:
        if title is not None:
            out.metadata["title"] = title
        stream = out.add_stream(
            "libx264", rate=fps, options={"preset": "ultrafast", "crf": "23", "threads": "1"}
        )
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(round(seconds * fps)):
            image = np.empty((height, width, 3), dtype=np.uint8)
            image[:, :, 0] = (columns + index * 4) % 256
            image[:, :, 1] = (rows * 2 + index) % 256
            image[:, :, 2] = 128
            if noise_rows:
                image[:noise_rows] = rng.integers(0, 256, (noise_rows, width, 3), dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def moov_at_front(data: bytes) -> bool:
    """True when the ``moov`` box comes before ``mdat`` (top-level boxes only)."""
    offset = 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        kind = data[offset + 4 : offset + 8]
        if kind in (b"moov", b"mdat"):
            return kind == b"moov"
        if size == 1:
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        if size < 8:
            break
        offset += size
    raise ValueError("no moov or mdat box found")
