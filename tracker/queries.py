"""Every read, as SQL text with :named parameters, and the rows it returns.

The text runs unchanged on sqlite3 and on a SQLAlchemy connection (`db.Runner`). Two
habits keep it portable: no `:p IS NULL` (PostgreSQL cannot type a bare NULL
parameter), so "any" is '' and "no limit" is a far date; and no date arithmetic in SQL
(`julianday()` is SQLite's alone): days left come from `dates.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from sys import intern
from typing import TYPE_CHECKING, Any, NamedTuple

from tracker import fields
from tracker.dates import as_date, as_datetime
from tracker.db import Row, Runner
from tracker.errors import NotFound
from tracker.states import EventKind, Kind, State

if TYPE_CHECKING:
    from tracker.audit import Link

FAR_PAST = date(1, 1, 1)
FAR_FUTURE = date(9999, 12, 31)


# --- projects and workstreams ----------------------------------------------------

PROJECTS = """
SELECT id, key, name, go_live, region, source, language FROM project ORDER BY key
"""


class ProjectRow(NamedTuple):
    id: int
    key: str
    name: str
    go_live: date
    region: str
    source: str
    language: str | None
    # The project's own closed days (find_project loads them): not working days.
    closed: tuple[date, ...] = ()

    @classmethod
    def from_db(cls, row: Row) -> ProjectRow:
        go_live = as_date(row[3])
        assert go_live is not None
        return cls(row[0], row[1], row[2], go_live, row[4], row[5], row[6])


def find_project(run: Runner, key: str) -> ProjectRow:
    """The project named `key`, or the only one when `key` is empty, with its closed days.

    Raises NotFound when there is none, or several and no key says which.
    """
    project = _choose_project(run, key)
    closed = tuple(day for day, _ in closed_days(run, project))
    return project._replace(closed=closed) if closed else project


def _choose_project(run: Runner, key: str) -> ProjectRow:
    projects = [ProjectRow.from_db(r) for r in run(PROJECTS)]
    if key:
        for p in projects:
            if p.key.lower() == key.lower():
                return p
        known = ", ".join(p.key for p in projects) or "none"
        raise NotFound(f"no project {key!r} in this database (projects: {known})")
    if not projects:
        raise NotFound("this database holds no project yet (run `tracker init --plan ...`)")
    if len(projects) > 1:
        keys = ", ".join(p.key for p in projects)
        raise NotFound(f"this database holds several projects ({keys}): choose one with --project")
    return projects[0]


CLOSED_DAYS = "SELECT day, reason FROM closed_day WHERE project_id = :project ORDER BY day"


def closed_days(run: Runner, project: ProjectRow) -> list[tuple[date, str]]:
    """The project's own closed days and why, by date."""
    rows = run(CLOSED_DAYS, {"project": project.id})
    return [(d, r[1]) for r in rows if (d := as_date(r[0])) is not None]


WORKSTREAMS = """
SELECT id, key, title FROM workstream WHERE project_id = :project ORDER BY position, key
"""


class WorkstreamRow(NamedTuple):
    id: int
    key: str
    title: str


def list_workstreams(run: Runner, project: ProjectRow) -> list[WorkstreamRow]:
    """The project's workstreams in plan order."""
    return [WorkstreamRow(*r) for r in run(WORKSTREAMS, {"project": project.id})]


def find_workstream(run: Runner, project: ProjectRow, key: str) -> WorkstreamRow:
    """A workstream by key (case-insensitive); NotFound names the ones there are."""
    workstreams = list_workstreams(run, project)
    for ws in workstreams:
        if ws.key.lower() == key.lower():
            return ws
    known = ", ".join(ws.key for ws in workstreams)
    raise NotFound(f"no workstream {key!r} (workstreams: {known})")


# --- items -----------------------------------------------------------------------

_ITEM_COLUMNS = """
i.id, i.key, i.kind, i.title, ws.key AS workstream, i.owner, i.start, i.due,
i.due_derived, i.state, i.done_on, m.key AS milestone,
i.state IN ('planned', 'in_progress') AND EXISTS (
    SELECT 1 FROM dependency AS d JOIN item AS p ON p.id = d.predecessor_id
    WHERE d.item_id = i.id AND p.state IN ('planned', 'in_progress')
) AS blocked
"""

_ITEM_FROM = """
FROM item AS i
JOIN workstream AS ws ON ws.id = i.workstream_id
LEFT JOIN item AS m ON m.id = i.milestone_id
"""

# What a list shows (ListFilter); also counted by COUNT_ITEMS. The order index
# ix_item_list_order holds state, kind and workstream too, so counts read only it.
_LIST_WHERE = """
WHERE i.project_id = :project
  AND (:include_closed = 1 OR i.state IN ('planned', 'in_progress'))
  AND (:state = '' OR i.state = :state)
  AND (:workstream = '' OR LOWER(ws.key) = LOWER(:workstream))
  AND (:owner = '' OR LOWER(i.owner) = :owner)
  AND (:kind = '' OR i.kind = :kind)
  AND (:dated_only = 0 OR i.due IS NOT NULL)
  AND COALESCE(i.due, '9999-12-31') >= :due_from
  AND COALESCE(i.due, '9999-12-31') <= :due_until
"""

# The order of every list: soonest due first, undated last, by key (ix_item_list_order).
_LIST_ORDER = """
ORDER BY COALESCE(i.due, '9999-12-31'), i.key
LIMIT :limit
"""

LIST_ITEMS = f"""
SELECT {_ITEM_COLUMNS}
{_ITEM_FROM}
{_LIST_WHERE}
{_LIST_ORDER}
"""

COUNT_ITEMS = f"""
SELECT COUNT(*), COALESCE(SUM(CASE WHEN i.kind = 'milestone' THEN 1 ELSE 0 END), 0)
FROM item AS i
JOIN workstream AS ws ON ws.id = i.workstream_id
{_LIST_WHERE}
"""  # noqa: S608 - constant text; the filter's values are bound parameters

# What a table of LIST_ITEMS' rows needs before its first line: how many rows, the
# longest texts, the first and last open due date (days left grow with the due date,
# so these two give the widest countdowns), whether any date is derived. Without the
# `blocked` subquery it costs about a third of LIST_ITEMS (render.item_table_chunks).
LIST_SHAPE = f"""
SELECT COUNT(*), COUNT(due),
       MAX(LENGTH(key)), MAX(LENGTH(title)), MAX(LENGTH(workstream)), MAX(LENGTH(owner)),
       MIN(CASE WHEN state IN ('planned', 'in_progress') THEN due END),
       MAX(CASE WHEN state IN ('planned', 'in_progress') THEN due END),
       MAX(CASE WHEN due IS NOT NULL AND due_derived THEN 1 ELSE 0 END)
FROM (
    SELECT i.key, i.title, ws.key AS workstream, i.owner, i.due, i.due_derived, i.state
    {_ITEM_FROM}
    {_LIST_WHERE}
    {_LIST_ORDER}
) AS l
"""  # noqa: S608 (constant fragments, no input)
NO_LIMIT = 10**12  # LIMIT takes a number on both backends; NULL is PostgreSQL's alone


# Stored value -> member: a dict lookup where `State(value)` goes through Enum's
# __call__ (a schedule of 100,000 items reads 200,000 of them). Keys, workstreams,
# owners and milestones are interned as they are read: the driver makes a new string
# for each row, and one copy of each serves every item and dependency that names it.
_KINDS = {k.value: k for k in Kind}
_STATES = {s.value: s for s in State}


class ItemRow(NamedTuple):
    """An item as lists show it."""

    id: int
    key: str
    kind: Kind
    title: str
    workstream: str
    owner: str | None
    start: date | None
    due: date | None
    due_derived: bool
    state: State
    done_on: date | None
    milestone: str | None
    # Open, with a predecessor (`tracker depend`) that is not done or cancelled.
    blocked: bool = False

    @classmethod
    def from_db(cls, row: Row) -> ItemRow:
        return cls(
            id=row[0],
            key=intern(row[1]),
            kind=_KINDS[row[2]],
            title=row[3],
            workstream=intern(row[4]),
            owner=None if row[5] is None else intern(row[5]),
            start=as_date(row[6]),
            due=as_date(row[7]),
            due_derived=bool(row[8]),
            state=_STATES[row[9]],
            done_on=as_date(row[10]),
            milestone=None if row[11] is None else intern(row[11]),
            blocked=bool(row[12]),
        )

    def is_overdue(self, today: date) -> bool:
        """Open and due before today."""
        return self.state.is_open and self.due is not None and self.due < today


class ListFilter(NamedTuple):
    """Which items a list shows. Every field narrows; the defaults show all open items.

    - include_closed: done and cancelled items too
    - state / workstream / owner / kind: exact match ('' for any; workstream by key,
      workstream and owner case-insensitive)
    - dated_only: leave out items without a due date
    - due_from / due_until: due date within [due_from, due_until], both inclusive;
      undated items count as due on FAR_FUTURE, so any due_until before it drops them
    - limit: at most this many, the soonest due first
    """

    include_closed: bool = False
    state: State | None = None
    workstream: str = ""
    owner: str = ""
    kind: Kind | None = None
    dated_only: bool = False
    due_from: date = FAR_PAST
    due_until: date = FAR_FUTURE
    limit: int = NO_LIMIT

    def only_overdue(self, today: date) -> ListFilter:
        """This filter narrowed to open items due before today."""
        until = min(self.due_until, today - timedelta(days=1))
        return self._replace(include_closed=False, state=None, due_until=until)

    def params(self, project: ProjectRow) -> dict[str, Any]:
        return {
            "project": project.id,
            "include_closed": int(self.include_closed or self.state is not None),
            "state": self.state.value if self.state else "",
            "workstream": self.workstream,
            "owner": self.owner.lower(),
            "kind": self.kind.value if self.kind else "",
            "dated_only": int(self.dated_only),
            "due_from": self.due_from,
            "due_until": self.due_until,
            "limit": self.limit,
        }


def list_items(run: Runner, project: ProjectRow, wanted: ListFilter) -> list[ItemRow]:
    """Items matching `wanted`, soonest due first, undated last, then by key.

    An unknown workstream is NotFound (naming the ones there are), not an empty list.
    """
    # Row by row: each driver row goes once it is read instead of all of them being held
    # beside the items (with the interning above: 100,000 items in 47 MB, was 93).
    return [ItemRow.from_db(r) for r in iter_items(run, project, wanted)]


def iter_items(run: Runner, project: ProjectRow, wanted: ListFilter) -> Iterator[Row]:
    """`list_items` one row at a time, as the driver gives it (ItemRow.from_db reads
    it): for lists too long to hold. Checks `wanted` at once, not when iterated."""
    return run.iterate(LIST_ITEMS, _list_params(run, project, wanted))


class ListShape(NamedTuple):
    """How `list_items` would answer, without its rows (LIST_SHAPE)."""

    rows: int
    dated: int  # rows with a due date
    key: int  # the longest key, title, workstream key and owner, in characters
    title: int
    workstream: int
    owner: int
    first_open_due: date | None  # the earliest and latest due date of an open item
    last_open_due: date | None
    derived: bool  # a row has a derived due date


def list_shape(run: Runner, project: ProjectRow, wanted: ListFilter) -> ListShape:
    """The size of `list_items`' answer and the widths its table needs."""
    row = run.one(LIST_SHAPE, _list_params(run, project, wanted))
    assert row is not None  # an aggregate has one row
    count, dated, key, title, workstream, owner, first, last, derived = row
    return ListShape(
        rows=count,
        dated=dated,
        key=key or 0,
        title=title or 0,
        workstream=workstream or 0,
        owner=owner or 0,
        first_open_due=as_date(first),
        last_open_due=as_date(last),
        derived=bool(derived),
    )


def _list_params(run: Runner, project: ProjectRow, wanted: ListFilter) -> dict[str, Any]:
    fields.plain(wanted.owner, "owner")
    if wanted.workstream:
        find_workstream(run, project, fields.plain(wanted.workstream, "workstream"))
    return wanted.params(project)


class Counted(NamedTuple):
    items: int
    milestones: int


def count_items(run: Runner, project: ProjectRow, wanted: ListFilter) -> Counted:
    """How many items `list_items` shows for `wanted` (without its limit), and how many
    of them are milestones."""
    row = run.one(COUNT_ITEMS, _list_params(run, project, wanted))
    assert row is not None
    return Counted(int(row[0]), int(row[1]))


def overdue_filter(today: date) -> ListFilter:
    """Open items due before today."""
    return ListFilter().only_overdue(today)


def due_soon_filter(today: date, until: date) -> ListFilter:
    """Open items due from today up to `until`."""
    return ListFilter(due_from=today, due_until=until)


ITEM_DETAIL = f"""
SELECT {_ITEM_COLUMNS},
       i.description, i.due_baseline, i.refs, i.created_at, i.updated_at, ws.title
{_ITEM_FROM}
WHERE i.project_id = :project AND i.key = :key
"""


class ItemDetail(NamedTuple):
    """Everything `tracker show` prints about one item."""

    item: ItemRow
    description: str
    due_baseline: date | None
    refs: list[str]
    created_at: datetime | None
    updated_at: datetime | None
    workstream_title: str
    tasks: list[ItemRow]
    events: list[EventRow]
    depends_on: list[Neighbour]  # its predecessors
    needed_by: list[Neighbour]  # its successors

    @property
    def notes(self) -> list[EventRow]:
        """The notes, oldest first."""
        return [e for e in reversed(self.events) if e.kind is EventKind.NOTE]


def normalize_key(key: str) -> str:
    """Keys are stored in upper case and typed in any case."""
    return fields.plain(key, "key").strip().upper()


def _detail_row(run: Runner, project: ProjectRow, key: str) -> Row:
    row = run.one(ITEM_DETAIL, {"project": project.id, "key": normalize_key(key)})
    if row is None:
        raise NotFound(f"no item with key {key!r} (see `tracker list --all`)")
    return row


def find_item(run: Runner, project: ProjectRow, key: str) -> ItemRow:
    """One item by key; NotFound otherwise."""
    return ItemRow.from_db(_detail_row(run, project, key))


TASKS_OF = f"""
SELECT {_ITEM_COLUMNS}
{_ITEM_FROM}
WHERE i.milestone_id = :milestone
ORDER BY i.due IS NULL, i.due, i.key
"""


def tasks_of(run: Runner, milestone: ItemRow) -> list[ItemRow]:
    """A milestone's tasks, soonest due first."""
    return [ItemRow.from_db(r) for r in run(TASKS_OF, {"milestone": milestone.id})]


def item_detail(run: Runner, project: ProjectRow, key: str) -> ItemDetail:
    """An item with its tasks and its whole history; NotFound for an unknown key."""
    row = _detail_row(run, project, key)
    item = ItemRow.from_db(row)
    links = dependencies_of(run, item)
    return ItemDetail(
        item=item,
        description=row[13] or "",
        due_baseline=as_date(row[14]),
        refs=fields.split_refs(row[15]),
        created_at=as_datetime(row[16]),
        updated_at=as_datetime(row[17]),
        workstream_title=row[18],
        tasks=tasks_of(run, item),
        events=history(run, project, item=item),
        depends_on=[
            Neighbour(d, find_item(run, project, d.predecessor))
            for d in links
            if d.item == item.key
        ],
        needed_by=[
            Neighbour(d, find_item(run, project, d.item))
            for d in links
            if d.predecessor == item.key
        ],
    )


ALL_ITEMS = f"""
SELECT {_ITEM_COLUMNS}, i.description, i.refs
{_ITEM_FROM}
WHERE i.project_id = :project
ORDER BY i.id
"""


class ItemRecord(NamedTuple):
    """An item with the fields a file about it needs besides the listed ones."""

    item: ItemRow
    description: str
    refs: str


def all_items(run: Runner, project: ProjectRow) -> list[ItemRecord]:
    """Every item of the project, each milestone followed by its tasks, in the order
    they were created (a plan's order)."""
    n = len(ItemRow._fields)  # description and refs follow the item's columns
    records = [
        ItemRecord(ItemRow.from_db(r), r[n] or "", r[n + 1] or "")
        for r in run(ALL_ITEMS, {"project": project.id})
    ]
    tasks: dict[str, list[ItemRecord]] = {}
    for rec in records:
        if rec.item.milestone is not None:
            tasks.setdefault(rec.item.milestone, []).append(rec)
    return [
        r
        for rec in records
        if rec.item.milestone is None
        for r in (rec, *tasks.get(rec.item.key, []))
    ]


# --- dependencies ----------------------------------------------------------------

_DEPENDENCY_SELECT = """
SELECT s.key, p.key, d.lag, d.derived, d.note
FROM dependency AS d
JOIN item AS s ON s.id = d.item_id
JOIN item AS p ON p.id = d.predecessor_id
"""
DEPENDENCIES = f"{_DEPENDENCY_SELECT} WHERE d.project_id = :project ORDER BY s.key, p.key"
DEPENDENCIES_OF = f"""
{_DEPENDENCY_SELECT} WHERE d.item_id = :item
UNION ALL
{_DEPENDENCY_SELECT} WHERE d.predecessor_id = :item
"""


class DependencyRow(NamedTuple):
    """`item` starts (or finishes, if it is a dated point) after `predecessor` + lag."""

    item: str
    predecessor: str
    lag: int  # working days
    derived: bool
    note: str

    @classmethod
    def from_db(cls, row: Row) -> DependencyRow:
        return cls(intern(row[0]), intern(row[1]), int(row[2]), bool(row[3]), row[4] or "")


class Neighbour(NamedTuple):
    """A dependency seen from one end, with the item at the other end."""

    dependency: DependencyRow
    item: ItemRow


def dependencies(run: Runner, project: ProjectRow) -> list[DependencyRow]:
    """Every dependency of the project."""
    return [DependencyRow.from_db(r) for r in run(DEPENDENCIES, {"project": project.id})]


def dependencies_of(run: Runner, item: ItemRow) -> list[DependencyRow]:
    """The dependencies that `item` has on others, and others have on it."""
    rows = run(DEPENDENCIES_OF, {"item": item.id})
    return sorted(DependencyRow.from_db(r) for r in rows)


# --- baselines -------------------------------------------------------------------

BASELINES = """
SELECT b.name, b.day, b.saved_at, b.actor, COUNT(bi.item_id)
FROM baseline AS b
LEFT JOIN baseline_item AS bi ON bi.baseline_id = b.id
WHERE b.project_id = :project
GROUP BY b.id, b.name, b.day, b.saved_at, b.actor
ORDER BY b.day, b.saved_at, b.name
"""


class BaselineRow(NamedTuple):
    name: str
    day: date
    saved_at: datetime | None
    actor: str
    items: int


def baselines(run: Runner, project: ProjectRow) -> list[BaselineRow]:
    """The project's saved baselines, oldest first."""
    rows = run(BASELINES, {"project": project.id})
    return [
        BaselineRow(r[0], as_date(r[1]) or FAR_PAST, as_datetime(r[2]), r[3], r[4]) for r in rows
    ]


def find_baseline(run: Runner, project: ProjectRow, name: str) -> BaselineRow:
    """A saved baseline by name (case-insensitive); NotFound names the ones there are."""
    saved = baselines(run, project)
    for b in saved:
        if b.name.lower() == name.strip().lower():
            return b
    known = ", ".join(b.name for b in saved) or "none saved yet"
    raise NotFound(f"no baseline {name!r} (baselines: {known}; `tracker baseline save NAME`)")


BASELINE_DATES = """
SELECT i.key, bi.start, bi.due, bi.state
FROM baseline_item AS bi
JOIN baseline AS b ON b.id = bi.baseline_id
JOIN item AS i ON i.id = bi.item_id
WHERE b.project_id = :project AND b.name = :name
"""


class BaselineDates(NamedTuple):
    start: date | None
    due: date | None
    state: State | None  # None: the implicit baseline does not know it


def baseline_dates(run: Runner, project: ProjectRow, name: str) -> dict[str, BaselineDates]:
    """Each item's dates in the baseline `name` (as stored), by key."""
    rows = run(BASELINE_DATES, {"project": project.id, "name": name})
    return {r[0]: BaselineDates(as_date(r[1]), as_date(r[2]), State(r[3])) for r in rows}


# --- progress --------------------------------------------------------------------

# Items per workstream and state, counted from the covering index (workstream_id,
# state) one workstream at a time: 15 ms at 100,000 items, where summing CASE
# expressions over the joined rows took 36 ms.
WORKSTREAM_PROGRESS = """
SELECT ws.key, ws.title, n.state, n.items
FROM workstream AS ws
LEFT JOIN (
    SELECT workstream_id, state, COUNT(*) AS items FROM item
    WHERE workstream_id IN (SELECT id FROM workstream WHERE project_id = :project)
    GROUP BY workstream_id, state
) AS n ON n.workstream_id = ws.id
WHERE ws.project_id = :project
ORDER BY ws.position, ws.key
"""


class Progress(NamedTuple):
    """Done of total per workstream; cancelled items do not count towards the total."""

    workstream: str
    title: str
    done: int
    open: int
    cancelled: int

    @property
    def total(self) -> int:
        return self.done + self.open


def progress(run: Runner, project: ProjectRow) -> list[Progress]:
    """Progress of every workstream, in plan order."""
    counts: dict[tuple[str, str], dict[str | None, int]] = {}
    for key, title, state, items in run(WORKSTREAM_PROGRESS, {"project": project.id}):
        counts.setdefault((key, title), {})[state] = int(items or 0)
    return [
        Progress(
            key,
            title,
            n.get(State.DONE, 0),
            n.get(State.PLANNED, 0) + n.get(State.IN_PROGRESS, 0),
            n.get(State.CANCELLED, 0),
        )
        for (key, title), n in counts.items()
    ]


RECENTLY_DONE = f"""
SELECT {_ITEM_COLUMNS}
{_ITEM_FROM}
WHERE i.project_id = :project AND i.state = 'done'
  AND i.done_on > :after AND i.done_on <= :until
ORDER BY i.done_on DESC, i.key
"""


def done_between(run: Runner, project: ProjectRow, after: date, until: date) -> list[ItemRow]:
    """Items done in the half-open range (after, until], latest first."""
    params = {"project": project.id, "after": after, "until": until}
    return [ItemRow.from_db(r) for r in run(RECENTLY_DONE, params)]


# --- the event log ---------------------------------------------------------------

_HISTORY = """
SELECT e.id, e.day, e.recorded_at, e.actor, e.kind, e.field, e.old, e.new, i.key
FROM event AS e
LEFT JOIN item AS i ON i.id = e.item_id
WHERE {where}
ORDER BY e.id DESC
LIMIT :limit
"""
HISTORY = _HISTORY.format(where="e.project_id = :project")
# Its own statement: with "(:item = 0 OR e.item_id = :item)" the planner walked the
# project's whole log (258 ms at a million events) instead of the item's index.
ITEM_HISTORY = _HISTORY.format(where="e.item_id = :item")


class EventRow(NamedTuple):
    id: int
    day: date
    recorded_at: datetime
    actor: str
    kind: EventKind
    field: str | None
    old: str | None
    new: str | None
    key: str | None

    @classmethod
    def from_db(cls, row: Row) -> EventRow:
        day, recorded_at = as_date(row[1]), as_datetime(row[2])
        assert day is not None and recorded_at is not None
        return cls(row[0], day, recorded_at, row[3], EventKind(row[4]), *row[5:9])


def history(
    run: Runner, project: ProjectRow, *, item: ItemRow | None = None, limit: int = 1_000_000
) -> list[EventRow]:
    """The event log of the project or of one item, newest first."""
    if item is not None:
        rows = run(ITEM_HISTORY, {"item": item.id, "limit": limit})
    else:
        rows = run(HISTORY, {"project": project.id, "limit": limit})
    return [EventRow.from_db(r) for r in rows]


LATEST_DUE = "SELECT MAX(due) FROM item WHERE project_id = :project"


def latest_due(run: Runner, project: ProjectRow) -> date | None:
    """The latest due date of any item."""
    return as_date(run.scalar(LATEST_DUE, {"project": project.id}))


CHANGE_COUNTS = """
SELECT i.key, COUNT(e.id)
FROM event AS e
JOIN item AS i ON i.id = e.item_id
WHERE e.project_id = :project AND e.kind <> 'note'
GROUP BY i.key
"""


def change_counts(run: Runner, project: ProjectRow) -> dict[str, int]:
    """How many changes (events other than notes) each item has, by key; creation counts."""
    return {r[0]: int(r[1]) for r in run(CHANGE_COUNTS, {"project": project.id})}


DUE_BASELINES = "SELECT key, due_baseline FROM item WHERE project_id = :project"


def due_baselines(run: Runner, project: ProjectRow) -> dict[str, date | None]:
    """The first agreed due date of every item, by key."""
    return {r[0]: as_date(r[1]) for r in run(DUE_BASELINES, {"project": project.id})}


CHAIN = """
SELECT id, project_id, item_id, day, recorded_at, actor, kind, field, old, new, hash
FROM event WHERE project_id = :project ORDER BY id
"""


def chain(run: Runner, project: ProjectRow) -> Iterator[Link]:
    """The project's events as links of its hash chain, oldest first."""
    from tracker.audit import Link

    for r in run(CHAIN, {"project": project.id}):
        day, recorded_at = as_date(r[3]), as_datetime(r[4])
        assert day is not None and recorded_at is not None
        yield Link(r[0], r[1], r[2], day, recorded_at, r[5], r[6], r[7], r[8], r[9], r[10])


LAST_OPEN_STATE = """
SELECT old FROM event
WHERE item_id = :item AND kind = 'state' AND old IN ('planned', 'in_progress')
ORDER BY id DESC
LIMIT 1
"""


def state_before_closing(run: Runner, item: ItemRow) -> State:
    """The open state an item had before it was last closed (planned if unknown)."""
    old = run.scalar(LAST_OPEN_STATE, {"item": item.id})
    return State(old) if old else State.PLANNED
