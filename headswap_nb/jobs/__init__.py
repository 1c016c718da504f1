"""One engine for every kind of job: person analyses and head-swap tasks.

A job is submitted once, polled to a terminal state, journaled and resumable; what differs
per kind is data (``kinds``). One module a job:

``states``       the lifecycle (``EntryState``) and the money rule (``may_send_again``)
``entry``        ``JobEntry``, one immutable snapshot type for both kinds
``request``      ``TaskRequest``, a head-swap task's options
``transitions``  pure changes of an entry, and what "Retry failed" does (``retry_plan``)
``kinds``        what differs per kind; a task's local checks
``summary``      counts and overall progress (``BatchSummary``, O(1) per change)
``events``       ``BatchEvent`` and its fan-out to callbacks and async iterators
``scheduler``    the one loop: bounded submits, a heap of next polls
``timing``       when each job is polled next; backing off after a failed poll
``engine``       submit, poll, cancel, retry: the effects, in the order that keeps money safe
``ledger``       the journal side of each job (claims, ids owed)
``journal``      the durable SQLite record (``schema``: tables and migration; ``rows``:
                 reading it back tolerantly; ``store``: the SQLite plumbing)
``restore``      journal rows back to entries: one path for both kinds
``runner``       running to the end from synchronous code (scripts and Jupyter)

``headswap_nb.Batch`` is the public facade over it.
"""

from headswap_nb.jobs.entry import ANALYSIS, TASK, JobEntry
from headswap_nb.jobs.events import BatchEvent
from headswap_nb.jobs.journal import Journal
from headswap_nb.jobs.request import TaskRequest
from headswap_nb.jobs.rows import JournalRow
from headswap_nb.jobs.states import EntryState, may_send_again
from headswap_nb.jobs.summary import BatchSummary

__all__ = [
    "ANALYSIS",
    "TASK",
    "BatchEvent",
    "BatchSummary",
    "EntryState",
    "JobEntry",
    "Journal",
    "JournalRow",
    "TaskRequest",
    "may_send_again",
]
