"""A read CSV file (`csv_io.Table`) applied to a project, all or nothing.

Every change goes through the core's write functions in `actions.py` (add_item,
edit_item, change_state, reopen), so the rules and the event log are those of
`tracker add`, `edit`, `done`, `start`, `cancel` and `reopen`. The whole file is one
write transaction: the rows are checked and applied in it, and if any row is bad, or
for a dry run, it is rolled back, so the database stays exactly as it was.

Order, so that a file can do what a lead would do by hand in some order: reopen the
items it reopens; create its new milestones; then, in file order, edit the existing
items and create the new tasks; then move items to open states; close items last,
tasks before their milestones (a milestone closes only when its tasks are closed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tracker import actions, db, queries
from tracker.actions import Change, Who
from tracker.errors import BadInput, DatabaseError, TrackerError
from tracker.exchange import Progress, Step, no_progress
from tracker.exchange.csv_io import Problem, Row, Table
from tracker.queries import ItemRecord, ProjectRow
from tracker.states import Kind, State

EDITABLE = ("title", "start", "due", "owner", "workstream", "refs", "description")


class Refused(BadInput):
    """The file has bad rows and nothing was imported; `lines` says what, row by row."""

    def __init__(self, summary: str, lines: list[str]) -> None:
        super().__init__(summary)
        self.lines = lines


@dataclass
class RowResult:
    """What importing one row did (or, in a dry run, would do)."""

    line: int
    key: str
    title: str
    created: bool = False
    changes: list[tuple[str, str | None, str | None]] = field(default_factory=list)

    def change(self) -> Change:
        return Change(self.key, self.title, self.changes)


@dataclass
class Outcome:
    source: str
    dry_run: bool
    results: list[RowResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    row_count: int = 0

    def add(self, more: list[RowResult]) -> None:
        """Further changes (a JSON file's dependencies): those of a key already here go
        to its row, so an item counts once, as new, updated or unchanged."""
        by_key = {r.key: r for r in self.results}
        for r in more:
            if r.key in by_key:
                by_key[r.key].changes += r.changes
            else:
                self.results.append(r)
                by_key[r.key] = r

    @property
    def new(self) -> int:
        return sum(1 for r in self.results if r.created)

    @property
    def updated(self) -> int:
        return sum(1 for r in self.results if r.changes and not r.created)

    @property
    def unchanged(self) -> int:
        return sum(1 for r in self.results if not r.changes)

    @property
    def fields(self) -> list[str]:
        """The fields that updated rows change, e.g. ["due", "owner", "state"]."""
        names = {c[0] for r in self.results if not r.created for c in r.changes}
        return sorted(names)


class _Rollback(Exception):
    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome


def import_table(
    url: str,
    project_key: str,
    who: Who,
    table: Table,
    *,
    dry_run: bool = False,
    progress: Progress = no_progress,
    also: Callable[[db.Runner, ProjectRow, Who], list[RowResult]] | None = None,
) -> Outcome:
    """Apply `table` to the project in one write transaction; roll back for a dry run.

    `also`, if given, makes further changes in the same transaction once every row
    is in (a JSON file's dependencies). Raises Refused, listing every bad row, when
    any row is bad: nothing is written.
    """
    try:
        with db.writer(url) as run:
            project = queries.find_project(run, project_key)
            outcome = _Import(run, project, who, table).apply(progress)
            if also is not None and not outcome.problems:
                outcome.add(also(run, project, who))
            outcome.dry_run = dry_run
            if dry_run or outcome.problems:
                raise _Rollback(outcome)
    except _Rollback as rolled_back:
        outcome = rolled_back.outcome
    if outcome.problems:
        bad = len(outcome.problems)
        raise Refused(
            f"{table.source}: {bad} bad row{'s' if bad != 1 else ''} of "
            f"{table.row_count}; nothing was imported",
            [_problem_line(table.source, p) for p in sorted(outcome.problems)],
        )
    return outcome


def _problem_line(source: str, p: Problem) -> str:
    return f"{source}, line {p.line}" + (f" ({p.key})" if p.key else "") + f": {p.message}"


class _Import:
    def __init__(self, run: db.Runner, project: ProjectRow, who: Who, table: Table) -> None:
        self.run, self.project, self.who, self.table = run, project, who, table
        self.existing: dict[str, ItemRecord] = {
            r.item.key: r for r in queries.all_items(run, project)
        }
        self.workstreams = {ws.key: ws for ws in queries.list_workstreams(run, project)}
        self.problems: list[Problem] = list(table.problems)
        # Keys of good rows not to apply: found bad here, or tasks of a bad milestone row.
        self.failed: set[str] = set()
        self.reopened: set[str] = set()
        self.results: dict[str, RowResult] = {}
        self.in_file = {r.key: r for r in table.rows}

    # --- checks before any write -------------------------------------------------

    def fail(self, row: Row, message: str) -> None:
        self.problems.append(Problem(row.line, row.key, message))
        self.failed.add(row.key)

    def check(self, row: Row) -> None:
        """What the file alone cannot tell: the row against the project."""
        workstream = row.get("workstream")
        if workstream is not None and workstream not in self.workstreams:
            known = ", ".join(self.workstreams)
            self.fail(row, f"unknown workstream {workstream!r} (workstreams: {known})")
            return
        record = self.existing.get(row.key)
        message = self._check_existing(row, record) if record else self._check_new(row)
        if message:
            self.fail(row, message)

    def _check_existing(self, row: Row, record: ItemRecord) -> str | None:
        item = record.item
        milestone, kind = row.get("milestone"), row.get("kind")
        if row.has("milestone") and milestone != item.milestone:
            if item.milestone is None:
                return f"{item.key} is a milestone; it cannot become a task of {milestone}"
            if milestone is None:
                return f"{item.key} is a task of {item.milestone}, but the milestone is empty"
            return (
                f"{item.key} is a task of {item.milestone}; moving it to {milestone} "
                "is not supported"
            )
        if kind is not None and kind is not item.kind:
            return f"{item.key} is a {item.kind.value}, not a {kind.value}"
        if row.has("workstream") and row.get("workstream") is None and item.kind is Kind.MILESTONE:
            return "the workstream is empty (a milestone needs one)"
        target = row.get("state") or item.state
        if row.get("done_on") is not None and target is not State.DONE:
            return f"done_on is given but the state is {target.value}"
        return None

    def _check_new(self, row: Row) -> str | None:
        if not row.get("title"):
            return "a new item needs a title" + ("" if row.has("title") else " (no title column)")
        milestone = row.get("milestone")
        if milestone is None and row.get("workstream") is None:
            return "a new milestone needs a workstream"
        if milestone is not None:
            parent = self.existing.get(milestone)
            in_file = self.in_file.get(milestone)
            if parent is not None and parent.item.kind is Kind.TASK:
                return f"{milestone} is a task; tasks belong to milestones"
            if parent is None and in_file is not None and in_file.get("milestone") is not None:
                return f"{milestone} is a task; tasks belong to milestones"
            if parent is None and in_file is None and milestone not in self.table.bad_keys:
                return f"the milestone {milestone} is neither in the project nor in the file"
        target = row.get("state") or State.PLANNED
        if row.get("done_on") is not None and target is not State.DONE:
            return f"done_on is given but the state is {target.value}"
        return None

    # --- applying ------------------------------------------------------------------

    def attempt(self, row: Row, write: Callable[..., Change], *args: Any, **kwargs: Any) -> bool:
        """`write(*args, **kwargs)`, a core write for `row`; its error is the row's problem."""
        if row.key in self.failed:
            return False
        try:
            change = write(*args, **kwargs)
        except DatabaseError:
            raise
        except TrackerError as exc:
            self.fail(row, str(exc))
            return False
        self.results[row.key].changes.extend(change.changes)
        return True

    def apply(self, progress: Progress) -> Outcome:
        rows = self.table.rows
        for row in rows:
            self.check(row)
        for row in rows:
            if self._waits_for_its_milestone(row):
                self.failed.add(row.key)
        todo = [r for r in rows if r.key not in self.failed]
        for row in todo:
            record = self.existing.get(row.key)
            title = record.item.title if record else row.get("title")
            self.results[row.key] = RowResult(row.line, row.key, title, created=record is None)

        run, project, who = self.run, self.project, self.who
        # Two steps per row: its edits or creation, then its state.
        with progress(2 * len(todo)) as step:
            for row in todo:
                if row.key in self.existing and self._needs_reopen(row, self.existing[row.key]):
                    self.attempt(row, actions.reopen, run, project, who, row.key)
                    self.reopened.add(row.key)
            for row in todo:
                if row.key not in self.existing and row.get("milestone") is None:
                    self.attempt(row, self._add, row)
            for row in todo:
                if row.key in self.existing:
                    edits = self._edits(row)
                    if edits:
                        self.attempt(row, actions.edit_item, run, project, who, row.key, **edits)
                elif row.get("milestone") is not None:
                    if self._waits_for_its_milestone(row):
                        self.failed.add(row.key)
                    else:
                        self.attempt(row, self._add, row)
                step(1)
            self._change_states(todo, step)

        results = [self.results[r.key] for r in todo if r.key not in self.failed]
        return Outcome(
            self.table.source,
            dry_run=False,
            results=sorted(results, key=lambda r: r.line),
            problems=self.problems,
            row_count=self.table.row_count,
        )

    def _waits_for_its_milestone(self, row: Row) -> bool:
        """A new task of a new milestone whose row is bad: it is checked once that row
        is fixed (its problem is reported already)."""
        milestone = row.get("milestone")
        if milestone is None or row.key in self.existing or milestone in self.existing:
            return False
        if milestone in self.in_file:
            return milestone in self.failed
        return milestone in self.table.bad_keys

    @staticmethod
    def _needs_reopen(row: Row, record: ItemRecord) -> bool:
        """A closed item the row wants open, closed otherwise, or done on another day."""
        item = record.item
        if item.state.is_open:
            return False
        target = row.get("state") or item.state
        done_on = row.get("done_on")
        other_day = target is State.DONE and done_on is not None and done_on != item.done_on
        return target is not item.state or other_day

    def _add(self, row: Row) -> Change:
        return actions.add_item(
            self.run,
            self.project,
            self.who,
            title=row.get("title"),
            due=row.get("due"),
            start=row.get("start"),
            milestone=row.get("milestone"),
            workstream=row.get("workstream"),
            owner=row.get("owner"),
            key=row.key,
            refs=row.get("refs") or "",
            description=row.get("description") or "",
        )

    @staticmethod
    def _edits(row: Row) -> dict[str, Any]:
        """edit_item's arguments for the columns the file has (None: leave it)."""
        edits: dict[str, Any] = {}
        clear = [c for c in ("start", "due") if row.has(c) and row.get(c) is None]
        for column in EDITABLE:
            if row.has(column) and row.get(column) is not None:
                edits[column] = row.get(column)
        if clear:
            edits["clear"] = clear
        return edits

    def _change_states(self, todo: list[Row], step: Step) -> None:
        closing: list[tuple[Row, State]] = []
        for row in todo:
            if row.key in self.failed:
                step(1)
                continue
            record = self.existing.get(row.key)
            target = row.get("state") or (record.item.state if record else State.PLANNED)
            if row.key in self.reopened:
                now = queries.find_item(self.run, self.project, row.key).state
            else:  # only its own row changes an item's state
                now = record.item.state if record else State.PLANNED
            if target.is_open or now is target:
                if now is not target:
                    self._set_state(row, target)
                step(1)
            else:
                closing.append((row, target))
        # Tasks first: a milestone is closed only when its tasks are.
        closing.sort(key=lambda c: self._is_milestone(c[0]))
        for row, target in closing:
            self._set_state(row, target)
            step(1)

    def _is_milestone(self, row: Row) -> bool:
        record = self.existing.get(row.key)
        return record.item.kind is Kind.MILESTONE if record else row.get("milestone") is None

    def _set_state(self, row: Row, target: State) -> None:
        on = row.get("done_on") if target is State.DONE else None
        run, project, who = self.run, self.project, self.who
        self.attempt(row, actions.change_state, run, project, who, row.key, target, on=on)
