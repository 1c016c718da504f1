"""One exception tree for everything headswap_nb raises.

::

    HeadswapError
    ├── ConfigurationError            no credential, bad base URL, bad option
    ├── APIError                      the API answered with a business code other than 1000
    │   ├── AuthenticationError       1101 invalid/expired, 1102 none sent, 1109 unknown account
    │   ├── InvalidRequestError       1003, and local validation before anything is sent
    │   ├── NotFoundError             1014 unknown id, or another team's
    │   ├── InsufficientCreditsError  1104
    │   ├── RateLimitError            1005, HTTP 429
    │   └── ServerError               2001, HTTP 5xx
    ├── ProtocolError                 a body that is not the documented envelope
    ├── TransportError                the request did not get an answer
    │   ├── ConnectionError           refused, reset, dropped (also a builtins.ConnectionError)
    │   └── TimeoutError              connect/read/write timeout (also a builtins.TimeoutError)
    ├── SubmissionUnknownError        a billed submit may have reached the server, no answer came
    │   └── UnusableIdError           it was accepted, but the id it returned cannot be queried
    ├── JournalError                  the journal file could not be written or read
    ├── JobFailedError                a job reached status 4 (only from raise_for_status)
    │   ├── AnalysisFailedError
    │   └── TaskFailedError
    └── WaitTimeoutError              waiting gave up (also a builtins.TimeoutError)

A failed *job* (``JobFailedError``) and a failed *HTTP call* (``APIError`` and friends) are
different things: ``wait_for_analysis`` returns a failed record and raises nothing.

Messages never contain credentials: the client redacts them before an error is built, and
``__repr__`` shows only the fields below.
"""

from __future__ import annotations

import builtins
from typing import Any

__all__ = [
    "APIError",
    "AnalysisFailedError",
    "AuthenticationError",
    "ConfigurationError",
    "ConnectionError",
    "HeadswapError",
    "HeadswapWarning",
    "InsufficientCreditsError",
    "InvalidRequestError",
    "JobFailedError",
    "JournalError",
    "NotFoundError",
    "ProtocolError",
    "RateLimitError",
    "ServerError",
    "SubmissionUnknownError",
    "TaskFailedError",
    "TimeoutError",
    "TransportError",
    "UnusableIdError",
    "WaitTimeoutError",
]


class HeadswapWarning(UserWarning):
    """Warnings issued by headswap_nb (the test suite turns them into errors)."""


class HeadswapError(Exception):
    """Base of every error raised by headswap_nb."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ConfigurationError(HeadswapError, ValueError):
    """The client cannot be built as configured (e.g. no credential)."""


class APIError(HeadswapError):
    """The API answered, but not with ``code == 1000``.

    Attributes: ``code`` (business code or ``None`` for a bare HTTP error), ``msg`` (the
    server's text), ``http_status``, ``subject`` (the id or URL the call was about),
    ``endpoint`` (the path called).
    """

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        msg: str | None = None,
        http_status: int | None = None,
        subject: str | None = None,
        endpoint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.msg = msg
        self.http_status = http_status
        self.subject = subject
        self.endpoint = endpoint

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, msg={self.msg!r}, "
            f"http_status={self.http_status!r}, subject={self.subject!r})"
        )


class AuthenticationError(APIError):
    """1101 (invalid or expired credential), 1102 (no credential sent) or 1109 ("account
    not exist", which Akool's own demo reads as a bad API key)."""


class InvalidRequestError(APIError, ValueError):
    """1003 from the server, or a request that failed local validation (``field`` names it)."""

    def __init__(self, message: str, *, field: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.field = field


class NotFoundError(APIError):
    """1014: the id is unknown or belongs to another team."""


class InsufficientCreditsError(APIError):
    """1104: the account has too few credits for this task."""


class RateLimitError(APIError):
    """1005 or HTTP 429. ``retry_after`` is the server's hint in seconds, if it gave one."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(APIError):
    """2001 or HTTP 5xx: a problem on the server's side."""


class ProtocolError(HeadswapError):
    """The response is not the documented ``{code, msg, data}`` envelope.

    ``snippet`` is a short, credential-free excerpt of the body for diagnosis.
    """

    def __init__(
        self,
        message: str,
        *,
        snippet: str = "",
        http_status: int | None = None,
        subject: str | None = None,
        endpoint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.snippet = snippet
        self.http_status = http_status
        self.subject = subject
        self.endpoint = endpoint


class TransportError(HeadswapError):
    """No answer: the connection failed or timed out. ``subject`` is the id or URL."""

    def __init__(
        self, message: str, *, subject: str | None = None, endpoint: str | None = None
    ) -> None:
        super().__init__(message)
        self.subject = subject
        self.endpoint = endpoint


class ConnectionError(TransportError, builtins.ConnectionError):
    """The connection was refused, reset or dropped."""


class TimeoutError(TransportError, builtins.TimeoutError):
    """Connecting, sending or reading took longer than the configured timeout."""


class SubmissionUnknownError(HeadswapError):
    """A billed submit may have reached the server, but no usable answer came back.

    The client never resends such a request by itself, because a second submit is billed
    again. ``video_url`` is the URL concerned; ``cause`` is what went wrong.
    """

    def __init__(self, message: str, *, video_url: str, endpoint: str | None = None) -> None:
        super().__init__(message)
        self.video_url = video_url
        self.endpoint = endpoint


class UnusableIdError(SubmissionUnknownError):
    """The API accepted a billed submit, but the ``_id`` it returned cannot be used to query
    the job (e.g. it ends with whitespace). Raised by the *next* call with that id (the
    submit itself returns the record, id kept exactly as returned): the job exists and may
    be billed, so it must not be submitted again blindly, and retrying the call cannot help.

    ``job_id``: the id exactly as the API returned it; ``video_url``: the URL of the submit
    that returned it (``""`` if unknown); ``endpoint``: the path that could not be called.
    """

    def __init__(
        self, message: str, *, job_id: str, video_url: str, endpoint: str | None = None
    ) -> None:
        super().__init__(message, video_url=video_url, endpoint=endpoint)
        self.job_id = job_id


class JournalError(HeadswapError, OSError):
    """The SQLite journal could not be written or read: locked by another process past the
    busy timeout, disk full, read-only, or not a journal. ``path`` is the file.

    A ``Batch`` does not stop for it: it keeps tracking in memory, logs the failure and
    writes an analysis or task id again at the next poll until the write succeeds — unless
    the file itself was deleted or replaced (``lost``): then it sends nothing more.
    """

    def __init__(self, message: str, *, path: str, lost: bool = False) -> None:
        super().__init__(message)
        self.path = path
        self.lost = lost
        """True when the file itself is gone or was replaced: the batch stops sending."""


class JobFailedError(HeadswapError):
    """A job finished with status 4. Raised only by ``raise_for_status()``."""

    def __init__(self, message: str, *, error_code: int | None, error_reason: str | None) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.error_reason = error_reason


class AnalysisFailedError(JobFailedError):
    """The analysis failed; ``analysis`` is the terminal record (an ``Analysis``: typed
    loosely so that this module imports nothing of the package)."""

    def __init__(self, analysis: Any) -> None:
        super().__init__(
            f"analysis {analysis.id} of {analysis.video_url} failed: "
            f"{analysis.error_reason or 'no reason given'} (error_code={analysis.error_code})",
            error_code=analysis.error_code,
            error_reason=analysis.error_reason,
        )
        self.analysis = analysis


class TaskFailedError(JobFailedError):
    """The head-swap task failed; ``task`` is the terminal record."""

    def __init__(self, task: Any) -> None:
        super().__init__(
            f"task {task.id} failed: {task.error_reason or 'no reason given'} "
            f"(error_code={task.error_code})",
            error_code=task.error_code,
            error_reason=task.error_reason,
        )
        self.task = task


class WaitTimeoutError(HeadswapError, builtins.TimeoutError):
    """Waiting for a job gave up. ``subject`` is its id; ``last`` the last record seen."""

    def __init__(self, message: str, *, subject: str, last: Any) -> None:
        super().__init__(message)
        self.subject = subject
        self.last = last
