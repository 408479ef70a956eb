"""Reading dates as project leads type them, spans, and the tracker's one clock."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tracker.dates import (
    format_de,
    parse_absolute_date,
    parse_date,
    resolve_today,
    span_end,
)
from tracker.errors import BadDate, TrackerError

TODAY = date(2011, 9, 20)  # a Tuesday: the day of the Lord Mayor's statement
any_day = st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31))
# Far enough from both ends of the calendar that any offset of up to 9999 days fits.
plan_day = st.dates(min_value=date(1995, 1, 1), max_value=date(2099, 12, 31))

# What a refusal must show so the user can retype the date.
SOME_ACCEPTED_FORMS = ("2011-10-10", "10.10.2011", "today", "+3d", "monday")


# --- absolute dates ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2011-10-10", date(2011, 10, 10)),
        ("10.10.2011", date(2011, 10, 10)),
        ("1.2.2012", date(2012, 2, 1)),
        ("12.09.2011", date(2011, 9, 12)),
        ("30.06.12", date(2012, 6, 30)),
        ("10.10.11", date(2011, 10, 10)),
        ("  10.10.2011 ", date(2011, 10, 10)),
    ],
)
def test_iso_and_german_dates_are_read_day_first(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01.01.00", date(2000, 1, 1)),
        ("01.01.68", date(2068, 1, 1)),
        ("31.12.99", date(2099, 12, 31)),
    ],
)
def test_two_digit_years_are_always_in_this_century(text: str, expected: date) -> None:
    # strptime's %y would make 69-99 into 19xx; a plan never reaches back there.
    assert parse_date(text, today=TODAY) == expected


def test_a_date_without_a_year_falls_in_the_year_of_today() -> None:
    assert parse_date("10.10.", today=TODAY) == date(2011, 10, 10)
    assert parse_date("30.06.", today=date(2012, 1, 5)) == date(2012, 6, 30)


def test_a_date_without_a_year_is_not_moved_into_next_year() -> None:
    # "05.01." typed on 20.12.2011 means the year of today, even though it has passed.
    assert parse_date("05.01.", today=date(2011, 12, 20)) == date(2011, 1, 5)


def test_29_february_without_a_year_exists_only_in_a_leap_year() -> None:
    assert parse_date("29.02.", today=date(2012, 1, 5)) == date(2012, 2, 29)
    with pytest.raises(BadDate, match=r"'29\.02\.'"):
        parse_date("29.02.", today=TODAY)


@given(any_day)
@example(date(2012, 2, 1))
@example(date(2011, 12, 9))
def test_german_and_iso_output_read_back(d: date) -> None:
    assert parse_date(format_de(d), today=TODAY) == d
    assert parse_date(d.isoformat(), today=TODAY) == d


@given(any_day)
@example(date(2012, 2, 1))  # 1.2.2012, which dateutil reads as 2 January
def test_day_comes_first_even_when_both_could_be_months(d: date) -> None:
    assert parse_date(f"{d.day}.{d.month}.{d.year}", today=TODAY) == d


# --- relative dates ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", date(2011, 9, 20)),
        ("heute", date(2011, 9, 20)),
        ("tomorrow", date(2011, 9, 21)),
        ("morgen", date(2011, 9, 21)),
        ("yesterday", date(2011, 9, 19)),
        ("gestern", date(2011, 9, 19)),
        ("Morgen", date(2011, 9, 21)),
        ("+3d", date(2011, 9, 23)),
        ("-2w", date(2011, 9, 6)),
        ("+1m", date(2011, 10, 20)),
        ("+0d", date(2011, 9, 20)),
    ],
)
def test_words_and_offsets_count_from_today(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("today", "text", "expected"),
    [
        (date(2012, 3, 31), "-1m", date(2012, 2, 29)),
        (date(2012, 1, 31), "+1m", date(2012, 2, 29)),
        (date(2011, 3, 31), "-1m", date(2011, 2, 28)),
        # One step of two months, not two steps of one (which would give 29.03.2012).
        (date(2012, 1, 31), "+2m", date(2012, 3, 31)),
        (date(2012, 1, 1), "-6m", date(2011, 7, 1)),
    ],
)
def test_month_offsets_stop_at_the_end_of_a_short_month(
    today: date, text: str, expected: date
) -> None:
    assert parse_date(text, today=today) == expected


@given(plan_day, st.integers(min_value=0, max_value=9999))
def test_day_offsets_move_by_exactly_that_many_days(today: date, n: int) -> None:
    assert parse_date(f"+{n}d", today=today) == today + timedelta(days=n)
    assert parse_date(f"-{n}d", today=today) == today - timedelta(days=n)


@given(plan_day, st.integers(min_value=0, max_value=520))
def test_week_offsets_keep_the_weekday(today: date, n: int) -> None:
    later, earlier = parse_date(f"+{n}w", today=today), parse_date(f"-{n}w", today=today)
    assert (later - today).days == (today - earlier).days == 7 * n
    assert later.weekday() == earlier.weekday() == today.weekday()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("monday", date(2011, 9, 26)),
        ("montag", date(2011, 9, 26)),
        ("tuesday", date(2011, 9, 27)),  # today is a Tuesday: next week's
        ("dienstag", date(2011, 9, 27)),
        ("wednesday", date(2011, 9, 21)),
        ("mittwoch", date(2011, 9, 21)),
        ("thursday", date(2011, 9, 22)),
        ("donnerstag", date(2011, 9, 22)),
        ("friday", date(2011, 9, 23)),
        ("freitag", date(2011, 9, 23)),
        ("saturday", date(2011, 9, 24)),
        ("samstag", date(2011, 9, 24)),
        ("sunday", date(2011, 9, 25)),
        ("sonntag", date(2011, 9, 25)),
        ("Freitag", date(2011, 9, 23)),
    ],
)
def test_a_weekday_means_the_next_such_day_after_today(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


def test_monday_on_a_monday_is_next_week() -> None:
    assert parse_date("monday", today=date(2011, 9, 26)) == date(2011, 10, 3)


WEEKDAY_NAMES = [
    ("monday", "montag"),
    ("tuesday", "dienstag"),
    ("wednesday", "mittwoch"),
    ("thursday", "donnerstag"),
    ("friday", "freitag"),
    ("saturday", "samstag"),
    ("sunday", "sonntag"),
]


@given(plan_day, st.integers(min_value=0, max_value=6), st.booleans())
def test_a_weekday_is_always_within_the_next_seven_days(
    today: date, weekday: int, german: bool
) -> None:
    got = parse_date(WEEKDAY_NAMES[weekday][german], today=today)
    assert got.weekday() == weekday
    assert 1 <= (got - today).days <= 7


# --- refusals ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "09/20/2011",  # the statement's month-first header date: never guessed
        "31.02.2012",
        "2011-9-20",
        "20111010",  # date.fromisoformat would take it on 3.11
        "morgen früh",
        "12.09.2011 10:00",
        "",
        "someday 5",
        "10.10.011",
    ],
)
def test_refuses_what_it_cannot_read_for_sure_and_names_the_accepted_forms(text: str) -> None:
    with pytest.raises(BadDate) as refused:
        parse_date(text, today=TODAY)
    message = str(refused.value)
    assert repr(text) in message
    for form in SOME_ACCEPTED_FORMS:
        assert form in message


@pytest.mark.parametrize("text", ["31.02.2012", "2011-02-29", "32.1.2012", "0.1.2012"])
def test_a_date_that_is_not_in_the_calendar_is_refused_and_quoted(text: str) -> None:
    with pytest.raises(BadDate, match="not a date") as refused:
        parse_date(text, today=TODAY)
    assert repr(text) in str(refused.value)


def test_a_bad_date_is_a_tracker_error_with_exit_code_1() -> None:
    with pytest.raises(TrackerError) as refused:
        parse_date("09/20/2011", today=TODAY)
    assert refused.value.exit_code == 1


def test_an_offset_beyond_the_calendar_is_refused() -> None:
    with pytest.raises(BadDate, match="outside the calendar"):
        parse_date("+9999y", today=TODAY)


@pytest.mark.parametrize(
    ("today", "text"),
    [
        pytest.param(date(9999, 12, 31), "+1d", id="+1d-on-31.12.9999"),
        pytest.param(date(9999, 12, 31), "+1w", id="+1w-on-31.12.9999"),
        pytest.param(date(1, 1, 1), "-1d", id="-1d-on-01.01.0001"),
        pytest.param(date(9999, 12, 31), "+1m", id="+1m-on-31.12.9999"),
        pytest.param(date(9999, 12, 31), "+1y", id="+1y-on-31.12.9999"),
    ],
)
def test_an_offset_past_either_end_of_the_calendar_is_refused_not_crashed(
    today: date, text: str
) -> None:
    with pytest.raises(BadDate):
        parse_date(text, today=today)


# --- spans -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14d", date(2011, 10, 4)),
        ("2w", date(2011, 10, 4)),
        ("1m", date(2011, 10, 20)),
        ("14", date(2011, 10, 4)),  # a bare number is days
        ("0d", date(2011, 9, 20)),
        (" 14D ", date(2011, 10, 4)),
    ],
)
def test_a_span_ends_that_many_days_weeks_or_months_after_today(text: str, expected: date) -> None:
    assert span_end(TODAY, text) == expected


def test_a_month_span_from_the_31st_ends_at_the_end_of_february() -> None:
    assert span_end(date(2012, 1, 31), "1m") == date(2012, 2, 29)


@pytest.mark.parametrize("text", ["+14d", "-14d", "14x", "", "d", "two weeks"])
def test_a_span_must_be_a_plain_length(text: str) -> None:
    with pytest.raises(BadDate, match=r"is not a span \(use 14d, 2w or 1m\)") as refused:
        span_end(TODAY, text)
    assert repr(text) in str(refused.value)


# --- the clock ---------------------------------------------------------------------


def test_today_comes_from_tracker_today_when_no_option_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRACKER_TODAY", "20.09.2011")
    assert resolve_today(None) == date(2011, 9, 20)


def test_the_today_option_beats_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_TODAY", "01.01.2012")
    assert resolve_today("20.09.2011") == date(2011, 9, 20)
    assert resolve_today("2011-10-10") == date(2011, 10, 10)


def test_a_bad_tracker_today_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRACKER_TODAY", "09/20/2011")
    with pytest.raises(BadDate) as refused:
        resolve_today(None)
    message = str(refused.value)
    assert message.startswith("TRACKER_TODAY: ")
    assert "'09/20/2011'" in message
    assert "10.10.2011" in message


def test_a_bad_today_option_is_refused_even_when_the_environment_is_fine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRACKER_TODAY", "20.09.2011")
    with pytest.raises(BadDate, match=r"^--today: '31\.02\.2012'"):
        resolve_today("31.02.2012")


def test_without_option_or_environment_today_is_the_system_date() -> None:
    # conftest removes TRACKER_TODAY; the two reads bracket a possible midnight.
    before = date.today()
    got = resolve_today(None)
    assert got in {before, date.today()}


# --- dates in files ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2011-10-10", date(2011, 10, 10)),
        ("10.10.2011", date(2011, 10, 10)),
        ("1.2.2012", date(2012, 2, 1)),
    ],
)
def test_a_file_date_must_be_written_out_in_full(text: str, expected: date) -> None:
    assert parse_absolute_date(text) == expected


@pytest.mark.parametrize(
    "text", ["10.10.", "10.10.11", "today", "heute", "morgen", "+3d", "-2w", "monday", "freitag"]
)
def test_a_file_date_never_depends_on_the_day_it_is_read(text: str) -> None:
    with pytest.raises(BadDate, match=r"is not a full date \(use 2011-10-10 or 10\.10\.2011\)"):
        parse_absolute_date(text)


def test_a_file_date_that_is_not_in_the_calendar_is_refused() -> None:
    with pytest.raises(BadDate, match=r"'31\.02\.2011'"):
        parse_absolute_date("31.02.2011")
