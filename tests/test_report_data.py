"""Weeks, as-of dates and the language of the weekly report."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.errors import BadDate, BadInput
from tracker.report.data import Week, as_of_date, week_label
from tracker.report.i18n import headline, resolve_language


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
