"""Real source videos the simulator serves at its own address, and the table of what they are.

A notebook or a test that wants a source URL which is a real, playable MP4 (not a made-up
``https://example.com/...``) uses ``Simulator.video_url("clip-8s.mp4")``. The files are tiny
H.264 MP4s (a moving test pattern, 160×90 at 10 fps, ``moov`` first) in ``assets/videos/``,
written once by ``python -m headswap_nb.simulator.make_videos`` from ``SOURCE_CLIPS``, which is
also the only place their metadata lives: the analysis of such a URL takes duration, size and
fps from this table (``scenarios.py``), so ``clip-2s`` and ``clip-25s`` fail the 3–20 s rule
and ``clip-8s``/``clip-12s`` pass. No PyAV is needed to serve them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from urllib.parse import urlsplit

__all__ = ["SOURCE_CLIPS", "VIDEOS_PATH", "SourceClip", "clip_bytes", "clip_named", "served_name"]

VIDEOS_PATH = "/_sim/media/videos/"
"""Where the clips are served (and the JSON index of them)."""


@dataclass(frozen=True)
class SourceClip:
    """One served source video."""

    name: str
    """File name, e.g. ``clip-8s.mp4``: the last part of its URL."""
    duration_seconds: float
    """Length; equal to ``frame_count / fps``."""
    width: int
    """Frame width in pixels."""
    height: int
    """Frame height in pixels."""
    fps: int
    """Frames per second (constant)."""

    @property
    def frame_count(self) -> int:
        """Number of frames in the file."""
        return round(self.duration_seconds * self.fps)

    @property
    def path(self) -> str:
        """URL path on the simulator, e.g. ``/_sim/media/videos/clip-8s.mp4``."""
        return VIDEOS_PATH + self.name


SOURCE_CLIPS: tuple[SourceClip, ...] = tuple(
    SourceClip(name=f"clip-{seconds}s.mp4", duration_seconds=seconds, width=160, height=90, fps=10)
    for seconds in (2, 8, 12, 25)
)
"""Two clips inside the 3–20 s window (8, 12 s) and one on each side of it (2, 25 s)."""

_BY_NAME = {clip.name: clip for clip in SOURCE_CLIPS}


def clip_named(name: str) -> SourceClip | None:
    """The clip with this file name, or None."""
    return _BY_NAME.get(name)


def served_name(video_url: str) -> str | None:
    """The file name if ``video_url`` points under ``VIDEOS_PATH``, on any host and port.

    Any host counts because the simulator cannot know every address it is reached by
    (127.0.0.1, localhost, a container name); the path is what makes it one of ours.
    """
    try:
        path = urlsplit(video_url).path
    except ValueError:
        return None
    if not path.startswith(VIDEOS_PATH):
        return None
    name = path[len(VIDEOS_PATH) :]
    return name if name and "/" not in name else None


@functools.lru_cache(maxsize=len(SOURCE_CLIPS))
def clip_bytes(clip: SourceClip) -> bytes:
    """The MP4 file of ``clip``."""
    package = resources.files("headswap_nb.simulator")
    return package.joinpath(f"assets/videos/{clip.name}").read_bytes()
