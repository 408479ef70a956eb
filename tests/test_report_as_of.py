"""The weekly report's SQL against the all-Python wind-back it replaced.

`reference` is the report as `tracker.report.data.build` made it before the report
went to SQL: every item read, wound back over the later events in Python, and every
section computed in Python. After random writes on random days, the report of every
week of the Stuttgart plan must equal it, whether the week is current (nothing to
wind back) or past (items later created, done, rescheduled, edited, re-dependended).
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker import actions, db, plan, planning
from tracker.errors import TrackerError
from tracker.overview import SOON_DAYS, Clock
from tracker.queries import (
    EventRow,
    ItemRow,
    ListFilter,
    ProjectRow,
    dependencies,
    due_baselines,
    find_project,
    list_items,
    list_workstreams,
)
from tracker.report.data import (
    Done,
    Note,
    Overdue,
    Rescheduled,
    Upcoming,
    Week,
    WeeklyReport,
    WorkstreamProgress,
    _wind_back_dependencies,
    _with_blocked,
    as_of_date,
    build,
)
from tracker.states import EventKind, Kind, State

LOADED = date(2011, 9, 20)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


# --- the old all-Python build, kept as the reference ------------------------------

EVENTS_SINCE = """
SELECT e.id, e.day, e.recorded_at, e.actor, e.kind, e.field, e.old, e.new, i.key
FROM event AS e
LEFT JOIN item AS i ON i.id = e.item_id
WHERE e.project_id = :project AND e.day >= :since
ORDER BY e.id
"""


def events_since(run: db.Runner, project: ProjectRow, since: date) -> list[EventRow]:
    """Events recorded on `since` or later (by the tracker's day), oldest first."""
    rows = run(EVENTS_SINCE, {"project": project.id, "since": since})
    return [EventRow.from_db(r) for r in rows]


def milestones_due_soon(items: list[ItemRow], today: date) -> int:
    """Open milestones due from today up to SOON_DAYS ahead: the headline's first count."""
    until = today + timedelta(days=SOON_DAYS)
    return sum(
        1
        for i in items
        if i.kind is Kind.MILESTONE and i.state.is_open and i.due and today <= i.due <= until
    )


def _wind_back(items: list[ItemRow], events: list[EventRow], as_of: date) -> list[ItemRow]:
    """The items as they were at the end of `as_of` (the old code, verbatim)."""
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


def reference(run: db.Runner, project: ProjectRow, week: Week, today: date) -> WeeklyReport:
    """The complete report as the old all-Python build made it."""
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
    overdue = sorted(
        (
            Overdue(i, (as_of - i.due).days, -(clock.working_days_left(i.due) or 0))
            for i in open_items
            if i.due is not None and i.due < as_of
        ),
        key=lambda o: (-o.days, o.item.key),
    )
    due_next_until = week.sunday + timedelta(days=SOON_DAYS)
    due_next = sorted(
        (ahead(i) for i in open_items if i.due and as_of <= i.due <= due_next_until),
        key=lambda u: (u.days, u.item.key),
    )
    baselines = due_baselines(run, project)
    rescheduled = []
    for e in in_week:
        if e.field != "due" or e.key not in by_key:
            continue
        new, first = _day(e.new), baselines.get(e.key)
        slip = (new - first).days if new and first else None
        slip_wd = clock.calendar.working_days(first, new) if new and first else None
        rescheduled.append(
            Rescheduled(by_key[e.key], e.day, e.actor, _day(e.old), new, first, slip, slip_wd)
        )
    key_dates = sorted(
        (ahead(i) for i in open_items if i.kind is Kind.MILESTONE and i.due and i.due >= as_of),
        key=lambda u: (u.days, u.item.key),
    )
    notes = [
        Note(e.key or "", by_key[e.key].title if e.key in by_key else "", e.day, e.actor, e.new)
        for e in in_week
        if e.kind is EventKind.NOTE and e.new is not None
    ]
    milestones = [i for i in items if i.kind is Kind.MILESTONE and (i.due or i.start)]
    timeline = sorted(milestones, key=lambda i: (i.start or i.due or date.max, i.key))
    progress = []
    for ws in list_workstreams(run, project):
        mine = [i for i in items if i.workstream == ws.key]
        done = sum(1 for i in mine if i.state is State.DONE)
        total = sum(1 for i in mine if i.state is not State.CANCELLED)
        progress.append(WorkstreamProgress(ws.key, ws.title, done, total))
    return WeeklyReport(
        project=project,
        week=week,
        as_of=as_of,
        author="ref",
        go_live_days=clock.days_left(project.go_live) or 0,
        go_live_working_days=clock.working_days_left(project.go_live) or 0,
        go_live_forecast=outlook.go_live,
        done_count=sum(1 for i in items if i.state is State.DONE),
        open_count=len(open_items),
        progress=progress,
        milestones_due_soon=milestones_due_soon(open_items, as_of),
        done_this_week=done_this_week,
        overdue=overdue,
        at_risk=outlook.at_risk,
        due_next=due_next,
        due_next_until=due_next_until,
        rescheduled=rescheduled,
        key_dates=key_dates,
        notes=notes,
        timeline=timeline,
        timeline_slips={p.item.key: p.forecast for p in outlook.at_risk if p.item in set(timeline)},
        overdue_count=len(overdue),
        done_this_week_total=len(done_this_week),
        at_risk_total=len(outlook.at_risk),
        due_next_total=len(due_next),
        rescheduled_total=len(rescheduled),
        key_dates_total=len(key_dates),
        notes_total=len(notes),
        timeline_total=len(timeline),
    )


# --- random writes ---------------------------------------------------------------

KEYS = [
    "STMT-264", "GRDRS-5", "SW-INSTALL", "TRAIN-BASIS", "TRAIN-VERTIEFUNG", "MIG-PREP",
    "MIG-ALL", "GO-LIVE", "BEN-AGREEMENT", "BEN-INTERIM", "ORG-STRUCTURE", "ORG-AMT",
    "NEU-1", "NEU-2",
]  # fmt: skip
WORKSTREAMS = ["org", "training", "migration", "council"]
a_key = st.sampled_from(KEYS)
a_date = st.dates(min_value=date(2011, 9, 1), max_value=date(2012, 3, 31))
a_write = st.one_of(
    st.tuples(st.just("state"), a_key, st.sampled_from(list(State))),
    st.tuples(st.just("reopen"), a_key),
    st.tuples(st.just("due"), a_key, a_date),
    st.tuples(st.just("start"), a_key, a_date),
    st.tuples(st.just("title"), a_key, st.sampled_from(["Neu", "Umbenannt | *x*"])),
    st.tuples(st.just("owner"), a_key, st.sampled_from(["Amt 10", "Frau Keller", ""])),
    st.tuples(st.just("workstream"), a_key, st.sampled_from(WORKSTREAMS)),
    st.tuples(st.just("note"), a_key, st.just("Notiz")),
    st.tuples(st.just("add"), st.sampled_from(["NEU-1", "NEU-2"]), a_date),
    st.tuples(st.just("depend"), a_key, a_key, st.integers(0, 5)),
    st.tuples(st.just("undepend"), a_key, a_key),
)
# Writes on days from the plan's loading on, in the order recorded.
a_history = st.lists(st.tuples(st.integers(0, 120), a_write), min_size=1, max_size=25).map(
    lambda ws: sorted(ws, key=lambda w: w[0])
)


def _apply(run: db.Runner, project: ProjectRow, who: actions.Who, write: tuple) -> None:
    kind, key, *args = write
    match kind:
        case "state":
            actions.change_state(run, project, who, key, args[0])
        case "reopen":
            actions.reopen(run, project, who, key)
        case "due" | "start" | "title" | "owner" | "workstream":
            actions.edit_item(run, project, who, key, **{kind: args[0]})
        case "note":
            actions.add_note(run, project, who, key, args[0])
        case "add":
            actions.add_item(
                run, project, who, key=key, title=f"Neu {key}", due=args[0], workstream="org"
            )
        case "depend":
            actions.add_dependency(run, project, who, key, args[0], lag=args[1])
        case "undepend":
            actions.remove_dependency(run, project, who, key, args[0])


def _record(url: str, history: list[tuple[int, tuple]]) -> date:
    """Apply the writes that are possible, each in its own transaction; the last day."""
    day = LOADED
    for offset, write in history:
        day = LOADED + timedelta(days=offset)
        try:
            with db.writer(url) as run:
                _apply(run, find_project(run, ""), actions.Who("Frau Keller", day), write)
        except TrackerError:
            pass  # refused (a transition, a cycle, a start after the due date): no write
    return day


def _weeks(first: date, last: date) -> list[Week]:
    weeks, day = [], first
    while day <= last:
        weeks.append(Week.of(day))
        day += timedelta(days=7)
    return weeks


def _compare(url: str, today: date, limit: int | None = None) -> None:
    with db.reader(url) as run:
        project = find_project(run, "")
        for week in _weeks(date(2011, 9, 12), today + timedelta(days=14)):
            want = reference(run, project, week, today)
            got = build(run, project, week, today, "ref", limit=None)
            assert got == want, week


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=a_history, after=st.integers(0, 30))
def test_every_week_after_random_writes_is_the_old_wind_back(
    stuttgart_sqlite: Path, history: list[tuple[int, tuple]], after: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.db"
        shutil.copyfile(stuttgart_sqlite, path)
        url = f"sqlite:///{path}"
        last = _record(url, history)
        _compare(url, last + timedelta(days=after))


def test_past_weeks_of_a_plan_with_later_changes_equal_the_old_wind_back(db_url: str) -> None:
    """Created later, done later, rescheduled, retitled, moved, re-dependended; on
    SQLite and PostgreSQL (the same SQL text)."""
    url = db_url
    plan.install(url, plan.read("stuttgart-2012"), "test-lead", LOADED)
    history = [
        (1, ("note", "MIG-PREP", "Testlauf")),
        (1, ("state", "TRAIN-BASIS", State.DONE)),
        (8, ("add", "NEU-1", date(2011, 10, 14))),
        (8, ("due", "SW-INSTALL", date(2011, 11, 30))),
        (9, ("depend", "TRAIN-BASIS", "SW-INSTALL", 2)),
        (9, ("workstream", "ORG-AMT", "training")),
        (15, ("title", "GO-LIVE", "Start")),
        (15, ("undepend", "TRAIN-VERTIEFUNG", "SW-INSTALL")),
        (16, ("depend", "TRAIN-BASIS", "SW-INSTALL", 4)),
        (16, ("reopen", "TRAIN-BASIS")),
        (22, ("state", "ORG-AMT", State.CANCELLED)),
        (22, ("owner", "MIG-PREP", "")),
        (23, ("due", "SW-INSTALL", date(2011, 12, 15))),
        (23, ("start", "TRAIN-VERTIEFUNG", date(2011, 11, 2))),
        (29, ("state", "ORG-AMT", State.PLANNED)),
        (29, ("title", "GO-LIVE", "Start der Optionskommune")),
        (30, ("due", "SW-INSTALL", date(2011, 12, 1))),
    ]
    last = _record(url, history)
    _compare(url, last)
    _compare(url, last + timedelta(days=40))


@pytest.fixture
def programme(stuttgart_sqlite: Path, tmp_path: Path) -> str:
    """The Stuttgart plan with 120 more dated milestones, some changed later."""
    path = tmp_path / "report.db"
    shutil.copyfile(stuttgart_sqlite, path)
    url = f"sqlite:///{path}"
    with db.writer(url) as run:
        project = find_project(run, "")
        who = actions.Who("Frau Keller", LOADED)
        for n in range(120):
            due = LOADED + timedelta(days=n * 3 - 60)
            actions.add_item(
                run, project, who, key=f"AKTE-{n:03d}", title=f"Akte {n}", due=due,
                workstream="migration", start=due - timedelta(days=10) if n % 3 == 0 else None,
            )  # fmt: skip
            actions.add_note(run, project, who, f"AKTE-{n:03d}", f"Notiz {n}")
            if n % 2:
                actions.edit_item(run, project, who, f"AKTE-{n:03d}", due=due + timedelta(1))
    with db.writer(url) as run:
        project = find_project(run, "")
        who = actions.Who("Herr Maier", date(2011, 10, 5))
        for n in range(0, 119, 7):
            actions.change_state(run, project, who, f"AKTE-{n:03d}", State.DONE)
            actions.edit_item(run, project, who, f"AKTE-{n + 1:03d}", due=date(2012, 8, 1))
    return url


@pytest.mark.parametrize("week", [Week(2011, 38), Week(2011, 40)], ids=["past", "current"])
def test_a_section_longer_than_the_limit_keeps_its_first_rows_and_its_total(
    programme: str, week: Week
) -> None:
    today = date(2011, 10, 5)
    with db.reader(programme) as run:
        project = find_project(run, "")
        want = reference(run, project, week, today)
        complete = build(run, project, week, today, "ref", limit=None)
        short = build(run, project, week, today, "ref", limit=50)
    assert complete == want
    sections = ["done_this_week", "overdue", "due_next", "rescheduled", "key_dates", "notes"]
    totals = {
        "done_this_week": short.done_this_week_total,
        "overdue": short.overdue_count,
        "due_next": short.due_next_total,
        "rescheduled": short.rescheduled_total,
        "key_dates": short.key_dates_total,
        "notes": short.notes_total,
    }
    assert max(len(getattr(want, s)) for s in sections) > 50
    for s in sections:
        assert getattr(short, s) == getattr(want, s)[:50], s
        assert totals[s] == len(getattr(want, s)), s
    assert (short.at_risk, short.at_risk_total) == (want.at_risk[:50], len(want.at_risk))
    # The timeline: the milestones from the week on, then the latest before it.
    ahead = [i for i in want.timeline if (i.due or i.start or today) >= week.monday]
    past = [i for i in want.timeline if (i.due or i.start or today) < week.monday]
    shown = ahead[:50] + past[len(past) - (50 - len(ahead[:50])) :]
    assert short.timeline == sorted(shown, key=lambda i: (i.start or i.due, i.key))
    assert short.timeline_total == len(want.timeline) > 50
    # Its arrows: every milestone drawn that is at risk, among the 50 worst or not.
    drawn = {i.key for i in short.timeline}
    slips = {k: f for k, f in want.timeline_slips.items() if k in drawn}
    assert short.timeline_slips == slips
