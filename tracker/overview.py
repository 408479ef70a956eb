"""Countdowns and the status overview: the rules of "how long is left", in one place.

Days left = due − today (negative when overdue). Working days left = the working
days d with today < d ≤ due in the project's region (Mon–Fri, not a public holiday);
when overdue, minus the working days with due < d ≤ today.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING, NamedTuple

from tracker.dates import as_date
from tracker.db import Row, Runner
from tracker.holidays_de import WorkingCalendar
from tracker.queries import (
    NO_LIMIT,
    ItemRow,
    ListFilter,
    ListShape,
    Progress,
    ProjectRow,
    count_items,
    done_between,
    due_soon_filter,
    iter_items,
    list_items,
    list_shape,
    overdue_filter,
    progress,
)
from tracker.states import Kind

if TYPE_CHECKING:
    from tracker.planning import Planned, Target

SOON_DAYS = 14
RECENT_DAYS = 14


def calendar_of(project: ProjectRow) -> WorkingCalendar:
    """The project's working calendar: its region's holidays and its own closed days."""
    return WorkingCalendar(project.region, project.closed)


class Clock(NamedTuple):
    """Today and the working calendar every countdown is measured with."""

    today: date
    calendar: WorkingCalendar

    @classmethod
    def for_project(cls, project: ProjectRow, today: date) -> Clock:
        return cls(today, calendar_of(project))

    def days_left(self, due: date | None) -> int | None:
        """Calendar days from today to `due`; negative when overdue."""
        return None if due is None else (due - self.today).days

    def working_days_left(self, due: date | None) -> int | None:
        """Working days from today to `due`; negative when overdue."""
        return None if due is None else self.calendar.working_days(self.today, due)


class Countdown(NamedTuple):
    """The open dated milestones, overdue ones first, and the go-live.

    The milestones stream from the database (`queries.iter_items` rows): read
    `overdue` to its end, then `ahead`, inside the session that made them.
    """

    project: ProjectRow
    shape: ListShape  # how many there are and how wide their table is
    overdue: Iterator[Row]  # due before today, soonest first
    ahead: Iterator[Row]  # the others, soonest first


def countdown(run: Runner, project: ProjectRow, today: date, limit: int = NO_LIMIT) -> Countdown:
    """Open dated milestones: the overdue ones, then the ones ahead, soonest first
    (at most `limit`, the soonest due)."""
    wanted = ListFilter(kind=Kind.MILESTONE, dated_only=True, limit=limit)
    shape = list_shape(run, project, wanted)
    rows = iter_items(run, project, wanted)  # soonest due first: the overdue ones lead
    first_ahead: list[Row] = []

    def overdue() -> Iterator[Row]:
        for row in rows:
            due = as_date(row[7])  # ItemRow.due
            if due is not None and due >= today:
                first_ahead.append(row)
                return
            yield row

    def ahead() -> Iterator[Row]:
        yield from first_ahead
        yield from rows

    return Countdown(project, shape, overdue(), ahead())


class Status(NamedTuple):
    """One screen for the weekly meeting; each list holds at most the rows asked for,
    the counts are of all."""

    project: ProjectRow
    progress: list[Progress]
    overdue: list[ItemRow]
    overdue_count: int
    due_soon: list[ItemRow]
    due_soon_count: int
    milestones_due_soon: int  # the headline's first count
    recently_done: list[ItemRow]
    soon_until: date
    recent_after: date
    at_risk: list[Planned]  # forecast after due, the largest slip first
    at_risk_count: int
    go_live: Target | None  # the go-live milestone and its forecast
    forecast_problem: str | None  # why there is no forecast, if there is none

    @property
    def done(self) -> int:
        return sum(p.done for p in self.progress)

    @property
    def open(self) -> int:
        return sum(p.open for p in self.progress)


def status(run: Runner, project: ProjectRow, today: date, rows: int | None = None) -> Status:
    """Progress per workstream, the go-live forecast, items at risk, overdue, due soon
    and done lately: at most `rows` of each list (all when None), with their counts."""
    from tracker import planning

    limit = NO_LIMIT if rows is None else rows
    soon_until = today + timedelta(days=SOON_DAYS)
    recent_after = today - timedelta(days=RECENT_DAYS)
    overdue, due_soon = overdue_filter(today), due_soon_filter(today, soon_until)
    soon = count_items(run, project, due_soon)
    outlook = planning.outlook(run, project, today, limit=rows)
    return Status(
        project=project,
        progress=progress(run, project),
        overdue=list_items(run, project, overdue._replace(limit=limit)),
        overdue_count=count_items(run, project, overdue).items,
        due_soon=list_items(run, project, due_soon._replace(limit=limit)),
        due_soon_count=soon.items,
        milestones_due_soon=soon.milestones,
        recently_done=done_between(run, project, recent_after, today),
        soon_until=soon_until,
        recent_after=recent_after,
        at_risk=outlook.at_risk,
        at_risk_count=outlook.at_risk_count,
        go_live=outlook.go_live,
        forecast_problem=outlook.problem,
    )


class CalendarView(NamedTuple):
    """`tracker calendar show`: the days off in a range and the working days left."""

    project: ProjectRow
    first: date
    last: date
    days_off: list[tuple[date, str, str]]  # day, "holiday" or "closed", name or reason
    working_days: int


def calendar_view(
    project: ProjectRow, closed: list[tuple[date, str]], first: date, last: date
) -> CalendarView:
    """Public holidays and closed days from `first` to `last`, and the working days."""
    calendar = calendar_of(project)
    off = [(d, "holiday", name) for d, name in calendar.holidays_between(first - _DAY, last)]
    off += [(d, "closed", reason) for d, reason in closed if first <= d <= last]
    working = calendar.working_days(first - _DAY, last) if first <= last else 0
    return CalendarView(project, first, last, sorted(off), working)


_DAY = timedelta(days=1)
