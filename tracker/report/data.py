"""The weekly report as data: one ISO week, as recorded up to its as-of date.

The report of a past week shows that week as it was recorded. The item table holds
the present and the event log every change with its old and new value, so an item is
as it was at the end of the as-of date once the events recorded on a later day are
undone, newest first; items created after it are left out. Only the items with such
events ("touched") need winding back, and for the current week there are usually none.

So the report is SQL. Each section is one rule written once (SECTIONS): its first
`limit` rows, and its total, counted in one scan with the progress per workstream. The
rules run on `item` itself when nothing is touched (PRESENT), else on `as_of_item`
(AS_OF_ITEMS): the rows of `item` for the untouched items, UNION ALL the touched ones
wound back from their later events in the same statement. Nothing here grows with the
history: the events read are the week's and the later ones.

The dependencies are wound back the same way (`tracker depend` and `undepend` log them
on the successor). When nothing is touched, each item's `blocked` flag and the
schedule (forecasts, the items at risk, the go-live forecast) are today's, as of the
as-of date; otherwise the wound-back items and dependencies give them
(`_wind_back_dependencies`, `_with_blocked`), which costs the whole schedule.

Renderers (markdown.py, html.py, json.py) take a `WeeklyReport` and print it; they
hold no rules of their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, NamedTuple

from tracker import planning
from tracker.dates import FIRST_YEAR, LAST_YEAR, as_date, format_de
from tracker.db import Row, Runner
from tracker.errors import BadDate
from tracker.overview import SOON_DAYS, Clock
from tracker.planning import Planned, Target
from tracker.queries import (
    _ITEM_COLUMNS,
    NO_LIMIT,
    DependencyRow,
    EventRow,
    ItemRow,
    ProjectRow,
    dependencies,
    list_workstreams,
)
from tracker.report.i18n import REPORT_ROWS
from tracker.schedule import Forecast

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
    """The report of a week. Each list holds the first `limit` rows `build` was asked
    for (all with None); its `_total` counts them all, for "… and N more"."""

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
    timeline_slips: dict[str, Forecast]  # the forecasts of the timeline's items at risk
    overdue_count: int
    done_this_week_total: int
    at_risk_total: int
    due_next_total: int
    rescheduled_total: int
    key_dates_total: int
    notes_total: int
    timeline_total: int


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


# --- the items as of the as-of date ------------------------------------------------

# Undoing the later events of an item newest first leaves, for each field, the old
# value of the oldest of them (state, title and workstream only where it is set).
# `touched` finds those events per item, `wound` is any item so wound back (with
# `created_later`), and `as_of_item` the project's items as of the as-of date: the
# untouched ones straight from `item`, so that a section's condition reaches its
# indexes, and the touched ones wound back. The old values are text: date() reads an
# ISO date on both backends (on PostgreSQL it is the cast); a workstream is logged by
# its key.
AS_OF_ITEMS = """
touched AS (
    SELECT e.item_id,
           MAX(CASE WHEN e.kind = 'created' THEN 1 ELSE 0 END) AS created_later,
           MIN(CASE WHEN e.field = 'title' AND e.old <> '' THEN e.id END) AS title_at,
           MIN(CASE WHEN e.field = 'workstream' AND e.old <> '' THEN e.id END) AS workstream_at,
           MIN(CASE WHEN e.field = 'owner' THEN e.id END) AS owner_at,
           MIN(CASE WHEN e.field = 'start' THEN e.id END) AS start_at,
           MIN(CASE WHEN e.field = 'due' THEN e.id END) AS due_at,
           MIN(CASE WHEN e.field = 'due_derived' THEN e.id END) AS due_derived_at,
           MIN(CASE WHEN e.field = 'state' AND e.old <> '' THEN e.id END) AS state_at,
           MIN(CASE WHEN e.field = 'done_on' THEN e.id END) AS done_on_at
    FROM event AS e
    WHERE e.project_id = :project AND e.day > :as_of AND e.item_id IS NOT NULL
    GROUP BY e.item_id
),
wound AS NOT MATERIALIZED (
    SELECT i.id, i.key, i.kind,
           CASE WHEN t.title_at IS NULL THEN i.title ELSE e_title.old END AS title,
           CASE WHEN t.workstream_at IS NULL THEN i.workstream_id ELSE (
               SELECT w.id FROM workstream AS w
               WHERE w.project_id = i.project_id AND w.key = e_workstream.old
           ) END AS workstream_id,
           CASE WHEN t.owner_at IS NULL THEN i.owner ELSE e_owner.old END AS owner,
           CASE WHEN t.start_at IS NULL THEN i.start ELSE date(e_start.old) END AS start,
           CASE WHEN t.due_at IS NULL THEN i.due ELSE date(e_due.old) END AS due,
           CASE WHEN t.due_derived_at IS NULL THEN i.due_derived
                ELSE e_due_derived.old = 'true' END AS due_derived,
           CASE WHEN t.state_at IS NULL THEN i.state ELSE e_state.old END AS state,
           CASE WHEN t.done_on_at IS NULL THEN i.done_on
                ELSE date(e_done_on.old) END AS done_on,
           i.milestone_id,
           COALESCE(t.created_later, 0) AS created_later
    FROM item AS i
    LEFT JOIN touched AS t ON t.item_id = i.id
    LEFT JOIN event AS e_title ON e_title.id = t.title_at
    LEFT JOIN event AS e_workstream ON e_workstream.id = t.workstream_at
    LEFT JOIN event AS e_owner ON e_owner.id = t.owner_at
    LEFT JOIN event AS e_start ON e_start.id = t.start_at
    LEFT JOIN event AS e_due ON e_due.id = t.due_at
    LEFT JOIN event AS e_due_derived ON e_due_derived.id = t.due_derived_at
    LEFT JOIN event AS e_state ON e_state.id = t.state_at
    LEFT JOIN event AS e_done_on ON e_done_on.id = t.done_on_at
),
as_of_item AS (
    SELECT i.id, i.key, i.kind, i.title, i.workstream_id, i.owner, i.start, i.due,
           i.due_derived, i.state, i.done_on, i.milestone_id
    FROM item AS i
    WHERE i.project_id = :project AND i.id NOT IN (SELECT item_id FROM touched)
    UNION ALL
    SELECT i.id, i.key, i.kind, i.title, i.workstream_id, i.owner, i.start, i.due,
           i.due_derived, i.state, i.done_on, i.milestone_id
    FROM wound AS i
    WHERE i.id IN (SELECT item_id FROM touched) AND i.created_later = 0
)
"""

# Any event of an item recorded after the as-of date: then some item is wound back.
TOUCHED = """
SELECT 1 FROM event
WHERE project_id = :project AND day > :as_of AND item_id IS NOT NULL
LIMIT 1
"""

_OPEN = "i.state IN ('planned', 'in_progress')"


class Section(NamedTuple):
    """Which items as of the as-of date a section holds (SQL over `as_of_item AS i`),
    and in which order."""

    rule: str
    order: str


SECTIONS = {
    "done": Section("i.state = 'done'", "i.key"),
    "open": Section(_OPEN, "i.key"),
    "done_this_week": Section(
        "i.state = 'done' AND i.done_on >= :monday AND i.done_on <= :as_of", "i.done_on, i.key"
    ),
    "overdue": Section(f"{_OPEN} AND i.due < :as_of", "i.due, i.key"),
    "due_next": Section(
        f"{_OPEN} AND i.due >= :as_of AND i.due <= :due_next_until", "i.due, i.key"
    ),
    # The headline's count: milestones due from the as-of date up to SOON_DAYS on.
    "due_soon": Section(
        f"i.kind = 'milestone' AND {_OPEN} AND i.due >= :as_of AND i.due <= :soon_until",
        "i.due, i.key",
    ),
    "key_dates": Section(f"i.kind = 'milestone' AND {_OPEN} AND i.due >= :as_of", "i.due, i.key"),
    # What the HTML timeline draws: the dated milestones, done ones too.
    "timeline": Section(
        "i.kind = 'milestone' AND (i.start IS NOT NULL OR i.due IS NOT NULL)",
        "COALESCE(i.start, i.due), i.key",
    ),
}

_COLUMNS = """
i.id, i.key, i.kind, i.title, i.workstream_id, i.owner, i.start, i.due, i.due_derived,
i.state, i.done_on, i.milestone_id
"""


class Source(NamedTuple):
    """Where the items as of the as-of date are: `item` itself when nothing is touched
    (PRESENT), else `as_of_item` (AS_OF). Both read as `items AS i` after `with_`."""

    with_: str
    items: str
    where: str  # what picks the project's items out of `items AS i`
    one: str  # an item looked up by `i.id`, as `one AS i ... WHERE one_where`
    one_where: str


PRESENT = Source("", "item", "i.project_id = :project", "item", "1 = 1")
AS_OF = Source(f"WITH {AS_OF_ITEMS}", "as_of_item", "1 = 1", "wound", "i.created_later = 0")


def _scan(where: str) -> str:
    """`where` read by a table scan: through the project's index SQLite would read the
    rows in due order (and through the workstream's, by workstream), 2-3 times slower
    when most of the project's items are read (100,000 items)."""
    return where.replace("i.project_id", "i.project_id + 0")


def _counts(src: Source) -> str:
    """The sections' totals per workstream (and so its progress), in one scan."""
    sums = ", ".join(f"SUM(CASE WHEN {s.rule} THEN 1 ELSE 0 END)" for s in SECTIONS.values())
    return f"""
{src.with_}
SELECT i.workstream_id + 0, {sums}
FROM {src.items} AS i
WHERE {_scan(src.where)}
GROUP BY i.workstream_id + 0
"""  # noqa: S608 (the pieces are this module's SQL; values are parameters)


def _section(
    src: Source, section: Section, extra: str = "", where: str = "", scan: bool = False
) -> str:
    """The first :limit items of a section as `ItemRow` columns (+ `extra`). The rows
    are chosen before their columns are computed (`blocked` looks up dependencies);
    `scan` reads the items by a table scan (see `_scan`)."""
    rule = f"{section.rule} AND {where}" if where else section.rule
    return f"""
{src.with_}
SELECT {_ITEM_COLUMNS}{extra}
FROM (
    SELECT {_COLUMNS} FROM {src.items} AS i
    WHERE {_scan(src.where) if scan else src.where} AND {rule}
    ORDER BY {section.order}
    LIMIT :limit
) AS i
JOIN workstream AS ws ON ws.id = i.workstream_id
LEFT JOIN item AS m ON m.id = i.milestone_id
ORDER BY {section.order}
"""  # noqa: S608 (the pieces are this module's SQL; values are parameters)


# The week's events up to the as-of date. "+e.id" keeps SQLite on the index by day:
# ordering along the index by id would walk the project's whole log.
_IN_WEEK = "e.project_id = :project AND e.day >= :monday AND e.day <= :as_of"


def _rescheduled(src: Source) -> str:
    """Each change of a due date in the week, in the order made, with the first
    agreed date (`due_baseline` of the item table: later changes keep it)."""
    return f"""
{src.with_}
SELECT {_ITEM_COLUMNS}, e.day, e.actor, e.old, e.new, b.due_baseline
FROM (
    SELECT e.id, e.item_id, e.day, e.actor, e.old, e.new FROM event AS e
    JOIN {src.one} AS i ON i.id = e.item_id
    WHERE {_IN_WEEK} AND e.field = 'due' AND {src.one_where}
    ORDER BY +e.id
    LIMIT :limit
) AS e
JOIN {src.one} AS i ON i.id = e.item_id
JOIN item AS b ON b.id = e.item_id
JOIN workstream AS ws ON ws.id = i.workstream_id
LEFT JOIN item AS m ON m.id = i.milestone_id
ORDER BY e.id
"""  # noqa: S608 (the pieces are this module's SQL; values are parameters)


def _notes(src: Source) -> str:
    """The week's notes in the order added, with the item's title as of the as-of date."""
    return f"""
{src.with_}
SELECT e.day, e.actor, e.new, i.key, CASE WHEN {src.one_where} THEN i.title END
FROM event AS e
JOIN {src.one} AS i ON i.id = e.item_id
WHERE {_IN_WEEK} AND e.kind = 'note'
ORDER BY +e.id
LIMIT :limit
"""  # noqa: S608 (the pieces are this module's SQL; values are parameters)


def _event_counts(src: Source) -> str:
    """The totals of `_rescheduled` and `_notes`."""
    return f"""
{src.with_}
SELECT SUM(CASE WHEN e.field = 'due' AND {src.one_where} THEN 1 ELSE 0 END),
       SUM(CASE WHEN e.kind = 'note' THEN 1 ELSE 0 END)
FROM event AS e
JOIN {src.one} AS i ON i.id = e.item_id
WHERE {_IN_WEEK} AND (e.field = 'due' OR e.kind = 'note')
"""  # noqa: S608 (the pieces are this module's SQL; values are parameters)


class Queries(NamedTuple):
    """The report's SQL on one source."""

    counts: str
    done_this_week: str
    overdue: str
    due_next: str
    key_dates: str
    timeline: str
    timeline_ahead: str
    timeline_before: str
    rescheduled: str
    notes: str
    event_counts: str
    all_items: str


def _queries(src: Source) -> Queries:
    timeline = SECTIONS["timeline"]
    return Queries(
        counts=_counts(src),
        # Who marked it done: the last time in the week that it became done.
        done_this_week=_section(
            src,
            SECTIONS["done_this_week"],
            extra=""",
    (SELECT e.actor FROM event AS e
     WHERE e.item_id = i.id AND e.field = 'state' AND e.new = 'done'
       AND e.day >= :monday AND e.day <= :as_of
     ORDER BY e.id DESC LIMIT 1) AS marked_by""",
        ),
        overdue=_section(src, SECTIONS["overdue"]),
        due_next=_section(src, SECTIONS["due_next"]),
        key_dates=_section(src, SECTIONS["key_dates"]),
        # No index has the timeline's order: a scan is the fastest way to all of it.
        timeline=_section(src, timeline, scan=True),
        # A timeline of more than :limit milestones draws those from the week on, and
        # the latest before it where fewer lie ahead (latest first).
        timeline_ahead=_section(
            src, timeline, where="COALESCE(i.due, i.start) >= :monday", scan=True
        ),
        timeline_before=_section(
            src,
            Section(timeline.rule, "COALESCE(i.start, i.due) DESC, i.key DESC"),
            where="COALESCE(i.due, i.start) < :monday",
            scan=True,
        ),
        rescheduled=_rescheduled(src),
        notes=_notes(src),
        event_counts=_event_counts(src),
        all_items=_section(src, Section("1 = 1", "i.key")),
    )


QUERIES = {PRESENT: _queries(PRESENT), AS_OF: _queries(AS_OF)}


# The dependency changes recorded after the as-of date, oldest first.
LATER_DEPENDENCY_EVENTS = """
SELECT e.id, e.day, e.recorded_at, e.actor, e.kind, e.field, e.old, e.new, i.key
FROM event AS e
JOIN item AS i ON i.id = e.item_id
WHERE e.project_id = :project AND e.day > :as_of AND e.field = 'depends_on'
ORDER BY e.id
"""


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


def _items(rows: Iterable[Row], blocked: dict[str, bool] | None) -> list[ItemRow]:
    """Items from rows of `_ITEM_COLUMNS`; `blocked` replaces today's flag if given."""
    items = [ItemRow.from_db(r) for r in rows]
    if blocked is None:
        return items
    return [i._replace(blocked=blocked.get(i.key, False)) for i in items]


def build(
    run: Runner,
    project: ProjectRow,
    week: Week,
    today: date,
    author: str,
    limit: int | None = REPORT_ROWS,
) -> WeeklyReport:
    """The report of `week`, as of its end (or of today, inside it), with at most
    `limit` rows per section (all with None, as JSON has it) and every section's total."""
    as_of = as_of_date(week, today)
    clock = Clock.for_project(project, as_of)
    due_next_until = week.sunday + timedelta(days=SOON_DAYS)
    params: dict[str, Any] = {
        "project": project.id,
        "as_of": as_of,
        "monday": week.monday,
        "due_next_until": due_next_until,
        "soon_until": as_of + timedelta(days=SOON_DAYS),
        "limit": NO_LIMIT if limit is None else limit,
    }

    # Nothing recorded after the as-of date: the items, their `blocked` flags and the
    # schedule are today's, as of the as-of date.
    blocked: dict[str, bool] | None = None
    as_they_were: dict[str, Any] = {}  # the schedule's inputs, if not today's
    if run.one(TOUCHED, params) is None:
        sql = QUERIES[PRESENT]
    else:
        sql = QUERIES[AS_OF]
        items = _items(run(sql.all_items, {**params, "limit": NO_LIMIT}), None)
        later = [EventRow.from_db(r) for r in run(LATER_DEPENDENCY_EVENTS, params)]
        deps = _wind_back_dependencies(dependencies(run, project), later, as_of)
        items = _with_blocked(items, deps)
        blocked = {i.key: i.blocked for i in items}
        as_they_were = {"items": items, "deps": deps}

    def rows(sql: str, **extra: Any) -> list[Row]:
        return run(sql, {**params, **extra})

    def ahead(i: ItemRow) -> Upcoming:
        return Upcoming(i, clock.days_left(i.due) or 0, clock.working_days_left(i.due) or 0)

    totals = dict.fromkeys(SECTIONS, 0)
    by_workstream: dict[int, tuple[int, int]] = {}
    for r in rows(sql.counts):
        counts = dict(zip(SECTIONS, (int(n or 0) for n in r[1:]), strict=True))
        by_workstream[r[0]] = (counts["done"], counts["done"] + counts["open"])
        for name, n in counts.items():
            totals[name] += n
    progress = [
        WorkstreamProgress(ws.key, ws.title, *by_workstream.get(ws.id, (0, 0)))
        for ws in list_workstreams(run, project)
    ]

    n = len(ItemRow._fields)  # the columns after the item's
    done_rows = rows(sql.done_this_week)
    done_this_week = [
        Done(i, r[n]) for i, r in zip(_items(done_rows, blocked), done_rows, strict=True)
    ]
    overdue = [
        Overdue(i, (as_of - i.due).days, -(clock.working_days_left(i.due) or 0))
        for i in _items(rows(sql.overdue), blocked)
        if i.due is not None
    ]
    if limit is None or totals["timeline"] <= limit:
        timeline = _items(rows(sql.timeline), blocked)
    else:
        timeline = _items(rows(sql.timeline_ahead), blocked)
        if len(timeline) < limit:
            timeline += _items(rows(sql.timeline_before, limit=limit - len(timeline)), blocked)
        timeline.sort(key=lambda i: (i.start or i.due or date.max, i.key))  # SECTIONS' order
    # The stored outlook answers when the inputs are today's (forecast_cache.py).
    outlook = planning.outlook(
        run, project, as_of, limit=limit, watch=[i.id for i in timeline], **as_they_were
    )
    by_id = {i.id: i.key for i in timeline}

    reschedule_rows = rows(sql.rescheduled)
    rescheduled = []
    for i, r in zip(_items(reschedule_rows, blocked), reschedule_rows, strict=True):
        day, actor, old, new, first = as_date(r[n]), r[n + 1], r[n + 2], r[n + 3], r[n + 4]
        new_due, first_agreed = as_date(new), as_date(first)
        assert day is not None
        slip = slip_wd = None
        if new_due and first_agreed:
            slip = (new_due - first_agreed).days
            slip_wd = clock.calendar.working_days(first_agreed, new_due)
        rescheduled.append(
            Rescheduled(i, day, actor, as_date(old), new_due, first_agreed, slip, slip_wd)
        )
    notes = []
    for r in rows(sql.notes):
        day = as_date(r[0])
        assert day is not None
        notes.append(Note(r[3] or "", r[4] or "", day, r[1], r[2] or ""))
    event_counts = run.one(sql.event_counts, params) or (0, 0)

    return WeeklyReport(
        project=project,
        week=week,
        as_of=as_of,
        author=author,
        go_live_days=clock.days_left(project.go_live) or 0,
        go_live_working_days=clock.working_days_left(project.go_live) or 0,
        go_live_forecast=outlook.go_live,
        done_count=totals["done"],
        open_count=totals["open"],
        progress=progress,
        milestones_due_soon=totals["due_soon"],
        done_this_week=done_this_week,
        overdue=overdue,
        at_risk=outlook.at_risk,
        due_next=[ahead(i) for i in _items(rows(sql.due_next), blocked)],
        due_next_until=due_next_until,
        rescheduled=rescheduled,
        key_dates=[ahead(i) for i in _items(rows(sql.key_dates), blocked)],
        notes=notes,
        timeline=timeline,
        timeline_slips={by_id[i]: f for i, f in outlook.watched.items()},
        overdue_count=totals["overdue"],
        done_this_week_total=totals["done_this_week"],
        at_risk_total=outlook.at_risk_count,
        due_next_total=totals["due_next"],
        rescheduled_total=int(event_counts[0] or 0),
        key_dates_total=totals["key_dates"],
        notes_total=int(event_counts[1] or 0),
        timeline_total=totals["timeline"],
    )
