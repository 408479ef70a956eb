"""Plan files (TOML, docs/plan-format.md) to dataclasses, and loading one into a database.

Parsing checks the whole file before anything touches a database: an error names the
file, the item and the problem, and nothing is loaded. `install()` migrates the
database and loads the plan in one transaction.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any, NamedTuple

from tracker import fields
from tracker.dates import check_supported, format_de, parse_absolute_date
from tracker.errors import BadDate, BadInput, BadPlan, UnknownRegion
from tracker.holidays_de import WorkingCalendar, normalize_region
from tracker.plan_dates import GO_LIVE, Relative, apply, parse_relative
from tracker.states import Kind, State

BUILTIN_SUFFIX = ".toml"
Day = date  # for annotations inside _Reader, whose method `date` hides the type

_PROJECT_FIELDS = {"key", "name", "go_live", "region", "source", "language"}
_WORKSTREAM_FIELDS = {"key", "title"}
_ITEM_FIELDS = {
    "key", "title", "workstream", "owner", "start", "due", "due_derived", "state",
    "done_on", "refs", "description", "depends_on", "tasks",
}  # fmt: skip
_DEPENDENCY_FIELDS = {"key", "lag", "derived", "note"}
_CLOSED_DAY_FIELDS = {"day", "reason"}


@dataclass
class PlanDependency:
    """The item it is declared on starts after `key` finishes, plus `lag` working days."""

    key: str
    lag: int = 0
    derived: bool = False
    note: str = ""


@dataclass
class PlanItem:
    key: str
    title: str
    workstream: str
    kind: Kind
    owner: str | None = None
    start: date | None = None
    due: date | None = None
    due_derived: bool = False
    state: State = State.PLANNED
    done_on: date | None = None
    refs: list[str] = field(default_factory=list)
    description: str = ""
    depends_on: list[PlanDependency] = field(default_factory=list)
    tasks: list[PlanItem] = field(default_factory=list)


@dataclass
class Plan:
    source: str  # where it was read from, for messages
    key: str
    name: str
    go_live: date
    region: str
    language: str | None
    description: str
    workstreams: list[tuple[str, str]]
    milestones: list[PlanItem]
    closed_days: list[tuple[date, str]] = field(default_factory=list)
    relative: bool = False  # a template: some dates were given relative to go-live

    def items(self) -> list[PlanItem]:
        """Milestones and their tasks, each milestone before its tasks."""
        return [i for m in self.milestones for i in (m, *m.tasks)]


def builtin_plans() -> list[str]:
    """The names of the plans shipped with the tracker."""
    folder = files("tracker").joinpath("plans")
    return sorted(
        p.name.removesuffix(BUILTIN_SUFFIX)
        for p in folder.iterdir()
        if p.name.endswith(BUILTIN_SUFFIX)
    )


class Overrides(NamedTuple):
    """What `tracker init` may set instead of the plan: a template's go-live, and the
    key, name and region of the project made from it."""

    go_live: date | None = None
    key: str = ""
    name: str = ""
    region: str = ""


def read(name_or_path: str, overrides: Overrides = Overrides()) -> Plan:  # noqa: B008
    """A built-in plan by name, or a plan file by path; BadPlan for any problem.

    Dates relative to go-live (templates, plan_dates.py) are resolved against
    `overrides.go_live`, else the plan's own go_live.
    """
    if name_or_path in builtin_plans():
        resource = files("tracker").joinpath("plans", name_or_path + BUILTIN_SUFFIX)
        return parse(resource.read_text(encoding="utf-8"), name_or_path, overrides)
    path = Path(name_or_path)
    if not path.is_file():
        known = ", ".join(builtin_plans())
        raise BadPlan(f"no plan {name_or_path!r} (built-in plans: {known}; or a .toml file)")
    try:
        text = path.read_text(encoding="utf-8-sig")  # Windows editors may add a BOM
    except (OSError, UnicodeDecodeError) as exc:
        raise BadPlan(f"{path}: cannot read it ({exc})") from None
    return parse(text, str(path), overrides)


def parse(text: str, source: str, overrides: Overrides = Overrides()) -> Plan:  # noqa: B008
    """Parse and check a whole plan; BadPlan names `source`, the item and the problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadPlan(f"{source}: not valid TOML: {exc}") from None
    return _Reader(source, overrides).plan(data)


class _Reader:
    def __init__(self, source: str, overrides: Overrides) -> None:
        self.source = source
        self.overrides = overrides
        # (item key, field) -> the relative date written there, and where, until resolved
        self.pending: dict[tuple[str, str], tuple[Relative, str]] = {}
        self.relative = False  # whether any date was written relative to another

    def fail(self, where: str, problem: str) -> BadPlan:
        return BadPlan(f"{self.source}, {where}: {problem}")

    def table(self, value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "must be a table")
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.fail(
                where, f"unknown field {unknown[0]!r} (fields: {', '.join(sorted(allowed))})"
            )
        return value

    def valid(self, where: str, check: Any, *args: Any) -> Any:
        """check(*args), with its BadInput or BadDate turned into a BadPlan at `where`."""
        try:
            return check(*args)
        except (BadInput, BadDate) as exc:
            raise self.fail(where, str(exc)) from None

    def text(self, table: dict[str, Any], name: str, where: str, *, required: bool = True,
             limit: int = fields.MAX_TEXT) -> str:  # fmt: skip
        value = table.get(name)
        if value is None:
            if required:
                raise self.fail(where, f"{name} is missing")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(where, f"{name} must be a non-empty string")
        if len(value) > limit:
            raise self.fail(where, f"{name} is longer than {limit} characters")
        return value.strip()

    def date(self, table: dict[str, Any], name: str, where: str) -> date | None:
        value = table.get(name)
        if value is None:
            return None
        if isinstance(value, date) and not hasattr(value, "hour"):
            checked: date = self.valid(where, check_supported, value, name)
            return checked
        if isinstance(value, str):
            try:
                parsed = parse_absolute_date(value)
            except BadDate:
                pass
            else:
                checked = self.valid(where, check_supported, parsed, name)
                return checked
        shown = repr(value) if isinstance(value, str) else str(value)  # as written, not repr
        raise self.fail(where, f"{name} {shown} is not a date (use 2011-10-10 or 10.10.2011)")

    def language(self, project: dict[str, Any]) -> str | None:
        value = self.text(project, "language", "[project]", required=False).lower()
        if value and value not in ("de", "en"):
            raise self.fail("[project]", f"language {value!r} is not one of de, en")
        return value or None

    def plan(self, data: dict[str, Any]) -> Plan:
        data = self.table(
            data, "top level", {"project", "workstreams", "milestones", "closed_days"}
        )
        project = self.table(data.get("project"), "[project]", _PROJECT_FIELDS)
        go_live = self.overrides.go_live or self.date(project, "go_live", "[project]")
        key = self.valid(
            "[project]",
            fields.short_key,
            self.text(project, "key", "[project]"),
            "project key",
            fields.MAX_PROJECT_KEY,
        )
        try:
            region = normalize_region(
                self.overrides.region or self.text(project, "region", "[project]")
            )
        except UnknownRegion as exc:
            raise self.fail("[project]", str(exc)) from None

        workstreams: list[tuple[str, str]] = []
        for n, raw in enumerate(data.get("workstreams") or [], 1):
            ws = self.table(raw, f"workstream #{n}", _WORKSTREAM_FIELDS)
            raw_key = self.text(ws, "key", f"workstream #{n}")
            where = f"workstream {raw_key!r}"
            ws_key = self.valid(where, fields.short_key, raw_key, "workstream key", fields.MAX_KEY)
            if ws_key in {k for k, _ in workstreams}:
                raise self.fail(where, "the key is used twice")
            title = self.valid(
                where, fields.title, self.text(ws, "title", where), "title", fields.MAX_NAME
            )
            workstreams.append((ws_key, title))
        if not workstreams:
            raise self.fail("top level", "the plan has no [[workstreams]]")

        seen: set[str] = set()
        milestones = [
            self.item(raw, n, None, {k for k, _ in workstreams}, seen)
            for n, raw in enumerate(data.get("milestones") or [], 1)
        ]
        self.check_dependencies(milestones)
        closed_days = self.closed_days(data.get("closed_days") or [])
        if go_live is None:
            if self.pending:
                raise BadPlan(
                    f"{self.source} gives dates relative to go-live: say when with --go-live DATE"
                )
            raise self.fail("[project]", "go_live is missing")
        if self.overrides.key:
            wanted = self.valid(
                "--project",
                fields.short_key,
                self.overrides.key,
                "project key",
                fields.MAX_PROJECT_KEY,
            )
            if not self.pending and wanted != key:
                # TRACKER_PROJECT set for another project must not rename this plan.
                raise BadPlan(
                    f"{self.source} is the project {key!r}, not {wanted!r} "
                    "(--project or TRACKER_PROJECT); only a template takes a new key"
                )
            key = wanted
        if self.pending:
            self.resolve(milestones, go_live, WorkingCalendar(region, [d for d, _ in closed_days]))
        elif self.overrides.go_live is not None:
            raise BadPlan(
                f"{self.source} gives every date as a date, so --go-live would move the "
                'go-live alone; use a template (dates like "go_live - 6 months")'
            )
        return Plan(
            source=self.source,
            key=key,
            name=self.valid(
                "[project]",
                fields.title,
                self.overrides.name or self.text(project, "name", "[project]"),
                "name",
                fields.MAX_NAME,
            ),
            go_live=go_live,
            region=region,
            language=self.language(project),
            description=self.text(project, "source", "[project]", required=False),
            workstreams=workstreams,
            milestones=milestones,
            closed_days=closed_days,
            relative=self.relative,
        )

    def when(self, table: dict[str, Any], name: str, where: str, key: str) -> Day | None:
        """A date field of an item: a date, or a date relative to go-live or another
        item (kept in `pending` until the whole plan is read, then resolved)."""
        value = table.get(name)
        if isinstance(value, str):
            try:
                rel = parse_relative(value)
            except BadDate as exc:
                raise self.fail(where, f"{name}: {exc}") from None
            if rel is not None:
                self.pending[(key, name)] = (rel, where)
                self.relative = True
                return None
        return self.date(table, name, where)

    def resolve(self, milestones: list[PlanItem], go_live: Day, calendar: Any) -> None:
        """Every pending relative date, anchors first; BadPlan names a missing anchor
        or dates that refer to each other in a circle."""
        items = {i.key: i for m in milestones for i in (m, *m.tasks)}
        busy: list[tuple[str, str]] = []

        def value(key: str, name: str, asked_by: str) -> Day:
            if (key, name) in self.pending:
                rel, where = self.pending[(key, name)]
                if (key, name) in busy:
                    circle = " → ".join(f"{k}.{n}" for k, n in [*busy, (key, name)])
                    raise self.fail(where, f"dates that refer to each other: {circle}")
                busy.append((key, name))
                if rel.anchor == GO_LIVE:
                    base = go_live
                elif rel.anchor in items:
                    base = value(rel.anchor, rel.field, where)
                else:
                    raise self.fail(where, f"{name} {rel.text!r}: no item {rel.anchor}")
                try:
                    day = check_supported(apply(base, rel, calendar.is_working_day), name)
                except BadDate as exc:
                    raise self.fail(where, f"{name} {rel.text!r}: {exc}") from None
                busy.pop()
                del self.pending[(key, name)]
                setattr(items[key], name, day)
                return day
            day = getattr(items[key], name)
            if day is None:
                raise self.fail(asked_by, f"{key} has no {name} to count from")
            assert isinstance(day, Day)
            return day

        for key, name in list(self.pending):
            if (key, name) in self.pending:
                value(key, name, self.pending[(key, name)][1])
        for item in items.values():
            where = f"{item.kind.value} {item.key!r}"
            if item.start and item.due and item.start > item.due:
                raise self.fail(
                    where, f"start {format_de(item.start)} is after due {format_de(item.due)}"
                )
            if item.done_on and item.state is not State.DONE:
                raise self.fail(where, f"done_on is given but the state is {item.state.value}")

    def closed_days(self, raw: Any) -> list[tuple[Day, str]]:
        if not isinstance(raw, list):
            raise self.fail("closed_days", "must be an array of tables ([[closed_days]])")
        days: dict[Day, str] = {}
        for n, entry in enumerate(raw, 1):
            where = f"closed day #{n}"
            table = self.table(entry, where, _CLOSED_DAY_FIELDS)
            day = self.date(table, "day", where)
            if day is None:
                raise self.fail(where, "day is missing")
            if day in days:
                raise self.fail(where, f"{format_de(day)} is listed twice")
            reason = self.text(table, "reason", where, required=False, limit=fields.MAX_TITLE)
            days[day] = self.valid(where, fields.one_line, reason, "reason", fields.MAX_TITLE)
        return sorted(days.items())

    def dependencies(self, raw: Any, where: str) -> list[PlanDependency]:
        if not isinstance(raw, list):
            raise self.fail(where, 'depends_on must be a list, e.g. ["SW-INSTALL"]')
        found = []
        for entry in raw:
            if isinstance(entry, str):
                entry = {"key": entry}
            table = self.table(entry, f"{where}, depends_on", _DEPENDENCY_FIELDS)
            key = self.valid(where, fields.item_key, self.text(table, "key", where))
            lag, derived = table.get("lag", 0), table.get("derived", False)
            if not isinstance(lag, int) or isinstance(lag, bool) or not 0 <= lag <= fields.MAX_LAG:
                raise self.fail(
                    where, f"the lag on {key} must be 0 to {fields.MAX_LAG} working days"
                )
            if not isinstance(derived, bool):
                raise self.fail(where, f"derived on {key} must be true or false")
            note = self.text(table, "note", where, required=False)
            found.append(PlanDependency(key, lag, derived, note))
        return found

    def check_dependencies(self, milestones: list[PlanItem]) -> None:
        from tracker.schedule import Cycle, Edge, topological_order

        items = {i.key: i for m in milestones for i in (m, *m.tasks)}
        preds: dict[str, list[Edge]] = {key: [] for key in items}
        for m in milestones:
            preds[m.key] += [Edge(t.key, 0, implicit=True) for t in m.tasks]
        for item in items.values():
            where = f"{item.kind.value} {item.key!r}"
            for d in item.depends_on:
                if d.key not in items:
                    raise self.fail(where, f"depends on {d.key}, which the plan does not have")
                if d.key == item.key:
                    raise self.fail(where, "an item cannot depend on itself")
                if d.key in {e.predecessor for e in preds[item.key] if not e.implicit}:
                    raise self.fail(where, f"depends on {d.key} twice")
                preds[item.key].append(Edge(d.key, d.lag, implicit=False))
        try:
            topological_order(preds)
        except Cycle as cycle:
            raise self.fail("depends_on", f"a cycle: {' → '.join(cycle.keys)}") from None

    def item(
        self, raw: Any, n: int, parent: PlanItem | None, workstreams: set[str], seen: set[str]
    ) -> PlanItem:
        kind = Kind.TASK if parent else Kind.MILESTONE
        where = f"{kind.value} #{n}" + (f" of {parent.key!r}" if parent else "")
        if isinstance(raw, dict) and isinstance(raw.get("key"), str) and raw["key"].strip():
            where = f"{kind.value} {raw['key'].strip().upper()!r}"  # name it as the lead does
        table = self.table(raw, where, _ITEM_FIELDS if parent is None else _ITEM_FIELDS - {"tasks"})
        key = self.valid(where, fields.item_key, self.text(table, "key", where))
        where = f"{kind.value} {key!r}"
        if key in seen:
            raise self.fail(where, "the key is used twice")
        seen.add(key)
        ws_key = self.text(table, "workstream", where, required=parent is None).lower()
        ws_key = ws_key or (parent.workstream if parent else "")
        if ws_key not in workstreams:
            raise self.fail(where, f"unknown workstream {ws_key!r}")
        try:
            state = State.parse(self.text(table, "state", where, required=False) or "planned")
        except ValueError:
            allowed = ", ".join(s.value for s in State)
            raise self.fail(where, f"state {table['state']!r} is not one of {allowed}") from None
        start, due = self.when(table, "start", where, key), self.when(table, "due", where, key)
        if start and due and start > due:
            raise self.fail(where, f"start {format_de(start)} is after due {format_de(due)}")
        done_on = self.when(table, "done_on", where, key)
        if done_on and state is not State.DONE:
            raise self.fail(where, f"done_on is given but the state is {state.value}")
        derived = table.get("due_derived", False)
        if not isinstance(derived, bool):
            raise self.fail(where, "due_derived must be true or false")
        if derived and due is None and (key, "due") not in self.pending:
            raise self.fail(where, "due_derived is true but there is no due date")
        refs = table.get("refs", [])
        if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
            raise self.fail(where, 'refs must be a list of strings, e.g. ["647/2011"]')
        refs = fields.split_refs(self.valid(where, fields.refs, refs))
        item = PlanItem(
            key=key,
            title=self.valid(where, fields.title, self.text(table, "title", where)),
            workstream=ws_key,
            kind=kind,
            owner=self.valid(where, fields.owner, self.text(table, "owner", where, required=False)),
            start=start,
            due=due,
            due_derived=derived,
            state=state,
            done_on=done_on,
            refs=refs,
            description=self.text(table, "description", where, required=False),
            depends_on=self.dependencies(table.get("depends_on", []), where),
        )
        raw_tasks = table.get("tasks") or []
        if not isinstance(raw_tasks, list):
            raise self.fail(where, "tasks must be an array of tables ([[milestones.tasks]])")
        item.tasks = [self.item(t, i, item, workstreams, seen) for i, t in enumerate(raw_tasks, 1)]
        return item


# --- loading ---------------------------------------------------------------------


@dataclass(frozen=True)
class Installed:
    """What `install` did, for the CLI to report."""

    where: str
    revision_before: str | None
    revision: str
    created: bool


def install(url: str, plan: Plan | None, actor: str, today: date) -> Installed:
    """Create or migrate the database and load `plan`, all in one transaction.

    Refuses what `db.migrate` refuses, and a plan whose project key the database
    already holds; a new SQLite file is removed again if anything fails.
    """
    from tracker import db

    where = db.describe(url)

    def load(conn: Any) -> None:
        if plan is not None:
            _load(conn, plan, actor, today, where)

    before, created = db.migrate(url, load=load, create=True)
    return Installed(where, before, db.HEAD, created)


def _load(conn: Any, plan: Plan, actor: str, today: date, where: str) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from tracker.audit import Link, chain_hash
    from tracker.dates import now_utc
    from tracker.models import ClosedDay, Dependency, Event, Item, Project, Workstream
    from tracker.states import EventKind

    with Session(bind=conn) as session:
        if session.scalar(select(Project.id).where(Project.key == plan.key)) is not None:
            raise BadPlan(
                f"{where} already holds the project {plan.key!r}; nothing loaded "
                "(use another --db, or change the plan's project key)"
            )
        now = now_utc()
        project = Project(
            key=plan.key,
            name=plan.name,
            go_live=plan.go_live,
            region=plan.region,
            language=plan.language,
            source=plan.description,
            created_at=now,
        )
        session.add(project)
        workstreams = {
            key.lower(): Workstream(project=project, key=key, title=title, position=n)
            for n, (key, title) in enumerate(plan.workstreams)
        }
        session.add_all(workstreams.values())
        session.flush()
        rows: dict[str, Item] = {}
        for milestone in plan.milestones:
            parent = rows[milestone.key] = _item(project, workstreams, milestone, None, now)
            for task in milestone.tasks:
                rows[task.key] = _item(project, workstreams, task, parent, now)
        session.add_all(rows.values())
        session.flush()
        session.add_all(
            ClosedDay(project_id=project.id, day=d, reason=r) for d, r in plan.closed_days
        )
        session.add_all(
            Dependency(
                project_id=project.id,
                item_id=rows[item.key].id,
                predecessor_id=rows[d.key].id,
                lag=d.lag,
                derived=d.derived,
                note=d.note,
                created_at=now,
            )
            for item in plan.items()
            for d in item.depends_on
        )
        session.flush()
        previous: str | None = None  # a new project's chain starts here
        for item in session.scalars(
            select(Item).where(Item.project_id == project.id).order_by(Item.id)
        ):
            link = Link(
                0, project.id, item.id, today, now, actor, EventKind.CREATED.value,
                None, None, item.title, None,
            )  # fmt: skip
            previous = chain_hash(previous, link)
            # One flush per event: the chain follows the ids, so they must be in order.
            session.add(
                Event(
                    project_id=project.id,
                    item_id=item.id,
                    day=today,
                    recorded_at=now,
                    actor=actor,
                    kind=EventKind.CREATED,
                    new=item.title,
                    hash=previous,
                )
            )
            session.flush()


def _item(project: Any, workstreams: dict[str, Any], p: PlanItem, parent: Any, now: Any) -> Any:
    from tracker.models import Item

    return Item(
        project_id=project.id,
        key=p.key,
        kind=p.kind,
        title=p.title,
        description=p.description,
        workstream=workstreams[p.workstream.lower()],
        milestone=parent,
        owner=p.owner,
        start=p.start,
        due=p.due,
        due_baseline=p.due,
        due_derived=p.due_derived,
        state=p.state,
        done_on=p.done_on,
        refs=", ".join(p.refs),
        created_at=now,
        updated_at=now,
    )
