"""A box of ``JobRow``s kept showing a list of jobs, within a message budget.

Rows are a pool, created once and reused: a row stays in place while its job is visible and
takes another job in place, so the list does not shift. A render goes in phases, so that the
board can interleave several lists and still send the most important changes first:

1. ``begin``: rows that appear are created with their content (that costs only the
   ``children`` update, sent at the end), rows no longer wanted go;
2. ``send_states``: rows whose state changed and rows taking another job, oldest-updated
   first (a state change is the whole row: class, bar, detail...);
3. ``send_part("bar")`` then ``send_part("detail")``: progress, then elapsed-time ticks,
   oldest-updated first, so that every bar moves in turn;
4. ``finish``: the ``children`` update, if the list's shape changed.

Whatever did not fit still differs from the widgets, so a later render sends it: no state is
lost, and once the jobs are quiet every visible row shows its final state.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from headswap_nb.widgets.rows import PARTS, JobRow, Preview, Shown
from headswap_nb.widgets.sync import Changes, apply, assign, changes

if TYPE_CHECKING:
    from headswap_nb.jobs import JobEntry

__all__ = ["Budget", "RowList"]

_WHOLE = ("thumb", "button", "output", "saved")
"""Parts that change with a job's state or news, sent with the whole row."""


class Budget:
    """Messages left in this render; stops at the first item that does not fit (nothing
    cheaper overtakes it), whose cost becomes ``need``."""

    def __init__(self, allowance: float, capacity: float) -> None:
        self.left, self.sent, self.need, self.later = allowance, 0, 0, 0
        self.full = allowance == math.inf
        """True for an unthrottled render (a click, ``send_state``): everything goes."""
        self._whole = allowance >= math.floor(capacity)  # an item bigger than the bucket
        self._fresh = True  # nothing sent or reserved yet: only then may an item overspend

    def fits(self, cost: int) -> bool:
        """True when an item of ``cost`` messages may be sent now."""
        if self.need:
            return False
        if cost <= self.left or (self._fresh and self._whole):
            return True
        self.need = cost
        return False

    def spend(self, sent: int, reserved: int = 0) -> None:
        """Account for ``sent`` messages (and ``reserved`` ones, to be sent later)."""
        self._fresh = self._fresh and not (sent or reserved)
        self.sent += sent
        self.left -= sent + reserved


class RowList:
    """The rows of ``box`` showing the jobs a render asks for (see the module doc)."""

    def __init__(self, box: Any, *, on_action: Callable[[JobEntry], Any] | None = None) -> None:
        self.box = box
        self.on_action = on_action
        """Called with a row's job when its action button is clicked."""
        self.on_release: Callable[[JobEntry], Any] | None = None
        """Called with a held row's job when its "Send anyway" is clicked."""
        self.preview: Callable[[JobEntry], Preview | None] | None = None
        """What the pre-flight look found of a job's video (its thumbnail and a line)."""
        self.rows: list[JobRow] = []
        """Every row ever created, in screen order (unused ones have ``key`` None)."""
        self._visible: list[JobEntry] = []
        self._bound: dict[int, JobRow] = {}
        self._saved: Mapping[int, str] = {}
        self._shown_of: Callable[[JobEntry], Shown] | None = None
        self._reshaped = False
        self._seq = 0

    def begin(
        self,
        visible: Sequence[JobEntry],
        budget: Budget,
        seq: int,
        *,
        saved: Mapping[int, str],
        shown: Callable[[JobEntry], Shown] | None = None,
    ) -> None:
        """Start a render of ``visible`` (in screen order); ``saved``: notes per job ref;
        ``shown``: what to show of a job's progress now (``Batch.shown``)."""
        self._visible, self._saved, self._seq = list(visible), saved, seq
        self._shown_of = shown
        self._bound = {r.key: r for r in self.rows if r.key is not None}
        wanted = {e.ref for e in visible}
        leaving = [r for k, r in self._bound.items() if k not in wanted]
        entering = [e for e in visible if e.ref not in self._bound]
        free = sum(1 for r in self.rows if r.key is None)
        create = entering[len(leaving) + free :]
        surplus = leaving[len(entering) :]
        self._reshaped = False
        if not (create or surplus) or not budget.fits(1):
            return
        budget.spend(0, reserved=1)  # the children update, sent by ``finish``
        self._reshaped = True
        for row in surplus:
            row.show(None)
        for entry in create:
            row = JobRow(
                entry, on_action=self.on_action, saved=saved.get(entry.ref, ""),
                shown=self._shown(entry), preview=self._preview(entry),
                on_release=self.on_release,
            )  # fmt: skip
            row.stamps = dict.fromkeys(row.stamps, seq)
            self.rows.append(row)
            self._bound[entry.ref] = row

    def send_states(self, budget: Budget) -> None:
        """Rows whose state changed, and rows taking another job, oldest-updated first."""
        wanted = {e.ref for e in self._visible}
        shown = self._bound
        leaving = [r for k, r in shown.items() if k not in wanted and r.key is not None]
        free = [r for r in self.rows if r.key is None]
        entering = [e for e in self._visible if e.ref not in shown]
        work = list(zip([*leaving, *free][: len(entering)], entering, strict=False))
        for entry in self._visible:
            row = shown.get(entry.ref)
            if row is not None and self._stale(row, entry):
                work.append((row, entry))
        work.sort(key=lambda pair: -1 if pair[0].key is None else pair[0].stamps["row"])
        for row, entry in work:
            unused = row.key is None  # showing it again also costs the children update
            extra = 1 if unused and not self._reshaped else 0
            if not self._send(row, entry, budget, PARTS, extra=extra):
                continue  # stopped: the budget is spent
            if unused:  # shown again: last in screen order
                self.rows.remove(row)
                self.rows.append(row)
                self._reshaped = True
            row.show(entry)

    def _stale(self, row: JobRow, entry: JobEntry) -> bool:
        """True when more than the bar and the detail of ``row`` must change for ``entry``:
        its state, or a task's output or "saved to" note."""
        if not row.shows_state(entry):
            return True
        targets = self._targets(row, entry)
        return bool(
            changes({row.part(p): targets[row.part(p)] for p in _WHOLE if row.part(p) in targets})
        )

    def _shown(self, entry: JobEntry) -> Shown | None:
        return None if self._shown_of is None else self._shown_of(entry)

    def _preview(self, entry: JobEntry) -> Preview | None:
        return None if self.preview is None else self.preview(entry)

    def _targets(self, row: JobRow, entry: JobEntry) -> Changes:
        saved = self._saved.get(entry.ref, "")
        return row.targets(entry, saved, self._shown(entry), self._preview(entry))

    def send_part(self, part: str, budget: Budget) -> None:
        """One part (``bar`` or ``detail``) of every visible row, oldest-updated first."""
        bound = [(r, e) for e in self._visible if (r := self._bound.get(e.ref)) is not None]
        bound.sort(key=lambda pair: pair[0].stamps[part])
        for row, entry in bound:
            self._send(row, entry, budget, (part,))

    def finish(self, budget: Budget) -> None:
        """The ``children`` update, when the list's shape changed (or on a full render)."""
        if self._reshaped or budget.full:
            kids = tuple(r for r in self.rows if r.key is not None)
            budget.spend(assign(self.box, children=kids))

    def _send(
        self,
        row: JobRow,
        entry: JobEntry,
        budget: Budget,
        parts: tuple[str, ...],
        *,
        extra: int = 0,
    ) -> bool:
        """Send ``parts`` of ``row`` showing ``entry`` if they fit (``extra``: reserved too)."""
        targets = self._targets(row, entry)
        wanted = {row.part(p): targets[row.part(p)] for p in parts if row.part(p) in targets}
        diff = changes(wanted)
        if not (diff or extra) or not budget.fits(len(diff) + extra):
            return False
        budget.spend(apply(diff), reserved=extra)
        for widget in diff:
            row.stamps[row.name_of(widget)] = self._seq
        return True
