"""What one flush of the board sends: the most important changes first, within a budget.

``BoardRenderer.render(batch, allowance=n)`` compares what the widgets show with what the
batch says (``sync.changes``: one comm message per changed widget) and sends, in order:

1. the summary (bar + one HTML line; at most every ``summary_interval`` seconds), the
   Results tab once the batch finished, the swap panel's notice, and the lists' shapes;
2. rows whose state changed and rows taking another job — the analyses, then the tasks;
3. progress-only changes (the bars), oldest-updated first, so every bar moves in turn;
4. elapsed-time ticks (the detail cells), oldest-updated first.

The first item that does not fit stops the flush and its cost is returned as ``need``.
Whatever was not sent still differs from the widgets, so a later flush sends it.
``allowance=math.inf`` renders everything at once (a click, ``send_state``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any

from headswap_nb.widgets.cells import notice_html
from headswap_nb.widgets.rowlist import Budget, RowList
from headswap_nb.widgets.sync import Changes, apply, changes
from headswap_nb.widgets.visible import select_visible

if TYPE_CHECKING:
    from headswap_nb.batch import Batch
    from headswap_nb.jobs import JobEntry
    from headswap_nb.jobs.pace import Pace
    from headswap_nb.widgets.results import ResultsPanel
    from headswap_nb.widgets.summary import ActionBar, SummaryBar

__all__ = ["BoardRenderer"]


class BoardRenderer:
    """Keeps the summary, the analysis rows, the task rows and the Results tab showing a
    batch (see the module doc)."""

    def __init__(
        self,
        rows_box: Any,
        summary: SummaryBar,
        results: ResultsPanel,
        *,
        summary_interval: float = 0.5,
        capacity: float = 5.0,
        tasks_box: Any = None,
        notice: Any = None,
        task_limit: int = 50,
        actions: ActionBar | None = None,
    ) -> None:
        self.rows_box, self.summary, self.results = rows_box, summary, results
        self.actions = actions
        """The buttons, whose labels say how many a retry would send."""
        self.analyses = RowList(rows_box)
        """The analysis rows (``analyses.on_action``: a row's "Swap…" was clicked)."""
        self.tasks = RowList(tasks_box) if tasks_box is not None else None
        """The head-swap task rows (``tasks.on_action``: a row's "Save to file")."""
        self.notice = notice
        self.task_limit = task_limit
        self.summary_interval = summary_interval
        self.capacity = capacity
        """The scheduler's bucket size: a flush allowed that much may send a bigger item."""
        self.results_stale = False
        """Set when the Results tab should be rebuilt (the batch finished)."""
        self.saved: dict[int, str] = {}
        """HTML note per task ``ref`` about "Save to file" (set by the controller)."""
        self.thumbnails: Callable[[], Mapping[str, str]] | None = None
        """Video URL → thumbnail (data URI), for the Results tab."""
        self.last_task: int | None = None
        """The ``ref`` of the task created last from the panel (its outcome is the notice)."""
        self._results: Changes | None = None
        self._pace: Pace | None = None
        self._retry = (0, 0)
        self._open = (0, 0)
        """(jobs Cancel would stop, finished rows Clear finished would hide)."""
        self._summary_at = -math.inf
        self._seq = 0

    @property
    def rows(self) -> list[Any]:
        """Every analysis row ever created, in screen order (unused ones have ``key`` None)."""
        return self.analyses.rows

    def on_swap(self, callback: Callable[[str], Any]) -> None:
        """Call ``callback(url)`` when an analysis row's "Swap…" is clicked."""
        self.analyses.on_action = lambda entry: callback(entry.url)

    def on_save(self, callback: Callable[[int], Any]) -> None:
        """Call ``callback(ref)`` when a task row's "Save to file" is clicked."""
        if self.tasks is not None:
            self.tasks.on_action = lambda entry: callback(entry.ref)

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
        budget = Budget(allowance, self.capacity)
        entries = batch.entries
        kept = {r.entry_url for r in self.analyses.rows if r.entry_url is not None}
        visible = [entries[i] for i in select_visible(entries, limit, hidden, keep=kept)]
        n_hidden = sum(1 for e in entries if e.url in hidden)
        tasks: tuple[JobEntry, ...] = tuple(getattr(batch, "tasks", ()))[-self.task_limit :]
        if self.results_stale:  # slow work first, so that the flush's messages go together
            thumbnails = self.thumbnails() if self.thumbnails is not None else None
            self.results_stale = False
            self._results = self.results.targets(batch, thumbnails=thumbnails)
        ready: list[Changes] = []
        due = budget.full or now - self._summary_at >= self.summary_interval
        if due and hasattr(batch, "pace"):  # scans of every job: only when they may be sent
            self._pace = batch.pace()
            plain, refused = batch.retryable(), batch.retryable(include_refused=True)
            self._retry = (len(plain), len(refused))
            every_task = tuple(getattr(batch, "tasks", ()))
            running = sum(1 for e in (*entries, *every_task) if not e.state.is_terminal)
            finished = sum(1 for e in entries if e.state.is_terminal and e.url not in hidden)
            self._open = (running, finished)
        targets = self.summary.targets(
            batch.summary, shown=len(visible), hidden=n_hidden, pace=self._pace
        )
        if self.actions is not None:
            retryable, refused_count = self._retry
            running, finished = self._open
            targets.update(
                self.actions.targets(
                    retryable=retryable, refused=refused_count, running=running, finished=finished
                )
            )
        diff = changes(targets)
        if diff and not due:
            budget.later = len(diff)
        elif diff and budget.fits(len(diff)):
            budget.spend(0, reserved=len(diff))
            ready.append(diff)
            self._summary_at = now
        for pending in (self._results, self._notice(tasks)):
            if pending is not None and budget.fits(len(diff := changes(pending))):
                budget.spend(0, reserved=len(diff))
                ready.append(diff)
                if pending is self._results:
                    self._results = None
        lists: list[tuple[RowList, list[JobEntry]]] = [(self.analyses, visible)]
        if self.tasks is not None:
            lists.append((self.tasks, list(tasks)))
        shown_of = getattr(batch, "shown", None)  # (a stand-in batch in tests may lack it)
        for rows, shown in lists:  # creates rows: before any message
            rows.begin(shown, budget, self._seq, saved=self.saved, shown=shown_of)
        budget.sent += sum(apply(d) for d in ready)
        for rows, _ in lists:
            rows.send_states(budget)
        for part in ("bar", "detail"):
            for rows, _ in lists:
                rows.send_part(part, budget)
        for rows, _ in lists:
            rows.finish(budget)
        return budget.sent, budget.need or budget.later

    def _notice(self, tasks: tuple[JobEntry, ...]) -> Changes | None:
        if self.notice is None:
            return None
        last = next((t for t in tasks if t.ref == self.last_task), None)
        return {self.notice: {"value": notice_html(last)}}
