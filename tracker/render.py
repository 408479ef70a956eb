"""Terminal tables and JSON for list, show, countdown, status and history.

Tables show German dates (DD.MM.YYYY); JSON uses ISO dates and snake_case fields,
documented in docs/json.md. No rich: a plain aligned table costs nothing to import.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from itertools import chain
from typing import TYPE_CHECKING, Any

from tracker.dates import as_date, format_de, iso
from tracker.states import OPEN_STATES, EventKind, State

if TYPE_CHECKING:  # write commands need none of these at run time
    from tracker.actions import Change
    from tracker.db import Row
    from tracker.exchange.importer import Outcome
    from tracker.overview import Clock, Countdown, Status
    from tracker.queries import (
        EventRow,
        ItemDetail,
        ItemRow,
        ListShape,
        Neighbour,
        ProjectRow,
    )

DERIVED_MARK = "*"
DERIVED_NOTE = "* derived date: the source gives none (see `tracker show KEY`)"
DATE_FIELDS = {"due", "start", "done_on"}
STATUS_ROWS = 15  # rows per section of `tracker status`: one screen, however large the plan


def table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right: frozenset[int] = frozenset()
) -> str:
    """Columns padded to their widest cell; columns in `right` aligned right."""

    # A line break in a note or an owner must not break the table.
    rows = [[" ".join(str(c).split()) for c in row] for row in rows]
    widths = [max(len(c) for c in col) for col in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        out = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(out).rstrip()

    return "\n".join([line(headers), *(line(r) for r in rows)]) + "\n"


def clip(text: str | None, width: int) -> str:
    """Text cut to `width` characters with an ellipsis."""
    text = text or ""
    return text if len(text) <= width else text[: width - 1] + "…"


def number(n: int | None) -> str:
    return "" if n is None else str(n)


def due_text(item: ItemRow) -> str:
    return format_de(item.due) + (DERIVED_MARK if item.due_derived and item.due else "")


def state_text(item: ItemRow, clock: Clock) -> str:
    done_on = format_de(item.done_on)
    return _state_text(item.state, done_on, item.is_overdue(clock.today), item.blocked)


def _state_text(state: str, done_on: str, overdue: bool, blocked: bool) -> str:
    """ "in progress OVERDUE BLOCKED", or "done 10.10.2011" (`done_on` as shown)."""
    if state == State.DONE and done_on:
        return f"done {done_on}"
    return _LABELS[state] + (" OVERDUE" if overdue else "") + (" BLOCKED" if blocked else "")


_LABELS = {s.value: s.label for s in State}  # by value, so a driver's text finds it too


def dumps(data: Any) -> str:
    import json  # only --format json pays for it

    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# --- items -----------------------------------------------------------------------


def item_json(item: ItemRow, clock: Clock) -> dict[str, Any]:
    """One item as JSON (docs/json.md, "item")."""
    is_open = item.state.is_open
    return {
        "key": item.key,
        "kind": item.kind.value,
        "title": item.title,
        "workstream": item.workstream,
        "milestone": item.milestone,
        "owner": item.owner,
        "state": item.state.value,
        "start": iso(item.start),
        "due": iso(item.due),
        "due_derived": item.due_derived,
        "done_on": iso(item.done_on),
        "days_left": clock.days_left(item.due) if is_open else None,
        "working_days_left": clock.working_days_left(item.due) if is_open else None,
        "overdue": item.is_overdue(clock.today),
        "blocked": item.blocked,
    }


ITEM_HEADERS = ("KEY", "TITLE", "WORKSTREAM", "OWNER", "DUE", "DAYS", "WDAYS", "STATE")
_ITEM_RIGHT = frozenset({5, 6})
LIST_TITLE = 44  # characters of a title `tracker list` shows
LIST_OWNER = 22
COUNTDOWN_TITLE = 50
CHUNK_LINES = 1000  # lines a streamed table writes at a time
JSON_CHUNK_ITEMS = 50  # items a streamed JSON list writes at a time (~20 lines each)


class _Cells:
    """Table cells of items, from rows in ItemRow's field order: ItemRows, or rows as
    the driver gives them (`queries.iter_items`: ISO text or dates, 0/1 or booleans).

    What many rows share is worked out once per value: a due date's text, days and
    working days left, a done date's text. A programme of 100,000 items has a few
    hundred distinct due dates, so the countdowns cost a dictionary lookup per row.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._due: dict[Any, tuple[str, str, str, bool]] = {}
        self._done: dict[Any, str] = {}

    def due(self, value: Any) -> tuple[str, str, str, bool]:
        """DD.MM.YYYY, days left, working days left, and whether it is before today."""
        found = self._due.get(value)
        if found is None:
            day = as_date(value)
            if day is None:
                found = ("", "", "", False)
            else:
                clock = self.clock
                days, wdays = clock.days_left(day), clock.working_days_left(day)
                found = (format_de(day), str(days), str(wdays), day < clock.today)
            self._due[value] = found
        return found

    def item(self, row: Sequence[Any]) -> tuple[str, ...]:
        """The cells of `tracker list`: ITEM_HEADERS."""
        _, key, _, title, workstream, owner, _, due, derived, state, done_on, _, blocked = row
        due_text, days, wdays, past = self.due(due)
        is_open = state in OPEN_STATES
        if done_on:
            done_text = self._done.get(done_on)
            if done_text is None:
                done_text = self._done[done_on] = format_de(as_date(done_on))
        else:
            done_text = ""
        return (
            key,
            " ".join(clip(title, LIST_TITLE).split()),
            workstream,
            " ".join(clip(owner, LIST_OWNER).split()),
            due_text + DERIVED_MARK if derived and due_text else due_text,
            days if is_open else "",
            wdays if is_open else "",
            _state_text(state, done_text, is_open and past, blocked),
        )

    def milestone(self, row: Sequence[Any], working_days: bool) -> tuple[str, ...]:
        """The cells of `tracker countdown` (an open, dated milestone)."""
        due_text, days, wdays, past = self.due(row[7])
        cells = (
            "OVERDUE" if past else "",
            row[1],
            " ".join(clip(row[3], COUNTDOWN_TITLE).split()),
            due_text + DERIVED_MARK if row[8] else due_text,
            days,
        )
        return (*cells, wdays) if working_days else cells


def _line_format(widths: Sequence[int], right: frozenset[int]) -> str:
    """A str.format pattern for one table line: the cells padded and joined as `table`
    does (rstrip the result)."""
    return "  ".join(f"{{:{'>' if i in right else '<'}{w}}}" for i, w in enumerate(widths))


def _table_chunks(
    headers: Sequence[str],
    cells: Iterator[tuple[str, ...]],
    widths: Sequence[int],
    right: frozenset[int],
) -> Iterator[str]:
    """`table`'s text for cells no wider than `widths`, CHUNK_LINES lines at a time."""
    pattern = _line_format(widths, right).format
    lines = [pattern(*headers).rstrip()]
    for row in cells:
        lines.append(pattern(*row).rstrip())
        if len(lines) >= CHUNK_LINES:
            yield "\n".join(lines) + "\n"
            lines = []
    if lines:
        yield "\n".join(lines) + "\n"


def _widths(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    return [max(len(c) for c in col) for col in zip(headers, *rows, strict=True)]


def item_table(items: Sequence[ItemRow], clock: Clock) -> str:
    """The `tracker list` table of a few items (status and show print it too)."""
    if not items:
        return "No items match.\n"
    make = _Cells(clock).item
    rows = [make(i) for i in items]
    out = "".join(_table_chunks(ITEM_HEADERS, iter(rows), _widths(ITEM_HEADERS, rows), _ITEM_RIGHT))
    if any(i.due_derived and i.due for i in items):
        out += DERIVED_NOTE + "\n"
    return out


def _countdown_width(clock: Clock, shape: ListShape, header: str, working: bool) -> int:
    """The widest days (or working days) left of the rows `shape` measured: days left
    grow with the due date, so the first and last open due dates have the widest."""
    count = clock.working_days_left if working else clock.days_left
    ends = (shape.first_open_due, shape.last_open_due)
    return max([len(header), *(len(str(count(d))) for d in ends if d is not None)])


def item_table_chunks(rows: Iterable[Row], shape: ListShape, clock: Clock) -> Iterator[str]:
    """`item_table` of `queries.iter_items`' rows, measured by `queries.list_shape`,
    written as the rows arrive: memory stays flat at any number of items."""
    if not shape.rows:
        yield "No items match.\n"
        return
    widths = [
        max(3, shape.key),
        max(5, min(LIST_TITLE, shape.title)),
        max(10, shape.workstream),
        max(5, min(LIST_OWNER, shape.owner)),
        11 if shape.derived else 10 if shape.dated else 3,
        _countdown_width(clock, shape, "DAYS", working=False),
        _countdown_width(clock, shape, "WDAYS", working=True),
        0,  # the last column is not padded
    ]
    yield from _table_chunks(ITEM_HEADERS, map(_Cells(clock).item, rows), widths, _ITEM_RIGHT)
    if shape.derived:
        yield DERIVED_NOTE + "\n"


def items_json_chunks(rows: Iterable[Row], clock: Clock) -> Iterator[str]:
    """`{"today": ..., "items": [...]}` of `queries.iter_items`' rows, as `dumps` would
    write it, item by item."""
    from tracker.queries import ItemRow

    yield f'{{\n  "today": {_json_value(clock.today.isoformat())},\n  "items": '
    yield from _json_array((item_json(ItemRow.from_db(r), clock) for r in rows), 1)
    yield "\n}\n"


def _json_value(value: Any) -> str:
    """A str, int, bool or None as `json.dumps(value, ensure_ascii=False)` writes it."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        from json.encoder import encode_basestring

        return encode_basestring(value)
    return int.__repr__(value)


def _json_flat(data: dict[str, Any], level: int) -> str:
    """A dict of scalars as `dumps` writes it nested `level` deep (indent 2)."""
    inner = "\n" + "  " * (level + 1)
    fields = (f"{_json_value(k)}: {_json_value(v)}" for k, v in data.items())
    return "{" + inner + ("," + inner).join(fields) + "\n" + "  " * level + "}"


def _json_array(items: Iterable[dict[str, Any]], level: int) -> Iterator[str]:
    """A list of flat dicts as `dumps` writes it as a value `level` deep, in chunks."""
    inner = "\n" + "  " * (level + 1)
    opened = False
    chunk: list[str] = []
    for item in items:
        chunk.append(_json_flat(item, level + 1))
        if len(chunk) >= JSON_CHUNK_ITEMS:
            yield ("," if opened else "[") + inner + ("," + inner).join(chunk)
            opened, chunk = True, []
    if chunk:
        yield ("," if opened else "[") + inner + ("," + inner).join(chunk)
        opened = True
    yield "\n" + "  " * level + "]" if opened else "[]"


# --- show ------------------------------------------------------------------------


def show_text(d: ItemDetail, clock: Clock) -> str:
    """Everything about one item, as `tracker show` prints it."""
    item = d.item
    lines = [f"{item.key}  {item.title}", ""]

    def add(label: str, value: str | None) -> None:
        if value:
            lines.append(f"  {label:<14}{value}")

    add("Kind", item.kind.value + (f" of {item.milestone}" if item.milestone else ""))
    add("Workstream", f"{item.workstream} ({d.workstream_title})")
    add("Owner", item.owner or "-")
    add("State", state_text(item, clock))
    add("Start", format_de(item.start))
    if item.due:
        due = due_text(item)
        if item.state.is_open:
            days, wdays = clock.days_left(item.due), clock.working_days_left(item.due)
            due += f"  ({days} days, {wdays} working days left)"
        add("Due", due)
    else:
        add("Due", "not dated")
    if d.due_baseline and d.due_baseline != item.due:
        slip = (item.due - d.due_baseline).days if item.due else None
        add(
            "First agreed", format_de(d.due_baseline) + (f"  (slip {slip:+d} days)" if slip else "")
        )
    if item.state is State.DONE and not item.done_on:
        add("Done on", "date not recorded")
    add("References", ", ".join(d.refs))
    if d.description:
        lines += ["", *_wrap(d.description, 86, "  ")]
    if item.due_derived:
        lines += ["", "  " + DERIVED_NOTE.removeprefix("* ").split(" (")[0].capitalize() + "."]
    for title, neighbours in (("Depends on:", d.depends_on), ("Needed by:", d.needed_by)):
        if neighbours:
            lines += ["", title]
            lines += ["  " + ln for ln in _neighbour_table(neighbours, clock).splitlines()]
    if d.tasks:
        lines += ["", "Tasks:"]
        lines += ["  " + ln for ln in item_table(d.tasks, clock).splitlines()]
    if d.notes:
        lines += ["", "Notes:"]
        lines += [f"  {format_de(n.day)}  {n.actor}: {n.new}" for n in d.notes]
    lines += ["", "History:"]
    lines += ["  " + ln for ln in history_table(d.events, with_key=False).splitlines()]
    return "\n".join(lines) + "\n"


def _neighbour_table(neighbours: Sequence[Neighbour], clock: Clock) -> str:
    rows = [
        [
            n.item.key,
            clip(n.item.title, 44),
            due_text(n.item),
            state_text(n.item, clock),
            lag_text(n.dependency.lag),
            clip(("derived: " if n.dependency.derived else "") + n.dependency.note, 60),
        ]
        for n in neighbours
    ]
    return table(["KEY", "TITLE", "DUE", "STATE", "LAG", "WHY"], rows)


def lag_text(lag: int) -> str:
    """A lag as tables show it: "+5 wd", or "" for none."""
    return f"+{lag} wd" if lag else ""


def _wrap(text: str, width: int, indent: str) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent)


def show_json(d: ItemDetail, clock: Clock) -> str:
    data = item_json(d.item, clock)
    data.update(
        {
            "workstream_title": d.workstream_title,
            "description": d.description,
            "due_baseline": iso(d.due_baseline),
            "refs": d.refs,
            "tasks": [item_json(t, clock) for t in d.tasks],
            "depends_on": [_neighbour_json(n, clock) for n in d.depends_on],
            "needed_by": [_neighbour_json(n, clock) for n in d.needed_by],
            "notes": [{"day": n.day.isoformat(), "actor": n.actor, "text": n.new} for n in d.notes],
            "history": [event_json(e) for e in d.events],
        }
    )
    return dumps(data)


def _neighbour_json(n: Neighbour, clock: Clock) -> dict[str, Any]:
    return {
        **item_json(n.item, clock),
        "lag": n.dependency.lag,
        "derived": n.dependency.derived,
        "note": n.dependency.note,
    }


# --- countdown -------------------------------------------------------------------


def go_live_line(project: ProjectRow, clock: Clock) -> str:
    days, wdays = clock.days_left(project.go_live), clock.working_days_left(project.go_live)
    if days is not None and days < 0:
        return f"Go-live {format_de(project.go_live)}: {-days} days ago"
    return f"Go-live {format_de(project.go_live)}: {days} days, {wdays} working days left"


def countdown_chunks(c: Countdown, clock: Clock, working_days: bool) -> Iterator[str]:
    """The countdown table: overdue milestones first, marked, then the ones ahead;
    written as the rows arrive."""
    yield (
        f"{c.project.name}\nToday {format_de(clock.today)}. {go_live_line(c.project, clock)}.\n\n"
    )
    shape = c.shape
    if not shape.rows:
        yield "No open dated milestones.\n"
        return
    first = shape.first_open_due
    widths = [
        7 if first is not None and first < clock.today else 0,  # OVERDUE
        max(3, shape.key),
        max(9, min(COUNTDOWN_TITLE, shape.title)),
        11 if shape.derived else 10,
        _countdown_width(clock, shape, "DAYS", working=False),
    ]
    headers = ["", "KEY", "MILESTONE", "DUE", "DAYS"]
    if working_days:
        widths.append(_countdown_width(clock, shape, "WDAYS", working=True))
        headers.append("WDAYS")
    make = _Cells(clock).milestone
    cells = (make(row, working_days) for row in chain(c.overdue, c.ahead))
    yield from _table_chunks(headers, cells, widths, frozenset({4, 5}))
    if shape.derived:
        yield DERIVED_NOTE + "\n"


def countdown_json_chunks(c: Countdown, clock: Clock) -> Iterator[str]:
    """The countdown as JSON, as `dumps` would write it, milestone by milestone."""
    from tracker.queries import ItemRow

    yield (
        f'{{\n  "today": {_json_value(clock.today.isoformat())},\n'
        f'  "go_live": {_json_flat(project_json(c.project, clock), 1)},\n  "overdue": '
    )
    yield from _json_array((item_json(ItemRow.from_db(r), clock) for r in c.overdue), 1)
    yield ',\n  "ahead": '
    yield from _json_array((item_json(ItemRow.from_db(r), clock) for r in c.ahead), 1)
    yield "\n}\n"


def project_json(project: ProjectRow, clock: Clock) -> dict[str, Any]:
    return {
        "project": project.key,
        "name": project.name,
        "region": project.region,
        "due": project.go_live.isoformat(),
        "days_left": clock.days_left(project.go_live),
        "working_days_left": clock.working_days_left(project.go_live),
    }


# --- status ----------------------------------------------------------------------


def status_text(s: Status, clock: Clock) -> str:
    """One screen: go-live, progress per workstream, overdue, due soon, recently done."""
    from tracker.render_schedule import planned_table, target_line
    from tracker.report.i18n import headline  # the report's sentence; reads only

    out = [
        s.project.name,
        f"Today {format_de(clock.today)} ({s.project.region}). {go_live_line(s.project, clock)}.",
        target_line(s.go_live)
        if s.forecast_problem is None
        else f"Go-live forecast: none ({s.forecast_problem}).",
        "",
        headline("en", s.milestones_due_soon, s.overdue_count),
        "",
        f"Progress: {s.done} of {s.done + s.open} items done, {s.overdue_count} overdue",
    ]
    rows = [
        [p.workstream, clip(p.title, 50), f"{p.done}/{p.total}", _bar(p.done, p.total)]
        for p in s.progress
    ]
    out += [
        "  " + ln for ln in table(["WORKSTREAM", "", "DONE", ""], rows, frozenset({2})).splitlines()
    ]

    def section(
        title: str, items: Sequence[Any], count: int, empty: str, rest: str, render: Any
    ) -> None:
        out.extend(["", title])
        if not items:
            out.append(f"  {empty}")
            return
        shown = items[:STATUS_ROWS]
        out.extend("  " + ln for ln in render(shown, clock).splitlines())
        if count > len(shown):
            out.append(f"  … and {count - len(shown):,} more: {rest}")

    soon = (s.soon_until - clock.today).days
    recent = (clock.today - s.recent_after).days
    section(
        "At risk (forecast after due)",
        s.at_risk,
        s.at_risk_count,
        "nothing at risk: every forecast meets its due date",
        "tracker forecast --at-risk",
        planned_table,
    )
    section(
        "Overdue",
        s.overdue,
        s.overdue_count,
        "nothing overdue",
        "tracker list --overdue",
        item_table,
    )
    section(
        f"Due until {format_de(s.soon_until)}",
        s.due_soon,
        s.due_soon_count,
        f"nothing due in the next {soon} days",
        f"tracker list --due-within {soon}d",
        item_table,
    )
    section(
        f"Done since {format_de(s.recent_after)}",
        s.recently_done,
        len(s.recently_done),
        f"nothing done in the last {recent} days",
        "tracker history",
        item_table,
    )
    return "\n".join(out) + "\n"


def _bar(done: int, total: int, width: int = 10) -> str:
    filled = round(width * done / total) if total else 0
    return "#" * filled + "." * (width - filled)


def status_json(s: Status, clock: Clock) -> str:
    from tracker.render_schedule import planned_json, target_json
    from tracker.report.i18n import headline

    return dumps(
        {
            "today": clock.today.isoformat(),
            "go_live": project_json(s.project, clock),
            "headline": headline("en", s.milestones_due_soon, s.overdue_count),
            "milestones_due_soon": s.milestones_due_soon,
            "done": s.done,
            "open": s.open,
            "progress": [
                {
                    "workstream": p.workstream,
                    "title": p.title,
                    "done": p.done,
                    "total": p.total,
                    "cancelled": p.cancelled,
                }
                for p in s.progress
            ],
            "overdue": [item_json(i, clock) for i in s.overdue],
            "overdue_count": s.overdue_count,
            "due_soon": [item_json(i, clock) for i in s.due_soon],
            "due_soon_count": s.due_soon_count,
            "due_soon_until": s.soon_until.isoformat(),
            "recently_done": [item_json(i, clock) for i in s.recently_done],
            "recently_done_after": s.recent_after.isoformat(),
            "go_live_forecast": target_json(s.go_live, clock),
            "forecast_problem": s.forecast_problem,
            "at_risk": [planned_json(p.item, p.forecast, clock) for p in s.at_risk],
            "at_risk_count": s.at_risk_count,
        }
    )


# --- history ---------------------------------------------------------------------


def _value(field: str | None, value: str | None) -> str:
    if value is None or value == "":
        return "-"
    if field in DATE_FIELDS:
        return format_de(date.fromisoformat(value))
    if field == "state":
        return State(value).label
    return value


def event_text(e: EventRow) -> str:
    """What an event did, in words: "state: planned → done"."""
    if e.kind is EventKind.CREATED:
        return f"created: {e.new}"
    if e.kind is EventKind.NOTE:
        return f"note: {e.new}"
    if e.field == "due_derived":
        return "due date agreed (it was derived from the plan's logic)"
    if e.field in ("depends_on", "closed_day") and (e.old is None or e.new is None):
        what = e.field.replace("_", " ")
        return f"{what}: + {e.new}" if e.old is None else f"{what}: − {e.old}"
    if e.field == "baseline":
        return f"baseline saved: {e.new}"
    return (
        f"{(e.field or '').replace('_', ' ')}: {_value(e.field, e.old)} → {_value(e.field, e.new)}"
    )


def history_table(events: Sequence[EventRow], with_key: bool = True) -> str:
    """The event log, newest first."""
    if not events:
        return "No events.\n"
    rows = [
        [format_de(e.day), e.recorded_at.strftime("%d.%m.%Y %H:%M"), e.actor]
        + ([e.key or "-"] if with_key else [])
        + [clip(event_text(e), 80)]
        for e in events
    ]
    headers = ["DAY", "RECORDED (UTC)", "WHO"] + (["KEY"] if with_key else []) + ["WHAT"]
    return table(headers, rows)


def event_json(e: EventRow) -> dict[str, Any]:
    return {
        "id": e.id,
        "key": e.key,
        "day": e.day.isoformat(),
        "recorded_at": e.recorded_at.isoformat(),
        "actor": e.actor,
        "kind": e.kind.value,
        "field": e.field,
        "old": e.old,
        "new": e.new,
    }


def history_json(events: Sequence[EventRow]) -> str:
    return dumps({"events": [event_json(e) for e in events]})


# --- writes ----------------------------------------------------------------------


def change_text(c: Change) -> str:
    """What a write did, one line per change."""
    if not c.changed:
        return f"{c.key}: nothing changed\n"
    lines = []
    for name, old, new in c.changes:
        if name == "created":
            lines.append(f'{c.key}: created "{new}"')
        elif name == "note":
            lines.append(f"{c.key}: note added")
        elif name == "description":  # many lines, up to 4,000 characters: one line here
            shown = [clip(" ".join((v or "-").split()), 40) for v in (old, new)]
            lines.append(f"{c.key}: description {shown[0]} → {shown[1]}")
        else:
            lines.append(f"{c.key}: {name} {old or '-'} → {new or '-'}")
    return "\n".join(lines) + "\n"


def import_text(outcome: Outcome) -> str:
    """What an import did (or would do): one line per change, then the counts."""
    lines = [change_text(r.change()) for r in outcome.results if r.changes]
    updated = f"{outcome.updated} updated"
    if outcome.fields:
        updated += f" ({', '.join(outcome.fields)})"
    counts = f"{outcome.new} new, {updated}, {outcome.unchanged} unchanged"
    if outcome.dry_run:
        return "".join(lines) + f"Dry run of {outcome.source}: {counts}; nothing was written.\n"
    return "".join(lines) + f"Imported {outcome.source}: {counts}.\n"
