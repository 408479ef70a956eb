"""The write commands through the CLI, as a project lead sees them.

Each test runs on SQLite and on PostgreSQL (the `tracker` fixture) against the built-in
Stuttgart plan on 20.09.2011. What a lead sees is checked three ways: the lines a
command prints, the state that `list --all`, `show` and `history` report afterwards,
and, for refused input, that the database is exactly as before.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from tracker.cli import app

# The history table's RECORDED column is the wall clock; everything else is fixed.
RECORDED = re.compile(r"^(\d\d\.\d\d\.\d{4}  )\d\d\.\d\d\.\d{4} \d\d:\d\d", re.MULTILINE)


def masked(table: str) -> str:
    """A history table with the wall-clock column blanked, columns still aligned."""
    return RECORDED.sub(r"\1dd.mm.yyyy hh:mm", table)


def ok(result: Result) -> str:
    """The stdout of a command that must succeed quietly."""
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return result.stdout


def items(tracker: Any) -> dict[str, dict[str, Any]]:
    """Every item as `list --all --format json` gives it, by key."""
    data = json.loads(ok(tracker("list", "--all", "--format", "json")))
    return {item["key"]: item for item in data["items"]}


def shown(tracker: Any, key: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(ok(tracker("show", key, "--format", "json")))
    return result


def events(tracker: Any, key: str | None = None) -> list[dict[str, Any]]:
    """The event log as `history --format json` gives it, newest first."""
    args = ["history", *([key] if key else []), "--limit", "1000", "--format", "json"]
    result: list[dict[str, Any]] = json.loads(ok(tracker(*args)))["events"]
    return result


def changes(evts: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The events without ids and clock times, oldest first."""
    keys = ("key", "day", "actor", "kind", "field", "old", "new")
    return [tuple(e[k] for k in keys) for e in reversed(evts)]


def new_events(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    seen = {e["id"] for e in before}
    return changes([e for e in after if e["id"] not in seen])


def snapshot(tracker: Any) -> tuple[str, str]:
    """The whole visible state: all items and the whole history, as JSON text."""
    listing = ok(tracker("list", "--all", "--format", "json"))
    return listing, ok(tracker("history", "--limit", "1000", "--format", "json"))


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    return {k for k in before if before[k] != after[k]}


# --- done ---------------------------------------------------------------------------


def test_done_marks_the_item_done_today_and_says_so(tracker):
    before = items(tracker)
    result = tracker("done", "TRAIN-BASIS")
    assert ok(result) == "TRAIN-BASIS: state in progress → done on 20.09.2011\n"
    after = items(tracker)
    assert after["TRAIN-BASIS"]["state"] == "done"
    assert after["TRAIN-BASIS"]["done_on"] == "2011-09-20"
    assert after["TRAIN-BASIS"]["days_left"] is None
    assert {k for k in after if after[k] != before[k]} == {"TRAIN-BASIS"}
    # The open list no longer shows it.
    assert "TRAIN-BASIS" not in ok(tracker("list"))


@pytest.mark.parametrize("typed", ["15.09.2011", "2011-09-15", "15.09.11"])
def test_done_on_records_the_day_it_was_done_not_today(tracker, typed):
    result = tracker("done", "TRAIN-BASIS", "--on", typed)
    assert ok(result) == "TRAIN-BASIS: state in progress → done on 15.09.2011\n"
    assert shown(tracker, "TRAIN-BASIS")["done_on"] == "2011-09-15"
    # The events are dated on the day they were recorded; the done day is their value.
    assert changes(events(tracker, "TRAIN-BASIS"))[1:] == [
        ("TRAIN-BASIS", "2011-09-20", "test-lead", "state", "state", "in_progress", "done"),
        ("TRAIN-BASIS", "2011-09-20", "test-lead", "state", "done_on", None, "2011-09-15"),
    ]


def test_done_with_a_note_keeps_the_note_in_show_and_history(tracker):
    result = tracker("done", "TRAIN-BASIS", "--note", "alle 14 Kurse gelaufen")
    assert ok(result) == (
        "TRAIN-BASIS: state in progress → done on 20.09.2011\nTRAIN-BASIS: note added\n"
    )
    detail = shown(tracker, "TRAIN-BASIS")
    assert detail["notes"] == [
        {"day": "2011-09-20", "actor": "test-lead", "text": "alle 14 Kurse gelaufen"}
    ]
    assert changes(events(tracker, "TRAIN-BASIS"))[-1] == (
        "TRAIN-BASIS", "2011-09-20", "test-lead", "note", "note", None, "alle 14 Kurse gelaufen"
    )  # fmt: skip


def test_history_of_an_item_shows_who_and_old_to_new(tracker):
    ok(tracker("done", "TRAIN-BASIS"))
    assert masked(ok(tracker("history", "TRAIN-BASIS"))) == (
        "DAY         RECORDED (UTC)    WHO        KEY          WHAT\n"
        "20.09.2011  dd.mm.yyyy hh:mm  test-lead  TRAIN-BASIS  done on: - → 20.09.2011\n"
        "20.09.2011  dd.mm.yyyy hh:mm  test-lead  TRAIN-BASIS  state: in progress → done\n"
        "20.09.2011  dd.mm.yyyy hh:mm  test-lead  TRAIN-BASIS  "
        "created: Schulung Leistung und persönlicher Ansprechpartner\n"
    )


def test_as_before_the_command_records_another_lead_as_the_one_who_did_it(tracker):
    ok(tracker("--as", "Frau Müller", "done", "ORG-AMT"))
    ok(tracker("note", "ORG-AMT", "Amt 50 bestätigt"))
    lines = masked(ok(tracker("history", "ORG-AMT"))).splitlines()
    assert lines[:4] == [
        "DAY         RECORDED (UTC)    WHO          KEY      WHAT",
        "20.09.2011  dd.mm.yyyy hh:mm  test-lead    ORG-AMT  note: Amt 50 bestätigt",
        "20.09.2011  dd.mm.yyyy hh:mm  Frau Müller  ORG-AMT  done on: - → 20.09.2011",
        "20.09.2011  dd.mm.yyyy hh:mm  Frau Müller  ORG-AMT  state: planned → done",
    ]


def test_keys_are_case_insensitive_and_shown_in_upper_case(tracker):
    assert ok(tracker("done", "train-basis")) == (
        "TRAIN-BASIS: state in progress → done on 20.09.2011\n"
    )
    assert shown(tracker, "Train-Basis")["state"] == "done"
    assert [e["key"] for e in events(tracker, "train-basis")] == ["TRAIN-BASIS"] * 3


def test_a_replayed_day_with_today_is_the_day_in_history(tracker):
    result = tracker("done", "ORG-NETZWERK", today="21.09.2011")
    assert ok(result) == "ORG-NETZWERK: state planned → done on 21.09.2011\n"
    lines = masked(ok(tracker("history", "ORG-NETZWERK"))).splitlines()
    assert lines[1:3] == [
        "21.09.2011  dd.mm.yyyy hh:mm  test-lead  ORG-NETZWERK  done on: - → 21.09.2011",
        "21.09.2011  dd.mm.yyyy hh:mm  test-lead  ORG-NETZWERK  state: planned → done",
    ]
    assert shown(tracker, "ORG-NETZWERK")["done_on"] == "2011-09-21"


# --- start, cancel, reopen ----------------------------------------------------------


def test_start_puts_a_planned_item_in_progress(tracker):
    before = events(tracker)
    assert ok(tracker("start", "TRAIN-VERTIEFUNG")) == (
        "TRAIN-VERTIEFUNG: state planned → in progress\n"
    )
    assert items(tracker)["TRAIN-VERTIEFUNG"]["state"] == "in_progress"
    assert new_events(before, events(tracker)) == [
        ("TRAIN-VERTIEFUNG", "2011-09-20", "test-lead", "state", "state", "planned", "in_progress")
    ]


def test_cancel_closes_an_item_without_a_done_date(tracker):
    assert ok(tracker("cancel", "TRAIN-VERTIEFUNG", "--note", "entfällt")) == (
        "TRAIN-VERTIEFUNG: state planned → cancelled\nTRAIN-VERTIEFUNG: note added\n"
    )
    item = items(tracker)["TRAIN-VERTIEFUNG"]
    assert (item["state"], item["done_on"], item["days_left"]) == ("cancelled", None, None)
    assert "TRAIN-VERTIEFUNG" not in ok(tracker("list"))


def test_reopen_after_done_restores_in_progress_and_clears_the_done_date(tracker):
    ok(tracker("done", "TRAIN-BASIS", "--on", "19.09.2011"))
    before = events(tracker)
    assert ok(tracker("reopen", "TRAIN-BASIS")) == "TRAIN-BASIS: state done → in progress\n"
    item = shown(tracker, "TRAIN-BASIS")
    assert (item["state"], item["done_on"], item["days_left"]) == ("in_progress", None, 20)
    assert new_events(before, events(tracker)) == [
        ("TRAIN-BASIS", "2011-09-20", "test-lead", "state", "state", "done", "in_progress"),
        ("TRAIN-BASIS", "2011-09-20", "test-lead", "state", "done_on", "2011-09-19", None),
    ]


def test_reopen_after_cancel_restores_planned(tracker):
    ok(tracker("cancel", "TRAIN-VERTIEFUNG"))
    assert ok(tracker("reopen", "TRAIN-VERTIEFUNG")) == (
        "TRAIN-VERTIEFUNG: state cancelled → planned\n"
    )
    assert items(tracker)["TRAIN-VERTIEFUNG"]["state"] == "planned"


def test_reopen_restores_the_state_just_before_the_latest_close(tracker):
    ok(tracker("start", "TRAIN-VERTIEFUNG"))
    ok(tracker("done", "TRAIN-VERTIEFUNG"))
    ok(tracker("reopen", "TRAIN-VERTIEFUNG"))
    ok(tracker("cancel", "TRAIN-VERTIEFUNG"))
    assert ok(tracker("reopen", "TRAIN-VERTIEFUNG")) == (
        "TRAIN-VERTIEFUNG: state cancelled → in progress\n"
    )


def test_reopen_of_an_item_done_in_the_plan_clears_its_done_date(tracker):
    assert shown(tracker, "STMT-264")["done_on"] == "2011-09-20"
    assert ok(tracker("reopen", "STMT-264")) == "STMT-264: state done → planned\n"
    item = items(tracker)["STMT-264"]
    assert (item["state"], item["done_on"]) == ("planned", None)


# --- edit ---------------------------------------------------------------------------


def test_edit_changes_exactly_the_given_fields_with_one_event_each(tracker):
    before_items, before_events = items(tracker), events(tracker)
    before_refs = shown(tracker, "GRDRS-5")["refs"]
    result = tracker(
        "edit", "grdrs-5",
        "--title", "5. Vorlage: Personalübergang",
        "--owner", "Haupt- und Personalamt",
        "--start", "2011-10-04",
        "--workstream", "staff",
        "--refs", "GRDrs 647/2011, Antrag 264/2011",
    )  # fmt: skip
    assert ok(result) == (
        "GRDRS-5: title 5. Vorlage: Personalübergang und weitere Kosten"
        " → 5. Vorlage: Personalübergang\n"
        "GRDRS-5: start - → 04.10.2011\n"
        "GRDRS-5: owner Referat Soziales, Jugend und Gesundheit → Haupt- und Personalamt\n"
        "GRDRS-5: workstream council → staff\n"
        "GRDRS-5: refs - → GRDrs 647/2011, Antrag 264/2011\n"
    )
    after_items = items(tracker)
    assert {k for k in after_items if after_items[k] != before_items[k]} == {"GRDRS-5"}
    old, new = before_items["GRDRS-5"], after_items["GRDRS-5"]
    assert changed_fields(old, new) == {"title", "owner", "start", "workstream"}
    assert (new["title"], new["owner"], new["start"], new["workstream"]) == (
        "5. Vorlage: Personalübergang", "Haupt- und Personalamt", "2011-10-04", "staff"
    )  # fmt: skip
    assert (new["due"], new["due_derived"], new["state"]) == ("2011-12-31", True, "in_progress")
    detail = shown(tracker, "GRDRS-5")
    assert before_refs == []
    assert detail["refs"] == ["GRDrs 647/2011", "Antrag 264/2011"]
    assert detail["due_baseline"] == "2011-12-31"
    day, who = "2011-09-20", "test-lead"
    assert new_events(before_events, events(tracker)) == [
        ("GRDRS-5", day, who, "edited", "title",
         "5. Vorlage: Personalübergang und weitere Kosten", "5. Vorlage: Personalübergang"),
        ("GRDRS-5", day, who, "rescheduled", "start", None, "2011-10-04"),
        ("GRDRS-5", day, who, "edited", "owner",
         "Referat Soziales, Jugend und Gesundheit", "Haupt- und Personalamt"),
        ("GRDRS-5", day, who, "edited", "workstream", "council", "staff"),
        ("GRDRS-5", day, who, "edited", "refs", None, "GRDrs 647/2011, Antrag 264/2011"),
    ]  # fmt: skip


def test_edit_due_keeps_the_first_agreed_date_as_baseline_and_makes_it_agreed(tracker):
    assert (shown(tracker, "MIG-PREP")["due_derived"], shown(tracker, "MIG-PREP")["due"]) == (
        True, "2011-12-31"
    )  # fmt: skip
    before = events(tracker)
    assert ok(tracker("edit", "MIG-PREP", "--due", "15.12.2011")) == (
        "MIG-PREP: due 31.12.2011 → 15.12.2011\n"
    )
    assert ok(tracker("edit", "MIG-PREP", "--due", "30.12.2011")) == (
        "MIG-PREP: due 15.12.2011 → 30.12.2011\n"
    )
    item = shown(tracker, "MIG-PREP")
    assert (item["due"], item["due_baseline"], item["due_derived"]) == (
        "2011-12-30", "2011-12-31", False
    )  # fmt: skip
    assert new_events(before, events(tracker)) == [
        ("MIG-PREP", "2011-09-20", "test-lead", "rescheduled", "due_derived", "true", "false"),
        ("MIG-PREP", "2011-09-20", "test-lead", "rescheduled", "due", "2011-12-31", "2011-12-15"),
        ("MIG-PREP", "2011-09-20", "test-lead", "rescheduled", "due", "2011-12-15", "2011-12-30"),
    ]
    text = ok(tracker("show", "MIG-PREP"))
    assert "  Due           30.12.2011  (101 days, 70 working days left)\n" in text
    assert "  First agreed  31.12.2011  (slip -1 days)\n" in text
    assert "Derived date" not in text


def test_edit_due_of_an_undated_item_makes_the_first_date_its_baseline(tracker):
    assert ok(tracker("edit", "ORG-LEITUNG", "--due", "31.10.2011")) == (
        "ORG-LEITUNG: due - → 31.10.2011\n"
    )
    ok(tracker("edit", "ORG-LEITUNG", "--due", "15.11.2011"))
    item = shown(tracker, "ORG-LEITUNG")
    assert (item["due"], item["due_baseline"]) == ("2011-11-15", "2011-10-31")


def test_edit_moves_start_and_due_later_together(tracker):
    # 11.10.2011 is after the old due date 10.10.2011, but not after the new one.
    result = tracker("edit", "TRAIN-BASIS", "--start", "11.10.2011", "--due", "24.10.2011")
    assert ok(result) == (
        "TRAIN-BASIS: start 12.09.2011 → 11.10.2011\nTRAIN-BASIS: due 10.10.2011 → 24.10.2011\n"
    )
    item = shown(tracker, "TRAIN-BASIS")
    assert (item["start"], item["due"], item["due_baseline"]) == (
        "2011-10-11", "2011-10-24", "2011-10-10"
    )  # fmt: skip


def test_edit_to_the_same_values_says_nothing_changed_and_writes_no_event(tracker):
    before = snapshot(tracker)
    result = tracker(
        "edit", "TRAIN-BASIS",
        "--due", "2011-10-10",
        "--start", "12.09.2011",
        "--title", "Schulung Leistung und persönlicher Ansprechpartner",
        "--owner", "Projektgruppe Optionskommune",
        "--workstream", "TRAINING",
    )  # fmt: skip
    assert ok(result) == "TRAIN-BASIS: nothing changed\n"
    assert snapshot(tracker) == before


def test_edit_clearing_an_owner_that_is_already_empty_writes_no_event(tracker):
    before = snapshot(tracker)
    assert ok(tracker("edit", "ORG-AMT", "--owner", "")) == "ORG-AMT: nothing changed\n"
    assert snapshot(tracker) == before


def test_edit_with_an_empty_title_is_refused_like_add(tracker):
    result = tracker("edit", "TRAIN-BASIS", "--title", "")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", "tracker: the title is empty\n"
    )  # fmt: skip


# --- note ---------------------------------------------------------------------------


def test_note_appears_in_show_and_history(tracker):
    before = items(tracker)
    assert ok(tracker("note", "go-live", "Termin mit BMAS am 05.10.2011")) == (
        "GO-LIVE: note added\n"
    )
    assert ok(tracker("--as", "Frau Müller", "note", "GO-LIVE", "Zulassung liegt vor")) == (
        "GO-LIVE: note added\n"
    )
    assert items(tracker) == before  # a note changes no field
    text = ok(tracker("show", "GO-LIVE"))
    assert (
        "\nNotes:\n"
        "  20.09.2011  test-lead: Termin mit BMAS am 05.10.2011\n"
        "  20.09.2011  Frau Müller: Zulassung liegt vor\n"
        "\nHistory:\n"
    ) in text
    assert changes(events(tracker, "GO-LIVE"))[1:] == [
        ("GO-LIVE", "2011-09-20", "test-lead", "note", "note", None,
         "Termin mit BMAS am 05.10.2011"),
        ("GO-LIVE", "2011-09-20", "Frau Müller", "note", "note", None, "Zulassung liegt vor"),
    ]  # fmt: skip


# --- add ----------------------------------------------------------------------------


def test_add_creates_a_milestone_with_a_key_from_its_workstream(tracker):
    before = items(tracker)
    result = tracker("add", "Schulung Fallmanagement", "--due", "31.10.2011", "-w", "training")
    assert ok(result) == 'TRAINING-1: created "Schulung Fallmanagement"\n'
    assert ok(tracker("add", "Schulung U25", "--workstream", "Training")) == (
        'TRAINING-2: created "Schulung U25"\n'
    )
    after = items(tracker)
    assert set(after) - set(before) == {"TRAINING-1", "TRAINING-2"}
    assert after["TRAINING-1"] == {
        "key": "TRAINING-1",
        "kind": "milestone",
        "title": "Schulung Fallmanagement",
        "workstream": "training",
        "milestone": None,
        "owner": None,
        "state": "planned",
        "start": None,
        "due": "2011-10-31",
        "due_derived": False,
        "done_on": None,
        "days_left": 41,
        "working_days_left": 28,
        "overdue": False,
        "blocked": False,
    }
    assert shown(tracker, "TRAINING-1")["due_baseline"] == "2011-10-31"
    assert changes(events(tracker, "TRAINING-1")) == [
        ("TRAINING-1", "2011-09-20", "test-lead", "created", None, None, "Schulung Fallmanagement")
    ]


def test_add_with_milestone_creates_a_task_that_inherits_the_workstream(tracker):
    result = tracker(
        "add", "Schulungsräume buchen", "--milestone", "train-basis",
        "--start", "12.09.2011", "--due", "30.09.2011", "--owner", "Amt 10",
    )  # fmt: skip
    assert ok(result) == 'TRAIN-BASIS.1: created "Schulungsräume buchen"\n'
    task = items(tracker)["TRAIN-BASIS.1"]
    assert (task["kind"], task["milestone"], task["workstream"], task["owner"]) == (
        "task", "TRAIN-BASIS", "training", "Amt 10"
    )  # fmt: skip
    assert (task["start"], task["due"], task["state"]) == ("2011-09-12", "2011-09-30", "planned")
    assert [t["key"] for t in shown(tracker, "TRAIN-BASIS")["tasks"]] == ["TRAIN-BASIS.1"]
    assert ok(tracker("add", "Trainer anfragen", "--milestone", "TRAIN-BASIS")) == (
        'TRAIN-BASIS.2: created "Trainer anfragen"\n'
    )


def test_add_with_key_uses_that_key_in_upper_case(tracker):
    result = tracker("add", "Zulassung durch das BMAS", "--key", "org-zulassung", "-w", "org")
    assert ok(result) == 'ORG-ZULASSUNG: created "Zulassung durch das BMAS"\n'
    assert shown(tracker, "ORG-ZULASSUNG")["title"] == "Zulassung durch das BMAS"


def test_a_generated_task_key_is_never_longer_than_a_key_may_be(tracker):
    long_key = "ORG-" + "X" * 28
    ok(tracker("add", "Ein Meilenstein mit langem Schlüssel", "--key", long_key, "-w", "org"))
    before = snapshot(tracker)
    result = tracker("add", "Eine Aufgabe", "--milestone", long_key)
    assert (result.exit_code, result.stdout) == (1, ""), result.output
    assert result.stderr == (
        f"tracker: cannot make a key from '{long_key}.1' (choose one with --key)\n"
    )
    assert snapshot(tracker) == before


# --- refused input ------------------------------------------------------------------

DATE_HELP = (
    "(use 2011-10-10, 10.10.2011, 10.10.11, 10.10., today, tomorrow, yesterday, "
    "+3d, -2w, +1m or a weekday such as monday)"
)

REFUSED = [
    pytest.param(
        [], ["done", "NOPE"], 3,
        "no item with key 'NOPE' (see `tracker list --all`)",
        id="unknown-key-done",
    ),
    pytest.param(
        [], ["edit", "nope", "--title", "x"], 3,
        "no item with key 'nope' (see `tracker list --all`)",
        id="unknown-key-edit",
    ),
    pytest.param(
        [], ["add", "Aufgabe", "--milestone", "NOPE"], 3,
        "no item with key 'NOPE' (see `tracker list --all`)",
        id="unknown-milestone-add",
    ),
    pytest.param(
        [], ["edit", "TRAIN-BASIS", "--due", "09/20/2011"], 1,
        f"--due: '09/20/2011' is not a date {DATE_HELP}",
        id="month-first-date",
    ),
    pytest.param(
        [], ["done", "TRAIN-BASIS", "--on", "31.02.2011"], 1,
        f"--on: '31.02.2011' is not a date in the calendar {DATE_HELP}",
        id="impossible-date",
    ),
    pytest.param(
        [], ["done", "STMT-264"], 1,
        "STMT-264 is already done on 20.09.2011",
        id="done-on-a-done-item",
    ),
    pytest.param(
        [], ["done", "GO-LIVE", "--on", "21.09.2011"], 1,
        "the done date 21.09.2011 is after today 20.09.2011",
        id="done-after-today",
    ),
    pytest.param(
        [], ["edit", "TRAIN-BASIS", "--start", "11.10.2011"], 1,
        "the start 11.10.2011 is after the due date 10.10.2011",
        id="edit-start-after-due",
    ),
    pytest.param(
        [], ["add", "Vertiefung II", "-w", "training", "--start", "10.10.2011",
             "--due", "01.10.2011"], 1,
        "the start 10.10.2011 is after the due date 01.10.2011",
        id="add-start-after-due",
    ),
    pytest.param(
        [], ["add", "Aufgabe", "-w", "nope"], 3,
        "no workstream 'nope' "
        "(workstreams: software, training, council, benefits, staff, migration, org)",
        id="add-unknown-workstream",
    ),
    pytest.param(
        # The title would change first; the unknown workstream must roll it back.
        [], ["edit", "GRDRS-5", "--title", "Neu", "--workstream", "nope"], 3,
        "no workstream 'nope' "
        "(workstreams: software, training, council, benefits, staff, migration, org)",
        id="edit-unknown-workstream-rolls-back",
    ),
    pytest.param(
        [], ["add", "Unteraufgabe", "--milestone", "ORG-AMT"], 1,
        "ORG-AMT is a task; tasks belong to milestones",
        id="task-under-a-task",
    ),
    pytest.param(
        [], ["add", "Schulung", "--key", "train-basis", "-w", "training"], 1,
        "the key TRAIN-BASIS is taken (choose another with --key)",
        id="taken-key",
    ),
    pytest.param(
        [], ["add", "Schulung", "--key", "1-SCHULUNG", "-w", "training"], 1,
        "'1-SCHULUNG' is not a usable key (letters, digits and . _ -, starting with a "
        "letter, at most 32 characters)",
        id="unusable-key",
    ),
    pytest.param(
        [], ["add", "Schulung"], 1,
        "a milestone needs --workstream (see `tracker status` for the list)",
        id="milestone-without-workstream",
    ),
    pytest.param(
        [], ["add", "  ", "-w", "training"], 1, "the title is empty", id="empty-title"
    ),
    pytest.param([], ["note", "GO-LIVE", ""], 1, "the note is empty", id="empty-note"),
    pytest.param([], ["note", "GO-LIVE", "  "], 1, "the note is empty", id="blank-note"),
    pytest.param(
        # The state changes before the note is checked; all of it must roll back.
        [], ["done", "TRAIN-BASIS", "--note", "  "], 1, "the note is empty",
        id="done-with-blank-note-rolls-back",
    ),
    pytest.param(
        [], ["edit", "TRAIN-BASIS"], 1,
        "nothing to change (give --title, --due, --start, --owner, --workstream, --refs "
        "or --description)",
        id="edit-without-options",
    ),
    pytest.param(
        [], ["start", "STMT-264"], 1,
        "STMT-264 is done (reopen it first: `tracker reopen STMT-264`)",
        id="start-on-a-done-item",
    ),
    pytest.param(
        ["cancel", "ORG-MARKT"], ["start", "ORG-MARKT"], 1,
        "ORG-MARKT is cancelled (reopen it first: `tracker reopen ORG-MARKT`)",
        id="start-on-a-cancelled-item",
    ),
    pytest.param(
        ["cancel", "ORG-MARKT"], ["cancel", "ORG-MARKT"], 1,
        "ORG-MARKT is already cancelled",
        id="cancel-twice",
    ),
    pytest.param(
        [], ["cancel", "SW-AWARD"], 1,
        "SW-AWARD is done (reopen it first: `tracker reopen SW-AWARD`)",
        id="cancel-a-done-item",
    ),
    pytest.param(
        ["cancel", "ORG-MARKT"], ["done", "ORG-MARKT"], 1,
        "ORG-MARKT is cancelled (reopen it first: `tracker reopen ORG-MARKT`)",
        id="done-on-a-cancelled-item",
    ),
    pytest.param(
        [], ["reopen", "TRAIN-BASIS"], 1,
        "TRAIN-BASIS is in progress, not done or cancelled",
        id="reopen-an-open-item",
    ),
    pytest.param(
        [], ["--db", "/nonexistent/x.db", "list"], 4,
        "no tracker database at /nonexistent/x.db (run `tracker init`)",
        id="missing-database",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("setup", "args", "code", "message"), REFUSED)
def test_refused_input_is_one_line_on_stderr_and_changes_nothing(
    tracker, setup, args, code, message
):
    if setup:
        ok(tracker(*setup))
    before = snapshot(tracker)
    result = tracker(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (code, "", f"tracker: {message}\n")
    assert isinstance(result.exception, SystemExit)  # not a traceback
    assert snapshot(tracker) == before


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["note", "GO-LIVE"], "Missing argument 'text'."),
        (["done", "TRAIN-BASIS", "--when", "heute"], "No such option: --when"),
    ],
)
def test_usage_errors_exit_2_and_change_nothing(tracker, args, complaint):
    before = snapshot(tracker)
    result = tracker(*args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert complaint in result.stderr
    assert "Traceback" not in result.stderr
    assert isinstance(result.exception, SystemExit)
    assert snapshot(tracker) == before


def test_a_missing_database_file_is_never_created(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "tracker.db"
    for args in (["list"], ["done", "TRAIN-BASIS"], ["note", "GO-LIVE", "x"]):
        result = CliRunner().invoke(app, ["--today", "20.09.2011", "--db", str(missing), *args])
        assert (result.exit_code, result.stdout) == (4, ""), result.output
        assert result.stderr == f"tracker: no tracker database at {missing} (run `tracker init`)\n"
        assert isinstance(result.exception, SystemExit)
    assert list(tmp_path.iterdir()) == []


# --- limits the review found -----------------------------------------------------------


def refused(tracker: Any, *args: str, code: int = 1, today: str = "20.09.2011") -> str:
    """stderr of a command that must be refused in one line, changing nothing."""
    before = snapshot(tracker)
    result = tracker(*args, today=today)
    assert (result.exit_code, result.stdout) == (code, ""), result.output
    assert result.stderr.startswith("tracker: ") and result.stderr.count("\n") == 1
    assert snapshot(tracker) == before
    return result.stderr


def test_dates_beyond_the_calendar_are_refused_where_they_enter(tracker):
    message = refused(tracker, "add", "Tippfehler", "-w", "org", "--due", "2110-10-10")
    assert "the due date 10.10.2110 is outside the years the tracker's calendar knows" in message
    refused(tracker, "edit", "GO-LIVE", "--due", "01.01.1990")
    result = tracker("list", today="2100-01-01")
    assert result.exit_code == 1
    assert result.stderr.startswith("tracker: --today: today 01.01.2100 is outside the years")


def test_a_milestone_with_open_tasks_cannot_be_closed(tracker):
    message = refused(tracker, "cancel", "ORG-STRUCTURE")
    assert message == (
        "tracker: ORG-STRUCTURE has 8 open task(s) (ORG-AMT, ORG-ARBEITSHILFEN, "
        "ORG-BUERGERARBEIT, ...): mark them done or cancel them first\n"
    )
    refused(tracker, "done", "ORG-STRUCTURE")


def test_a_milestone_closes_once_its_tasks_are_closed(tracker):
    for task in [t["key"] for t in shown(tracker, "ORG-STRUCTURE")["tasks"]]:
        ok(tracker("done", task))
    assert ok(tracker("done", "ORG-STRUCTURE")).startswith("ORG-STRUCTURE: state planned → done")


def test_no_task_is_added_under_a_closed_milestone(tracker):
    message = refused(tracker, "add", "Nachtrag", "--milestone", "GRDRS-647")
    assert message == (
        "tracker: GRDRS-647 is done; reopen it before adding tasks (`tracker reopen GRDRS-647`)\n"
    )


def test_a_blank_as_falls_back_to_tracker_user(tracker):
    ok(tracker("--as", "   ", "note", "GO-LIVE", "Pressetermin"))
    assert events(tracker, "GO-LIVE")[0]["actor"] == "test-lead"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "X", "-w", "org", "--owner", "o" * 101], "the owner is longer than 100"),
        (["edit", "GO-LIVE", "--refs", "r" * 301], "the reference is longer than 300"),
        (["--as", "a" * 101, "note", "GO-LIVE", "x"], "is longer than 100 characters"),
        (["note", "GO-LIVE", "caf\udce9"], "the note is not valid UTF-8 text"),
        (["list", "--workstream", "nope"], "no workstream 'nope' (workstreams: software,"),
        (["list", "--overdue", "--all"], "--overdue lists open items only"),
    ],
    ids=["long-owner", "long-refs", "long-actor", "not-utf8", "unknown-ws", "overdue-all"],
)
def test_values_no_backend_could_store_are_refused_in_one_line(tracker, args, message):
    code = 3 if args[0] == "list" and "--workstream" in args else 1
    assert message in refused(tracker, *args, code=code)


def test_line_breaks_in_owners_and_notes_keep_tables_whole(tracker):
    ok(tracker("edit", "GO-LIVE", "--owner", "Frau\nMüller"))
    ok(tracker("note", "GO-LIVE", "erste Zeile\nzweite Zeile"))
    assert items(tracker)["GO-LIVE"]["owner"] == "Frau Müller"
    assert shown(tracker, "GO-LIVE")["notes"][0]["text"] == "erste Zeile\nzweite Zeile"
    table = ok(tracker("history", "--limit", "1"))
    assert len(table.splitlines()) == 2
    assert table.splitlines()[1].endswith("note: erste Zeile zweite Zeile")


def test_owner_filter_folds_umlauts_on_both_backends(tracker):
    ok(tracker("edit", "MIG-ALL", "--owner", "ÖFFENTLICHKEITSARBEIT"))
    ok(tracker("edit", "GO-LIVE", "--owner", "Frau Müller"))
    data = json.loads(ok(tracker("list", "--owner", "FRAU MÜLLER", "--format", "json")))
    assert [i["key"] for i in data["items"]] == ["GO-LIVE"]
    data = json.loads(ok(tracker("list", "--owner", "öffentlichkeitsarbeit", "--format", "json")))
    assert [i["key"] for i in data["items"]] == ["MIG-ALL"]


def test_edit_removes_a_date_with_none_and_changes_the_description(tracker):
    out = ok(tracker("edit", "MIG-ALL", "--due", "none", "--description", "Offen"))
    assert out.splitlines()[0] == "MIG-ALL: due 30.06.2012 → -"
    detail = shown(tracker, "MIG-ALL")
    assert (detail["due"], detail["description"]) == (None, "Offen")
    assert shown(tracker, "MIG-ALL")["due_baseline"] == "2012-06-30"  # still the first agreed
