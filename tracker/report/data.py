"""The weekly report as data: one ISO week, as recorded up to its as-of date.

The report is rebuilt from the model and the event log, so that the report of a past
week shows that week as it was recorded. Each event stores old and new value, so the
item table (which holds the present) is wound back by undoing, newest first, every
event recorded on a day after the as-of date; items created after it are left out.
The dependencies are wound back the same way (`tracker depend` and `undepend` log them
on the successor), and with them each item's `blocked` flag; the schedule of the week
(forecasts, the items at risk, the go-live forecast) is then computed from the items
and dependencies as they were, as of the as-of date. One bounded query reads the
events from the week's Monday on: older events are not needed, however long the
project has run.

Renderers (markdown.py, html.py, json.py) take a `WeeklyReport` and print it; they
hold no rules of their own.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import NamedTuple

from tracker import planning
from tracker.dates import FIRST_YEAR, LAST_YEAR, format_de
from tracker.db import Runner
from tracker.errors import BadDate
from tracker.overview import SOON_DAYS, Clock, milestones_due_soon
from tracker.planning import Planned, Target
from tracker.queries import (
    DependencyRow,
    EventRow,
    ItemRow,
    ListFilter,
    ProjectRow,
    dependencies,
    due_baselines,
    events_since,
    list_items,
    list_workstreams,
)
from tracker.states import EventKind, Kind, State

_WEEK = re.compile(r"(?:(\d{4})-?W(\d{1,2})|(?:KW|CW|W)\s*(\d{1,2})\s*/\s*(\d{4}))", re.I)


_LAST_DAY = date(LAST_YEAR, 12, 31).toordinal()


class Week(NamedTuple):
    """An ISO calendar week, Monday to Sunday."""

    year: int
    number: int

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 7)

    @classmethod
    def of(cls, d: date) -> Week:
        iso = d.isocalendar()
        return cls._checked(iso.year, iso.week, format_de(d))

    @classmethod
    def _checked(cls, year: int, number: int, shown: str) -> Week:
        # The working calendar covers FIRST_YEAR-LAST_YEAR; a week must lie inside.
        monday = date.fromisocalendar(year, number, 1)
        if not (monday.year >= FIRST_YEAR and (monday.toordinal() + 6) <= _LAST_DAY):
            raise BadDate(
                f"{shown!r} is outside the years the tracker's calendar knows "
                f"({FIRST_YEAR}–{LAST_YEAR})"
            )
        return cls(year, number)

    @classmethod
    def parse(cls, text: str) -> Week:
        """ "2011-W38", "2011W38", "KW 38/2011" or "W38/2011"; BadDate otherwise."""
        m = _WEEK.fullmatch(text.strip())
        if m is None:
            raise BadDate(f'{text!r} is not a calendar week (use 2011-W38 or "KW 38/2011")')
        year, number = (int(m[1]), int(m[2])) if m[1] else (int(m[4]), int(m[3]))
        try:
            date.fromisocalendar(year, number, 1)
        except ValueError:
            raise BadDate(f"{text!r}: {year} has no calendar week {number}") from None
        return cls._checked(year, number, text)


class Done(NamedTuple):
    item: ItemRow
    actor: str | None  # None: done according to the plan, no one marked it


class Overdue(NamedTuple):
    item: ItemRow
    days: int
    working_days: int


class Upcoming(NamedTuple):
    item: ItemRow
    days: int
    working_days: int


class Rescheduled(NamedTuple):
    item: ItemRow
    day: date
    actor: str
    old_due: date | None
    new_due: date | None
    first_agreed: date | None
    slip_days: int | None  # new due − first agreed date
    slip_working_days: int | None


class Note(NamedTuple):
    key: str
    title: str
    day: date
    actor: str
    text: str


class WorkstreamProgress(NamedTuple):
    key: str
    title: str
    done: int
    total: int  # done and open; cancelled items do not count


class WeeklyReport(NamedTuple):
    project: ProjectRow
    week: Week
    as_of: date
    author: str
    go_live_days: int
    go_live_working_days: int
    go_live_forecast: Target | None  # the go-live milestone and its forecast as of as_of
    done_count: int
    open_count: int
    progress: list[WorkstreamProgress]
    milestones_due_soon: int  # the headline: milestones due in the next 14 days
    done_this_week: list[Done]
    overdue: list[Overdue]
    at_risk: list[Planned]  # open and forecast after due as of as_of, largest slip first
    due_next: list[Upcoming]
    due_next_until: date
    rescheduled: list[Rescheduled]
    key_dates: list[Upcoming]
    notes: list[Note]
    timeline: list[ItemRow]  # dated milestones, as of the as-of date

    @property
    def overdue_count(self) -> int:
        return len(self.overdue)


def week_label(week: Week, lang: str) -> str:
    """ "KW 38/2011, 19.09.–25.09.2011" / "Week 38/2011, 19.09.–25.09.2011"."""
    from tracker.report.i18n import t

    monday, sunday = week.monday, week.sunday
    # "19.09.–25.09.2011", but "26.12.2011–01.01.2012" across a year end.
    start = format_de(monday) if monday.year != sunday.year else f"{monday:%d.%m.}"
    return f"{t(lang, 'week', week=week.number, year=week.year)}, {start}–{format_de(sunday)}"


def as_of_date(week: Week, today: date) -> date:
    """The end of the week, or today when today falls inside it."""
    return today if week.monday <= today <= week.sunday else week.sunday


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _wind_back(items: list[ItemRow], events: list[EventRow], as_of: date) -> list[ItemRow]:
    """The items as they were at the end of `as_of`."""
    by_key = {item.key: item for item in items}
    created_later: set[str] = set()
    for e in reversed(events):  # newest first
        if e.day <= as_of or e.key is None or e.key not in by_key:
            continue
        item = by_key[e.key]
        if e.kind is EventKind.CREATED:
            created_later.add(e.key)
        elif e.field == "state" and e.old:
            by_key[e.key] = item._replace(state=State(e.old))
        elif e.field == "done_on":
            by_key[e.key] = item._replace(done_on=_day(e.old))
        elif e.field == "due":
            by_key[e.key] = item._replace(due=_day(e.old))
        elif e.field == "due_derived":
            by_key[e.key] = item._replace(due_derived=e.old == "true")
        elif e.field == "start":
            by_key[e.key] = item._replace(start=_day(e.old))
        elif e.field == "title" and e.old:
            by_key[e.key] = item._replace(title=e.old)
        elif e.field == "owner":
            by_key[e.key] = item._replace(owner=e.old)
        elif e.field == "workstream" and e.old:
            by_key[e.key] = item._replace(workstream=e.old)
    return [i for k, i in by_key.items() if k not in created_later]


def _dependency(text: str) -> tuple[str, int]:
    """A dependency as the log keeps it: "MIG-PREP" → (MIG-PREP, 0), "MIG-PREP+5" → lag 5."""
    key, _, lag = text.partition("+")  # item keys never hold a "+"
    return key, int(lag) if lag else 0


def _wind_back_dependencies(
    deps: list[DependencyRow], events: list[EventRow], as_of: date
) -> list[DependencyRow]:
    """The dependencies as they were at the end of `as_of`.

    Each change is an event "depends_on" on the successor: old None = added, new None =
    removed, both = lag changed. Dependencies a plan file loaded have no event: they
    were there from the start.
    """
    by_pair = {(d.item, d.predecessor): d for d in deps}
    for e in reversed(events):  # newest first
        if e.day <= as_of or e.key is None or e.field != "depends_on":
            continue
        was = by_pair.pop((e.key, _dependency(e.new)[0]), None) if e.new else None
        if e.old:
            predecessor, lag = _dependency(e.old)
            if was is None or was.predecessor != predecessor:
                was = DependencyRow(e.key, predecessor, lag, False, "")
            by_pair[(e.key, predecessor)] = was._replace(lag=lag)
    return sorted(by_pair.values())


def _with_blocked(items: list[ItemRow], deps: list[DependencyRow]) -> list[ItemRow]:
    """`blocked` as of the items' and dependencies' state: open, with an open predecessor."""
    is_open = {i.key: i.state.is_open for i in items}
    waiting = {d.item for d in deps if is_open.get(d.predecessor, False)}
    return [i._replace(blocked=i.state.is_open and i.key in waiting) for i in items]


def build(run: Runner, project: ProjectRow, week: Week, today: date, author: str) -> WeeklyReport:
    """The report of `week`, as of its end (or of today, inside it)."""
    as_of = as_of_date(week, today)
    clock = Clock.for_project(project, as_of)
    events = events_since(run, project, week.monday)
    items = _wind_back(list_items(run, project, ListFilter(include_closed=True)), events, as_of)
    deps = _wind_back_dependencies(dependencies(run, project), events, as_of)
    items = _with_blocked(items, deps)
    outlook = planning.outlook(run, project, as_of, items=items, deps=deps)
    in_week = [e for e in events if week.monday <= e.day <= as_of]
    by_key = {i.key: i for i in items}
    open_items = [i for i in items if i.state.is_open]

    def ahead(i: ItemRow) -> Upcoming:
        return Upcoming(i, clock.days_left(i.due) or 0, clock.working_days_left(i.due) or 0)

    done_by = {e.key: e.actor for e in in_week if e.field == "state" and e.new == State.DONE}
    done_this_week = [
        Done(i, done_by.get(i.key))
        for i in sorted(items, key=lambda i: (i.done_on or date.min, i.key))
        if i.state is State.DONE and i.done_on and week.monday <= i.done_on <= as_of
    ]
    overdue = [
        Overdue(i, (as_of - i.due).days, -(clock.working_days_left(i.due) or 0))
        for i in open_items
        if i.due is not None and i.due < as_of
    ]
    due_next_until = week.sunday + timedelta(days=SOON_DAYS)
    due_next = [ahead(i) for i in open_items if i.due and as_of <= i.due <= due_next_until]
    baselines = due_baselines(run, project)
    rescheduled = []
    for e in in_week:
        if e.field != "due" or e.key not in by_key:
            continue
        new = _day(e.new)
        first = baselines.get(e.key)
        slip = (new - first).days if new and first else None
        slip_wd = clock.calendar.working_days(first, new) if new and first else None
        rescheduled.append(
            Rescheduled(by_key[e.key], e.day, e.actor, _day(e.old), new, first, slip, slip_wd)
        )
    milestones = [i for i in items if i.kind is Kind.MILESTONE and (i.due or i.start)]
    return WeeklyReport(
        project=project,
        week=week,
        as_of=as_of,
        author=author,
        go_live_days=clock.days_left(project.go_live) or 0,
        go_live_working_days=clock.working_days_left(project.go_live) or 0,
        go_live_forecast=outlook.go_live,
        done_count=sum(1 for i in items if i.state is State.DONE),
        open_count=len(open_items),
        progress=_progress(run, project, items),
        milestones_due_soon=milestones_due_soon(open_items, as_of),
        done_this_week=done_this_week,
        overdue=sorted(overdue, key=lambda o: (-o.days, o.item.key)),
        at_risk=outlook.at_risk,
        due_next=sorted(due_next, key=lambda u: (u.days, u.item.key)),
        due_next_until=due_next_until,
        rescheduled=rescheduled,
        key_dates=sorted(
            (ahead(i) for i in open_items if i.kind is Kind.MILESTONE and i.due and i.due >= as_of),
            key=lambda u: (u.days, u.item.key),
        ),
        notes=[
            Note(
                e.key or "",
                by_key[e.key].title if e.key in by_key else "",
                e.day,
                e.actor,
                e.new or "",
            )
            for e in in_week
            if e.kind is EventKind.NOTE
        ],
        timeline=sorted(milestones, key=lambda i: (i.start or i.due or date.max, i.key)),
    )


def _progress(run: Runner, project: ProjectRow, items: list[ItemRow]) -> list[WorkstreamProgress]:
    out = []
    for ws in list_workstreams(run, project):
        mine = [i for i in items if i.workstream == ws.key]
        done = sum(1 for i in mine if i.state is State.DONE)
        total = sum(1 for i in mine if i.state is not State.CANCELLED)
        out.append(WorkstreamProgress(ws.key, ws.title, done, total))
    return out
