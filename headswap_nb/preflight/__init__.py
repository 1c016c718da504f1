"""Pre-flight probe of video URLs: what a user is about to pay for, before Analyze.

For each URL, in a bounded pool of threads with a deadline per URL: is it reachable, is
it a video the container layer (PyAV) can open, how long, how large, how fast, and a
small thumbnail of its first frame. Only what is needed is read, through HTTP range
requests, never more than ``max_bytes``; every outcome is a ``ProbeResult``.

    from headswap_nb.preflight import probe, held_back_reason, summary_text
    for result in probe(urls):
        print(result.url, summary_text(result), held_back_reason(result) or "ok")

Needs the ``probe`` extra (``pip install 'headswap-nb[probe]'``: PyAV and Pillow).
Importing this module works without it; ``available()`` tells, and ``probe`` and
``Prober`` raise ``ProbeUnavailableError`` (an ``ImportError``) saying what to install.
The pure parts (``ProbeResult``, ``summary_text``, ``held_back_reason``, ``COLUMNS``,
``columns``) never need it.
"""

from headswap_nb.preflight._columns import COLUMNS, columns
from headswap_nb.preflight._errors import ProbeError, ProbeUnavailableError
from headswap_nb.preflight._media import available
from headswap_nb.preflight._pool import DEFAULT_MAX_BYTES, Prober, probe, probe_async
from headswap_nb.preflight._result import ProbeResult, held_back_reason, summary_text

__all__ = [
    "COLUMNS",
    "DEFAULT_MAX_BYTES",
    "ProbeError",
    "ProbeResult",
    "ProbeUnavailableError",
    "Prober",
    "available",
    "columns",
    "held_back_reason",
    "probe",
    "probe_async",
    "summary_text",
]
