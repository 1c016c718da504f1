"""Dev-only: write the source clips of ``videos.SOURCE_CLIPS`` into ``assets/videos/``.

Run once, after changing the table, and commit the files::

    .venv/bin/pip install av                      # PyAV; needed here only, never at run time
    .venv/bin/python -m headswap_nb.simulator.make_videos

Each clip is a flat background, a white square bouncing sideways and a bar along the bottom
that fills as the clip plays (so a seek is visible), encoded with libx264 when the PyAV wheel
has it (``mpeg4`` otherwise). What keeps them at a few KB: a picture that barely changes,
no B-frames, one keyframe every 5 s, and the x264 settings text (an SEI message of ~600
bytes) stripped. ``movflags=+faststart`` puts ``moov`` before ``mdat`` so a player can start
on the first range request. Output is deterministic for a given PyAV/x264 build.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

from headswap_nb.simulator.videos import SOURCE_CLIPS, SourceClip

__all__ = ["main", "write_clip"]

_OUT_DIR = Path(__file__).parent / "assets" / "videos"
_BACKGROUNDS = ((40, 60, 90), (70, 40, 80), (40, 80, 60), (90, 60, 40))
_SQUARE = 16
_BAR = 6


def write_clip(clip: SourceClip, path: Path, *, background: tuple[int, int, int]) -> int:
    """Encode ``clip`` to ``path``; returns the file size in bytes."""
    av: Any = importlib.import_module("av")  # imported here: a dev-only dependency
    bitstream: Any = importlib.import_module("av.bitstream")
    numpy: Any = importlib.import_module("numpy")
    codec = "libx264" if "libx264" in av.codecs_available else "mpeg4"
    options = {"g": str(5 * clip.fps), "bf": "0", "threads": "1"}
    if codec == "libx264":
        options |= {"crf": "30", "preset": "veryslow"}
    frames = clip.frame_count
    with av.open(str(path), "w", container_options={"movflags": "+faststart"}) as container:
        stream = container.add_stream(codec, rate=clip.fps, options=options)
        stream.width, stream.height, stream.pix_fmt = clip.width, clip.height, "yuv420p"
        if codec != "libx264":
            stream.bit_rate = 20_000  # mpeg4 has no crf; a low rate keeps the file small
        strip = (
            bitstream.BitStreamFilterContext("filter_units=remove_types=6", stream)
            if codec == "libx264"
            else None
        )

        def mux(packets: Any) -> None:
            for packet in packets:
                container.mux(strip.filter(packet) if strip is not None else packet)

        for index in range(frames):
            picture = _picture(numpy, clip, index, frames, background)
            mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        mux(stream.encode())  # flush the encoder
        if strip is not None:
            for packet in strip.filter(None):
                container.mux(packet)
    return path.stat().st_size


def _picture(
    numpy: Any, clip: SourceClip, index: int, frames: int, background: tuple[int, int, int]
) -> Any:
    picture = numpy.empty((clip.height, clip.width, 3), numpy.uint8)
    picture[:] = background
    travel = clip.width - _SQUARE
    left = abs((index * 4) % (2 * travel) - travel)  # bounces between the edges
    top = (clip.height - _BAR - _SQUARE) // 2
    picture[top : top + _SQUARE, left : left + _SQUARE] = 255
    picture[clip.height - _BAR :, : clip.width * (index + 1) // frames] = 240
    return picture


def main() -> int:
    """Write every clip and print its size."""
    _OUT_DIR.mkdir(parents=True, exist_ok=True)
    for number, clip in enumerate(SOURCE_CLIPS):
        background = _BACKGROUNDS[number % len(_BACKGROUNDS)]
        size = write_clip(clip, _OUT_DIR / clip.name, background=background)
        print(f"{clip.name}: {clip.duration_seconds:g} s, {size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
