"""The go-live forecast and the items at risk, kept per project and day.

`status` and the weekly report show them, and they need the whole schedule: every
item's forecast through every dependency, about 3 s at 100,000 items. The result is
a function of the project's items (their kind, milestone, state, start, due and done
date), dependencies and closed days, of today and of the schedule's rules; every change
of those appends an event to the project's log, and a write locks the project before it
appends (actions.append_event), so the newest event id among them changes exactly when
they do. A cached outlook is therefore valid while (project, day, that event id,
SCHEDULE_VERSION) match; otherwise it is computed again and stored.

Events of fields the schedule never reads (UNSCHEDULED: notes, titles, owners, ...)
do not count: the stored rows hold only the forecast and join the item's other columns
when read, so a note or a new owner shows at once and the outlook stays. The list names
what does not matter, so that a field added later counts until it is named there.

The store is a write of its own after the read has ended (`Runner.afterwards`), and
only if the database takes it at once (`db.write_if_free`): a read never waits on a
writer, and a read-only database simply computes every time. The stamp is read in
the same snapshot as the schedule's inputs, so a write committed meanwhile makes the
stored outlook stale at once rather than wrong.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from tracker.dates import as_date
from tracker.db import Runner
from tracker.queries import _ITEM_COLUMNS, _ITEM_FROM, ItemRow, ProjectRow
from tracker.schedule import Forecast

if TYPE_CHECKING:
    from tracker.planning import Outlook, Planned

# Bump when the schedule's rules change (schedule.py): older stored outlooks are then
# computed again.
SCHEDULE_VERSION = 1

# A read stores the outlook only for a project this large: below it, computing the
# outlook again (~25 ms at 1,000 items) costs less than the write that would keep it.
MIN_ITEMS = 1000

# Event fields that cannot move a forecast (actions.py writes them).
UNSCHEDULED = ("note", "title", "owner", "workstream", "refs", "description", "baseline")
# The newest event that can: backwards along ix_event_project_id_id, stopping at the
# first one (0.3 ms at 1,011,784 events, where notes are most of them).
_UNSCHEDULED_SQL = ", ".join(f"'{f}'" for f in UNSCHEDULED)
LAST_EVENT = f"""
SELECT id FROM event
WHERE project_id = :project AND COALESCE(field, '') NOT IN ({_UNSCHEDULED_SQL})
ORDER BY id DESC LIMIT 1
"""  # noqa: S608 (constant names, no input)
ITEM_COUNT = "SELECT COUNT(*) FROM item WHERE project_id = :project"

STAMP = """
SELECT last_event_id, version, at_risk_count, go_live_item_id, problem
FROM forecast_stamp WHERE project_id = :project AND as_of = :as_of
"""

_CACHED = f"""
SELECT {_ITEM_COLUMNS}, f.start, f.finish, f.reason, f.driver, f.due, f.slip, f.slip_days
{_ITEM_FROM}
JOIN forecast_row AS f ON f.item_id = i.id
WHERE f.project_id = :project AND f.as_of = :as_of AND {{where}}
"""
CACHED_AT_RISK = _CACHED.format(where="f.rank IS NOT NULL") + " ORDER BY f.rank LIMIT :limit"
CACHED_ITEM = _CACHED.format(where="f.item_id = :item")
# Of some items (":w0, :w1, …" filled in for {ids}), those at risk.
CACHED_AT_RISK_OF = _CACHED.format(where="f.rank IS NOT NULL AND f.item_id IN ({ids})")
WATCH_CHUNK = 500  # ids per query: far below SQLite's and PostgreSQL's limits

# Stamps of other days stay while they are current (the report of last week beside
# today's status), the KEEP_DAYS newest of them; stale ones go, with their rows.
KEEP_DAYS = 7
_DOOMED = """
SELECT as_of FROM forecast_stamp
WHERE project_id = :project AND (
    last_event_id <> :last_event OR as_of = :as_of OR as_of NOT IN (
        SELECT as_of FROM forecast_stamp WHERE project_id = :project
        ORDER BY computed_at DESC, as_of DESC LIMIT :keep
    )
)
"""
_DELETE = "DELETE FROM {table} WHERE project_id = :project AND as_of IN ({doomed})"
DELETE_ROWS = _DELETE.format(table="forecast_row", doomed=_DOOMED)
DELETE_STAMPS = _DELETE.format(table="forecast_stamp", doomed=_DOOMED)
INSERT_STAMP = """
INSERT INTO forecast_stamp (project_id, as_of, last_event_id, version, at_risk_count,
                            go_live_item_id, problem, computed_at)
VALUES (:project, :as_of, :last_event, :version, :at_risk_count, :go_live, :problem, :now)
ON CONFLICT DO NOTHING
"""
INSERT_ROW = """
INSERT INTO forecast_row (project_id, as_of, item_id, rank, start, finish, reason, driver,
                          due, slip, slip_days)
VALUES (:project, :as_of, :item, :rank, :start, :finish, :reason, :driver, :due, :slip,
        :slip_days)
ON CONFLICT DO NOTHING
"""


def last_event(run: Runner, project: ProjectRow) -> int:
    """The id of the project's newest event that can change the schedule (0 for none):
    the stamp a stored outlook needs."""
    return int(run.scalar(LAST_EVENT, {"project": project.id}) or 0)


def lookup(
    run: Runner,
    project: ProjectRow,
    as_of: date,
    stamp: int,
    limit: int | None,
    watch: Collection[int] = (),
) -> Outlook | None:
    """The stored outlook of `as_of`, if it was computed after event `stamp` (with the
    forecasts of the `watch` items at risk)."""
    from tracker.planning import Outlook

    params: dict[str, Any] = {"project": project.id, "as_of": as_of}
    row = run.one(STAMP, params)
    if row is None or row[0] != stamp or row[1] != SCHEDULE_VERSION:
        return None
    _, _, count, go_live_id, problem = row
    wanted = count if limit is None else min(limit, count)
    at_risk = [_planned(r) for r in run(CACHED_AT_RISK, {**params, "limit": wanted})]
    go_live = None
    if go_live_id is not None:
        found = run.one(CACHED_ITEM, {**params, "item": go_live_id})
        go_live = None if found is None else _planned(found)
    watched = {}
    ordered = sorted(watch)
    for start in range(0, len(ordered), WATCH_CHUNK):
        ids = ordered[start : start + WATCH_CHUNK]
        marks = ", ".join(f":w{n}" for n in range(len(ids)))
        chosen = {f"w{n}": item for n, item in enumerate(ids)}
        for r in run(CACHED_AT_RISK_OF.format(ids=marks), {**params, **chosen}):
            watched[r[0]] = _planned(r).forecast
    return Outlook(at_risk, count, go_live, problem, watched)


def _planned(row: tuple[Any, ...]) -> Planned:
    from tracker.planning import Planned

    item = ItemRow.from_db(row[:13])
    start, finish, reason, driver, due, slip, slip_days = row[13:]
    forecast = Forecast(
        item.key, as_date(start), as_date(finish), reason, driver, as_date(due), slip, slip_days
    )
    return Planned(item, forecast)


def remember(run: Runner, project: ProjectRow, as_of: date, stamp: int, outlook: Outlook) -> None:
    """Store `outlook` (complete: every item at risk) once the read has ended, if the
    project has MIN_ITEMS items or more."""
    if int(run.scalar(ITEM_COUNT, {"project": project.id})) < MIN_ITEMS:
        return
    params: dict[str, Any] = {"project": project.id, "as_of": as_of, "last_event": stamp}
    doomed = {**params, "keep": KEEP_DAYS - 1}
    rows = [_row(params, rank, p.item, p.forecast) for rank, p in enumerate(outlook.at_risk)]
    target = outlook.go_live
    if target is not None and not any(p.item.id == target.item.id for p in outlook.at_risk):
        rows.append(_row(params, None, target.item, target.forecast))
    stamp_row = {
        **params,
        "version": SCHEDULE_VERSION,
        "at_risk_count": outlook.at_risk_count,
        "go_live": None if target is None else target.item.id,
        "problem": outlook.problem,
        "now": datetime.now().replace(microsecond=0),
    }

    def store(w: Runner) -> None:
        # A write committed after our snapshot makes this outlook stale: keep nothing.
        if last_event(w, project) != stamp:
            return
        w(DELETE_ROWS, doomed)
        w(DELETE_STAMPS, doomed)
        w(INSERT_STAMP, stamp_row)
        w.many(INSERT_ROW, rows)

    run.afterwards.append(lambda url: _store(url, store))


def _store(url: str, store: Any) -> None:
    from tracker import db

    db.write_if_free(url, store)


def _row(params: dict[str, Any], rank: int | None, item: ItemRow, f: Forecast) -> dict[str, Any]:
    return {
        **params,
        "item": item.id,
        "rank": rank,
        "start": f.start,
        "finish": f.finish,
        "reason": f.reason,
        "driver": f.driver,
        "due": f.due,
        "slip": f.slip,
        "slip_days": f.slip_days,
    }
