"""The dated items of a project as an iCalendar file (RFC 5545) for Outlook and others.

Each item with a due date becomes an all-day event: on its due day, or across its
period from start to due (DTEND is the day after due: the end of an all-day event is
exclusive). The UID is `<project key>/<item key>@tracker`, never a row id, so that
importing a newer export again updates the events instead of adding copies; SEQUENCE
counts the item's recorded changes, so a calendar sees the newer version as newer.

Events are TRANSPARENT: a deadline does not block the day in free/busy. An optional
VALARM reminds a given time before the event's first day. The `icalendar` package
costs ~60 ms to import; only `tracker export --format ics` imports this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from tracker import queries
from tracker.dates import format_de
from tracker.db import Runner
from tracker.errors import BadInput
from tracker.exchange import Progress, no_progress
from tracker.queries import ItemRecord, ProjectRow, WorkstreamRow
from tracker.report import i18n
from tracker.states import State

_ALARM = re.compile(r"(\d{1,4})\s*([hdw])")
_UNIT_HOURS = {"h": 1, "d": 24, "w": 24 * 7}
MAX_ALARM = timedelta(days=366)
PRODID = "-//tracker//Projekt-Tracker//DE"


def parse_alarm(text: str) -> timedelta:
    """How long before an event to remind: 12h, 3d, 2w (up to a year)."""
    m = _ALARM.fullmatch(text.strip().lower())
    if m is None:
        raise BadInput(f"--alarm: {text!r} is not a reminder time (use e.g. 12h, 3d or 2w)")
    before = timedelta(hours=int(m[1]) * _UNIT_HOURS[m[2]])
    if before > MAX_ALARM:
        raise BadInput(f"--alarm: {text!r} is more than a year before the event")
    return before


def uid(project: ProjectRow, key: str) -> str:
    """The event's stable identity: the same item gives the same UID in every export."""
    return f"{project.key}/{key}@tracker"


class Calendar(NamedTuple):
    """What the file is made from."""

    project: ProjectRow
    workstreams: list[WorkstreamRow]
    records: list[ItemRecord]  # dated items only
    sequences: dict[str, int]  # key -> number of the item's recorded changes


def collect(run: Runner, project: ProjectRow, include_closed: bool = False) -> Calendar:
    """The items the calendar shows: dated ones, open ones unless `include_closed`."""
    return Calendar(
        project,
        queries.list_workstreams(run, project),
        dated(queries.all_items(run, project), include_closed),
        queries.change_counts(run, project),
    )


def dated(records: Iterable[ItemRecord], include_closed: bool) -> list[ItemRecord]:
    """Items with a due date; open ones only unless `include_closed`."""
    return [
        r for r in records if r.item.due is not None and (include_closed or r.item.state.is_open)
    ]


def write(
    calendar: Calendar,
    *,
    lang: str,
    now: datetime,
    alarm: timedelta | None = None,
    progress: Progress = no_progress,
) -> bytes:
    """The .ics file, as bytes (UTF-8, CRLF, lines folded at 75 octets)."""
    import icalendar  # ~60 ms: only here

    project = calendar.project
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", project.name)
    titles = {ws.key: ws.title for ws in calendar.workstreams}
    stamp = now.replace(tzinfo=UTC)
    with progress(len(calendar.records)) as step:
        for record in calendar.records:
            item = record.item
            assert item.due is not None
            event = icalendar.Event()
            event.add("uid", uid(project, item.key))
            event.add("dtstamp", stamp)
            event.add("sequence", max(calendar.sequences.get(item.key, 1) - 1, 0))
            event.add("summary", f"{item.key}: {item.title}")
            event.add("dtstart", item.start or item.due)
            event.add("dtend", item.due + timedelta(days=1))
            event.add("description", _description(record, titles, lang))
            event.add("categories", [item.workstream])
            event.add("status", "CANCELLED" if item.state is State.CANCELLED else "CONFIRMED")
            event.add("transp", "TRANSPARENT")
            if alarm is not None:
                reminder = icalendar.Alarm()
                reminder.add("action", "DISPLAY")
                reminder.add("description", f"{item.key}: {item.title}")
                reminder.add("trigger", -alarm)
                event.add_component(reminder)
            cal.add_component(event)
            step(1)
    data: bytes = cal.to_ical()
    return data


def _description(record: ItemRecord, titles: dict[str, str], lang: str) -> str:
    item = record.item
    state = i18n.state_name(lang, item.state)
    if item.state is State.DONE and item.done_on is not None:
        state += f" {format_de(item.done_on)}"
    due = format_de(item.due) + ("*" if item.due_derived else "")
    lines = [
        f"{i18n.t(lang, 'state')}: {state}",
        f"{i18n.t(lang, 'due')}: {due}",
        f"{i18n.t(lang, 'owner')}: {item.owner or '-'}",
        f"{i18n.t(lang, 'workstream')}: {titles.get(item.workstream, item.workstream)}",
    ]
    if item.due_derived:
        lines.append(i18n.t(lang, "derived"))
    if record.description:
        lines += ["", record.description]
    return "\n".join(lines)
