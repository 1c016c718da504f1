"""What happens to a video URL: a pure function of (seed, URL) plus optional URL hints.

Without hints every property is drawn from sha256(seed, URL, name), so the same seed and URL
always give the same video, the same people and the same outcome, in any process.

Hint grammar (query-string parameters of the submitted ``video_url``; the last value wins;
an invalid value is ignored and the seeded value is used instead)::

    duration=<seconds>    source length, e.g. duration=25 (0 < s <= 3600)
    people=<n>            people detected, 0..20 (default mix: mostly 1-3, sometimes 0, 4, 5)
    fail=<1|code|0>       analysis fails: 1 -> 1015 "Video processing error", a code >= 1000
                          -> that code; 0 -> never fails by chance (the duration rule still holds)
    queue=<seconds>       analysis time in queue (status 1)
    time=<seconds>        analysis processing time (status 2), until completion or failure
    profile=<name>        smooth | stepwise | stalling, for the analysis and its tasks
    task_fail=<1|code|0>  head-swap tasks on this URL fail: 1 -> 1016 "Face swapping error"
    task_queue=<seconds>  task time in queue
    task_time=<seconds>   task processing time
    fps=<n>               frames per second, 1..240
    size=<W>x<H>          frame size in pixels, e.g. size=1280x720
    hang=<what>           detail | task | detail,task: detail requests of that analysis (or
                          of tasks on that URL) are accepted and never answered

Example: ``https://example.com/clip.mp4?duration=12&people=3&time=8&profile=stepwise``.

Rules: a duration outside 3-20 s (akool-api.md §4.1, §5) makes the analysis fail shortly
after it starts, with error_code 1003 [UNCONFIRMED: the docs name 1003 as the likely code for
a bad video and list no head-swap-specific duration code; 1204 is "exceeds 60 s" for other
features]. Unhinted URLs mostly succeed; about 4 % of analyses fail with 1015 or 1208 and
about 2 % of tasks with 1016, partway through processing (``fail=0`` and ``task_fail=0`` rule
that out).

The simulator's own clips (``videos.py``: any host, path ``/_sim/media/videos/<name>.mp4``)
are real files, so their duration, size and fps come from the clip table and the
``duration``/``fps``/``size`` hints are ignored; every other hint still applies. Their draws
ignore the host and port, so a clip does the same under a seed on every simulator. A name that
is not in the table is a URL that answers 404, and its analysis fails early with 1003
[UNCONFIRMED: the code for an unreachable source is undocumented; 1003 is the code the docs
name for a bad video_url, akool-api.md §4.1].
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from headswap_nb.simulator.hints import float_hint, hints_of, int_hint, profile_hint, size_hint
from headswap_nb.simulator.profiles import Profile
from headswap_nb.simulator.videos import clip_named, served_name

__all__ = ["DURATION_RANGE", "JobPlan", "Scenario", "scenario_for"]

DURATION_RANGE = (3.0, 20.0)
"""Accepted source duration in seconds, inclusive (akool-api.md §5: "about 3–20 seconds")."""

_ANALYSIS_FAILURES = {1003: "", 1015: "Video processing error", 1208: "Video parsing error"}
_TASK_FAILURES = {1016: "Face swapping error", 1015: "Video processing error"}
_SIZES = ((1920, 1080), (1280, 720), (1080, 1920), (720, 1280), (1916, 1082), (3840, 2160))
_FPS = (24, 25, 30, 30, 30, 60)
_PEOPLE_WEIGHTS = ((0, 0.03), (1, 0.40), (2, 0.30), (3, 0.17), (4, 0.06), (5, 0.04))
_HANG_TARGETS = frozenset({"detail", "task"})


@dataclass(frozen=True)
class JobPlan:
    """How one job (an analysis or a task) will run, in simulated seconds."""

    queue_seconds: float
    """Time in status 1 before processing starts."""
    processing_seconds: float
    """Time in status 2 before the job completes or fails."""
    profile: Profile
    """Shape of the progress curve during processing."""
    variant: int
    """Per-job variation of the curve."""
    error_code: int | None
    """None when the job completes; otherwise the ``error_code`` it fails with."""
    error_reason: str | None
    """The ``error_reason`` text of a failure."""


@dataclass(frozen=True)
class Scenario:
    """Everything the simulator decides about one source video URL."""

    video_url: str
    duration_seconds: float
    people: int
    width: int
    height: int
    fps: int
    frame_count: int
    analysis: JobPlan
    task: JobPlan
    hang: frozenset[str]
    """Which detail endpoints never answer for this URL: subset of {"detail", "task"}."""


def scenario_for(video_url: str, *, seed: int, profile: Profile | None = None) -> Scenario:
    """The scenario of ``video_url`` under ``seed``; ``profile`` overrides the seeded curve
    (a ``profile=`` hint in the URL overrides both)."""
    hints = hints_of(video_url)
    served = served_name(video_url)
    draw = _Draws(seed, video_url if served is None else _without_host(video_url))
    clip = clip_named(served) if served is not None else None
    if clip is not None:  # a real file: what it is beats any hint
        fps, width, height, duration = clip.fps, clip.width, clip.height, clip.duration_seconds
    else:
        fps = int_hint(hints, "fps", 1, 240) or _FPS[int(draw("fps") * len(_FPS))]
        width, height = size_hint(hints) or _SIZES[int(draw("size") * len(_SIZES))]
        hinted = float_hint(hints, "duration", 0.0, 3600.0)
        seeded = round(int((4.0 + 15.5 * draw("duration")) * fps) / fps, 3)
        duration = seeded if hinted is None else hinted
    people = int_hint(hints, "people", 0, 20)
    if people is None:
        people = _weighted(draw("people"), _PEOPLE_WEIGHTS)
    hinted_profile = profile_hint(hints)
    missing = served is not None and clip is None
    analysis = _analysis_plan(hints, draw, duration, people, hinted_profile or profile, missing)
    task = _task_plan(hints, draw, duration, hinted_profile or profile)
    hang = frozenset(v.strip() for v in hints.get("hang", "").split(",")) & _HANG_TARGETS
    return Scenario(
        video_url=video_url,
        duration_seconds=duration,
        people=people,
        width=width,
        height=height,
        fps=fps,
        frame_count=max(1, round(duration * fps)),
        analysis=analysis,
        task=task,
        hang=hang,
    )


def _without_host(video_url: str) -> str:
    """One of our own clips is the same video at whatever host and port it was reached by
    (each simulator listens on a fresh port), so its draws key on the path and query only."""
    parts = urlsplit(video_url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class _Draws:
    """Named uniform draws in [0, 1) from sha256(seed, url, name): stable across processes."""

    def __init__(self, seed: int, url: str) -> None:
        self._prefix = f"headswap-nb-scenario\0{seed}\0{url}\0"

    def __call__(self, name: str) -> float:
        digest = hashlib.sha256((self._prefix + name).encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64


def _analysis_plan(
    hints: Mapping[str, str],
    draw: _Draws,
    duration: float,
    people: int,
    profile: Profile | None,
    missing: bool,
) -> JobPlan:
    queue = float_hint(hints, "queue", 0.0, 86400.0)
    time = float_hint(hints, "time", 0.0, 86400.0)
    normal = min(40.0, max(5.0, 5.0 + 1.2 * duration + 2.0 * people + 8.0 * draw("a_time")))
    code, reason = _failure(hints.get("fail"), draw("a_fail"), 0.04, _ANALYSIS_FAILURES, 1015)
    low, high = DURATION_RANGE
    if missing:
        code, reason = 1003, "The video_url could not be downloaded (HTTP 404)."
        normal = 1.0 + 2.0 * draw("a_probe")  # the download fails before any processing
    elif not low <= duration <= high:
        # The length is known as soon as the file is probed, so this fails early.
        code = 1003
        reason = (
            f"Video duration must be between {low:g} and {high:g} seconds (got {duration:g} s)."
        )
        normal = 1.0 + 2.0 * draw("a_probe")
    elif code is not None and time is None:
        normal *= 0.2 + 0.6 * draw("a_fail_at")  # chance failures happen partway through
    return JobPlan(
        queue_seconds=queue if queue is not None else round(1.0 + 5.0 * draw("a_queue"), 3),
        processing_seconds=time if time is not None else round(normal, 3),
        profile=profile or _seeded_profile(draw("a_profile")),
        variant=int(draw("a_variant") * 2**31),
        error_code=code,
        error_reason=reason,
    )


def _task_plan(
    hints: Mapping[str, str], draw: _Draws, duration: float, profile: Profile | None
) -> JobPlan:
    queue = float_hint(hints, "task_queue", 0.0, 86400.0)
    time = float_hint(hints, "task_time", 0.0, 86400.0)
    normal = min(120.0, max(30.0, 30.0 + 3.5 * duration + 15.0 * draw("t_time")))
    code, reason = _failure(hints.get("task_fail"), draw("t_fail"), 0.02, _TASK_FAILURES, 1016)
    if code is not None and time is None:
        normal *= 0.2 + 0.6 * draw("t_fail_at")
    return JobPlan(
        queue_seconds=queue if queue is not None else round(2.0 + 8.0 * draw("t_queue"), 3),
        processing_seconds=time if time is not None else round(normal, 3),
        profile=profile or _seeded_profile(draw("t_profile")),
        variant=int(draw("t_variant") * 2**31),
        error_code=code,
        error_reason=reason,
    )


def _failure(
    hint: str | None, u: float, rate: float, reasons: Mapping[int, str], default: int
) -> tuple[int | None, str | None]:
    if hint is not None and hint.strip().isdecimal():
        number = int(hint)
        if number == 0:
            return None, None
        code = number if number >= 1000 else default
        return code, reasons.get(code) or f"Processing failed (error {code})"
    if u >= rate:
        return None, None
    codes = sorted(c for c in reasons if reasons[c])
    code = codes[int(u / rate * len(codes))]
    return code, reasons[code]


def _seeded_profile(u: float) -> Profile:
    if u < 0.5:
        return Profile.SMOOTH
    return Profile.STEPWISE if u < 0.8 else Profile.STALLING


def _weighted(u: float, weights: tuple[tuple[int, float], ...]) -> int:
    running = 0.0
    for value, weight in weights:
        running += weight
        if u < running:
            return value
    return weights[-1][0]
