"""What the container layer (PyAV, i.e. FFmpeg's libraries) says about an open file.

PyAV and Pillow are the optional ``probe`` extra: they are imported here, inside the
functions, so that ``import headswap_nb.preflight`` works without them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction
from numbers import Rational
from typing import TYPE_CHECKING, Any

from headswap_nb.preflight._errors import INSTALL_HINT, ProbeUnavailableError

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.video.stream import VideoStream

__all__ = ["MediaInfo", "available", "inspect", "require"]

THUMBNAIL_WIDTH = 160
THUMBNAIL_MIME = "image/jpeg"
# FFmpeg demuxers that read a single picture (or a sequence of them) as a "video" stream.
_IMAGE_FORMATS = ("image2", "_pipe", "gif", "apng", "webp")


def _missing() -> list[str]:
    missing = []
    try:
        import av  # noqa: F401
    except ImportError:
        missing.append("av (PyAV)")
    try:
        import PIL.Image  # noqa: F401
    except ImportError:
        missing.append("Pillow")
    return missing


def available() -> bool:
    """True when PyAV and Pillow can be imported (the ``probe`` extra is installed)."""
    return not _missing()


def require() -> None:
    """Raise ``ProbeUnavailableError`` (an ``ImportError``) naming what to install."""
    missing = _missing()
    if missing:
        raise ProbeUnavailableError(f"probing videos needs {' and '.join(missing)}: {INSTALL_HINT}")


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What the container layer found in one file."""

    is_video: bool
    """A video stream was found in a container (not a still image, not audio only)."""
    problem: str | None = None
    """Why it is not a video, when ``is_video`` is False."""
    format: str | None = None
    """FFmpeg's name of the container format (``mov,mp4,m4a,3gp,3g2,mj2``...)."""
    duration_s: float | None = None
    """Duration in seconds."""
    width: int | None = None
    """Frame width in pixels."""
    height: int | None = None
    """Frame height in pixels."""
    fps: float | None = None
    """Average frame rate."""
    codec: str | None = None
    """Codec name."""
    thumbnail: bytes | None = None
    """JPEG of the first frame, ``THUMBNAIL_WIDTH`` wide (or narrower if the video is)."""
    thumbnail_failure: Exception | None = None
    """Why there is no thumbnail, when making it raised (e.g. the read limit, a timeout)."""


def _duration(container: InputContainer, stream: VideoStream) -> float | None:
    if container.duration is not None and container.duration > 0:
        return container.duration / 1_000_000  # AV_TIME_BASE: microseconds
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    return None


def _fps(stream: VideoStream) -> float | None:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        # A Fraction before PyAV 19, its own AVRational since: both are numbers.Rational.
        if isinstance(rate, Rational) and rate > 0:
            return float(rate)
    return None


def _thumbnail(container: InputContainer, stream: VideoStream) -> bytes | None:
    """The first decodable frame as a small JPEG; ``None`` when no frame decodes."""
    # One thread: frame threading makes the decoder take a packet per thread before it
    # gives the first frame back, which would read that much more of the file.
    stream.codec_context.thread_count = 1
    for frame in container.decode(stream):
        aspect = stream.codec_context.sample_aspect_ratio or Fraction(1)
        shown_width = frame.width * aspect  # anamorphic pixels are not square
        width = min(THUMBNAIL_WIDTH, frame.width)
        height = max(1, round(width * frame.height / shown_width))
        # PyAV leaves to_image unannotated; it returns a PIL.Image.Image (needs Pillow).
        image: Any = frame.to_image(width=width, height=height)  # type: ignore[no-untyped-call]
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=80)
        return out.getvalue()
    return None


def _takes_metadata_errors(version: str) -> bool:
    """Before PyAV 19 a title or tag that is not UTF-8 raised unless told to ignore it;
    PyAV 19 (wheels for Python 3.13 and newer) no longer takes ``metadata_errors``."""
    major = version.split(".", 1)[0]
    return major.isdecimal() and int(major) < 19


def inspect(file: Any) -> MediaInfo:
    """Open ``file`` (anything with read/seek/tell) with PyAV and describe it.

    Raises what PyAV raises for data it cannot open (``av.error.FFmpegError``), and
    whatever ``file.read`` raised first (PyAV re-raises it).
    """
    import av

    container = (
        av.open(file, mode="r", metadata_errors="ignore")
        if _takes_metadata_errors(av.__version__)
        else av.open(file, mode="r")
    )
    with container:
        name = container.format.name
        videos = container.streams.video
        if not videos:
            what = "audio only" if container.streams.audio else "no video stream"
            return MediaInfo(False, f"not a video ({what})", name)
        if any(marker in name for marker in _IMAGE_FORMATS):
            return MediaInfo(False, "a still image, not a video", name)
        stream = videos[0]
        thumbnail, failure = None, None
        try:
            thumbnail = _thumbnail(container, stream)
        except Exception as exc:  # what the index says is worth having without a picture
            failure = exc
        return MediaInfo(
            True,
            None,
            name,
            duration_s=_duration(container, stream),
            width=stream.codec_context.width or None,
            height=stream.codec_context.height or None,
            fps=_fps(stream),
            codec=stream.codec_context.name,
            thumbnail=thumbnail,
            thumbnail_failure=failure,
        )
