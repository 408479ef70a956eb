"""Every write, one function each; each appends its events in the same transaction.

Callers open `db.writer(url)` and pass its runner: the transaction holds the write
lock from its start (BEGIN IMMEDIATE on SQLite) and the item row is read with
`Runner.for_update` (FOR UPDATE on PostgreSQL), so two leads changing the same item
queue instead of losing an update. The functions raise TrackerError subclasses and
never print; the caller's `with` rolls back on any error.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import NamedTuple

from tracker import fields
from tracker.dates import check_supported, format_de, now_utc
from tracker.db import Runner
from tracker.errors import BadInput, InvalidTransition
from tracker.queries import (
    ItemRow,
    ListFilter,
    ProjectRow,
    find_item,
    find_workstream,
    normalize_key,
    state_before_closing,
    tasks_of,
)
from tracker.states import EventKind, Kind, State


class Who(NamedTuple):
    """Who makes a change, and on which day of the tracker's calendar."""

    actor: str
    today: date


class Change:
    """What a write did, for the CLI to report."""

    def __init__(
        self, key: str, title: str, changes: list[tuple[str, str | None, str | None]] | None = None
    ) -> None:
        self.key = key
        self.title = title
        # (what, old, new) as the user reads them
        self.changes = changes if changes is not None else []

    @property
    def changed(self) -> bool:
        return bool(self.changes)


APPEND_EVENT = """
INSERT INTO event (project_id, item_id, day, recorded_at, actor, kind, field, old, new, hash)
VALUES (:project, :item, :day, :recorded_at, :actor, :kind, :field, :old, :new, :hash)
"""
LOCK_PROJECT = "SELECT id FROM project WHERE id = :project"
# The project's newest event: the predecessor in its hash chain.
LAST_HASH = "SELECT hash FROM event WHERE project_id = :project ORDER BY id DESC LIMIT 1"


def append_event(
    run: Runner,
    project: ProjectRow,
    item_id: int | None,
    who: Who,
    kind: EventKind,
    field_: str | None = None,
    old: str | None = None,
    new: str | None = None,
) -> None:
    """Append one event to the log, chained to the project's previous event."""
    from tracker.audit import Link, chain_hash

    # Two writers must not chain to the same predecessor: on PostgreSQL the project
    # row serialises them (SQLite's BEGIN IMMEDIATE already does). The lock holds to
    # the end of the transaction, so a second event of it chains to the hash it kept.
    previous = run.chain_heads.get(project.id)
    if previous is None:
        run(LOCK_PROJECT + run.for_update, {"project": project.id})
        previous = run.scalar(LAST_HASH, {"project": project.id})
    link = Link(
        0, project.id, item_id, who.today, now_utc(), who.actor, kind.value, field_, old, new, None
    )
    run(
        APPEND_EVENT,
        {
            "project": project.id,
            "item": item_id,
            "day": link.day,
            "recorded_at": link.recorded_at,
            "actor": link.actor,
            "kind": link.kind,
            "field": field_,
            "old": old,
            "new": new,
            "hash": (head := chain_hash(previous, link)),
        },
    )
    run.chain_heads[project.id] = head


LOCK_ITEM = "SELECT id FROM item WHERE project_id = :project AND key = :key"


def _locked_item(run: Runner, project: ProjectRow, key: str) -> ItemRow:
    # Lock the row before reading it (PostgreSQL; on SQLite BEGIN IMMEDIATE already
    # holds the database), so the checks that follow see the latest committed state.
    run(LOCK_ITEM + run.for_update, {"project": project.id, "key": normalize_key(key)})
    return find_item(run, project, key)


# --- adding ----------------------------------------------------------------------

INSERT_ITEM = """
INSERT INTO item (project_id, key, kind, title, description, workstream_id, milestone_id,
                  owner, start, due, due_baseline, due_derived, state, done_on, refs,
                  created_at, updated_at)
VALUES (:project, :key, :kind, :title, :description, :workstream, :milestone,
        :owner, :start, :due, :due, FALSE, 'planned', NULL, :refs, :now, :now)
RETURNING id
"""

KEYS_LIKE = "SELECT key FROM item WHERE project_id = :project AND key LIKE :prefix"


def check_period(start: date | None, due: date | None) -> None:
    """Dates the calendar covers, and no end before its start."""
    if start is not None:
        check_supported(start, "the start")
    if due is not None:
        check_supported(due, "the due date")
    if start is not None and due is not None and start > due:
        raise BadInput(f"the start {format_de(start)} is after the due date {format_de(due)}")


def _next_key(run: Runner, project: ProjectRow, prefix: str, sep: str) -> str:
    taken = {r[0] for r in run(KEYS_LIKE, {"project": project.id, "prefix": f"{prefix}{sep}%"})}
    n = 1
    while f"{prefix}{sep}{n}" in taken:
        n += 1
    return f"{prefix}{sep}{n}"


def add_item(
    run: Runner,
    project: ProjectRow,
    who: Who,
    *,
    title: str,
    due: date | None = None,
    start: date | None = None,
    milestone: str | None = None,
    workstream: str | None = None,
    owner: str | None = None,
    key: str | None = None,
    refs: str = "",
    description: str = "",
) -> Change:
    """Add a milestone, or a task of `milestone`; returns the new key.

    A task takes its milestone's workstream unless one is given. Without `key`, a
    milestone gets WORKSTREAM-n and a task MILESTONE.n.
    """
    title = fields.title(title)
    description = fields.description(description)
    check_period(start, due)
    # New keys are read-then-written: on PostgreSQL, concurrent adds to a project queue
    # on its row (SQLite's BEGIN IMMEDIATE already serialises them).
    run(LOCK_PROJECT + run.for_update, {"project": project.id})
    parent = _locked_item(run, project, milestone) if milestone else None
    if parent is not None and parent.kind is Kind.TASK:
        raise BadInput(f"{parent.key} is a task; tasks belong to milestones")
    if parent is not None and not parent.state.is_open:
        raise InvalidTransition(
            f"{parent.key} is {parent.state.label}; reopen it before adding tasks "
            f"(`tracker reopen {parent.key}`)"
        )
    if workstream:
        ws = find_workstream(run, project, workstream)
    elif parent is not None:
        ws = find_workstream(run, project, parent.workstream)
    else:
        raise BadInput("a milestone needs --workstream (see `tracker status` for the list)")
    if key:
        new_key = fields.item_key(key)
        if run.one("SELECT 1 FROM item WHERE project_id = :p AND key = :k",
                   {"p": project.id, "k": new_key}):  # fmt: skip
            raise BadInput(f"the key {new_key} is taken (choose another with --key)")
    else:
        prefix, sep = (parent.key, ".") if parent is not None else (ws.key.upper(), "-")
        generated = _next_key(run, project, prefix, sep)
        try:
            new_key = fields.item_key(generated)
        except BadInput:
            message = f"cannot make a key from {generated!r} (choose one with --key)"
            raise BadInput(message) from None
    now = now_utc()
    item_id = run.scalar(
        INSERT_ITEM,
        {
            "project": project.id,
            "key": new_key,
            "kind": (Kind.TASK if parent else Kind.MILESTONE).value,
            "title": title,
            "description": description,
            "workstream": ws.id,
            "milestone": parent.id if parent else None,
            "owner": fields.owner(owner or ""),
            "start": start,
            "due": due,
            "refs": refs,
            "now": now,
        },
    )
    append_event(run, project, item_id, who, EventKind.CREATED, None, None, title)
    return Change(new_key, title, [("created", None, title)])


# --- state changes ---------------------------------------------------------------

SET_STATE = """
UPDATE item SET state = :state, done_on = :done_on, updated_at = :now WHERE id = :id
"""


def change_state(
    run: Runner,
    project: ProjectRow,
    who: Who,
    key: str,
    target: State,
    *,
    on: date | None = None,
    note: str | None = None,
) -> Change:
    """Move an item to `target` (done, in progress, cancelled), logging the change.

    Done takes the date it was done (`on`, default today, never after today).
    Raises InvalidTransition when the item's state does not allow it.
    """
    item = _locked_item(run, project, key)
    if item.state is target:
        when = f" on {format_de(item.done_on)}" if item.done_on else ""
        raise InvalidTransition(f"{item.key} is already {target.label}{when}")
    if not item.state.is_open or not item.state.can_become(target):
        # A closed item changes only through `reopen`, never by accident.
        raise InvalidTransition(
            f"{item.key} is {item.state.label} (reopen it first: `tracker reopen {item.key}`)"
        )
    if not target.is_open and item.kind is Kind.MILESTONE:
        open_tasks = [t.key for t in tasks_of(run, item) if t.state.is_open]
        if open_tasks:
            shown = ", ".join(open_tasks[:3]) + (", ..." if len(open_tasks) > 3 else "")
            raise InvalidTransition(
                f"{item.key} has {len(open_tasks)} open task(s) ({shown}): "
                "mark them done or cancel them first"
            )
    done_on = None
    if target is State.DONE:
        done_on = check_supported(on or who.today, "the done date")
        if done_on > who.today:
            raise BadInput(
                f"the done date {format_de(done_on)} is after today {format_de(who.today)}"
            )
    return _set_state(run, project, who, item, target, done_on, note)


def reopen(run: Runner, project: ProjectRow, who: Who, key: str, note: str | None = None) -> Change:
    """Reopen a done or cancelled item in the open state it had before it was closed."""
    item = _locked_item(run, project, key)
    if item.state.is_open:
        raise InvalidTransition(f"{item.key} is {item.state.label}, not done or cancelled")
    target = state_before_closing(run, item)
    return _set_state(run, project, who, item, target, None, note)


def _set_state(
    run: Runner,
    project: ProjectRow,
    who: Who,
    item: ItemRow,
    target: State,
    done_on: date | None,
    note: str | None,
) -> Change:
    run(SET_STATE, {"state": target.value, "done_on": done_on, "now": now_utc(), "id": item.id})
    append_event(
        run, project, item.id, who, EventKind.STATE, "state", item.state.value, target.value
    )
    shown = target.label + (f" on {format_de(done_on)}" if done_on else "")
    change = Change(item.key, item.title, [("state", item.state.label, shown)])
    if done_on != item.done_on:
        # Its own event, so that a report can tell when an item counted as done.
        append_event(
            run,
            project,
            item.id,
            who,
            EventKind.STATE,
            "done_on",
            _stored(item.done_on),
            _stored(done_on),
        )
    if note:
        change.changes.append(add_note_to(run, project, who, item, note))
    return change


# --- edits and notes -------------------------------------------------------------

UPDATE_ITEM = """
UPDATE item
SET title = :title, owner = :owner, start = :start, due = :due,
    workstream_id = :workstream_id, refs = :refs, description = :description,
    updated_at = :now,
    due_baseline = COALESCE(due_baseline, :due),
    due_derived = CASE WHEN :due_changed = 1 THEN FALSE ELSE due_derived END
WHERE id = :id
"""
ITEM_EXTRA = "SELECT refs, workstream_id, description FROM item WHERE id = :id"
CLEARABLE = frozenset({"start", "due"})


def edit_item(
    run: Runner,
    project: ProjectRow,
    who: Who,
    key: str,
    *,
    title: str | None = None,
    due: date | None = None,
    start: date | None = None,
    owner: str | None = None,
    workstream: str | None = None,
    refs: str | None = None,
    description: str | None = None,
    clear: Collection[str] = (),
) -> Change:
    """Change the given fields of an item (None: leave it); one event per real change.

    An empty owner, refs or description clears it; `clear` names the dates to remove
    ("start", "due"). A new due date is a reschedule: the first agreed date stays as
    the baseline, and a derived date becomes an agreed one. All fields are written in
    one UPDATE, so a period can move past its old end. Raises BadInput for an empty
    title or an end before its start. Values equal to the stored ones change nothing
    and log nothing.
    """
    if set(clear) - CLEARABLE:
        raise ValueError(f"only {sorted(CLEARABLE)} can be cleared, not {sorted(clear)}")
    given = (title, due, start, owner, workstream, refs, description)
    if all(v is None for v in given) and not clear:
        raise BadInput(
            "nothing to change (give --title, --due, --start, --owner, --workstream, --refs "
            "or --description)"
        )
    item = _locked_item(run, project, key)
    old_refs, old_ws_id, old_description = run.one(ITEM_EXTRA, {"id": item.id}) or ("", 0, "")
    old_description = old_description or ""
    new_start = None if "start" in clear else item.start if start is None else start
    new_due = None if "due" in clear else item.due if due is None else due
    check_period(new_start, new_due)
    new = {
        "title": item.title if title is None else fields.title(title),
        "start": new_start,
        "due": new_due,
        "owner": item.owner if owner is None else fields.owner(owner),
        "refs": old_refs if refs is None else fields.refs(fields.split_refs(refs)),
        "description": (
            old_description if description is None else fields.description(description)
        ),
    }
    ws_key, ws_id = item.workstream, old_ws_id
    if workstream is not None:
        ws = find_workstream(run, project, workstream)
        ws_key, ws_id = ws.key, ws.id
    # (field, event kind, old, new), in the order a lead reads them.
    candidates: list[tuple[str, EventKind, object, object]] = [
        ("title", EventKind.EDITED, item.title, new["title"]),
        ("start", EventKind.RESCHEDULED, item.start, new["start"]),
        ("due", EventKind.RESCHEDULED, item.due, new["due"]),
        ("owner", EventKind.EDITED, item.owner, new["owner"]),
        ("workstream", EventKind.EDITED, item.workstream, ws_key),
        ("refs", EventKind.EDITED, old_refs or None, new["refs"] or None),
        ("description", EventKind.EDITED, old_description or None, new["description"] or None),
    ]
    changed = [c for c in candidates if c[2] != c[3]]
    change = Change(item.key, item.title)
    if not changed:
        return change
    run(
        UPDATE_ITEM,
        {
            **new,
            "workstream_id": ws_id,
            "now": now_utc(),
            "due_changed": int(new_due != item.due),
            "id": item.id,
        },
    )
    if new_due != item.due and item.due_derived:
        # A rescheduled date is an agreed one; logged so a report of an earlier week
        # can still mark the date it shows as derived.
        append_event(
            run, project, item.id, who, EventKind.RESCHEDULED, "due_derived", "true", "false"
        )
    for name, kind, old, value in changed:
        append_event(run, project, item.id, who, kind, name, _stored(old), _stored(value))
        change.changes.append((name, _shown(old), _shown(value)))
    return change


def _stored(value: object) -> str | None:
    """A value as the event log keeps it: dates ISO, nothing as NULL."""
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def _shown(value: object) -> str | None:
    """A value as the user reads it: dates DD.MM.YYYY."""
    return format_de(value) if isinstance(value, date) else _stored(value)


def add_note_to(
    run: Runner, project: ProjectRow, who: Who, item: ItemRow, text: str
) -> tuple[str, str | None, str | None]:
    """Append a note to an item's log."""
    text = fields.note(text)
    append_event(run, project, item.id, who, EventKind.NOTE, "note", None, text)
    return ("note", None, text)


def add_note(run: Runner, project: ProjectRow, who: Who, key: str, text: str) -> Change:
    """Add a note to the item `key`."""
    item = _locked_item(run, project, key)
    return Change(item.key, item.title, [add_note_to(run, project, who, item, text)])


# --- dependencies ----------------------------------------------------------------

FIND_DEPENDENCY = "SELECT id, lag FROM dependency WHERE item_id = :item AND predecessor_id = :pred"
INSERT_DEPENDENCY = """
INSERT INTO dependency (project_id, item_id, predecessor_id, lag, derived, note, created_at)
VALUES (:project, :item, :pred, :lag, :derived, :note, :now)
"""
SET_LAG = "UPDATE dependency SET lag = :lag, derived = FALSE WHERE id = :id"
DELETE_DEPENDENCY = "DELETE FROM dependency WHERE id = :id"


def dependency_text(predecessor: str, lag: int) -> str:
    """A dependency as the event log keeps it: "MIG-PREP", or "MIG-PREP+5" with a lag."""
    return predecessor + (f"+{lag}" if lag else "")


def _lag_text(lag: int) -> str:
    return f", lag {lag} working day{'s' if lag != 1 else ''}" if lag else ""


def add_dependency(
    run: Runner,
    project: ProjectRow,
    who: Who,
    key: str,
    on: str,
    *,
    lag: int = 0,
    note: str = "",
) -> Change:
    """`key` starts after `on` finishes (+ lag working days); a new lag replaces the old.

    Refuses an item depending on itself and a dependency that closes a cycle (naming
    it); nothing is written then.
    """
    from tracker.queries import dependencies, list_items
    from tracker.schedule import Cycle, graph, topological_order

    if not 0 <= lag <= fields.MAX_LAG:
        raise BadInput(f"--lag must be 0 to {fields.MAX_LAG} working days, not {lag}")
    note = fields.note(note) if note.strip() else ""
    # The cycle check reads every dependency: concurrent writers queue on the project.
    run(LOCK_PROJECT + run.for_update, {"project": project.id})
    item = _locked_item(run, project, key)
    pred = _locked_item(run, project, on)
    if item.id == pred.id:
        raise BadInput(f"{item.key} cannot depend on itself")
    existing = run.one(FIND_DEPENDENCY, {"item": item.id, "pred": pred.id})
    change = Change(item.key, item.title)
    if existing is not None:
        if int(existing[1]) == lag:
            raise InvalidTransition(f"{item.key} already depends on {pred.key}{_lag_text(lag)}")
        run(SET_LAG, {"lag": lag, "id": existing[0]})
    else:
        run(
            INSERT_DEPENDENCY,
            {
                "project": project.id,
                "item": item.id,
                "pred": pred.id,
                "lag": lag,
                "derived": False,
                "note": note,
                "now": now_utc(),
            },
        )
        items = list_items(run, project, ListFilter(include_closed=True))
        try:
            topological_order(graph(items, dependencies(run, project)))
        except Cycle as cycle:
            raise BadInput(
                f"{item.key} cannot depend on {pred.key}: "
                f"that makes a cycle {' → '.join(cycle.starting_at(pred.key))}; nothing changed"
            ) from None
    old = dependency_text(pred.key, int(existing[1])) if existing is not None else None
    new = dependency_text(pred.key, lag)
    append_event(run, project, item.id, who, EventKind.EDITED, "depends_on", old, new)
    if note:
        change.changes.append(add_note_to(run, project, who, item, note))
    change.changes.insert(0, ("depends on", old, new))
    return change


def remove_dependency(run: Runner, project: ProjectRow, who: Who, key: str, on: str) -> Change:
    """Remove the dependency of `key` on `on`; InvalidTransition if there is none."""
    run(LOCK_PROJECT + run.for_update, {"project": project.id})
    item = _locked_item(run, project, key)
    pred = _locked_item(run, project, on)
    existing = run.one(FIND_DEPENDENCY, {"item": item.id, "pred": pred.id})
    if existing is None:
        raise InvalidTransition(f"{item.key} does not depend on {pred.key}")
    run(DELETE_DEPENDENCY, {"id": existing[0]})
    old = dependency_text(pred.key, int(existing[1]))
    append_event(run, project, item.id, who, EventKind.EDITED, "depends_on", old, None)
    return Change(item.key, item.title, [("depends on", old, None)])


# --- the working calendar --------------------------------------------------------

FIND_CLOSED_DAY = "SELECT reason FROM closed_day WHERE project_id = :project AND day = :day"
INSERT_CLOSED_DAY = """
INSERT INTO closed_day (project_id, day, reason) VALUES (:project, :day, :reason)
"""
DELETE_CLOSED_DAY = "DELETE FROM closed_day WHERE project_id = :project AND day = :day"


def close_day(run: Runner, project: ProjectRow, who: Who, day: date, reason: str) -> Change:
    """Mark `day` as closed for the project: no longer a working day."""
    check_supported(day, "the closed day")
    reason = fields.one_line(reason, "reason", fields.MAX_TITLE)
    run(LOCK_PROJECT + run.for_update, {"project": project.id})
    if run.one(FIND_CLOSED_DAY, {"project": project.id, "day": day}) is not None:
        raise InvalidTransition(f"{format_de(day)} is already a closed day")
    run(INSERT_CLOSED_DAY, {"project": project.id, "day": day, "reason": reason})
    new = day.isoformat() + (f" {reason}" if reason else "")
    append_event(run, project, None, who, EventKind.EDITED, "closed_day", None, new)
    return Change(project.key, project.name, [("closed day", None, _closed_text(day, reason))])


def open_day(run: Runner, project: ProjectRow, who: Who, day: date) -> Change:
    """Make a closed day a working day again (public holidays stay holidays)."""
    run(LOCK_PROJECT + run.for_update, {"project": project.id})
    row = run.one(FIND_CLOSED_DAY, {"project": project.id, "day": day})
    if row is None:
        raise InvalidTransition(f"{format_de(day)} is not one of the project's closed days")
    run(DELETE_CLOSED_DAY, {"project": project.id, "day": day})
    old = day.isoformat() + (f" {row[0]}" if row[0] else "")
    append_event(run, project, None, who, EventKind.EDITED, "closed_day", old, None)
    return Change(project.key, project.name, [("closed day", _closed_text(day, row[0]), None)])


def _closed_text(day: date, reason: str) -> str:
    return format_de(day) + (f" ({reason})" if reason else "")


# --- baselines -------------------------------------------------------------------

INSERT_BASELINE = """
INSERT INTO baseline (project_id, name, day, saved_at, actor)
VALUES (:project, :name, :day, :now, :actor)
RETURNING id
"""
COPY_INTO_BASELINE = """
INSERT INTO baseline_item (baseline_id, item_id, start, due, state)
SELECT :baseline, id, start, due, state FROM item WHERE project_id = :project
"""


def save_baseline(run: Runner, project: ProjectRow, who: Who, name: str) -> Change:
    """Save every item's start, due date and state under `name` (unique per project)."""
    from tracker.planning import INITIAL
    from tracker.queries import baselines

    name = fields.one_line(name, "baseline name", fields.MAX_KEY)
    if not name or " " in name:
        raise BadInput("a baseline name is one word, e.g. kw38 or council-2011-10")
    if name.lower() == INITIAL:
        raise BadInput(f"{INITIAL!r} is the first agreed dates; choose another name")
    run(LOCK_PROJECT + run.for_update, {"project": project.id})
    if any(b.name.lower() == name.lower() for b in baselines(run, project)):
        raise InvalidTransition(f"there is a baseline {name!r} already; choose another name")
    baseline = run.scalar(
        INSERT_BASELINE,
        {
            "project": project.id,
            "name": name,
            "day": who.today,
            "now": now_utc(),
            "actor": who.actor,
        },
    )
    run(COPY_INTO_BASELINE, {"baseline": baseline, "project": project.id})
    append_event(run, project, None, who, EventKind.EDITED, "baseline", None, name)
    return Change(project.key, project.name, [("baseline saved", None, name)])
