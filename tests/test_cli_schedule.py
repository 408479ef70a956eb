"""Dependencies, forecasts, the critical path, what-ifs, baselines and the working
calendar, through the CLI on the Stuttgart plan (SQLite and PostgreSQL).

The expected dates are worked out by hand from the plan (state of 20.09.2011) and the
calendar of Baden-Württemberg: 03.10., 01.11., 26.12.2011 and 06.01.2012 are public
holidays; December 2011 has 21 working days, November 21, January 2012 21.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_cli_write import events, ok, snapshot


def data(tracker: Any, *args: str, today: str = "20.09.2011") -> Any:
    return json.loads(ok(tracker(*args, "--format", "json", today=today)))


def keys(rows: list[dict[str, Any]]) -> list[str]:
    return [r["key"] for r in rows]


# --- the Stuttgart plan: what the "done when" asks ------------------------


def test_critical_names_the_chain_to_go_live_with_its_slack(tracker):
    c = data(tracker, "critical")
    assert c["target"]["key"] == "GO-LIVE"
    assert (c["target"]["due"], c["target"]["forecast"]) == ("2012-01-01", "2012-01-01")
    # Due on the Saturday before go-live (derived): no working day of room at all.
    assert keys(c["critical"]) == [
        "BEN-AGREEMENT",
        "GRDRS-5",
        "MIG-PREP",
        "ORG-STRUCTURE",
        "GO-LIVE",
    ]
    assert {r["slack_working_days"] for r in c["critical"]} == {0}
    # 31.10. → 30.11.: TRAIN-VERTIEFUNG waits for the software; 30.11. → 01.01.: the 21
    # working days of December; TRAIN-BASIS: 15 in October after the 10th + 21 + 21.
    slack = {r["key"]: r["slack_working_days"] for r in c["with_slack"]}
    assert slack == {"SW-INSTALL": 21, "TRAIN-VERTIEFUNG": 21, "TRAIN-BASIS": 57}
    # The tasks of ORG-STRUCTURE come before go-live but have no dates.
    assert len(c["undated"]) == 8 and "ORG-AMT" in c["undated"]

    table = ok(tracker("critical"))
    assert "Forecast 01.01.2012 (GO-LIVE due 01.01.2012): on time." in table
    assert "MIG-PREP" in table.split("with slack")[0]
    assert "TRAIN-BASIS" in table.split("with slack")[1]


def test_whatif_the_data_migration_slips_go_live_moves_and_nothing_is_written(tracker):
    before = snapshot(tracker)
    w = data(tracker, "whatif", "MIG-PREP", "--slip", "10")
    # 31.12.2011 + 10 working days: 02.–05.01. (4), 06.01. holiday, 09.–13.01. (5), 16.01.
    assert w["go_live"]["holds"] is False
    assert (w["go_live"]["forecast_before"], w["go_live"]["forecast_after"]) == (
        "2012-01-01",
        "2012-01-16",
    )
    assert w["go_live"]["slip_working_days_after"] == 10
    assert keys(w["moved"]) == ["MIG-PREP", "GO-LIVE", "BEN-INTERIM"]
    assert {m["moved_working_days"] for m in w["moved"]} == {10}
    assert w["newly_at_risk"] == ["BEN-INTERIM", "GO-LIVE", "MIG-PREP"]
    text = ok(tracker("whatif", "MIG-PREP", "--slip", "10"))
    assert "Go-live moves by 10 working days: GO-LIVE forecast 01.01.2012 → 16.01.2012" in text
    assert "Nothing is written." in text
    assert snapshot(tracker) == before


def test_whatif_an_item_with_slack_slipping_less_than_it_leaves_go_live_alone(tracker):
    w = data(tracker, "whatif", "TRAIN-VERTIEFUNG", "--slip", "21")
    assert w["go_live"]["holds"] is True
    assert keys(w["moved"]) == ["TRAIN-VERTIEFUNG"]
    # One working day more than its slack, and go-live moves by one.
    w = data(tracker, "whatif", "TRAIN-VERTIEFUNG", "--slip", "22")
    assert (w["go_live"]["holds"], w["go_live"]["forecast_after"]) == (False, "2012-01-02")
    assert "Go-live holds" in ok(tracker("whatif", "TRAIN-VERTIEFUNG", "--slip", "5"))


def test_whatif_with_a_new_due_date(tracker):
    w = data(tracker, "whatif", "MIG-PREP", "--due", "15.01.2012")
    assert w["change"] == {"due": "2012-01-15", "slip_working_days": 0}
    assert w["go_live"]["forecast_after"] == "2012-01-15"
    # (01.01., 15.01.]: 02.–05. and 09.–13.01.: 9 working days (06.01. is a holiday).
    assert w["go_live"]["slip_working_days_after"] == 9
    assert "What if MIG-PREP were due on 15.01.2012 instead of 31.12.2011?" in ok(
        tracker("whatif", "MIG-PREP", "--due", "15.01.2012")
    )


# --- forecast and status ---------------------------------------------------------


def test_a_later_software_installation_puts_the_in_depth_training_at_risk(tracker):
    ok(tracker("edit", "SW-INSTALL", "--due", "30.11.2011"))
    f = data(tracker, "forecast", "--at-risk")
    (risky,) = f["items"]
    # Starts 01.12., lasts its 21 working days (01.–30.11. without 01.11.): 30.12.2011.
    assert risky["key"] == "TRAIN-VERTIEFUNG"
    assert (risky["forecast_start"], risky["forecast"]) == ("2011-12-01", "2011-12-30")
    assert (risky["slip_working_days"], risky["reason"], risky["driver"]) == (
        21,
        "predecessor",
        "SW-INSTALL",
    )
    assert f["go_live"]["forecast"] == "2012-01-01"  # December still has room
    status = ok(tracker("status"))
    at_risk = status.split("At risk (forecast after due)")[1].split("Overdue")[0]
    assert "TRAIN-VERTIEFUNG" in at_risk and "+21 wd" in at_risk and "after SW-INSTALL" in at_risk
    assert keys(data(tracker, "status")["at_risk"]) == ["TRAIN-VERTIEFUNG"]


def test_an_overdue_open_item_is_forecast_for_today_at_the_earliest(tracker):
    f = data(tracker, "forecast", today="12.10.2011")
    basis = next(i for i in f["items"] if i["key"] == "TRAIN-BASIS")
    # Due Monday 10.10.; still in progress on Wednesday 12.10.: two working days late.
    assert (basis["forecast"], basis["slip_working_days"], basis["reason"]) == (
        "2011-10-12",
        2,
        "today",
    )
    assert "Go-live forecast 01.01.2012 (GO-LIVE due 01.01.2012): on time." in ok(
        tracker("forecast", today="12.10.2011")
    )


def test_status_says_when_nothing_is_at_risk(tracker):
    status = ok(tracker("status"))
    assert "Go-live forecast 01.01.2012 (GO-LIVE due 01.01.2012): on time." in status
    assert "nothing at risk: every forecast meets its due date" in status


# --- depend and undepend ---------------------------------------------------------


def test_depend_blocks_an_item_until_its_predecessor_is_done(tracker):
    ok(tracker("add", "Räume für die Vertiefung", "-w", "training", "--key", "ROOMS"))
    out = ok(tracker("depend", "ROOMS", "--on", "SW-INSTALL", "--lag", "3", "--note", "Geräte"))
    assert out == "ROOMS: depends on - → SW-INSTALL+3\nROOMS: note added\n"
    listed = {i["key"]: i for i in data(tracker, "list")["items"]}
    assert listed["ROOMS"]["blocked"] is True
    assert "planned BLOCKED" in ok(tracker("list", "-w", "training"))
    detail = data(tracker, "show", "ROOMS")
    assert [(d["key"], d["lag"], d["state"]) for d in detail["depends_on"]] == [
        ("SW-INSTALL", 3, "in_progress")
    ]
    assert "ROOMS" in keys(data(tracker, "show", "SW-INSTALL")["needed_by"])
    (event,) = [e for e in events(tracker, "ROOMS") if e["field"] == "depends_on"]
    assert (event["old"], event["new"]) == (None, "SW-INSTALL+3")

    ok(tracker("done", "SW-INSTALL"))
    assert {i["key"]: i for i in data(tracker, "list")["items"]}["ROOMS"]["blocked"] is False


def test_depend_again_with_another_lag_changes_the_lag(tracker):
    ok(tracker("depend", "MIG-ALL", "--on", "BEN-AGREEMENT"))
    assert ok(tracker("depend", "MIG-ALL", "--on", "BEN-AGREEMENT", "--lag", "5")) == (
        "MIG-ALL: depends on BEN-AGREEMENT → BEN-AGREEMENT+5\n"
    )
    lags = {d["key"]: d["lag"] for d in data(tracker, "show", "MIG-ALL")["depends_on"]}
    assert lags == {"BEN-AGREEMENT": 5, "MIG-PREP": 0}


def test_undepend_removes_the_dependency_and_logs_it(tracker):
    assert ok(tracker("undepend", "go-live", "--on", "sw-install")) == (
        "GO-LIVE: depends on SW-INSTALL → -\n"
    )
    assert "SW-INSTALL" not in keys(data(tracker, "show", "GO-LIVE")["depends_on"])
    assert events(tracker, "GO-LIVE")[0]["old"] == "SW-INSTALL"
    assert "depends on: − SW-INSTALL" in ok(tracker("history", "GO-LIVE"))


REFUSED = [
    pytest.param(
        ["depend", "SW-INSTALL", "--on", "GO-LIVE"], 1,
        "SW-INSTALL cannot depend on GO-LIVE: that makes a cycle "
        "GO-LIVE → SW-INSTALL → TRAIN-VERTIEFUNG → GO-LIVE; nothing changed",
        id="cycle",
    ),
    pytest.param(
        ["depend", "ORG-AMT", "--on", "ORG-STRUCTURE"], 1,
        "ORG-AMT cannot depend on ORG-STRUCTURE: that makes a cycle "
        "ORG-STRUCTURE → ORG-AMT → ORG-STRUCTURE; nothing changed",
        id="a-task-on-its-own-milestone",
    ),
    pytest.param(
        ["depend", "GO-LIVE", "--on", "go-live"], 1, "GO-LIVE cannot depend on itself",
        id="itself",
    ),
    pytest.param(
        ["depend", "GO-LIVE", "--on", "MIG-PREP"], 1, "GO-LIVE already depends on MIG-PREP",
        id="twice",
    ),
    pytest.param(
        ["depend", "GO-LIVE", "--on", "NOPE"], 3,
        "no item with key 'NOPE' (see `tracker list --all`)",
        id="unknown-key",
    ),
    pytest.param(
        ["depend", "GO-LIVE", "--on", "STMT-264", "--lag", "-1"], 1,
        "--lag must be 0 to 1000 working days, not -1",
        id="negative-lag",
    ),
    pytest.param(
        ["undepend", "GO-LIVE", "--on", "STMT-264"], 1, "GO-LIVE does not depend on STMT-264",
        id="undepend-what-is-not-there",
    ),
    pytest.param(
        ["whatif", "STMT-264", "--slip", "3"], 1, "STMT-264 is done: it cannot slip any more",
        id="whatif-done",
    ),
    pytest.param(
        ["whatif", "MIG-PREP"], 1, "give --due DATE or --slip N (working days), one of them",
        id="whatif-nothing",
    ),
    pytest.param(
        ["whatif", "STAFF-BA-BMAS", "--slip", "3"], 1,
        "STAFF-BA-BMAS has no date to slip from: use --due DATE (or give it a due date)",
        id="whatif-undated",
    ),
    pytest.param(
        ["whatif", "MIG-PREP", "--due", "09/20/2011"], 1, None, id="whatif-month-first",
    ),
    pytest.param(
        ["critical", "STMT-264"], 1, "STMT-264 is done: nothing left to forecast",
        id="critical-of-a-done-item",
    ),
    pytest.param(
        ["baseline", "save", "initial"], 1,
        "'initial' is the first agreed dates; choose another name",
        id="baseline-initial",
    ),
    pytest.param(
        ["baseline", "diff", "kw99"], 3,
        "no baseline 'kw99' (baselines: none saved yet; `tracker baseline save NAME`)",
        id="baseline-unknown",
    ),
    pytest.param(
        ["calendar", "open", "24.12.2011"], 1,
        "24.12.2011 is not one of the project's closed days",
        id="open-a-day-that-is-not-closed",
    ),
]  # fmt: skip


def schedule_snapshot(tracker: Any) -> tuple[Any, ...]:
    """Items, history, the dependencies around the keys the cases use, baselines, calendar."""
    shown = [
        ok(tracker("show", k, "--format", "json")) for k in ("GO-LIVE", "SW-INSTALL", "ORG-AMT")
    ]
    extra = [
        ok(tracker(*a, "--format", "json")) for a in (["baseline", "list"], ["calendar", "show"])
    ]
    return snapshot(tracker), shown, extra


@pytest.mark.parametrize(("args", "code", "message"), REFUSED)
def test_refused_schedule_input_is_one_line_and_changes_nothing(tracker, args, code, message):
    before = schedule_snapshot(tracker)
    result = tracker(*args)
    assert (result.exit_code, result.stdout) == (code, "")
    if message is None:
        assert result.stderr.startswith("tracker: ") and result.stderr.count("\n") == 1
    else:
        assert result.stderr == f"tracker: {message}\n"
    assert isinstance(result.exception, SystemExit)
    assert schedule_snapshot(tracker) == before


# --- baselines -------------------------------------------------------------------


def test_a_baseline_keeps_the_dates_to_measure_the_slip_against(tracker):
    assert ok(tracker("baseline", "save", "kw38")) == ("stuttgart-2012: baseline saved - → kw38\n")
    listed = data(tracker, "baseline", "list")["baselines"]
    assert [(b["name"], b["day"], b["actor"], b["items"]) for b in listed] == [
        ("kw38", "2011-09-20", "test-lead", 23)
    ]
    ok(tracker("edit", "MIG-PREP", "--due", "31.01.2012", today="27.09.2011"))
    diff = data(tracker, "baseline", "diff", "kw38", today="27.09.2011")
    moved = [i for i in diff["items"] if i["due_then"] != i["due"]]
    # January 2012 without 06.01.: 21 working days later.
    assert [(i["key"], i["due_then"], i["due"], i["slip_working_days"]) for i in moved] == [
        ("MIG-PREP", "2011-12-31", "2012-01-31", 21)
    ]
    table = ok(tracker("baseline", "diff", "kw38", today="27.09.2011"))
    assert "1 due date changed (1 later), 0 items added since." in table
    assert "+21 wd" in table
    # Without a name: the first agreed dates, which the edit kept as well.
    initial = data(tracker, "baseline", "diff", today="27.09.2011")
    assert initial["baseline"] == "initial"
    assert [i["key"] for i in initial["items"] if i["slip_working_days"]] == ["MIG-PREP"]

    again = tracker("baseline", "save", "KW38")
    assert again.stderr == "tracker: there is a baseline 'KW38' already; choose another name\n"


def test_a_baseline_diff_counts_items_added_since(tracker):
    ok(tracker("baseline", "save", "start"))
    ok(tracker("add", "Neu", "-w", "org", "--due", "01.12.2011", "--key", "NEW"))
    diff = data(tracker, "baseline", "diff", "start")
    assert [i["key"] for i in diff["items"] if not i["in_baseline"]] == ["NEW"]
    assert "0 due dates changed (0 later), 1 item added since." in ok(
        tracker("baseline", "diff", "start")
    )


# --- the working calendar --------------------------------------------------------


def test_a_closed_day_is_not_a_working_day_anywhere(tracker):
    wdays = data(tracker, "status")["go_live"]["working_days_left"]
    out = ok(tracker("calendar", "close", "02.11.2011", "--reason", "Betriebsausflug"))
    assert out == "stuttgart-2012: closed day - → 02.11.2011 (Betriebsausflug)\n"
    assert data(tracker, "status")["go_live"]["working_days_left"] == wdays - 1
    cal = data(tracker, "calendar", "show", "--from", "01.10.2011", "--until", "30.11.2011")
    assert [(d["day"], d["kind"]) for d in cal["days_off"]] == [
        ("2011-10-03", "holiday"),
        ("2011-11-01", "holiday"),
        ("2011-11-02", "closed"),
    ]
    # October 21 weekdays − 03.10.; November 22 − 01.11. − 02.11.
    assert cal["working_days"] == 20 + 20
    assert "Betriebsausflug" in ok(tracker("calendar", "show"))
    refused = tracker("calendar", "close", "2.11.2011")
    assert refused.stderr == "tracker: 02.11.2011 is already a closed day\n"
    ok(tracker("calendar", "open", "02.11.2011"))
    assert data(tracker, "status")["go_live"]["working_days_left"] == wdays
    assert [e["field"] for e in events(tracker)[:2]] == ["closed_day", "closed_day"]


def test_a_date_at_the_end_of_the_calendar_costs_the_forecast_not_the_status(tracker):
    ok(tracker("edit", "MIG-PREP", "--due", "30.12.2099"))  # go-live now waits for it
    status = ok(tracker("status"))
    assert "Go-live forecast: none (the schedule runs past 31.12.2099" in status
    assert "Progress:" in status
    data = json.loads(ok(tracker("status", "--format", "json")))
    assert data["go_live_forecast"] is None and "31.12.2099" in data["forecast_problem"]
    assert tracker("report", "weekly").exit_code == 0


def test_calendar_show_from_the_first_year_and_refuses_a_reversed_range(tracker):
    first = data(tracker, "calendar", "show", "--from", "01.01.1995", "--until", "10.01.1995")
    assert [d["day"] for d in first["days_off"]] == ["1995-01-01", "1995-01-06"]
    refused = tracker("calendar", "show", "--from", "01.02.2012", "--until", "10.01.2012")
    assert (refused.exit_code, refused.stderr) == (
        1,
        "tracker: --from 01.02.2012 is after --until 10.01.2012\n",
    )
