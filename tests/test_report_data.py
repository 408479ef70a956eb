"""Weeks, as-of dates and the language of the weekly report."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pytest

from tracker.errors import BadDate, BadInput
from tracker.planning import Target
from tracker.queries import DependencyRow, EventRow, ItemRow
from tracker.report.data import Week, _wind_back_dependencies, as_of_date, week_label
from tracker.report.i18n import go_live_forecast, headline, resolve_language
from tracker.schedule import Forecast
from tracker.states import EventKind, Kind, State


@pytest.mark.parametrize("text", ["2011-W38", "2011W38", "KW 38/2011", "kw38/2011", "W 38 / 2011"])
def test_a_week_is_read_in_iso_and_german_form(text: str) -> None:
    assert Week.parse(text) == Week(2011, 38)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("38/2011", "is not a calendar week"),
        ("2011-38", "is not a calendar week"),
        ("KW 53/2011", "2011 has no calendar week 53"),
        ("KW 0/2012", "2012 has no calendar week 0"),
    ],
)
def test_a_week_that_is_not_one_is_refused(text: str, message: str) -> None:
    with pytest.raises(BadDate, match=message):
        Week.parse(text)


def test_iso_weeks_cross_the_year_end_as_the_calendar_says() -> None:
    assert Week.of(date(2012, 1, 1)) == Week(2011, 52)
    assert Week.of(date(2012, 1, 2)) == Week(2012, 1)
    assert (Week(2011, 52).monday, Week(2011, 52).sunday) == (date(2011, 12, 26), date(2012, 1, 1))
    assert week_label(Week(2011, 52), "de") == "KW 52/2011, 26.12.2011–01.01.2012"
    assert week_label(Week(2011, 38), "en") == "Week 38/2011, 19.09.–25.09.2011"


def test_a_report_is_as_of_the_end_of_its_week_or_today_inside_it() -> None:
    kw38 = Week(2011, 38)
    assert as_of_date(kw38, today=date(2011, 9, 21)) == date(2011, 9, 21)
    assert as_of_date(kw38, today=date(2011, 10, 5)) == date(2011, 9, 25)
    assert as_of_date(kw38, today=date(2011, 9, 25)) == date(2011, 9, 25)


def test_the_language_comes_from_the_option_the_variable_the_project_then_english(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TRACKER_LANG", raising=False)
    assert resolve_language(None, None) == "en"
    assert resolve_language(None, "de") == "de"
    monkeypatch.setenv("TRACKER_LANG", "en_GB.UTF-8")
    assert resolve_language(None, "de") == "en"
    assert resolve_language("DE", "en") == "de"
    with pytest.raises(BadInput, match="--lang: 'fr' is not a report language"):
        resolve_language("fr", None)


@pytest.mark.parametrize(
    ("lang", "soon", "late", "sentence"),
    [
        ("en", 3, 1, "3 milestones due in the next 14 days, 1 overdue."),
        ("en", 1, 0, "1 milestone due in the next 14 days, nothing overdue."),
        ("en", 0, 2, "No milestone due in the next 14 days, 2 overdue."),
        ("de", 3, 1, "3 Meilensteine in den nächsten 14 Tagen fällig, 1 überfällig."),
        ("de", 0, 0, "Kein Meilenstein in den nächsten 14 Tagen fällig, nichts überfällig."),
    ],
)
def test_the_headline_is_one_sentence(lang: str, soon: int, late: int, sentence: str) -> None:
    assert headline(lang, soon, late) == sentence


def test_status_carries_the_headline(tracker) -> None:
    lines = tracker("status", today="01.10.2011").stdout.splitlines()
    assert lines[4] == "1 milestone due in the next 14 days, nothing overdue."
    lines = tracker("status", today="12.10.2011").stdout.splitlines()
    assert lines[4] == "No milestone due in the next 14 days, 1 overdue."


# --- the schedule as of a past week ------------------------------------------------


def _event(n: int, day: date, key: str, old: str | None, new: str | None) -> EventRow:
    at = datetime(day.year, day.month, day.day, 12)
    return EventRow(n, day, at, "lead", EventKind.EDITED, "depends_on", old, new, key)


def test_dependencies_wind_back_newest_first() -> None:
    now = [
        DependencyRow("GO-LIVE", "SW-INSTALL", 5, True, "aus der Planlogik"),
        DependencyRow("TRAIN-BASIS", "SW-INSTALL", 0, False, ""),
    ]
    events = [
        _event(1, date(2011, 9, 27), "MIG-ALL", None, "MIG-PREP+2"),  # kept: on the as-of day
        _event(2, date(2011, 10, 4), "TRAIN-BASIS", None, "SW-INSTALL"),  # added later
        _event(3, date(2011, 10, 4), "MIG-ALL", "MIG-PREP+2", None),  # removed later
        _event(4, date(2011, 10, 4), "GO-LIVE", "SW-INSTALL", "SW-INSTALL+3"),  # lag 0 → 3
        _event(5, date(2011, 10, 5), "GO-LIVE", "SW-INSTALL+3", "SW-INSTALL+5"),  # 3 → 5
    ]
    assert _wind_back_dependencies(now, events, date(2011, 9, 27)) == [
        DependencyRow("GO-LIVE", "SW-INSTALL", 0, True, "aus der Planlogik"),
        DependencyRow("MIG-ALL", "MIG-PREP", 2, False, ""),
    ]
    assert _wind_back_dependencies(now, events, date(2011, 10, 4)) == [
        DependencyRow("GO-LIVE", "SW-INSTALL", 3, True, "aus der Planlogik"),
        DependencyRow("TRAIN-BASIS", "SW-INSTALL", 0, False, ""),
    ]
    assert _wind_back_dependencies(now, events, date(2011, 10, 5)) == sorted(now)


def _target(state: State, finish: date, reason: str = "dates", driver: str | None = None) -> Target:
    due = date(2012, 1, 1)
    item = ItemRow(1, "GO-LIVE", Kind.MILESTONE, "Start", "org", None, None, due, False,
                   state, None, None)  # fmt: skip
    late = (finish - due).days
    return Target(item, Forecast("GO-LIVE", None, finish, reason, driver, due, late, late))


@pytest.mark.parametrize(
    ("lang", "target", "line"),
    [
        ("de", _target(State.PLANNED, date(2012, 1, 1)),
         "Prognose Start 01.01.2012 (GO-LIVE, fällig 01.01.2012): termingerecht."),
        ("en", _target(State.PLANNED, date(2012, 1, 2), "predecessor", "MIG-PREP"),
         "Go-live forecast 02.01.2012 (GO-LIVE, due 01.01.2012): 1 working day late "
         "(after MIG-PREP)."),
        ("de", _target(State.IN_PROGRESS, date(2012, 1, 4), "today"),
         "Prognose Start 04.01.2012 (GO-LIVE, fällig 01.01.2012): 3 Arbeitstage Verzug "
         "(noch nicht erledigt)."),
        ("de", _target(State.DONE, date(2011, 12, 30), "done"),
         "Prognose Start: GO-LIVE ist erledigt."),
        ("en", None, "Go-live forecast: no milestone is due on the go-live date."),
    ],
)  # fmt: skip
def test_the_go_live_forecast_is_one_sentence(lang: str, target: Target | None, line: str) -> None:
    assert go_live_forecast(lang, target) == line


def _weekly(tracker: Any, week: str, today: str) -> dict[str, Any]:
    result = tracker("report", "weekly", "--week", week, "--format", "json", today=today)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _item(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(i for i in data["timeline"] if i["key"] == key)


def _risky(data: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(i["key"], i["forecast"], i["slip_working_days"], i["driver"]) for i in data["at_risk"]]


def test_an_edit_in_kw39_puts_an_item_at_risk_from_kw39_on(tracker) -> None:
    assert _weekly(tracker, "2011-W39", "27.09.2011")["at_risk"] == []
    result = tracker("edit", "SW-INSTALL", "--due", "30.11.2011", today="27.09.2011")
    assert result.exit_code == 0, result.output
    kw39 = _weekly(tracker, "2011-W39", "28.09.2011")
    assert _risky(kw39) == [("TRAIN-VERTIEFUNG", "2011-12-30", 21, "SW-INSTALL")]
    assert (kw39["go_live_forecast"]["forecast"], kw39["go_live_forecast"]["at_risk"]) == (
        "2012-01-01",
        False,
    )
    assert _weekly(tracker, "2011-W38", "28.09.2011")["at_risk"] == []
    md = tracker("report", "weekly", "--week", "2011-W39", today="28.09.2011").stdout
    assert "| TRAIN-VERTIEFUNG | Vertiefungsschulung | 30.11.2011* | 30.12.2011 |" in md


def test_a_dependency_added_in_kw40_is_not_in_the_schedule_of_kw39(tracker) -> None:
    result = tracker("depend", "TRAIN-BASIS", "--on", "SW-INSTALL", today="04.10.2011")
    assert result.exit_code == 0, result.output
    kw39 = _weekly(tracker, "2011-W39", "05.10.2011")
    assert (_item(kw39, "TRAIN-BASIS")["blocked"], kw39["at_risk"]) == (False, [])
    # TRAIN-BASIS (in progress, 12.09.–10.10.2011: 20 working days, 03.10. is a holiday)
    # waits for SW-INSTALL (31.10.2011*): from 02.11. (01.11. is too) to 29.11.2011.
    kw40 = _weekly(tracker, "2011-W40", "05.10.2011")
    assert _item(kw40, "TRAIN-BASIS")["blocked"] is True
    assert _risky(kw40) == [("TRAIN-BASIS", "2011-11-29", 35, "SW-INSTALL")]
    assert [i["key"] for i in kw40["due_next"] if i["blocked"]] == ["TRAIN-BASIS"]


def test_a_dependency_removed_later_is_still_there_in_the_week_before(tracker) -> None:
    tracker("edit", "SW-INSTALL", "--due", "30.11.2011", today="27.09.2011")
    result = tracker("undepend", "TRAIN-VERTIEFUNG", "--on", "SW-INSTALL", today="04.10.2011")
    assert result.exit_code == 0, result.output
    kw39 = _weekly(tracker, "2011-W39", "05.10.2011")
    assert _item(kw39, "TRAIN-VERTIEFUNG")["blocked"] is True
    assert _risky(kw39) == [("TRAIN-VERTIEFUNG", "2011-12-30", 21, "SW-INSTALL")]
    kw40 = _weekly(tracker, "2011-W40", "05.10.2011")
    assert (_item(kw40, "TRAIN-VERTIEFUNG")["blocked"], kw40["at_risk"]) == (False, [])
