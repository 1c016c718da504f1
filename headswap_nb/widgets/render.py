"""What one flush of the board sends: the most important changes first, within a budget.

``BoardRenderer.render(batch, allowance=n)`` compares what the widgets show with what the
batch says (``_sync.changes``: one comm message per changed widget) and sends, in order:

1. the summary (bar + one HTML line; at most every ``summary_interval`` seconds), the
   Results tab once the batch finished, and the list's shape: rows that appear are created
   with their content (that costs only the ``children`` update), rows no longer wanted go;
   then the head-swap tasks (``task_rows.TaskRowsView.plan``: their own order, same rules);
2. rows whose state changed (badge, colour, class: queued → processing → completed/failed)
   and rows taking another entry, oldest-updated first;
3. progress-only changes (the bar), oldest-updated first, so every bar moves in turn;
4. elapsed-time ticks (the detail HTML), oldest-updated first.

The first item that does not fit stops the flush (nothing cheaper overtakes it) and its cost
is returned as ``need``. Whatever was not sent still differs from the widgets, so a later
flush sends it: no state is lost, and once the batch is quiet every visible row shows its
final state. ``allowance=math.inf`` renders everything at once (a click, ``send_state``).

Rows are a pool, created once (at most ``max_rows``) and reused: a row stays in place while
its entry is visible and takes another entry in place, so the list does not shift.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from headswap_nb.widgets._present import select_visible
from headswap_nb.widgets._sync import Changes, apply, assign, changes
from headswap_nb.widgets.rows import AnalysisRow

if TYPE_CHECKING:
    from collections.abc import Collection

    from headswap_nb.batch import Batch, BatchEntry
    from headswap_nb.widgets.results import ResultsPanel
    from headswap_nb.widgets.summary import SummaryBar
    from headswap_nb.widgets.task_rows import TaskRowsView

__all__ = ["BoardRenderer"]

_PARTS = ("row", "url", "bar", "detail")


class _Budget:
    """Messages left in this flush; stops at the first item that does not fit."""

    def __init__(self, allowance: float, capacity: float) -> None:
        self.left, self.sent, self.need, self.later = allowance, 0, 0, 0
        self._full = allowance >= math.floor(capacity)  # an item bigger than the bucket
        self._fresh = True  # nothing sent or reserved yet: only then may an item overspend

    def fits(self, cost: int) -> bool:
        if self.need:
            return False
        if cost <= self.left or (self._fresh and self._full):
            return True
        self.need = cost
        return False

    def spend(self, sent: int, reserved: int = 0) -> None:
        self._fresh = self._fresh and not (sent or reserved)
        self.sent += sent
        self.left -= sent + reserved


class BoardRenderer:
    """Keeps ``rows_box``, ``summary`` and ``results`` showing a batch (see the module doc)."""

    def __init__(
        self,
        rows_box: Any,
        summary: SummaryBar,
        results: ResultsPanel,
        *,
        summary_interval: float = 0.5,
        capacity: float = 5.0,
        tasks: TaskRowsView | None = None,
    ) -> None:
        self.rows_box, self.summary, self.results = rows_box, summary, results
        self.tasks = tasks
        """The head-swap task rows, rendered after the summary, before the analysis rows."""
        self.on_swap: Callable[[str], Any] | None = None
        """Called with a row's URL when its "Swap…" button is clicked."""
        self.summary_interval = summary_interval
        self.capacity = capacity
        """The scheduler's bucket size: a flush allowed that much may send a bigger item."""
        self.rows: list[AnalysisRow] = []
        """Every row ever created, in screen order (unused ones have ``entry_url`` None)."""
        self.results_stale = False
        """Set when the Results tab should be rebuilt (the batch finished)."""
        self._results: Changes | None = None
        self._summary_at = -math.inf
        self._seq = 0

    def render(
        self,
        batch: Batch,
        *,
        limit: int,
        hidden: Collection[str],
        allowance: float = math.inf,
        now: float = 0.0,
    ) -> tuple[int, int]:
        """Send at most ``allowance`` messages; returns ``(sent, need)``, ``need`` > 0 when
        work is left that needs ``need`` messages."""
        self._seq += 1
        full, budget = allowance == math.inf, _Budget(allowance, self.capacity)
        entries = batch.entries
        shown = {r.entry_url: r for r in self.rows if r.entry_url is not None}
        visible = [entries[i] for i in select_visible(entries, limit, hidden, keep=shown)]
        n_hidden = sum(1 for e in entries if e.url in hidden)
        if self.results_stale:  # slow work first, so that the flush's messages go together
            self.results_stale, self._results = False, self.results.targets(batch)
        now_due: list[Changes] = []
        diff = changes(self.summary.targets(batch.summary, shown=len(visible), hidden=n_hidden))
        if diff and not full and now - self._summary_at < self.summary_interval:
            budget.later = len(diff)
        elif diff and budget.fits(len(diff)):
            budget.spend(0, reserved=len(diff))
            now_due.append(diff)
            self._summary_at = now
        if self._results is not None and budget.fits(len(diff := changes(self._results))):
            budget.spend(0, reserved=len(diff))
            now_due.append(diff)
            self._results = None
        reshape = self._reshape(visible, shown, budget)  # creates rows: before any message
        budget.sent += sum(apply(diff) for diff in now_due)
        for diff in self.tasks.plan(batch) if self.tasks is not None else ():
            if diff and not budget.fits(len(diff)):
                break
            budget.spend(apply(diff))
        for row, entry in self._ordered(visible, shown):
            unused = row.entry_url is None  # showing it also costs the children update
            extra = 1 if unused and not reshape else 0
            if not self._send(row, entry, budget, _PARTS, extra=extra):
                continue  # stopped: the budget is spent
            if unused:  # shown again: last in screen order
                self.rows.remove(row)
                self.rows.append(row)
                reshape = True
            row.entry_url = entry.url
        bound = [(r, e) for e in visible if (r := shown.get(e.url)) is not None]
        for part in ("bar", "detail"):
            bound.sort(key=lambda pair: pair[0].stamps[part])
            for row, entry in bound:
                self._send(row, entry, budget, (part,))
        if reshape or full:
            kids = tuple(r for r in self.rows if r.entry_url is not None)
            budget.spend(assign(self.rows_box, children=kids))
        return budget.sent, budget.need or budget.later

    def _reshape(
        self, visible: list[BatchEntry], shown: dict[str, AnalysisRow], budget: _Budget
    ) -> bool:
        """Create rows for new entries and drop unwanted ones (one ``children`` message)."""
        wanted = {e.url for e in visible}
        leaving = [r for u, r in shown.items() if u not in wanted]
        entering = [e for e in visible if e.url not in shown]
        free = sum(1 for r in self.rows if r.entry_url is None)
        create = entering[len(leaving) + free :]
        surplus = leaving[len(entering) :]
        if not (create or surplus) or not budget.fits(1):
            return False
        budget.spend(0, reserved=1)  # the children update, sent at the end of the flush
        for row in surplus:
            row.entry_url = None
        for entry in create:
            row = AnalysisRow(entry, on_swap=self.on_swap)
            row.stamps = dict.fromkeys(row.stamps, self._seq)
            self.rows.append(row)
            shown[entry.url] = row
        return True

    def _ordered(
        self, visible: list[BatchEntry], shown: dict[str, AnalysisRow]
    ) -> list[tuple[AnalysisRow, BatchEntry]]:
        """Rows whose state changed and rows to take another entry, oldest-updated first."""
        wanted = {e.url for e in visible}
        leaving = [r for u, r in shown.items() if u not in wanted and r.entry_url is not None]
        free = [r for r in self.rows if r.entry_url is None]
        entering = [e for e in visible if e.url not in shown]
        work = list(zip([*leaving, *free][: len(entering)], entering, strict=False))
        for entry in visible:
            row = shown.get(entry.url)
            if row is not None and not row.shows_state(entry):
                work.append((row, entry))
        work.sort(key=lambda p: -1 if p[0].entry_url is None else p[0].stamps["row"])
        return work

    def _send(
        self,
        row: AnalysisRow,
        entry: BatchEntry,
        budget: _Budget,
        parts: tuple[str, ...],
        *,
        extra: int = 0,
    ) -> bool:
        """Send ``parts`` of ``row`` showing ``entry`` if they fit (``extra``: reserved too)."""
        targets = row.targets(entry)
        diff = changes({row.part(p): targets[row.part(p)] for p in parts})
        if not (diff or extra) or not budget.fits(len(diff) + extra):
            return False
        budget.spend(apply(diff), reserved=extra)
        for widget in diff:
            row.stamps[row.name_of(widget)] = self._seq
        return True
