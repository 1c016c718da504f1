"""headswap_nb: Akool's head-swap Open API, made pleasant in Jupyter.

Importing this package does nothing but define names: no client, no environment reads,
no network, no simulator.
"""

from typing import TYPE_CHECKING

from headswap_nb._version import __version__
from headswap_nb.batch import Batch, BatchEntry, BatchEvent, BatchSummary, EntryState, TaskEntry
from headswap_nb.client import AsyncClient, Client
from headswap_nb.connection import connect, connect_async
from headswap_nb.errors import (
    AnalysisFailedError,
    APIError,
    AuthenticationError,
    ConfigurationError,
    HeadswapError,
    InsufficientCreditsError,
    InvalidRequestError,
    JournalError,
    NotFoundError,
    ProtocolError,
    RateLimitError,
    ServerError,
    SubmissionUnknownError,
    TaskFailedError,
    TransportError,
    UnusableIdError,
    WaitTimeoutError,
)
from headswap_nb.jobs import JobEntry, Journal
from headswap_nb.models import Analysis, AnalysisResult, Person, Status, Task, VideoInfo
from headswap_nb.polling import PollPolicy

if TYPE_CHECKING:
    from headswap_nb import frames as frames
    from headswap_nb import reports as reports
    from headswap_nb import simulator as simulator
    from headswap_nb import widgets as widgets
    from headswap_nb.frames import people_dataframe, probe, show, tasks_dataframe, to_dataframe
    from headswap_nb.reports import report
    from headswap_nb.widgets import AnalysisBoard

# Names whose module is imported on first use only (ipywidgets, pandas): name -> module.
_LAZY = {
    "AnalysisBoard": "headswap_nb.widgets",
    "people_dataframe": "headswap_nb.frames",
    "probe": "headswap_nb.frames",
    "report": "headswap_nb.reports",
    "show": "headswap_nb.frames",
    "tasks_dataframe": "headswap_nb.frames",
    "to_dataframe": "headswap_nb.frames",
}
# Submodules reachable as attributes (``hs.frames.to_csv``) without an explicit import.
_LAZY_MODULES = frozenset({"frames", "reports", "simulator", "widgets"})


def __getattr__(name: str) -> object:
    import importlib

    if name in _LAZY_MODULES:
        return importlib.import_module(f"headswap_nb.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'headswap_nb' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "APIError",
    "Analysis",
    "AnalysisBoard",
    "AnalysisFailedError",
    "AnalysisResult",
    "AsyncClient",
    "AuthenticationError",
    "Batch",
    "BatchEntry",
    "BatchEvent",
    "BatchSummary",
    "Client",
    "ConfigurationError",
    "EntryState",
    "HeadswapError",
    "InsufficientCreditsError",
    "InvalidRequestError",
    "JobEntry",
    "Journal",
    "JournalError",
    "NotFoundError",
    "Person",
    "PollPolicy",
    "ProtocolError",
    "RateLimitError",
    "ServerError",
    "Status",
    "SubmissionUnknownError",
    "Task",
    "TaskEntry",
    "TaskFailedError",
    "TransportError",
    "UnusableIdError",
    "VideoInfo",
    "WaitTimeoutError",
    "__version__",
    "connect",
    "connect_async",
    "people_dataframe",
    "probe",
    "report",
    "show",
    "tasks_dataframe",
    "to_dataframe",
]
