"""headswap_nb: Akool's head-swap Open API, made pleasant in Jupyter.

Importing this package does nothing but define names: no client, no environment reads,
no network, no simulator.
"""

from headswap_nb._version import __version__
from headswap_nb.errors import (
    AnalysisFailedError,
    APIError,
    AuthenticationError,
    ConfigurationError,
    HeadswapError,
    InsufficientCreditsError,
    InvalidRequestError,
    NotFoundError,
    ProtocolError,
    RateLimitError,
    ServerError,
    SubmissionUnknownError,
    TaskFailedError,
    TransportError,
    WaitTimeoutError,
)
from headswap_nb.models import Analysis, AnalysisResult, Person, Status, Task, VideoInfo

__all__ = [
    "APIError",
    "Analysis",
    "AnalysisFailedError",
    "AnalysisResult",
    "AuthenticationError",
    "ConfigurationError",
    "HeadswapError",
    "InsufficientCreditsError",
    "InvalidRequestError",
    "NotFoundError",
    "Person",
    "ProtocolError",
    "RateLimitError",
    "ServerError",
    "Status",
    "SubmissionUnknownError",
    "Task",
    "TaskFailedError",
    "TransportError",
    "VideoInfo",
    "WaitTimeoutError",
    "__version__",
]
