"""How long is left: days and Baden-Württemberg working days to each due date.

The rule (tracker/overview.py): days left = due − today, negative when overdue; working
days left = the days d with today < d ≤ due that are Monday to Friday and not a public
holiday of Baden-Württemberg; when overdue, minus the such days with due < d ≤ today.
The expected values below are counted by hand or by `count_working_days`, a plain walk
over the calendar with the holidays written out from the field notes (§3).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import Result

from tracker.holidays_de import WorkingCalendar
from tracker.overview import Clock


def d(text: str) -> date:
    """A date written DD.MM.YYYY, as the tracker prints it."""
    day, month, year = text.split(".")
    return date(int(year), int(month), int(day))


# Every public holiday of Baden-Württemberg in 2011 and 2012 (field notes §3).
BW_HOLIDAYS_2011_2012 = frozenset(
    map(
        d,
        (
            *("01.01.2011", "06.01.2011", "22.04.2011", "25.04.2011", "01.05.2011"),
            *("02.06.2011", "13.06.2011", "23.06.2011", "03.10.2011", "01.11.2011"),
            *("25.12.2011", "26.12.2011"),
            *("01.01.2012", "06.01.2012", "06.04.2012", "09.04.2012", "01.05.2012"),
            *("17.05.2012", "28.05.2012", "07.06.2012", "03.10.2012", "01.11.2012"),
            *("25.12.2012", "26.12.2012"),
        ),
    )
)
in_2011_2012 = st.dates(min_value=date(2011, 1, 1), max_value=date(2012, 12, 31))


def count_working_days(today: date, due: date) -> int:
    """The rule, walked day by day: Mon–Fri, not a BW holiday, in (today, due]."""
    lo, hi, sign = (today, due, 1) if today <= due else (due, today, -1)
    span = (lo + timedelta(days=n) for n in range(1, (hi - lo).days + 1))
    return sign * sum(1 for x in span if x.weekday() < 5 and x not in BW_HOLIDAYS_2011_2012)


def clock(today: str) -> Clock:
    return Clock(d(today), WorkingCalendar("DE-BW"))


def countdown(today: str, due: str) -> tuple[int | None, int | None]:
    """(days left, working days left) to `due` as the tracker counts them on `today`."""
    c = clock(today)
    return c.days_left(d(due)), c.working_days_left(d(due))


# --- the rule, on Clock ------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "days", "working_days"),
    [
        ("10.10.2011", 20, 13),  # end of the first training; 03.10. is a holiday
        ("01.01.2012", 103, 70),  # go-live
        ("30.06.2012", 284, 193),  # end of the BA's interim payments
    ],
)
def test_golden_countdowns_from_the_day_of_the_statement(
    due: str, days: int, working_days: int
) -> None:
    assert countdown("20.09.2011", due) == (days, working_days)
    assert count_working_days(d("20.09.2011"), d(due)) == working_days


def test_working_days_skip_the_christmas_holidays() -> None:
    # Fri 23.12.2011 -> Mon 02.01.2012: 24./25. weekend, Mon 26.12. holiday,
    # 27.-30. count, 31.12./01.01. weekend, 02.01. counts.
    assert countdown("23.12.2011", "02.01.2012") == (10, 5)


def test_a_new_year_weekend_has_no_working_days() -> None:
    assert countdown("30.12.2011", "01.01.2012") == (2, 0)


def test_christmas_eve_and_new_years_eve_are_working_days() -> None:
    # Fri 21.12.2012 -> Mon 31.12.2012: Mon 24.12. and Mon 31.12. count, 25./26. do not.
    assert countdown("21.12.2012", "31.12.2012") == (10, 4)


def test_overdue_over_new_year_counts_backwards() -> None:
    # Due Fri 30.12.2011, today Mon 02.01.2012: only Monday is a working day missed.
    assert countdown("02.01.2012", "30.12.2011") == (-3, -1)


def test_overdue_across_a_holiday_weekend_is_no_working_day_behind() -> None:
    # Due Fri 23.12.2011, today Mon 26.12.2011: three days late, but none of them a
    # working day.
    assert countdown("26.12.2011", "23.12.2011") == (-3, 0)


def test_heilige_drei_koenige_is_a_holiday_in_baden_wuerttemberg() -> None:
    # Thu 05.01.2012 -> Mon 09.01.2012: Fri 06.01. holiday, weekend, Monday counts.
    assert countdown("05.01.2012", "09.01.2012") == (4, 1)


def test_heilige_drei_koenige_is_a_working_day_in_berlin() -> None:
    berlin = Clock(d("05.01.2012"), WorkingCalendar("DE-BE"))
    assert berlin.working_days_left(d("09.01.2012")) == 2


def test_easter_2012_takes_good_friday_and_easter_monday() -> None:
    # Thu 05.04.2012 -> Tue 10.04.2012: 06.04. Karfreitag, weekend, 09.04. Ostermontag.
    assert countdown("05.04.2012", "10.04.2012") == (5, 1)


def test_may_holidays_2012_are_skipped() -> None:
    # Mon 30.04.2012 -> Fri 18.05.2012: Tue 01.05. and Thu 17.05. (Himmelfahrt) are off.
    assert countdown("30.04.2012", "18.05.2012") == (18, 12)


def test_whit_monday_and_corpus_christi_are_skipped() -> None:
    # Fri 25.05.2012 -> Fri 08.06.2012: Mon 28.05. and Thu 07.06. are off.
    assert countdown("25.05.2012", "08.06.2012") == (14, 8)


def test_german_unity_day_is_skipped() -> None:
    # Fri 30.09.2011 -> Tue 04.10.2011: weekend, Mon 03.10. holiday, Tuesday counts.
    assert countdown("30.09.2011", "04.10.2011") == (4, 1)


def test_tomorrow_counts_and_today_does_not() -> None:
    assert countdown("19.09.2011", "20.09.2011") == (1, 1)
    assert countdown("23.09.2011", "26.09.2011") == (3, 1)  # Friday to Monday
    assert countdown("24.09.2011", "25.09.2011") == (1, 0)  # Saturday to Sunday


@pytest.mark.parametrize("today", ["20.09.2011", "24.09.2011", "26.12.2011", "01.01.2012"])
def test_due_today_is_zero_days_left(today: str) -> None:
    assert countdown(today, today) == (0, 0)


def test_an_undated_item_has_no_countdown() -> None:
    c = clock("20.09.2011")
    assert (c.days_left(None), c.working_days_left(None)) == (None, None)


# One calendar for every example, as one Clock serves a whole command: the calendar
# extends its cache year by year and must count the same whichever years came first.
SHARED_CALENDAR = WorkingCalendar("DE-BW")


@given(in_2011_2012, in_2011_2012)
def test_working_days_follow_the_rule_on_any_two_days(today: date, due: date) -> None:
    for calendar in (SHARED_CALENDAR, WorkingCalendar("bw")):
        c = Clock(today, calendar)
        assert c.days_left(due) == (due - today).days
        assert c.working_days_left(due) == count_working_days(today, due)


@given(in_2011_2012, in_2011_2012)
def test_overdue_is_the_mirror_of_ahead(today: date, due: date) -> None:
    ahead = Clock(today, SHARED_CALENDAR).working_days_left(due)
    behind = Clock(due, SHARED_CALENDAR).working_days_left(today)
    assert ahead is not None and behind is not None
    assert ahead == -behind
    assert abs(ahead) <= abs((due - today).days)


# --- the CLI -----------------------------------------------------------------------

# Open dated milestones of the Stuttgart plan: due date, and (days, working days)
# left on 20.09.2011 (the countdown table shows the same).
ON_20_09_2011 = {
    "TRAIN-BASIS": ("10.10.2011", 20, 13),
    "SW-INSTALL": ("31.10.2011", 41, 28),
    "TRAIN-VERTIEFUNG": ("30.11.2011", 71, 49),
    "BEN-AGREEMENT": ("31.12.2011", 102, 70),
    "GRDRS-5": ("31.12.2011", 102, 70),
    "MIG-PREP": ("31.12.2011", 102, 70),
    "ORG-STRUCTURE": ("31.12.2011", 102, 70),
    "GO-LIVE": ("01.01.2012", 103, 70),
    "BEN-INTERIM": ("30.06.2012", 284, 193),
    "MIG-ALL": ("30.06.2012", 284, 193),
}


def json_of(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return json.loads(result.stdout)


def left_by_key(items: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    return {i["key"]: (i["days_left"], i["working_days_left"]) for i in items}


def test_countdown_json_on_the_day_of_the_statement(tracker: Any) -> None:
    data = json_of(tracker("countdown", "--format", "json"))
    assert data["today"] == "2011-09-20"
    go_live = data["go_live"]
    assert (go_live["due"], go_live["days_left"], go_live["working_days_left"]) == (
        "2012-01-01",
        103,
        70,
    )
    assert data["overdue"] == []
    assert [i["key"] for i in data["ahead"]] == list(ON_20_09_2011)
    assert left_by_key(data["ahead"]) == {k: (n, w) for k, (_, n, w) in ON_20_09_2011.items()}
    assert not any(i["overdue"] for i in data["ahead"])


def test_countdown_table_shows_working_days_when_asked(tracker: Any) -> None:
    result = tracker("countdown", "--working-days")
    assert result.exit_code == 0, result.output
    assert "Today 20.09.2011. Go-live 01.01.2012: 103 days, 70 working days left." in result.stdout
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[3:] if line}
    assert rows["TRAIN-BASIS"][-3:] == ["10.10.2011", "20", "13"]
    assert rows["BEN-INTERIM"][-3:] == ["30.06.2012", "284", "193"]


def test_countdown_after_go_live_lists_overdue_milestones_first(tracker: Any) -> None:
    data = json_of(tracker("countdown", "--format", "json", today="05.01.2012"))
    go_live = data["go_live"]
    assert (go_live["days_left"], go_live["working_days_left"]) == (-4, -4)
    assert left_by_key(data["overdue"]) == {
        "TRAIN-BASIS": (-87, -61),
        "TRAIN-VERTIEFUNG": (-36, -25),
        "BEN-AGREEMENT": (-5, -4),
        "GRDRS-5": (-5, -4),
        "MIG-PREP": (-5, -4),
        "ORG-STRUCTURE": (-5, -4),
        "SW-INSTALL": (-66, -46),
        "GO-LIVE": (-4, -4),
    }
    assert data["overdue"][0]["key"] == "TRAIN-BASIS"  # longest overdue first
    assert all(i["overdue"] for i in data["overdue"])
    assert left_by_key(data["ahead"]) == {"BEN-INTERIM": (177, 119), "MIG-ALL": (177, 119)}
    assert not any(i["overdue"] for i in data["ahead"])

    table = tracker("countdown", "--working-days", today="05.01.2012").stdout
    assert "Go-live 01.01.2012: 4 days ago." in table
    rows = [line for line in table.splitlines() if any(f" {k} " in line for k in ON_20_09_2011)]
    assert [row.startswith("OVERDUE") for row in rows] == [True] * 8 + [False] * 2


def test_countdown_json_on_the_due_date_and_the_day_after(tracker: Any) -> None:
    on_the_day = json_of(tracker("countdown", "--format", "json", today="10.10.2011"))
    basis = on_the_day["ahead"][0]
    assert (basis["key"], basis["days_left"], basis["working_days_left"]) == ("TRAIN-BASIS", 0, 0)
    assert basis["overdue"] is False
    assert on_the_day["overdue"] == []

    day_after = json_of(tracker("countdown", "--format", "json", today="11.10.2011"))
    assert left_by_key(day_after["overdue"]) == {"TRAIN-BASIS": (-1, -1)}
    assert day_after["overdue"][0]["overdue"] is True


# Go-live (days, working days) left around the year end; one database for all of them.
GO_LIVE_AROUND_THE_YEAR_END = {
    "23.12.2011": (9, 4),  # 27.-30.12. only
    "30.12.2011": (2, 0),  # the new-year weekend
    "01.01.2012": (0, 0),  # go-live day
    "02.01.2012": (-1, -1),
    "09.01.2012": (-8, -5),  # 06.01. Heilige Drei Könige does not count
}


def test_go_live_countdown_around_the_year_end(tracker: Any) -> None:
    for today, expected in GO_LIVE_AROUND_THE_YEAR_END.items():
        assert count_working_days(d(today), d("01.01.2012")) == expected[1], today
        go_live = json_of(tracker("countdown", "--format", "json", today=today))["go_live"]
        assert (go_live["days_left"], go_live["working_days_left"]) == expected, today


def test_list_json_counts_days_and_working_days_for_every_open_item(tracker: Any) -> None:
    for today in ("20.09.2011", "23.12.2011", "05.01.2012"):
        data = json_of(tracker("list", "--format", "json", today=today))
        assert data["today"] == d(today).isoformat()
        dated = {i["key"]: i for i in data["items"] if i["due"]}
        assert set(dated) == set(ON_20_09_2011)
        for item in dated.values():
            due = date.fromisoformat(item["due"])
            expected = ((due - d(today)).days, count_working_days(d(today), due))
            assert (item["days_left"], item["working_days_left"]) == expected, item["key"]
            assert item["overdue"] is (due < d(today))
        undated = [i for i in data["items"] if not i["due"]]
        assert undated, "the plan has undated open items"
        assert all(i["days_left"] is i["working_days_left"] is None for i in undated)

    on_statement_day = json_of(tracker("list", "--format", "json"))
    assert left_by_key(on_statement_day["items"])["GO-LIVE"] == (103, 70)


def test_list_json_gives_done_items_no_countdown(tracker: Any) -> None:
    items = json_of(tracker("list", "--all", "--format", "json"))["items"]
    done = {i["key"]: i for i in items if i["state"] == "done"}
    assert {"SW-AWARD", "STMT-264"} <= set(done)
    for item in done.values():
        assert (item["days_left"], item["working_days_left"], item["overdue"]) == (
            None,
            None,
            False,
        )
