"""When to poll a job, and what progress to show until the next answer.

The API only offers polling, with no documented interval (akool-api.md §8), so the default
``PollPolicy`` adapts, in one paragraph: a job that is queued, in a status the docs do not
list, or processing at 0 % is polled every ``queued_interval`` seconds, so the start of
processing shows about half of that after it happens; once it moves (its last two rates
agree: the latest is at least half the one before), the next poll is due when it will have
covered ``step`` points at the faster of those rates, or ``overshoot`` seconds after the
finish that pace predicts if that comes first; while it stands still, steps or slows down
sharply, its pace is only its average since processing began, so the next poll comes after
half a step at that pace (a jump may come at any moment, and the wait lengthens by itself as
the average falls), aimed at the predicted finish too when that is nearer, but never sooner
than the job has already stood still, so an overdue job backs off; neither looks further
ahead than twice the last interval, since a pace is trusted only about as far as it was
measured; every delay is clamped to [``min_interval``, ``max_interval``] and shortened by up
to ``jitter`` of itself by the caller's random draw (an aimed one is not), which spreads many
jobs apart without adding lag; and between polls the bar (``PollState.shown_progress``)
extrapolates the latest rate, never moves backwards (it slows down or holds until the truth
catches up) and stops at 99 % until a poll says completed.

``PollPolicy.fixed(1.0)`` forces a fixed interval, and so does ``HEADSWAP_POLL_INTERVAL``,
read by ``resolve_policy`` when a wait starts (never at import). ``next_delay`` is the pure
decision; ``PollState`` keeps one job's observations for it and for the bar.
``benchmarks/progress.py`` measures what this shows against fixed 1 s and 0.5 s polling.

Modules, lowest first: ``_policy`` (the numbers), ``_reading`` (what observations say),
``_delay`` (when to poll), ``_display`` (the bar), ``_state`` (``PollState``).
"""

from __future__ import annotations

from headswap_nb.polling._delay import next_delay
from headswap_nb.polling._policy import ENV_POLL_INTERVAL, PollPolicy, resolve_policy
from headswap_nb.polling._reading import Observation
from headswap_nb.polling._state import PollState

__all__ = [
    "ENV_POLL_INTERVAL",
    "Observation",
    "PollPolicy",
    "PollState",
    "next_delay",
    "resolve_policy",
]
