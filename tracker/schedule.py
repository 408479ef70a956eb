"""Forecasts, slack and the critical path: the schedule the dependencies imply.

Pure computation over the items, their finish-to-start dependencies and the project's
working calendar; no database (`planning.py` loads the inputs). The rules:

- A dependency P → X with lag L: X cannot start before the L-th working day after P's
  finish plus one (a period), or finish before the L-th working day after P's finish
  (a dated point such as a deadline or go-live). A task precedes its milestone with
  lag 0: a milestone is not reached while one of its tasks is open.
- A period (start and due) lasts its working days from start to due, both included.
  It starts no earlier than its planned start, a planned (not started) one no earlier
  than today, and it finishes that many working days after its start.
- A point (due only) finishes on its due date, or later when a predecessor pushes it.
- Every open item finishes no earlier than today: an overdue item is not done yet.
- A done item finished on its done date; a cancelled one constrains nothing.
- An item whose forecast finish is after its due date is at risk; its slip is the
  working days from due to forecast.

Slack (total float) of an open item is how many working days it can finish later
without moving the target's forecast. Computed in working-day positions (the n-th
working day of the calendar), so weekends and holidays never count as room. The
critical items are the open ones with zero slack: every one of them that slips by a
working day moves the target by one. `tests/test_schedule.py` checks exactly that.

The order comes from Kahn's algorithm (twice as fast as `graphlib.TopologicalSorter`
at 100,000 items, measured); graphlib names a cycle when there is one. The forward and
backward passes are one loop each over that order.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from graphlib import CycleError, TopologicalSorter
from typing import NamedTuple

from tracker.dates import LAST_YEAR, format_de
from tracker.errors import BadDate, BadInput
from tracker.holidays_de import WorkingCalendar
from tracker.queries import DependencyRow, ItemRow
from tracker.states import Kind, State


class Workdays:
    """Working days of a calendar as positions: `index(d)` counts those up to d.

    The list starts on 1 January of the earliest year asked for at construction and
    grows forwards by whole years on demand, so positions never shift under a caller.
    """

    def __init__(self, calendar: WorkingCalendar, earliest: date) -> None:
        self.calendar = calendar
        self._origin = date(earliest.year, 1, 1)
        self._end = self._origin - timedelta(days=1)  # last day covered
        self._days: list[date] = []

    def _cover(self, day: date) -> None:
        if day <= self._end:
            return
        if day.year > LAST_YEAR:
            raise BadDate(f"the schedule runs past 31.12.{LAST_YEAR}, the end of the calendar")
        year = self._end.year + 1
        d, last = date(year, 1, 1), date(max(day.year, year), 12, 31)
        is_working = self.calendar.is_working_day
        while d <= last:
            if is_working(d):
                self._days.append(d)
            d += timedelta(days=1)
        self._end = last

    def index(self, day: date) -> int:
        """How many working days lie from the origin up to and including `day`."""
        if day < self._origin:
            raise ValueError(f"{day} is before the schedule's first day {self._origin}")
        self._cover(day)
        return bisect_right(self._days, day)

    def at(self, position: int) -> date:
        """The working day at `position` (1 = the first one)."""
        if position < 1:
            raise ValueError(f"no working day at position {position}")
        while position > len(self._days):
            self._cover(self._end + timedelta(days=1))
        return self._days[position - 1]

    def add(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n ≥ 1); `day` itself for n = 0."""
        return day if n == 0 else self.at(self.index(day) + n)

    def first_from(self, day: date) -> date:
        """`day` if it is a working day, else the next one."""
        n = self.index(day)
        return day if n and self._days[n - 1] == day else self.at(n + 1)

    def between(self, after: date, until: date) -> int:
        """Working days d with after < d ≤ until (negative when until < after)."""
        return self.index(until) - self.index(after)

    def through(self, first: date, last: date) -> int:
        """Working days d with first ≤ d ≤ last."""
        return self.index(last) - self.index(self.first_from(first)) + 1 if first <= last else 0


class Edge(NamedTuple):
    predecessor: str
    lag: int
    implicit: bool  # a task before its milestone


class Forecast(NamedTuple):
    """When an item is expected to finish, and why then."""

    key: str
    start: date | None  # a period's forecast start
    finish: date | None  # None: undated and nothing dated before it, or cancelled
    # What sets the finish: "dates" (its own), "today", "predecessor" (`driver`),
    # "done", "whatif", "undated" or "cancelled"; "known" when it was given (`known`).
    reason: str
    driver: str | None
    due: date | None
    slip: int  # working days from due to finish when at risk, else 0
    slip_days: int  # the same in calendar days

    @property
    def at_risk(self) -> bool:
        return self.due is not None and self.finish is not None and self.finish > self.due


class Change(NamedTuple):
    """A what-if: the item's new due date, or a slip of its finish in working days."""

    key: str
    due: date | None = None
    slip: int = 0


class Schedule:
    """The forecast of every item of a project, as of `today`."""

    def __init__(
        self,
        items: Iterable[ItemRow],
        dependencies: Iterable[DependencyRow],
        calendar: WorkingCalendar,
        today: date,
        change: Change | None = None,
        known: Mapping[str, date | None] | None = None,
    ) -> None:
        """`known`: items whose forecast finish is given, not computed (their own
        predecessors need not be among `items`): the part of a schedule a change
        cannot move, when only the rest is computed again (forecast_cache.py)."""
        self.items = {i.key: i for i in items}
        self.today = today
        self.change = change
        if change is not None and change.due is not None:
            item = self.items[change.key]
            self.items[change.key] = item._replace(due=change.due)
        self.preds = graph(self.items.values(), dependencies)
        self.succs = successors(self.preds)
        known = known or {}
        dated = [d for i in self.items.values() for d in (i.start, i.due, i.done_on) if d]
        dated += [d for d in known.values() if d]
        self.days = Workdays(calendar, min([today, *dated]))
        self.order = topological_order(self.preds, self.succs)
        self.forecasts: dict[str, Forecast] = {}
        for key in self.order:
            if key in known:
                self.forecasts[key] = Forecast(key, None, known[key], "known", None, None, 0, 0)
            else:
                self.forecasts[key] = self._forecast(self.items[key])

    def duration(self, item: ItemRow) -> int:
        """Working days of a period, start and due included; 0 for a point."""
        if item.start is None or item.due is None:
            return 0
        return max(0, self.days.through(item.start, item.due))

    def _forecast(self, item: ItemRow) -> Forecast:
        days, today = self.days, self.today
        if item.state is State.CANCELLED:
            return self._made(item, None, None, "cancelled")
        if item.state is State.DONE:
            return self._made(item, None, item.done_on, "done")
        start: date | None = None
        reason, driver = "dates", None
        length = self.duration(item)
        if length > 0:
            assert item.start is not None
            start = days.first_from(item.start)
            if item.state is State.PLANNED and start < today:
                start, reason = days.first_from(today), "today"
            for edge in self.preds[item.key]:
                before = self.forecasts[edge.predecessor].finish
                if before is not None and (earliest := days.add(before, edge.lag + 1)) > start:
                    start, reason, driver = earliest, "predecessor", edge.predecessor
            finish: date | None = days.add(start, length - 1)
        else:
            finish = item.due
            if finish is None:
                reason = "undated"
            for edge in self.preds[item.key]:
                before = self.forecasts[edge.predecessor].finish
                if before is None:
                    continue
                earliest = days.add(before, edge.lag)
                if finish is None or earliest > finish:
                    finish, reason, driver = earliest, "predecessor", edge.predecessor
        if finish is not None and finish < today:
            finish, reason, driver = today, "today", None
        if self.change is not None and self.change.key == item.key and self.change.slip:
            assert finish is not None
            finish, reason = days.add(finish, self.change.slip), "whatif"
        return self._made(item, start, finish, reason, driver)

    def _made(
        self,
        item: ItemRow,
        start: date | None,
        finish: date | None,
        reason: str,
        driver: str | None = None,
    ) -> Forecast:
        due = item.due if item.state.is_open else None
        late = due is not None and finish is not None and finish > due
        return Forecast(
            item.key,
            start,
            finish,
            reason,
            driver,
            due,
            self.days.between(due, finish) if late and due and finish else 0,
            (finish - due).days if late and due and finish else 0,
        )

    def at_risk(self) -> list[Forecast]:
        """Open items forecast to finish after their due date, the largest slip first."""
        risky = [f for f in self.forecasts.values() if f.at_risk]
        return sorted(risky, key=lambda f: risk_order(f.slip, f.slip_days, f.due, f.key))

    def ancestors(self, target: str) -> set[str]:
        """Every item the target depends on, directly or through others."""
        seen: set[str] = set()
        todo = [target]
        while todo:
            for edge in self.preds[todo.pop()]:
                if edge.predecessor not in seen:
                    seen.add(edge.predecessor)
                    todo.append(edge.predecessor)
        return seen

    def slack(self, target: str) -> dict[str, int]:
        """Slack in working days towards `target` of it and every open item before it.

        Items that are closed, or have no forecast, have none and are left out.
        """
        finish = self.forecasts[target].finish
        if finish is None or not self.items[target].state.is_open:
            return {}
        index = self.days.index
        scope = self.ancestors(target) | {target}
        slack = {target: 0}
        for key in reversed(self.order):
            if key not in scope or key == target:
                continue
            mine = self.forecasts[key].finish
            if mine is None or not self.items[key].state.is_open:
                continue
            room = [
                slack[succ]
                + index(self.forecasts[succ].finish)  # type: ignore[arg-type]
                - index(mine)
                - edge.lag
                - self.duration(self.items[succ])
                for succ in self.succs[key]
                if succ in slack
                for edge in self.preds[succ]
                if edge.predecessor == key
            ]
            if room:
                slack[key] = min(room)
        return slack


def risk_order(slip: int, slip_days: int, due: date | None, key: str) -> tuple[int, int, date, str]:
    """The order of the items at risk: the largest slip first, then the earliest due."""
    return (-slip, -slip_days, due or date.max, key)


def graph(items: Iterable[ItemRow], dependencies: Iterable[DependencyRow]) -> dict[str, list[Edge]]:
    """Each item's predecessors: its dependencies, and for a milestone its tasks."""
    preds: dict[str, list[Edge]] = {}
    milestones = {}
    for item in items:
        preds[item.key] = []
        if item.kind is Kind.TASK and item.milestone is not None:
            milestones[item.key] = item.milestone
    for d in dependencies:
        if d.item in preds and d.predecessor in preds:
            preds[d.item].append(Edge(d.predecessor, d.lag, implicit=False))
    for task, milestone in milestones.items():
        if milestone in preds:
            preds[milestone].append(Edge(task, 0, implicit=True))
    # In key order (dependencies before tasks): when two predecessors finish on the same
    # day, the one named as the driver is the first here, whatever order the database
    # gave them in, so an item computed alone (forecast_cache.update) names the same.
    for edges in preds.values():
        if len(edges) > 1:
            edges.sort(key=lambda e: (e.implicit, e.predecessor))
    return preds


def successors(preds: Mapping[str, Sequence[Edge]]) -> dict[str, list[str]]:
    """Each key's successors, the other way round of `preds`."""
    succs: dict[str, list[str]] = {key: [] for key in preds}
    for key, edges in preds.items():
        for edge in edges:
            succs[edge.predecessor].append(key)
    return succs


def topological_order(
    preds: Mapping[str, Sequence[Edge]], succs: Mapping[str, Sequence[str]] | None = None
) -> list[str]:
    """Keys with every predecessor before its successors; Cycle (BadInput) naming one.

    Kahn's algorithm over the keys in their given order: at 100,000 items it takes
    295 ms where graphlib's static_order takes 637 ms (bench/RESULTS.md). When some
    keys are left over there is a cycle, and graphlib names it. `succs` (of
    `successors(preds)`), when the caller has it already.
    """
    waiting = {key: len(edges) for key, edges in preds.items()}
    if succs is None:
        succs = successors(preds)
    order = [key for key, n in waiting.items() if n == 0]
    for key in order:  # grows while it is read
        for succ in succs[key]:
            waiting[succ] -= 1
            if waiting[succ] == 0:
                order.append(succ)
    if len(order) == len(preds):
        return order
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for key, edges in preds.items():
        sorter.add(key, *(e.predecessor for e in edges))
    try:
        sorter.prepare()
    except CycleError as exc:
        # graphlib lists a cycle predecessor first, ending where it started.
        raise Cycle(list(exc.args[1])) from None
    raise AssertionError("Kahn's algorithm left keys over, but graphlib found no cycle")


class Cycle(BadInput):
    """Dependencies that go round in a circle; `keys` in time order, first = last."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__(f"the dependencies form a cycle: {' → '.join(keys)}")
        self.keys = keys

    def starting_at(self, key: str) -> list[str]:
        """The same cycle, told from `key` on (if it is on it)."""
        ring = self.keys[:-1]
        if key not in ring:
            return self.keys
        n = ring.index(key)
        return [*ring[n:], *ring[:n], key]


def default_target(items: Iterable[ItemRow], go_live: date) -> ItemRow | None:
    """The go-live milestone: a milestone due on the project's go-live date."""
    found = sorted(
        (i for i in items if i.kind is Kind.MILESTONE and i.due == go_live),
        key=lambda i: (not i.state.is_open, "GO-LIVE" not in i.key, i.key),
    )
    return found[0] if found else None


def describe_reason(f: Forecast) -> str:
    """Why the forecast is what it is, in a few words."""
    match f.reason:
        case "predecessor":
            return f"after {f.driver}"
        case "today":
            return "not done yet: today at the earliest"
        case "whatif":
            return "what-if slip"
        case "done":
            return "done" + (f" on {format_de(f.finish)}" if f.finish else "")
        case "undated":
            return "no date"
        case "cancelled":
            return "cancelled"
        case _:
            return "own dates"
