"""``report(batch_or_journal, path)``: the I/O shell around the pure page.

Collect the data, fetch the previews while their links still work, render, write the file
in one piece (a temporary file renamed over the target, so a reader never sees half).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from headswap_nb.reports.data import collect
from headswap_nb.reports.images import DEFAULT_TIMEOUT, DEFAULT_WORKERS, fetch_images
from headswap_nb.reports.page import image_urls, render_page

if TYPE_CHECKING:
    import httpx

    from headswap_nb.batch import Batch
    from headswap_nb.jobs import Journal

__all__ = ["report"]


def report(
    source: Batch | Journal | str | os.PathLike[str],
    path: str | os.PathLike[str],
    *,
    title: str = "Head-swap report",
    images: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    workers: int = DEFAULT_WORKERS,
    transport: httpx.BaseTransport | None = None,
) -> Path:
    """Write one self-contained HTML file about ``source`` (a ``Batch``, a ``Journal`` or
    a journal's path) to ``path`` and return its path.

    It holds the summary and counts, a chart of the time each analysis took and one of the
    people each found (inline SVG), a table of the analyses, the people's previews and the
    head-swap tasks with links to their outputs (which may expire, about 7 days). Previews
    are fetched now (``workers`` at a time, ``timeout`` seconds each; ``images=False``
    skips them) and embedded; one that cannot be fetched is a grey box. Opening the file
    sends no request anywhere: it has no scripts, stylesheets, fonts or images from
    elsewhere."""
    data = collect(source)
    fetched = (
        fetch_images(image_urls(data), timeout=timeout, workers=workers, transport=transport)
        if images
        else {}
    )
    page = render_page(data, fetched, title=title)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target, then renamed: a reader never sees half a report. "x" (not
    # mkstemp, which makes files 0600) gives the file the permissions of any other export.
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}")
    try:
        with temp.open("x", encoding="utf-8") as out:
            out.write(page)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return target
