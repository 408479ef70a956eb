"""A whole project as one JSON file (docs/export-json.md): export, and import back.

`collect` reads everything a project is: its workstreams, items, dependencies,
closed days, baselines and the whole event log with its hash chain. `restore` loads
such a file into a database that does not hold the project yet, in one transaction
(creating the database if need be, like `init`): the same ids where they are free,
so that the hash chain stays what it was and export → import → export gives the same
file. Where another project holds those ids, new ones are given and the chain is
computed again over them; either way the file's own chain is verified first, so a
file changed by hand is refused rather than laundered into a fresh chain.

`merge_table` turns the file's items into the CSV importer's rows, so that `import
--merge` updates a project by key through the same core writes as a CSV file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from tracker import fields
from tracker.audit import Link, chain_hash
from tracker.dates import as_date, as_datetime, check_supported, iso
from tracker.db import Runner
from tracker.errors import BadInput
from tracker.exchange import Progress
from tracker.queries import ProjectRow
from tracker.states import EventKind, Kind, State

FORMAT = "tracker-project"
VERSION = 1


def _ts(value: object) -> str | None:
    stamp = as_datetime(value)
    return None if stamp is None else stamp.isoformat(timespec="microseconds")


def _day(value: object) -> str | None:
    return iso(as_date(value))


PROJECT = """
SELECT id, key, name, go_live, region, language, source, created_at FROM project WHERE id = :p
"""
WORKSTREAMS = "SELECT key, title, position FROM workstream WHERE project_id = :p ORDER BY id"
ITEMS = """
SELECT i.id, i.key, i.kind, i.title, i.description, ws.key, m.key, i.owner, i.start, i.due,
       i.due_baseline, i.due_derived, i.state, i.done_on, i.refs, i.created_at, i.updated_at
FROM item AS i
JOIN workstream AS ws ON ws.id = i.workstream_id
LEFT JOIN item AS m ON m.id = i.milestone_id
WHERE i.project_id = :p
ORDER BY i.id
"""
DEPENDENCIES = """
SELECT s.key, p.key, d.lag, d.derived, d.note, d.created_at
FROM dependency AS d
JOIN item AS s ON s.id = d.item_id
JOIN item AS p ON p.id = d.predecessor_id
WHERE d.project_id = :p
ORDER BY d.id
"""
CLOSED_DAYS = "SELECT day, reason FROM closed_day WHERE project_id = :p ORDER BY day"
BASELINES = "SELECT id, name, day, saved_at, actor FROM baseline WHERE project_id = :p ORDER BY id"
BASELINE_ITEMS = """
SELECT bi.baseline_id, i.key, bi.start, bi.due, bi.state
FROM baseline_item AS bi
JOIN baseline AS b ON b.id = bi.baseline_id
JOIN item AS i ON i.id = bi.item_id
WHERE b.project_id = :p
ORDER BY bi.baseline_id, i.id
"""
EVENTS = """
SELECT e.id, i.key, e.day, e.recorded_at, e.actor, e.kind, e.field, e.old, e.new, e.hash
FROM event AS e
LEFT JOIN item AS i ON i.id = e.item_id
WHERE e.project_id = :p AND e.id > :after
ORDER BY e.id
LIMIT :chunk
"""
EVENT_COUNT = "SELECT COUNT(*) FROM event WHERE project_id = :p"
CHUNK = 5000  # events read and written at a time: memory stays flat however long the log


def collect(run: Runner, project: ProjectRow, revision: str) -> dict[str, Any]:
    """The whole project as plain data, in a stable order (ids, then keys).

    Everything but the events, which `events` yields in chunks; `collect` puts them
    in too, for callers that want one object (tests).
    """
    data = head(run, project, revision)
    data["events"] = [e for chunk in events(run, project) for e in chunk]
    return data


def events(run: Runner, project: ProjectRow) -> Iterator[list[dict[str, Any]]]:
    """The event log, oldest first, CHUNK events at a time."""
    after = 0
    while True:
        rows = run(EVENTS, {"p": project.id, "after": after, "chunk": CHUNK})
        if not rows:
            return
        after = rows[-1][0]
        yield [
            {
                "key": r[1],
                "day": _day(r[2]),
                "recorded_at": _ts(r[3]),
                "actor": r[4],
                "kind": r[5],
                "field": r[6],
                "old": r[7],
                "new": r[8],
                "hash": r[9],
            }
            for r in rows
        ]


def write(
    run: Runner, project: ProjectRow, revision: str, out: BinaryIO, progress: Progress
) -> dict[str, Any]:
    """Write the project file to `out`, the events chunk by chunk; the same text as
    `dumps(collect(...))`. Returns the file's head (all but the events) and the count."""
    data = head(run, project, revision)
    total = int(run.scalar(EVENT_COUNT, {"p": project.id}) or 0)
    text = dumps({**data, "events": []})
    before, after = text.rsplit('  "events": []', 1)
    out.write(before.encode("utf-8"))
    if not total:
        out.write(('  "events": []' + after).encode("utf-8"))
        return {**data, "event_count": 0}
    out.write(b'  "events": [\n')
    written = 0
    with progress(total) as step:
        for chunk in events(run, project):
            for e in chunk:
                written += 1
                element = json.dumps(e, ensure_ascii=False, indent=2).replace("\n", "\n    ")
                out.write(("    " + element + (",\n" if written < total else "\n")).encode())
            step(len(chunk))
    out.write(("  ]" + after).encode("utf-8"))
    return {**data, "event_count": total}


def head(run: Runner, project: ProjectRow, revision: str) -> dict[str, Any]:
    """The project file without its events."""
    p = {"p": project.id}
    row = run.one(PROJECT, p)
    assert row is not None
    by_baseline: dict[int, list[dict[str, Any]]] = {}
    for b_id, key, start, due, state in run(BASELINE_ITEMS, p):
        by_baseline.setdefault(b_id, []).append(
            {"key": key, "start": _day(start), "due": _day(due), "state": state}
        )
    return {
        "format": FORMAT,
        "version": VERSION,
        "revision": revision,
        "project": {
            "id": row[0],
            "key": row[1],
            "name": row[2],
            "go_live": _day(row[3]),
            "region": row[4],
            "language": row[5],
            "source": row[6] or "",
            "created_at": _ts(row[7]),
        },
        "workstreams": [
            {"key": k, "title": t, "position": int(n)} for k, t, n in run(WORKSTREAMS, p)
        ],
        "items": [
            {
                "id": r[0],
                "key": r[1],
                "kind": r[2],
                "title": r[3],
                "description": r[4] or "",
                "workstream": r[5],
                "milestone": r[6],
                "owner": r[7],
                "start": _day(r[8]),
                "due": _day(r[9]),
                "due_baseline": _day(r[10]),
                "due_derived": bool(r[11]),
                "state": r[12],
                "done_on": _day(r[13]),
                "refs": r[14] or "",
                "created_at": _ts(r[15]),
                "updated_at": _ts(r[16]),
            }
            for r in run(ITEMS, p)
        ],
        "dependencies": [
            {
                "item": r[0],
                "predecessor": r[1],
                "lag": int(r[2]),
                "derived": bool(r[3]),
                "note": r[4] or "",
                "created_at": _ts(r[5]),
            }
            for r in run(DEPENDENCIES, p)
        ],
        "closed_days": [{"day": _day(d), "reason": r or ""} for d, r in run(CLOSED_DAYS, p)],
        "baselines": [
            {
                "name": r[1],
                "day": _day(r[2]),
                "saved_at": _ts(r[3]),
                "actor": r[4],
                "items": by_baseline.get(r[0], []),
            }
            for r in run(BASELINES, p)
        ],
        "events": [],
    }


def dumps(data: Mapping[str, Any]) -> str:
    """The file's text: UTF-8 JSON, two-space indent, one item per block."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# --- reading a file back -----------------------------------------------------------


class Checked:
    """A project file whose structure, values, references and hash chain are valid."""

    def __init__(self, data: dict[str, Any], source: str) -> None:
        self.data = data
        self.source = source

    @property
    def key(self) -> str:
        key: str = self.data["project"]["key"]
        return key


def read(path: Path) -> Checked:
    """Read and check a project file; BadInput naming the file and the first problem."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadInput(f"{source}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{source}: cannot read it ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{source}: not JSON ({exc})") from None
    return check(data, source)


def check(data: Any, source: str) -> Checked:
    """The checks of `read`, on parsed data."""
    _Check(source).whole(data)
    return Checked(data, source)


class _Check:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> BadInput:
        return BadInput(f"{self.source}, {where}: {problem}")

    def obj(self, value: Any, where: str, required: set[str], optional: set[str] = set()) -> dict:  # type: ignore[type-arg]  # noqa: B006
        if not isinstance(value, dict):
            raise self.fail(where, "must be an object")
        missing = sorted(required - set(value))
        if missing:
            raise self.fail(where, f"{missing[0]} is missing")
        unknown = sorted(set(value) - required - optional)
        if unknown:
            raise self.fail(where, f"unknown field {unknown[0]!r}")
        return value

    def lst(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, "must be a list")
        return value

    def text(self, value: Any, where: str, *, null: bool = False) -> str | None:
        if value is None and null:
            return None
        if not isinstance(value, str):
            raise self.fail(where, "must be text" + (" or null" if null else ""))
        if "\x00" in value:
            raise self.fail(where, "contains a NUL character")
        return value

    def day(self, value: Any, where: str, *, null: bool = True) -> date | None:
        if value is None and null:
            return None
        try:
            parsed = date.fromisoformat(value) if isinstance(value, str) else _bad()
        except ValueError:
            raise self.fail(where, f"{value!r} is not an ISO date (2011-10-10)") from None
        checked: date = self.guard(where, check_supported, parsed, "the date")
        return checked

    def stamp(self, value: Any, where: str) -> datetime:
        try:
            return datetime.fromisoformat(value) if isinstance(value, str) else _bad()
        except ValueError:
            raise self.fail(where, f"{value!r} is not an ISO timestamp") from None

    def whole(self, data: Any) -> None:
        """Every check that the database's constraints or the everyday commands would
        otherwise find later: values, lengths, references, duplicates, cycles."""
        top = {"format", "version", "revision", "project", "workstreams", "items"}
        top |= {"dependencies", "closed_days", "baselines", "events"}
        data = self.obj(data, "top level", top)
        if data["format"] != FORMAT:
            raise self.fail("top level", f"not a tracker project file (format {FORMAT!r})")
        if data["version"] != VERSION:
            raise self.fail(
                "top level", f"version {data['version']!r}; this tracker reads version {VERSION}"
            )
        self.project(data["project"])
        workstreams: set[str] = set()
        for n, raw in enumerate(self.lst(data["workstreams"], "workstreams"), 1):
            where = f"workstream #{n}"
            ws = self.obj(raw, where, {"key", "title", "position"})
            key = self.guard(where, fields.short_key, ws["key"], "workstream key", fields.MAX_KEY)
            if key != ws["key"] or key in workstreams:
                raise self.fail(where, f"the key {ws['key']!r} is not a workstream key or twice")
            self.guard(where, fields.title, ws["title"], "title", fields.MAX_NAME)
            self.number(ws["position"], f"{where}, position")
            workstreams.add(key)
        items: dict[str, dict[str, Any]] = {}
        ids: set[int] = set()
        for n, raw in enumerate(self.lst(data["items"], "items"), 1):
            self.item(raw, n, items, ids, workstreams)
        for key, item in items.items():
            parent = item["milestone"]
            if (item["kind"] == Kind.TASK.value) != (parent is not None):
                raise self.fail(f"item {key}", "a task needs a milestone, a milestone none")
            if parent is not None and items.get(parent, {}).get("kind") != Kind.MILESTONE.value:
                raise self.fail(f"item {key}", f"its milestone {parent} is not in the file")
        self.dependencies(data["dependencies"], items)
        seen_days: set[date | None] = set()
        for n, raw in enumerate(self.lst(data["closed_days"], "closed_days"), 1):
            where = f"closed day #{n}"
            c = self.obj(raw, where, {"day", "reason"})
            closed = self.day(c["day"], where, null=False)
            if closed in seen_days:
                raise self.fail(where, f"{c['day']} is in the file twice")
            seen_days.add(closed)
            self.guard(where, fields.one_line, self.text(c["reason"], where), "reason",
                       fields.MAX_TITLE)  # fmt: skip
        self.baselines(data["baselines"], items)
        self.events(data, items)

    def number(self, value: Any, where: str, low: int = 0) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise self.fail(where, f"must be a whole number of at least {low}")
        return value

    def flag(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, "must be true or false")
        return value

    def project(self, raw: Any) -> None:
        names = {"id", "key", "name", "go_live", "region", "language", "source", "created_at"}
        p = self.obj(raw, "project", names)
        self.number(p["id"], "project, id", low=1)
        key = self.guard("project", fields.short_key, p["key"], "project key",
                         fields.MAX_PROJECT_KEY)  # fmt: skip
        if key != p["key"]:
            raise self.fail("project", f"the key {p['key']!r} is not a project key")
        self.guard("project", fields.title, p["name"], "name", fields.MAX_NAME)
        self.day(p["go_live"], "project, go_live", null=False)
        self.stamp(p["created_at"], "project, created_at")
        if p["language"] not in (None, "de", "en"):
            raise self.fail("project", f"language {p['language']!r} is not de, en or null")
        self.text(p["source"], "project, source")
        from tracker.holidays_de import normalize_region

        region = self.guard("project", normalize_region, self.text(p["region"], "project"))
        if region != p["region"]:
            raise self.fail("project", f"region {p['region']!r}: write it as {region!r}")

    def dependencies(self, raw: Any, items: dict[str, dict[str, Any]]) -> None:
        from tracker.schedule import Cycle, Edge, topological_order

        preds: dict[str, list[Edge]] = {key: [] for key in items}
        for key, item in items.items():
            if item["milestone"] is not None:
                preds[item["milestone"]].append(Edge(key, 0, implicit=True))
        for n, entry in enumerate(self.lst(raw, "dependencies"), 1):
            where = f"dependency #{n}"
            names = {"item", "predecessor", "lag", "derived", "note", "created_at"}
            d = self.obj(entry, where, names)
            for end in ("item", "predecessor"):
                if d[end] not in items:
                    raise self.fail(where, f"{end} {d[end]!r} is not in the file")
            if d["item"] == d["predecessor"]:
                raise self.fail(where, f"{d['item']} depends on itself")
            if any(e.predecessor == d["predecessor"] and not e.implicit for e in preds[d["item"]]):
                raise self.fail(where, f"{d['item']} depends on {d['predecessor']} twice")
            lag = self.number(d["lag"], f"{where}, lag")
            if lag > fields.MAX_LAG:
                raise self.fail(where, f"lag must be 0 to {fields.MAX_LAG}")
            self.flag(d["derived"], f"{where}, derived")
            self.text(d["note"], f"{where}, note")
            if d["created_at"] is not None:
                self.stamp(d["created_at"], f"{where}, created_at")
            preds[d["item"]].append(Edge(d["predecessor"], lag, implicit=False))
        try:
            topological_order(preds)
        except Cycle as cycle:
            raise self.fail("dependencies", f"a cycle: {' → '.join(cycle.keys)}") from None

    def baselines(self, raw: Any, items: dict[str, dict[str, Any]]) -> None:
        names: set[str] = set()
        states = {s.value for s in State}
        for n, entry in enumerate(self.lst(raw, "baselines"), 1):
            where = f"baseline #{n}"
            b = self.obj(entry, where, {"name", "day", "saved_at", "actor", "items"})
            name = self.guard(where, fields.one_line, self.text(b["name"], where), "name",
                              fields.MAX_KEY)  # fmt: skip
            if not name or name.lower() in names:
                raise self.fail(where, f"the name {b['name']!r} is empty or twice")
            names.add(name.lower())
            self.day(b["day"], f"{where}, day", null=False)
            self.stamp(b["saved_at"], f"{where}, saved_at")
            self.guard(where, fields.actor, self.text(b["actor"], f"{where}, actor"))
            keys: set[str] = set()
            for m, bi in enumerate(self.lst(b["items"], f"{where}, items"), 1):
                at = f"{where}, item #{m}"
                bi = self.obj(bi, at, {"key", "start", "due", "state"})
                if bi["key"] not in items or bi["key"] in keys:
                    raise self.fail(at, f"item {bi['key']!r} is not in the file, or twice")
                keys.add(bi["key"])
                self.day(bi["start"], at)
                self.day(bi["due"], at)
                if bi["state"] not in states:
                    raise self.fail(at, f"state {bi['state']!r} is not a state")

    def guard(self, where: str, check: Any, *args: Any) -> Any:
        try:
            return check(*args)
        except Exception as exc:  # a field check: BadInput, UnknownRegion, ...
            raise self.fail(where, str(exc)) from None

    def item(
        self,
        raw: Any,
        n: int,
        items: dict[str, dict[str, Any]],
        ids: set[int],
        workstreams: set[str],
    ) -> None:
        names = {"id", "key", "kind", "title", "description", "workstream", "milestone", "owner"}
        names |= {"start", "due", "due_baseline", "due_derived", "state", "done_on", "refs"}
        names |= {"created_at", "updated_at"}
        item = self.obj(raw, f"item #{n}", names)
        key = self.guard(f"item #{n}", fields.item_key, self.text(item["key"], f"item #{n}, key"))
        where = f"item {key}"
        if key in items:
            raise self.fail(where, "the key is in the file twice")
        if not isinstance(item["id"], int) or isinstance(item["id"], bool) or item["id"] < 1:
            raise self.fail(where, "id must be a positive number")
        if item["id"] in ids:
            raise self.fail(where, f"the id {item['id']} is in the file twice")
        ids.add(item["id"])
        if item["kind"] not in {k.value for k in Kind}:
            raise self.fail(where, f"kind {item['kind']!r} is not milestone or task")
        if item["state"] not in {s.value for s in State}:
            raise self.fail(where, f"state {item['state']!r} is not a state")
        if item["workstream"] not in workstreams:
            raise self.fail(where, f"workstream {item['workstream']!r} is not in the file")
        self.guard(where, fields.title, self.text(item["title"], f"{where}, title"))
        self.text(item["description"], f"{where}, description")
        owner = self.text(item["owner"], f"{where}, owner", null=True)
        if owner is not None and self.guard(where, fields.owner, owner) != owner:
            raise self.fail(where, f"owner {owner!r} is not one line of text")
        self.guard(where, fields.refs, [self.text(item["refs"], f"{where}, refs")])
        self.flag(item["due_derived"], f"{where}, due_derived")
        start, due = self.day(item["start"], where), self.day(item["due"], where)
        if start and due and start > due:
            raise self.fail(where, "start is after due")
        self.day(item["due_baseline"], where)
        done_on = self.day(item["done_on"], where)
        if done_on is not None and item["state"] != State.DONE.value:
            raise self.fail(where, "done_on is given but the state is not done")
        self.stamp(item["created_at"], f"{where}, created_at")
        self.stamp(item["updated_at"], f"{where}, updated_at")
        items[key] = item

    def events(self, data: dict[str, Any], items: dict[str, dict[str, Any]]) -> None:
        """Each event well-formed and chained: the file's history is what was recorded."""
        project_id = data["project"]["id"]
        previous: str | None = None
        kinds = {k.value for k in EventKind}
        ids = items_ids(items)
        for n, raw in enumerate(self.lst(data["events"], "events"), 1):
            where = f"event #{n}"
            names = {"key", "day", "recorded_at", "actor", "kind", "field", "old", "new", "hash"}
            e = self.obj(raw, where, names)
            if e["key"] is not None and e["key"] not in items:
                raise self.fail(where, f"item {e['key']!r} is not in the file")
            if e["kind"] not in kinds:
                raise self.fail(where, f"kind {e['kind']!r} is not an event kind")
            link = event_link(e, project_id, ids, where, self)
            previous = chain_hash(previous, link)
            if previous != e["hash"]:
                raise self.fail(
                    where,
                    "its hash does not match the history before it: the file was changed "
                    "after it was exported; nothing imported",
                )


def items_ids(items: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    return {k: int(v["id"]) for k, v in items.items()}


def event_link(
    e: Mapping[str, Any], project_id: int, item_ids: Mapping[str, int], where: str, c: Any
) -> Link:
    """An event of the file as its hash chain sees it, with the given ids."""
    day = c.day(e["day"], f"{where}, day", null=False)
    recorded_at = c.stamp(e["recorded_at"], f"{where}, recorded_at")
    for name in ("actor", "kind"):
        c.text(e[name], f"{where}, {name}")
    for name in ("field", "old", "new"):
        c.text(e[name], f"{where}, {name}", null=True)
    item_id = item_ids[e["key"]] if e["key"] is not None else None
    return Link(
        0, project_id, item_id, day, recorded_at, e["actor"], e["kind"],
        e["field"], e["old"], e["new"], None,
    )  # fmt: skip


def _bad() -> Any:
    raise ValueError


def ts(value: str | None) -> datetime | None:
    """A timestamp of a checked file."""
    return None if value is None else datetime.fromisoformat(value)


def day(value: str | None) -> date | None:
    """A date of a checked file."""
    return None if value is None else date.fromisoformat(value)


# --- restoring into a database ------------------------------------------------------


class Restored(NamedTuple):
    """What `restore` did, for the CLI to report."""

    where: str
    key: str
    created: bool  # the database was created, or had no schema yet
    items: int
    events: int
    same_ids: bool  # False: ids were taken, the chain was computed again


def summary_of(d: Mapping[str, Any]) -> str:
    """What a project file holds: "23 items, 10 dependencies, 0 closed days, …"."""
    n_events = d["event_count"] if "event_count" in d else len(d["events"])
    counts = [
        (len(d["items"]), "item", "items"),
        (len(d["dependencies"]), "dependency", "dependencies"),
        (len(d["closed_days"]), "closed day", "closed days"),
        (len(d["baselines"]), "baseline", "baselines"),
        (n_events, "event", "events"),
    ]
    return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in counts)


def restore(url: str, checked: Checked, progress: Progress) -> Restored:
    """Load the project of `checked` into the database at `url`, in one transaction,
    creating and migrating the database if need be. Refuses (BadInput) when the
    database holds a project with the same key: that is `--merge`."""
    from tracker import db

    where = db.describe(url)
    done: list[bool] = []

    def load(conn: Any) -> None:
        done.append(_load(conn, checked, where, progress))

    before, created = db.migrate(url, load=load, create=True)
    created = created or before is None
    d = checked.data
    return Restored(where, checked.key, created, len(d["items"]), len(d["events"]), done[0])


def _load(conn: Any, checked: Checked, where: str, progress: Progress) -> bool:
    from sqlalchemy import func, insert, select, text

    from tracker.models import Item, Project, Workstream

    data = checked.data
    p = data["project"]
    if conn.scalar(select(Project.id).where(Project.key == p["key"])) is not None:
        raise BadInput(
            f"{where} already holds the project {p['key']!r}; nothing imported "
            "(`tracker import --merge FILE` updates it by key)"
        )
    if conn.dialect.name == "postgresql":
        # Nobody takes an id between the check below and the inserts (SQLite's write
        # transaction holds the whole database already).
        conn.execute(text("LOCK TABLE project, item IN SHARE ROW EXCLUSIVE MODE"))
    # Keep the ids when nothing uses them (a range: a file may hold 100,000 items).
    file_ids = [i["id"] for i in data["items"]] or [0]
    taken = conn.scalar(select(func.count()).where(Project.id == p["id"])) or conn.scalar(
        select(func.count()).where(Item.id.between(min(file_ids), max(file_ids)))
    )
    same_ids = not taken

    project = {
        "key": p["key"],
        "name": p["name"],
        "go_live": day(p["go_live"]),
        "region": p["region"],
        "language": p["language"],
        "source": p["source"],
        "created_at": ts(p["created_at"]),
    }
    if same_ids:
        project["id"] = p["id"]
    project_id = conn.execute(insert(Project).values(**project).returning(Project.id)).scalar_one()
    ws_ids = {
        ws["key"]: conn.execute(
            insert(Workstream)
            .values(
                project_id=project_id, key=ws["key"], title=ws["title"], position=ws["position"]
            )
            .returning(Workstream.id)
        ).scalar_one()
        for ws in data["workstreams"]
    }
    ids: dict[str, int] = {}

    def item_row(i: dict[str, Any]) -> dict[str, Any]:
        row = {
            "project_id": project_id,
            "key": i["key"],
            "kind": Kind(i["kind"]),
            "title": i["title"],
            "description": i["description"],
            "workstream_id": ws_ids[i["workstream"]],
            "milestone_id": ids[i["milestone"]] if i["milestone"] else None,
            "owner": i["owner"],
            "start": day(i["start"]),
            "due": day(i["due"]),
            "due_baseline": day(i["due_baseline"]),
            "due_derived": i["due_derived"],
            "state": State(i["state"]),
            "done_on": day(i["done_on"]),
            "refs": i["refs"],
            "created_at": ts(i["created_at"]),
            "updated_at": ts(i["updated_at"]),
        }
        if same_ids:
            row["id"] = i["id"]
        return row

    total = len(data["items"]) + len(data["events"])
    with progress(total) as step:
        # Milestones before their tasks (a task names its milestone's id), each in one
        # statement; then the ids the database gave, by key.
        for is_task in (False, True):
            group = [i for i in data["items"] if (i["kind"] == Kind.TASK.value) == is_task]
            if group:
                conn.execute(insert(Item), [item_row(i) for i in group])
                step(len(group))
            found = conn.execute(select(Item.key, Item.id).where(Item.project_id == project_id))
            ids.update({key: item_id for key, item_id in found})
        _load_rest(conn, checked, project_id, ids, same_ids, step)
    return same_ids


def _load_rest(
    conn: Any,
    checked: Checked,
    project_id: int,
    ids: dict[str, int],
    same_ids: bool,
    step: Any,
) -> None:
    from sqlalchemy import insert, text

    from tracker.models import Baseline, BaselineItem, ClosedDay, Dependency, Event

    data = checked.data

    if data["dependencies"]:
        conn.execute(
            insert(Dependency),
            [
                {
                    "project_id": project_id,
                    "item_id": ids[d["item"]],
                    "predecessor_id": ids[d["predecessor"]],
                    "lag": d["lag"],
                    "derived": d["derived"],
                    "note": d["note"],
                    "created_at": ts(d["created_at"]),
                }
                for d in data["dependencies"]
            ],
        )
    if data["closed_days"]:
        conn.execute(
            insert(ClosedDay),
            [
                {"project_id": project_id, "day": day(c["day"]), "reason": c["reason"]}
                for c in data["closed_days"]
            ],
        )
    for b in data["baselines"]:
        baseline_id = conn.execute(
            insert(Baseline)
            .values(
                project_id=project_id,
                name=b["name"],
                day=day(b["day"]),
                saved_at=ts(b["saved_at"]),
                actor=b["actor"],
            )
            .returning(Baseline.id)
        ).scalar_one()
        if b["items"]:
            conn.execute(
                insert(BaselineItem),
                [
                    {
                        "baseline_id": baseline_id,
                        "item_id": ids[bi["key"]],
                        "start": day(bi["start"]),
                        "due": day(bi["due"]),
                        "state": State(bi["state"]),
                    }
                    for bi in b["items"]
                ],
            )
    previous: str | None = None
    check = _Check(checked.source)
    all_events = data["events"]
    for first in range(0, len(all_events), CHUNK):
        rows = []
        for n, e in enumerate(all_events[first : first + CHUNK], first + 1):
            link = event_link(e, project_id, ids, f"event #{n}", check)
            previous = e["hash"] if same_ids else chain_hash(previous, link)
            rows.append(
                {
                    "project_id": project_id,
                    "item_id": link.item_id,
                    "day": link.day,
                    "recorded_at": link.recorded_at,
                    "actor": link.actor,
                    "kind": EventKind(link.kind),
                    "field": link.field,
                    "old": link.old,
                    "new": link.new,
                    "hash": previous,
                }
            )
        conn.execute(insert(Event), rows)  # in order: the chain follows the ids
        step(len(rows))
    if same_ids and conn.dialect.name == "postgresql":
        for table in ("project", "item"):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT MAX(id) FROM {table}))"
                )
            )


# --- merging into an existing project --------------------------------------------


def merge_table(checked: Checked) -> Any:
    """The file's items as the CSV importer's rows: new keys are added, known keys
    updated field by field, through the same core writes as `tracker import FILE.csv`."""
    from tracker.exchange.csv_io import COMMA, Row, Table

    rows = [
        Row(
            n,
            i["key"],
            {
                "kind": Kind(i["kind"]),
                "milestone": i["milestone"],
                "workstream": i["workstream"],
                "title": i["title"],
                "owner": i["owner"] or "",
                "state": State(i["state"]),
                "start": day(i["start"]),
                "due": day(i["due"]),
                "done_on": day(i["done_on"]),
                "refs": i["refs"],
                "description": i["description"],
            },
        )
        for n, i in enumerate(checked.data["items"], 1)
    ]
    return Table(checked.source, COMMA, rows=rows)


def merge_dependencies(checked: Checked) -> Any:
    """The `also` step of a merge: add the file's dependencies the project lacks (or
    whose lag differs); dependencies only the project has stay."""
    from tracker import actions
    from tracker.exchange.importer import RowResult
    from tracker.queries import dependencies

    def merge(run: Runner, project: ProjectRow, who: Any) -> list[RowResult]:
        have = {(d.item, d.predecessor): d.lag for d in dependencies(run, project)}
        results = []
        for d in checked.data["dependencies"]:
            if have.get((d["item"], d["predecessor"])) == d["lag"]:
                continue
            change = actions.add_dependency(
                run, project, who, d["item"], d["predecessor"], lag=d["lag"], note=d["note"]
            )
            results.append(RowResult(0, change.key, change.title, changes=change.changes))
        return results

    return merge
