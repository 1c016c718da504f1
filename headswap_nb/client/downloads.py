"""Save a head-swap task's output video to a local file: output links may expire (about 7 days).

Plain I/O, no widgets: the board's "Save to file" button runs ``save_output_async`` in a
scheduled task, and a script or a cell can call ``save_output`` directly. The body is
streamed to ``<name>.part`` and renamed when complete, so a broken download never leaves a
file that looks whole. No credential is sent: output URLs are public links.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import httpx

from headswap_nb.errors import HeadswapError

__all__ = ["OutputUnavailableError", "output_path", "save_output", "save_output_async"]

_EXPIRED = frozenset({401, 403, 404, 410})
_CHUNK = 1 << 16
_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class OutputUnavailableError(HeadswapError):
    """The output video could not be downloaded (its link expired, or it is not there).

    ``url``: the link tried; ``http_status``: the server's answer, when there was one."""

    def __init__(self, message: str, *, url: str | None, http_status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.http_status = http_status


def _url_of(task: object) -> str:
    """The output URL of a ``Task``, a ``TaskEntry`` (``.output_url``) or a URL string."""
    url = task if isinstance(task, str) else getattr(task, "output_url", None)
    if not isinstance(url, str) or not url:
        raise OutputUnavailableError(
            "this task has no output video yet (it is not completed)", url=None
        )
    if not re.match(r"^https?://[^\s/]+", url):
        raise OutputUnavailableError("the output URL is not an http(s) URL", url=url)
    return url


def output_path(task: object, path: str | os.PathLike[str] | None = None) -> Path:
    """Where ``save_output`` writes: ``path`` (a directory gets the default name in it),
    else ``<working directory>/<file name>``; the name is the task's ``file_name`` or
    ``headswap-<id>.mp4``, reduced to safe characters."""
    record = getattr(task, "task", task)  # a TaskEntry holds its Task in ``.task``
    ident = getattr(record, "id", None)
    name = getattr(record, "file_name", None) or f"headswap-{ident or 'output'}.mp4"
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(str(name)).name).lstrip(".") or "output.mp4"
    if path is None:
        return (Path.cwd() / name).resolve()
    target = Path(path)
    return (target / name if target.is_dir() else target).resolve()


def _check(response: httpx.Response, url: str) -> None:
    if response.status_code in _EXPIRED:
        raise OutputUnavailableError(
            f"the output link answered HTTP {response.status_code}: it has probably expired "
            "(output links may expire (about 7 days)); fetch the task again for a fresh link.",
            url=url,
            http_status=response.status_code,
        )
    if response.status_code >= 400:
        raise OutputUnavailableError(
            f"downloading the output failed with HTTP {response.status_code}",
            url=url,
            http_status=response.status_code,
        )


def _transport_error(exc: httpx.HTTPError, url: str) -> OutputUnavailableError:
    return OutputUnavailableError(f"downloading the output failed: {exc}", url=url)


def save_output(
    task: object,
    path: str | os.PathLike[str] | None = None,
    *,
    client: httpx.Client | None = None,
) -> Path:
    """Download the output video of ``task`` (a ``Task``, ``TaskEntry`` or URL) to ``path``
    (see ``output_path``); returns the absolute path written. Raises
    ``OutputUnavailableError`` when the link expired (HTTP 403/404/410) or the download fails.
    ``client``: an ``httpx.Client`` to use (e.g. with a ``transport=``)."""
    url, target = _url_of(task), output_path(task, path)
    partial = target.with_name(target.name + ".part")
    own = client is None
    http = httpx.Client(timeout=_TIMEOUT, follow_redirects=True) if own else client
    assert http is not None
    try:
        with http.stream("GET", url) as response:
            _check(response, url)
            with open(partial, "wb") as out:
                for chunk in response.iter_bytes(_CHUNK):
                    out.write(chunk)
        os.replace(partial, target)
    except httpx.HTTPError as exc:
        raise _transport_error(exc, url) from exc
    finally:
        partial.unlink(missing_ok=True)
        if own:
            http.close()
    return target


async def save_output_async(task: object, path: str | os.PathLike[str] | None = None) -> Path:
    """``save_output`` for a running loop (the board's button): the same download, run in a
    worker thread so the loop, and every board on it, stays responsive."""
    return await asyncio.to_thread(save_output, task, path)
