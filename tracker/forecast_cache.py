"""The go-live forecast and the items at risk, kept per project and day.

`status` and the weekly report show them, and they need the whole schedule: every
item's forecast through every dependency, about 3 s at 100,000 items. The result is
a function of the project's items (their kind, milestone, state, start, due and done
date), dependencies and closed days, of today and of the schedule's rules; every change
of those appends an event to the project's log, and a write locks the project before it
appends (actions.append_event), so the newest event id among them changes exactly when
they do. A cached outlook is therefore valid while (project, day, that event id,
SCHEDULE_VERSION) match. After a change it is brought up to date by computing again
only the items the change can move (`update`, below), or, where that cannot be told,
computed whole and stored again.

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

import zlib
from array import array
from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from tracker.dates import as_date
from tracker.db import Runner
from tracker.errors import BadDate
from tracker.queries import (
    _DEPENDENCY_SELECT,
    _ITEM_COLUMNS,
    _ITEM_FROM,
    DependencyRow,
    ItemRow,
    ProjectRow,
)
from tracker.schedule import Forecast, risk_order

if TYPE_CHECKING:
    from tracker.planning import Outlook, Planned

# Bump when the schedule's rules change (schedule.py): older stored outlooks are then
# computed again. 2: a tie between predecessors names the first by key (schedule.graph).
SCHEDULE_VERSION = 2

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
# Of some items (their ids filled in for {ids} by `_in`), those at risk.
CACHED_AT_RISK_OF = _CACHED.format(where="f.rank IS NOT NULL AND f.item_id IN ({ids})")
WATCH_CHUNK = 500  # ids per query (`_in`): far below SQLite's and PostgreSQL's limits

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
                            go_live_item_id, problem, computed_at, finishes)
VALUES (:project, :as_of, :last_event, :version, :at_risk_count, :go_live, :problem, :now,
        :finishes)
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
    watched = {r[0]: _planned(r).forecast for r in _in(run, CACHED_AT_RISK_OF, watch, **params)}
    return Outlook(at_risk, count, go_live, problem, watched)


def _planned(row: tuple[Any, ...]) -> Planned:
    from tracker.planning import Planned

    item = ItemRow.from_db(row[:13])
    start, finish, reason, driver, due, slip, slip_days = row[13:]
    forecast = Forecast(
        item.key, as_date(start), as_date(finish), reason, driver, as_date(due), slip, slip_days
    )
    return Planned(item, forecast)


def remember(
    run: Runner,
    project: ProjectRow,
    as_of: date,
    stamp: int,
    outlook: Outlook,
    finishes: Mapping[int, int] | None = None,
) -> None:
    """Store `outlook` (complete: every item at risk), and every item's forecast finish
    by id (`ordinals`), once the read has ended, if the project has MIN_ITEMS items or
    more."""
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
        "finishes": None if finishes is None else pack(finishes),
    }

    def store(w: Runner) -> None:
        # A write committed after our snapshot makes this outlook stale: keep nothing.
        if _locked_last_event(w, project) != stamp:
            return
        w(DELETE_ROWS, doomed)
        w(DELETE_STAMPS, doomed)
        w(INSERT_STAMP, stamp_row)
        w.many(INSERT_ROW, rows)

    run.afterwards.append(lambda url: _store(url, store))


def _locked_last_event(w: Runner, project: ProjectRow) -> int:
    """`last_event`, with the project locked as a write locks it (actions.append_event):
    no event can follow, and no other store interleave, until this store commits. On
    PostgreSQL a store checks, deletes and inserts in READ COMMITTED; without the lock a
    write and another store could commit between its check and its rows."""
    from tracker.actions import LOCK_PROJECT

    w(LOCK_PROJECT + w.for_update, {"project": project.id})
    return last_event(w, project)


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


# --- after a change: only what it can move ---------------------------------------
#
# A stored outlook of the day that is older than the newest schedule event is brought
# up to date instead of computed again when the change is small: the items the newer
# events name, and everything after them (their successors through dependencies, a
# task's milestone), are computed again from the stored finishes of what they depend
# on; every other item keeps its forecast. The items at risk are then the stored ones
# less the recomputed, plus those of the recomputed that are late, in the schedule's
# order. A change the stamp cannot tell apart by item (a closed day), or that moves
# more than MAX_MOVED items, or another go-live milestone, computes everything.

MAX_MOVED = 5000

BASE = """
SELECT last_event_id, version, problem, go_live_item_id, finishes
FROM forecast_stamp WHERE project_id = :project AND as_of = :as_of
"""
CHANGED = f"""
SELECT DISTINCT item_id FROM event
WHERE project_id = :project AND id > :base AND COALESCE(field, '') NOT IN ({_UNSCHEDULED_SQL})
"""  # noqa: S608 (constant names, no input)
_SUCCESSORS = "SELECT item_id FROM dependency WHERE predecessor_id IN ({ids})"
_MILESTONES = "SELECT milestone_id FROM item WHERE milestone_id IS NOT NULL AND id IN ({ids})"
_PREDECESSORS = "SELECT predecessor_id FROM dependency WHERE item_id IN ({ids})"
_TASKS = "SELECT id FROM item WHERE milestone_id IN ({ids})"
_ITEMS = f"SELECT {_ITEM_COLUMNS} {_ITEM_FROM} WHERE i.id IN ({{ids}})"
_DEPS_INTO = f"{_DEPENDENCY_SELECT} WHERE d.item_id IN ({{ids}})"
GO_LIVE_CANDIDATES = f"""
SELECT {_ITEM_COLUMNS} {_ITEM_FROM}
WHERE i.project_id = :project AND i.kind = 'milestone' AND i.due = :go_live
"""
STORED_AT_RISK = """
SELECT f.item_id, i.key, f.due, f.slip, f.slip_days, f.rank
FROM forecast_row AS f JOIN item AS i ON i.id = f.item_id
WHERE f.project_id = :project AND f.as_of = :as_of AND f.rank IS NOT NULL
"""
DELETE_MOVED = """
DELETE FROM forecast_row WHERE project_id = :project AND as_of = :as_of AND item_id IN ({ids})
"""
SET_RANK = """
UPDATE forecast_row SET rank = :rank
WHERE project_id = :project AND as_of = :as_of AND item_id = :item
"""
UPDATE_STAMP = """
UPDATE forecast_stamp SET last_event_id = :last_event, at_risk_count = :at_risk_count,
    go_live_item_id = :go_live, finishes = :finishes, computed_at = :now
WHERE project_id = :project AND as_of = :as_of AND last_event_id = :base
"""


def ordinals(finishes: Mapping[int, date | None]) -> dict[int, int]:
    """Forecast finishes by item id as ordinal days, 0 for none: what `pack` packs."""
    return {item: 0 if day is None else day.toordinal() for item, day in finishes.items()}


def pack(days: Mapping[int, int]) -> bytes:
    """Item ids and their forecast finishes (`ordinals`), compressed: ~0.3 MB for
    100,000 items, packed or unpacked in ~10 ms."""
    return zlib.compress(array("q", days).tobytes() + array("q", days.values()).tobytes(), 1)


def unpack(data: bytes) -> dict[int, int]:
    raw = array("q")
    raw.frombytes(zlib.decompress(data))
    n = len(raw) // 2
    return dict(zip(raw[:n], raw[n:], strict=True))


def _day(ordinal: int) -> date | None:
    return None if ordinal == 0 else date.fromordinal(ordinal)


def _in(run: Runner, sql: str, ids: Iterable[int], **params: Any) -> list[tuple[Any, ...]]:
    """`sql` with `{ids}` filled in, for the ids in chunks of WATCH_CHUNK."""
    ordered = sorted(ids)
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(ordered), WATCH_CHUNK):
        chunk = ordered[start : start + WATCH_CHUNK]
        marks = ", ".join(f":i{n}" for n in range(len(chunk)))
        chosen = {f"i{n}": item for n, item in enumerate(chunk)}
        rows += run(sql.format(ids=marks), {**params, **chosen})
    return rows


def _moved(run: Runner, changed: set[int]) -> set[int] | None:
    """The changed items and everything after them; None when more than MAX_MOVED."""
    moved, frontier = set(changed), set(changed)
    while frontier:
        after = {r[0] for r in _in(run, _SUCCESSORS, frontier)}
        after |= {r[0] for r in _in(run, _MILESTONES, frontier)}
        frontier = after - moved
        moved |= frontier
        if len(moved) > MAX_MOVED:
            return None
    return moved


def update(
    run: Runner,
    project: ProjectRow,
    as_of: date,
    stamp: int,
    limit: int | None,
    watch: Collection[int] = (),
) -> Outlook | None:
    """The stored outlook of `as_of` brought up to event `stamp` by computing again only
    what the newer events can move; None when it must be computed whole."""
    from tracker.overview import calendar_of
    from tracker.planning import Outlook, Planned
    from tracker.schedule import Schedule, default_target

    params: dict[str, Any] = {"project": project.id, "as_of": as_of}
    base_row = run.one(BASE, params)
    if base_row is None:
        return None
    base, version, problem, stored_go_live, packed = base_row
    if version != SCHEDULE_VERSION or problem is not None or packed is None or base >= stamp:
        return None
    changed = {r[0] for r in run(CHANGED, {"project": project.id, "base": base})}
    if not changed or None in changed:
        return None  # a closed day moves every working-day count
    moved = _moved(run, changed)
    if moved is None:
        return None
    before = {r[0] for r in _in(run, _PREDECESSORS, moved)}
    outside = (before | {r[0] for r in _in(run, _TASKS, moved)}) - moved
    finishes = unpack(bytes(packed))
    if any(i not in finishes for i in outside):
        return None
    items = [ItemRow.from_db(r) for r in _in(run, _ITEMS, moved | outside)]
    deps = [DependencyRow.from_db(r) for r in _in(run, _DEPS_INTO, moved)]
    known = {i.key: _day(finishes[i.id]) for i in items if i.id in outside}
    try:
        schedule = Schedule(items, deps, calendar_of(project), as_of, known=known)
    except BadDate:
        return None  # the whole computation says why, as the outlook's problem
    fresh = {i.id: Planned(i, schedule.forecasts[i.key]) for i in items if i.id in moved}

    go_live_day = {**params, "go_live": project.go_live}
    candidates = [ItemRow.from_db(r) for r in run(GO_LIVE_CANDIDATES, go_live_day)]
    target = default_target(candidates, project.go_live)
    go_live: Planned | None = None
    if target is not None:
        if target.id in fresh:
            go_live = fresh[target.id]
        elif target.id == stored_go_live:
            found = run.one(CACHED_ITEM, {**params, "item": target.id})
            go_live = None if found is None else _planned(found)
        if go_live is None:
            return None  # another milestone is the go-live now: compute it whole

    # The order of every item at risk: stored ones (less the moved) and the moved late ones.
    order = [
        (risk_order(slip, slip_days, as_date(due), key), item, rank)
        for item, key, due, slip, slip_days, rank in run(STORED_AT_RISK, params)
        if item not in moved
    ]
    order += [
        (risk_order(p.forecast.slip, p.forecast.slip_days, p.forecast.due, p.item.key), i, None)
        for i, p in fresh.items()
        if p.forecast.at_risk
    ]
    order.sort()
    shown = order if limit is None else order[:limit]
    wanted = {i for _, i, _ in shown} | (set(watch) & {i for _, i, _ in order})
    stored = {r[0]: _planned(r) for r in _in(run, CACHED_AT_RISK_OF, wanted - moved, **params)}
    planned = {**stored, **{i: p for i, p in fresh.items() if i in wanted}}
    at_risk = [planned[i] for _, i, _ in shown]
    watched = {i: planned[i].forecast for i in watch if i in planned}
    outlook = Outlook(at_risk, len(order), go_live, None, watched)

    finishes.update(ordinals({i: p.forecast.finish for i, p in fresh.items()}))
    new_rows = [
        _row(params, None, p.item, p.forecast)
        for i, p in fresh.items()
        if p.forecast.at_risk or (go_live is not None and i == go_live.item.id)
    ]
    ranks = [{**params, "item": i, "rank": n} for n, (_, i, old) in enumerate(order) if old != n]
    stamp_row = {
        **params,
        "base": base,
        "last_event": stamp,
        "at_risk_count": len(order),
        "go_live": None if go_live is None else go_live.item.id,
        "finishes": pack(finishes),
        "now": datetime.now().replace(microsecond=0),
    }

    def store(w: Runner) -> None:
        if _locked_last_event(w, project) != stamp:
            return  # a write since: this is stale already
        if w.scalar(STAMP, params) != base:  # its first column: last_event_id
            return  # another read brought it up to date, or it went
        _in(w, DELETE_MOVED, moved, **params)
        w.many(INSERT_ROW, new_rows)
        w.many(SET_RANK, ranks)
        w(UPDATE_STAMP, stamp_row)

    run.afterwards.append(lambda url: _store(url, store))
    return outlook
