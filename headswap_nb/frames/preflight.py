"""``hs.probe(urls)``: the pre-flight look at each video (``headswap_nb.preflight``) as a
DataFrame, one row per URL in the order given, with nullable dtypes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from headswap_nb.preflight import COLUMNS, ProbeResult, columns
from headswap_nb.preflight import probe as probe_urls

__all__ = ["probe", "probe_dataframe"]

_DTYPES: dict[str, Any] = {
    "str": pd.StringDtype(),
    "int": pd.Int64Dtype(),
    "float": pd.Float64Dtype(),
    "bool": pd.BooleanDtype(),
}


def probe_dataframe(results: Iterable[ProbeResult]) -> pd.DataFrame:
    """Probe results as a frame: reachable, is a video, duration, size, frame rate, why it
    would be held back (``held_back``), bytes read, and the thumbnail as a data URI."""
    data = columns(results)
    frame: pd.DataFrame = pd.DataFrame(
        {name: pd.array(data[name], dtype=_DTYPES[kind]) for name, kind in COLUMNS.items()}
    )
    return frame


def probe(urls: Iterable[str] | object, **options: Any) -> pd.DataFrame:
    """Probe every URL (``preflight.probe``: a bounded pool of threads, a deadline per URL,
    range requests only) and return the results as a frame. ``options``: ``timeout``,
    ``workers``, ``max_bytes``. Needs the probe extra: ``pip install 'headswap-nb[probe]'``."""
    if hasattr(urls, "tolist"):  # a pandas Series
        urls = urls.tolist()
    return probe_dataframe(probe_urls(urls, **options))  # type: ignore[arg-type]
