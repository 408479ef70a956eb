"""`tracker export --format ics`: the dated items as all-day events for Outlook.

The file is parsed back with the icalendar package, as a calendar would read it:
dates, UIDs that stay the same from one export to the next, the reminder.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest

from tracker.errors import BadInput
from tracker.exchange.ics import parse_alarm


def ok(result: Any) -> str:
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return str(result.stdout)


def calendar(tracker: Any, *args: str) -> dict[str, Any]:
    """The exported events by UID."""
    result = tracker("export", "--format", "ics", *args)
    assert result.exit_code == 0, result.output
    cal = icalendar.Calendar.from_ical(result.stdout_bytes)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def open_dated(tracker: Any) -> set[str]:
    """The keys of the open items with a due date, as `tracker list` shows them."""
    data = json.loads(ok(tracker("list", "--format", "json")))
    return {i["key"] for i in data["items"] if i["due"]}


def test_dated_open_items_are_all_day_events_with_stable_uids(tracker):
    events = calendar(tracker)
    assert set(events) == {f"stuttgart-2012/{key}@tracker" for key in open_dated(tracker)}
    assert len(events) == 10
    training = events["stuttgart-2012/TRAIN-BASIS@tracker"]
    # A period spans start..due; the end of an all-day event is the day after (exclusive).
    assert training.decoded("DTSTART") == date(2011, 9, 12)
    assert training.decoded("DTEND") == date(2011, 10, 11)
    assert training["DTSTART"].params["VALUE"] == "DATE"
    assert str(training["SUMMARY"]) == (
        "TRAIN-BASIS: Schulung Leistung und persönlicher Ansprechpartner"
    )
    description = str(training["DESCRIPTION"])
    assert description.startswith(
        "Status: in Arbeit\nFällig: 10.10.2011\nVerantwortlich: Projektgruppe Optionskommune\n"
        "Arbeitspaket: Schulungen\n\nQuelle: "
    )  # German, the project's language
    go_live = events["stuttgart-2012/GO-LIVE@tracker"]
    assert (go_live.decoded("DTSTART"), go_live.decoded("DTEND")) == (
        date(2012, 1, 1), date(2012, 1, 2)
    )  # fmt: skip
    assert "VALARM" not in {c.name for c in go_live.subcomponents}
    assert str(go_live["TRANSP"]) == "TRANSPARENT"


def test_a_second_export_after_changes_keeps_the_uids_and_raises_the_sequence(tracker):
    first = calendar(tracker)
    ok(tracker("edit", "GO-LIVE", "--title", "Start der Optionskommune"))
    ok(tracker("edit", "MIG-PREP", "--due", "15.12.2011"))
    ok(tracker("add", "Testmigration", "--milestone", "MIG-PREP", "--due", "15.11.2011"))
    second = calendar(tracker)
    assert set(second) == set(first) | {"stuttgart-2012/MIG-PREP.1@tracker"}
    mig = "stuttgart-2012/MIG-PREP@tracker"
    assert second[mig].decoded("DTSTART") == date(2011, 12, 15)
    assert second[mig]["SEQUENCE"] > first[mig]["SEQUENCE"]
    go_live = "stuttgart-2012/GO-LIVE@tracker"
    assert str(second[go_live]["SUMMARY"]) == "GO-LIVE: Start der Optionskommune"
    unchanged = "stuttgart-2012/TRAIN-BASIS@tracker"
    assert second[unchanged]["SEQUENCE"] == first[unchanged]["SEQUENCE"] == 0


def test_all_adds_done_and_cancelled_items(sqlite_tracker):
    ok(sqlite_tracker("cancel", "TRAIN-VERTIEFUNG"))
    events = calendar(sqlite_tracker, "--all")
    done = events["stuttgart-2012/STMT-264@tracker"]
    assert str(done["DESCRIPTION"]).startswith("Status: erledigt 20.09.2011\n")
    cancelled = events["stuttgart-2012/TRAIN-VERTIEFUNG@tracker"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert "stuttgart-2012/TRAIN-VERTIEFUNG@tracker" not in calendar(sqlite_tracker)


@pytest.mark.parametrize(
    ("alarm", "before"),
    [("3d", timedelta(days=3)), ("2w", timedelta(weeks=2)), ("12h", timedelta(hours=12))],
)
def test_alarm_adds_a_display_reminder_before_each_event(sqlite_tracker, alarm, before):
    events = calendar(sqlite_tracker, "--alarm", alarm)
    for event in events.values():
        (reminder,) = event.walk("VALARM")
        assert str(reminder["ACTION"]) == "DISPLAY"
        assert reminder.decoded("TRIGGER") == -before
        assert str(reminder["DESCRIPTION"]) == str(event["SUMMARY"])


def test_english_texts_and_a_file(sqlite_tracker, tmp_path: Path):
    target = tmp_path / "plan.ics"
    assert ok(sqlite_tracker("export", "-o", str(target), "--lang", "en")) == (
        f"Wrote 10 events to {target}.\n"
    )
    cal = icalendar.Calendar.from_ical(target.read_bytes())
    event = next(
        e for e in cal.walk("VEVENT") if str(e["UID"]) == "stuttgart-2012/MIG-PREP@tracker"
    )
    assert str(event["DESCRIPTION"]).startswith(
        "State: in progress\nDue: 31.12.2011*\nOwner: Projektgruppe Optionskommune\n"
        "Workstream: Datenmigration\n* derived date: the source gives none\n\n"
    )
    assert str(cal["X-WR-CALNAME"]).startswith("Optionskommune Stuttgart")


@pytest.mark.parametrize("text", ["3", "3m", "-3d", "d", "3 days", "99999d", "53w"])
def test_a_reminder_time_is_hours_days_or_weeks_up_to_a_year(text):
    with pytest.raises(BadInput, match="--alarm"):
        parse_alarm(text)


def test_bad_calendar_options_are_one_line(sqlite_tracker):
    for args, message in [
        (["--alarm", "3x"], "--alarm: '3x' is not a reminder time (use e.g. 12h, 3d or 2w)"),
        (["--comma"], "--comma is for --format csv"),
        (["--lang", "fr"], "--lang: 'fr' is not a report language (use de or en)"),
    ]:
        result = sqlite_tracker("export", "--format", "ics", *args)
        assert result.exit_code == 1
        assert result.stderr == f"tracker: {message}\n"
