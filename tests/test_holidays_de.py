"""Our German holiday rules against the field notes (§3), the fixture and `holidays` 0.109."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import holidays
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tracker.errors import BadDate, UnknownRegion
from tracker.holidays_de import (
    FIRST_YEAR,
    LAST_YEAR,
    REGIONS,
    WorkingCalendar,
    normalize_region,
    public_holidays,
)

FIXTURE = Path(__file__).parent / "fixtures" / "holidays_de.csv"
FIXTURE_YEARS = range(2010, 2031)
SUPPORTED_YEARS = range(FIRST_YEAR, LAST_YEAR + 1)
WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


def d(text: str) -> date:
    """A date written DD.MM.YYYY, as in the field notes."""
    day, month, year = text.split(".")
    return date(int(year), int(month), int(day))


def read_fixture() -> dict[tuple[str, int], dict[date, str]]:
    by_region_year: dict[tuple[str, int], dict[date, str]] = defaultdict(dict)
    with FIXTURE.open(encoding="utf-8", newline="") as rows:
        for row in csv.DictReader(rows):
            day = date.fromisoformat(row["date"])
            by_region_year[row["region"], day.year][day] = row["name"]
    return dict(by_region_year)


FIXTURE_HOLIDAYS = read_fixture()

# The package's wording where ours is shorter or closer to the state laws; same days.
OUR_WORDS = {
    "Erster Mai": "Tag der Arbeit",
    "Erster Weihnachtstag": "1. Weihnachtstag",
    "Zweiter Weihnachtstag": "2. Weihnachtstag",
    "Frauentag": "Internationaler Frauentag",
    "75. Jahrestag der Befreiung vom Nationalsozialismus"
    " und der Beendigung des Zweiten Weltkriegs in Europa": "Tag der Befreiung",
    "80. Jahrestag der Befreiung vom Nationalsozialismus"
    " und der Beendigung des Zweiten Weltkriegs in Europa": "Tag der Befreiung",
    "75. Jahrestag des Aufstandes vom 17. Juni 1953": (
        "75. Jahrestag des Volksaufstandes vom 17. Juni 1953"
    ),
}


def in_our_words(package_name: str) -> str:
    """The package's name (maybe "A; B" for two holidays on one day) as we spell it."""
    return "; ".join(sorted(OUR_WORDS.get(part, part) for part in package_name.split("; ")))


# (a) the committed fixture, 2010-2030


def test_the_fixture_covers_all_sixteen_states_from_2010_to_2030() -> None:
    assert set(FIXTURE_HOLIDAYS) == {(code, year) for code in REGIONS for year in FIXTURE_YEARS}


@pytest.mark.parametrize("code", REGIONS)
def test_every_year_of_the_fixture_has_exactly_our_dates(code: str) -> None:
    for year in FIXTURE_YEARS:
        ours = set(public_holidays(code, year))
        assert ours == set(FIXTURE_HOLIDAYS[code, year]), (code, year)


KEY_NAMES = {
    "Heilige Drei Könige",
    "Karfreitag",
    "Ostermontag",
    "Christi Himmelfahrt",
    "Pfingstmontag",
    "Fronleichnam",
    "Mariä Himmelfahrt",
    "Weltkindertag",
    "Tag der Deutschen Einheit",
    "Reformationstag",
    "Allerheiligen",
    "Buß- und Bettag",
}


def test_key_holidays_of_the_fixture_have_the_same_german_names() -> None:
    checked = 0
    for (code, year), expected in FIXTURE_HOLIDAYS.items():
        ours = public_holidays(code, year)
        for day, name in expected.items():
            if name in KEY_NAMES:
                assert ours[day] == name, (code, day)
                checked += 1
    assert checked > 2000  # the names above were found, not skipped


# (b) field notes §3: Baden-Württemberg 2011 and 2012, and the other states against it

BW_TABLE = {
    2011: {
        "Sa 01.01.2011": "Neujahr",
        "Do 06.01.2011": "Heilige Drei Könige",
        "Fr 22.04.2011": "Karfreitag",
        "Mo 25.04.2011": "Ostermontag",
        "So 01.05.2011": "Tag der Arbeit",
        "Do 02.06.2011": "Christi Himmelfahrt",
        "Mo 13.06.2011": "Pfingstmontag",
        "Do 23.06.2011": "Fronleichnam",
        "Mo 03.10.2011": "Tag der Deutschen Einheit",
        "Di 01.11.2011": "Allerheiligen",
        "So 25.12.2011": "1. Weihnachtstag",
        "Mo 26.12.2011": "2. Weihnachtstag",
    },
    2012: {
        "So 01.01.2012": "Neujahr",
        "Fr 06.01.2012": "Heilige Drei Könige",
        "Fr 06.04.2012": "Karfreitag",
        "Mo 09.04.2012": "Ostermontag",
        "Di 01.05.2012": "Tag der Arbeit",
        "Do 17.05.2012": "Christi Himmelfahrt",
        "Mo 28.05.2012": "Pfingstmontag",
        "Do 07.06.2012": "Fronleichnam",
        "Mi 03.10.2012": "Tag der Deutschen Einheit",
        "Do 01.11.2012": "Allerheiligen",
        "Di 25.12.2012": "1. Weihnachtstag",
        "Mi 26.12.2012": "2. Weihnachtstag",
    },
}


@pytest.mark.parametrize("year", sorted(BW_TABLE))
def test_bw_has_exactly_the_twelve_holidays_of_the_field_notes(year: int) -> None:
    expected = {d(text[3:]): name for text, name in BW_TABLE[year].items()}
    assert public_holidays("DE-BW", year) == expected
    for text in BW_TABLE[year]:  # the table's weekdays, too
        assert WEEKDAYS[d(text[3:]).weekday()] == text[:2]


@pytest.mark.parametrize("code", REGIONS)
@pytest.mark.parametrize("year", [2011, 2012])
def test_christmas_eve_and_new_years_eve_are_holidays_nowhere(code: str, year: int) -> None:
    found = public_holidays(code, year)
    assert date(year, 12, 24) not in found
    assert date(year, 12, 31) not in found


@pytest.mark.parametrize(
    ("day", "name"),
    [
        ("24.04.2011", "Ostersonntag"),
        ("12.06.2011", "Pfingstsonntag"),
        ("08.04.2012", "Ostersonntag"),
        ("27.05.2012", "Pfingstsonntag"),
    ],
)
def test_easter_sunday_and_whit_sunday_are_holidays_in_brandenburg_only(
    day: str, name: str
) -> None:
    where = {code for code in REGIONS if d(day) in public_holidays(code, d(day).year)}
    assert where == {"DE-BB"}
    assert public_holidays("DE-BB", d(day).year)[d(day)] == name


@pytest.mark.parametrize("day", ["16.11.2011", "21.11.2012"])
def test_repentance_day_is_a_holiday_in_saxony_only(day: str) -> None:
    where = {code for code in REGIONS if d(day) in public_holidays(code, d(day).year)}
    assert where == {"DE-SN"}
    assert public_holidays("DE-SN", d(day).year)[d(day)] == "Buß- und Bettag"


def test_corpus_christi_is_a_holiday_in_bw_but_not_in_berlin() -> None:
    assert public_holidays("DE-BW", 2012)[d("07.06.2012")] == "Fronleichnam"
    assert d("07.06.2012") not in public_holidays("DE-BE", 2012)


BW_ONLY = {"Heilige Drei Könige", "Fronleichnam", "Allerheiligen"}


@pytest.mark.parametrize(
    ("code", "missing", "added"),
    [
        ("DE-BY", set(), set()),
        ("DE-NW", {"Heilige Drei Könige"}, set()),
        ("DE-HE", {"Heilige Drei Könige", "Allerheiligen"}, set()),
        ("DE-BE", BW_ONLY, set()),
        ("DE-BB", BW_ONLY, {"Ostersonntag", "Pfingstsonntag", "Reformationstag"}),
        ("DE-SN", BW_ONLY, {"Reformationstag", "Buß- und Bettag"}),
    ],
)
@pytest.mark.parametrize("year", [2011, 2012])
def test_other_states_differ_from_bw_as_the_field_notes_say(
    code: str, missing: set[str], added: set[str], year: int
) -> None:
    bw = set(public_holidays("DE-BW", year).values())
    assert set(public_holidays(code, year).values()) == (bw - missing) | added


@pytest.mark.parametrize(
    ("code", "day", "name"),
    [
        ("DE-BE", "08.03.2018", None),
        ("DE-BE", "08.03.2019", "Internationaler Frauentag"),
        ("DE-MV", "08.03.2022", None),
        ("DE-MV", "08.03.2023", "Internationaler Frauentag"),
        ("DE-BE", "08.05.2019", None),
        ("DE-BE", "08.05.2020", "Tag der Befreiung"),
        ("DE-BE", "08.05.2024", None),
        ("DE-BE", "08.05.2025", "Tag der Befreiung"),
        ("DE-BE", "08.05.2030", None),
        ("DE-BE", "17.06.2028", "75. Jahrestag des Volksaufstandes vom 17. Juni 1953"),
        ("DE-BY", "15.08.2012", None),  # only in its mostly Catholic municipalities
        ("DE-SL", "15.08.2012", "Mariä Himmelfahrt"),
        ("DE-TH", "20.09.2018", None),
        ("DE-TH", "20.09.2019", "Weltkindertag"),
        ("DE-TH", "23.06.2011", None),  # Fronleichnam: only in parts of Thüringen
        ("DE-SN", "23.06.2011", None),  # ... and of Sachsen
        ("DE-BW", "31.10.2016", None),
        ("DE-BW", "31.10.2017", "Reformationstag"),
        ("DE-BW", "31.10.2018", None),
        ("DE-HH", "31.10.2017", "Reformationstag"),
        ("DE-HB", "31.10.2016", None),
        ("DE-HB", "31.10.2018", "Reformationstag"),
        ("DE-HH", "31.10.2018", "Reformationstag"),
        ("DE-NI", "31.10.2018", "Reformationstag"),
        ("DE-SH", "31.10.2018", "Reformationstag"),
        ("DE-SN", "22.11.2017", "Buß- und Bettag"),  # 22.11. itself can be the day
        ("DE-BW", "01.05.2008", "Christi Himmelfahrt; Tag der Arbeit"),
    ],
)
def test_one_offs_and_later_holidays_start_when_the_laws_say(
    code: str, day: str, name: str | None
) -> None:
    assert public_holidays(code, d(day).year).get(d(day)) == name


def test_reformation_day_2017_was_a_holiday_in_every_state() -> None:
    assert all(d("31.10.2017") in public_holidays(code, 2017) for code in REGIONS)


@pytest.mark.parametrize("year", [FIRST_YEAR - 1, LAST_YEAR + 1, 1, 9999])
def test_years_outside_the_supported_range_are_refused(year: int) -> None:
    with pytest.raises(BadDate) as info:
        public_holidays("DE-BW", year)
    message = f"no public holidays known for {year} (the tracker knows 1995–2099)"
    assert str(info.value) == message


def test_public_holidays_gives_a_copy_the_cache_does_not_share() -> None:
    public_holidays("DE-BW", 2012).clear()
    assert len(public_holidays("DE-BW", 2012)) == 12


# (c) field notes §3: working days in BW after 20.09.2011

START = d("20.09.2011")
GOLDEN = [("10.10.2011", 13), ("01.01.2012", 70), ("30.06.2012", 193)]


@pytest.mark.parametrize(("until", "expected"), GOLDEN)
def test_working_days_after_20_09_2011_match_the_field_notes(until: str, expected: int) -> None:
    calendar = WorkingCalendar("DE-BW")
    assert calendar.working_days(START, d(until)) == expected
    assert calendar.working_days(d(until), START) == -expected  # overdue
    assert calendar.working_days(d(until), d(until)) == 0


def test_holidays_between_lists_weekend_holidays_too_and_none_twice() -> None:
    calendar = WorkingCalendar("bw")
    assert calendar.holidays_between(START, d("01.01.2012")) == [
        (d("03.10.2011"), "Tag der Deutschen Einheit"),
        (d("01.11.2011"), "Allerheiligen"),
        (d("25.12.2011"), "1. Weihnachtstag"),
        (d("26.12.2011"), "2. Weihnachtstag"),
        (d("01.01.2012"), "Neujahr"),
    ]
    assert calendar.holidays_between(d("01.01.2012"), START) == []
    assert calendar.holidays_between(START, START) == []


def test_closure_days_cost_a_working_day_only_on_an_open_weekday() -> None:
    # 24.12. and 31.12.2011 are Saturdays, 26.12. is a holiday: only 27.12. is lost.
    closed = [d("24.12.2011"), d("26.12.2011"), d("27.12.2011"), d("31.12.2011")]
    calendar = WorkingCalendar("DE-BW", closed=closed)
    assert calendar.working_days(START, d("01.01.2012")) == 69
    assert not calendar.is_working_day(d("27.12.2011"))
    assert calendar.is_working_day(d("28.12.2011"))


def test_a_range_beyond_the_supported_years_is_refused_and_leaves_the_calendar_usable() -> None:
    calendar = WorkingCalendar("DE-BW")
    with pytest.raises(BadDate):
        calendar.working_days(START, date(LAST_YEAR + 1, 1, 2))
    with pytest.raises(BadDate):
        calendar.is_working_day(date(FIRST_YEAR - 1, 6, 1))
    assert calendar.working_days(START, d("30.06.2012")) == 193


def test_a_range_starting_on_the_last_day_before_the_supported_years_is_counted() -> None:
    # (31.12.1994, 05.01.1995]: 01.01.1995 is a Sunday, so Monday to Thursday remain.
    assert WorkingCalendar("DE-BW").working_days(date(1994, 12, 31), date(1995, 1, 5)) == 4


def test_unknown_region_is_refused_by_the_calendar_too() -> None:
    with pytest.raises(UnknownRegion):
        WorkingCalendar("DE-XY")


# (d) working_days against a day-by-day count

any_day = st.dates(min_value=date(2010, 1, 1), max_value=date(2030, 12, 31))


def count_day_by_day(region: str, closed: frozenset[date], after: date, until: date) -> int:
    """The slow, obvious count that working_days must agree with."""
    if until < after:
        return -count_day_by_day(region, closed, until, after)
    count = 0
    year_holidays = {
        year: public_holidays(region, year) for year in range(after.year, until.year + 1)
    }
    day = after + timedelta(days=1)
    while day <= until:
        if day.weekday() < 5 and day not in closed and day not in year_holidays[day.year]:
            count += 1
        day += timedelta(days=1)
    return count


@st.composite
def spans(draw: st.DrawFn) -> tuple[date, date]:
    """A pair of days: the same day, the second before the first, or after it."""
    after = draw(any_day)
    until = draw(st.one_of(st.just(after), any_day))
    return after, until


@given(
    region=st.sampled_from(sorted(REGIONS)),
    closed=st.frozensets(any_day, max_size=30),
    queries=st.lists(spans(), min_size=1, max_size=4),
)
@example(region="DE-BW", closed=frozenset(), queries=[(START, START)])
@example(region="DE-SN", closed=frozenset({d("16.11.2011")}), queries=[(START, d("01.01.2012"))])
@example(region="DE-BB", closed=frozenset(), queries=[(d("01.01.2030"), d("02.01.2010"))])
def test_working_days_agree_with_counting_day_by_day(
    region: str, closed: frozenset[date], queries: list[tuple[date, date]]
) -> None:
    # One calendar for several spans, so its lazily grown year cover is tested too.
    calendar = WorkingCalendar(region, closed=closed)
    for after, until in queries:
        expected = count_day_by_day(region, closed, after, until)
        assert calendar.working_days(after, until) == expected
        assert calendar.working_days(until, after) == -expected
        working = calendar.is_working_day(until)
        naive = count_day_by_day(region, closed, until - timedelta(days=1), until)
        assert working == (naive == 1)


# (e) region codes


@pytest.mark.parametrize("text", ["DE-BW", "de-bw", "BW", "bw", "De-Bw"])
def test_region_codes_are_read_with_or_without_country_in_any_case(text: str) -> None:
    assert normalize_region(text) == "DE-BW"


@pytest.mark.parametrize("code", REGIONS)
def test_every_state_is_known_by_its_short_code(code: str) -> None:
    assert normalize_region(code[3:].lower()) == code


@pytest.mark.parametrize(
    "text",
    ["", "XY", "DE-XY", "DE", "DE-", "DEBW", "DE_BW", "DE-DE-BW", " BW", "AT-BW", "Bayern"],
)
def test_anything_but_a_state_code_is_refused(text: str) -> None:
    with pytest.raises(UnknownRegion):
        normalize_region(text)


def test_an_unknown_region_is_one_line_naming_every_code() -> None:
    with pytest.raises(UnknownRegion) as info:
        normalize_region("XY")
    assert str(info.value) == (
        "unknown holiday region 'XY' (use one of DE-BW, DE-BY, DE-BE, DE-BB, DE-HB, DE-HH,"
        " DE-HE, DE-MV, DE-NI, DE-NW, DE-RP, DE-SL, DE-SN, DE-ST, DE-SH, DE-TH)"
    )


# (f) the `holidays` package itself, every supported year


@pytest.mark.parametrize("code", REGIONS)
def test_every_supported_year_matches_the_holidays_package(code: str) -> None:
    theirs = holidays.country_holidays("DE", subdiv=code[3:], years=SUPPORTED_YEARS, language="de")
    by_year: dict[int, dict[date, str]] = defaultdict(dict)
    for day, name in theirs.items():
        by_year[day.year][day] = in_our_words(name)
    for year in SUPPORTED_YEARS:
        assert public_holidays(code, year) == by_year[year], (code, year)


def test_importing_the_module_loads_neither_holidays_nor_anything_but_dateutil() -> None:
    script = (
        "import sys; before = set(sys.modules); import tracker.holidays_de; "
        "print(*sorted({m.split('.')[0] for m in set(sys.modules) - before}"
        " - set(sys.stdlib_module_names)))"
    )
    root = Path(__file__).parents[1]
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=root
    )
    assert proc.stdout.split() == ["dateutil", "tracker"]
