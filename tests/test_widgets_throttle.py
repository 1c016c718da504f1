"""headswap_nb.widgets.throttle: the pacing rule, without a clock of its own."""

from __future__ import annotations

import pytest
from widget_helpers import max_per_window

from headswap_nb.widgets.throttle import Coalescer

pytestmark = pytest.mark.sim(speed=40.0, seed=3)


def test_coalescer_paces_flushes_and_messages() -> None:
    c = Coalescer(rate=8, budget=10, carry=0.5)
    assert c.capacity == 5 and c.delay(0.0) is None
    c.mark()
    assert c.delay(0.0) == 0.0
    assert c.take(0.0) == 5  # the bucket starts full
    c.charge(5, need=3)  # all spent, and work is left that needs 3 messages
    assert c.pending and c.delay(0.0) == pytest.approx(0.3)
    assert c.take(0.3) == 3
    c.charge(1)
    assert not c.pending and c.delay(0.31) is None
    c.mark()
    assert c.delay(0.35) == pytest.approx(0.075)  # at most 8 flushes a second
    assert c.flushes == 2 and c.messages == 6
    c.charge(100, now=0.4)  # a render the user asked for: paid, the bucket empties
    assert c.tokens(0.4) == 0 and c.delay(0.4) == pytest.approx(0.1)
    assert Coalescer(budget=2).capacity == 5  # a row's worst case always fits


def test_coalescer_keeps_every_window_within_budget() -> None:
    """A renderer that always has work and spends all it may: 10/s, ≤ 15 in any second."""
    c, now, sent = Coalescer(rate=8, budget=10, carry=0.5), 0.0, []
    c.mark()
    while now < 30:
        now += c.delay(now) or 0.0
        allowance = c.take(now)
        c.charge(allowance, need=1 + len(sent) % 4)  # items of 1 to 4 messages
        sent += [now] * allowance
    assert len(sent) <= 10 * now + 5 and c.flushes <= 8 * now + 1
    assert max_per_window(sent) <= 15
