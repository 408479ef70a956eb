"""Public holidays of the 16 German states, and working days between two dates.

The rules are our own, on top of `dateutil.easter`, rather than the `holidays` package:
importing that package and building one state costs ~200 ms (field notes §1), twice the
start-up budget of a whole `tracker` command. The package is still the reference:
`tests/test_holidays_de.py` compares these rules with `holidays` 0.109 for every state
and every supported year, and `tests/fixtures/holidays_de.csv` pins 2010–2030.

"Public holiday" means a day off in the whole state, as in the package's default
"public" category. Days that hold in some municipalities only are left out on purpose:
Mariä Himmelfahrt in Bayern (municipalities with a mostly Catholic population),
Fronleichnam in parts of Sachsen (Sorbian, around Bautzen) and Thüringen (Eichsfeld),
and the Augsburger Hohes Friedensfest (08.08., the city of Augsburg). Whole-state
calendars cannot know which municipality a project team works in.

Sundays that are holidays too are listed where a state's law names them: Ostersonntag
and Pfingstsonntag in Brandenburg only. Hessen's law makes every Sunday a holiday
("Gesetzliche Feiertage sind die Sonntage sowie ...", § 1 HFeiertagsG) without naming
these two, so they are not listed there, like the package does. Sundays never change a
working-day count either way.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta

from dateutil.easter import easter

from tracker.errors import BadDate, UnknownRegion

# Importing `typing` (with re, enum, collections) costs ~15 ms, several times this whole
# module; mypy and ruff treat a block under a name `TYPE_CHECKING` as type-checking only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "REGIONS",
    "WorkingCalendar",
    "normalize_region",
    "public_holidays",
]

# Buß- und Bettag stopped being a holiday outside Sachsen in 1995 (it paid for the
# employers' share of the new long-term care insurance), so from 1995 on every rule
# below is a state rule. 2099 is far enough for any plan; Easter needs no upper limit.
from tracker.dates import FIRST_YEAR, LAST_YEAR  # noqa: E402  (defined with the dates)

REGIONS: dict[str, str] = {
    "DE-BW": "Baden-Württemberg",
    "DE-BY": "Bayern",
    "DE-BE": "Berlin",
    "DE-BB": "Brandenburg",
    "DE-HB": "Bremen",
    "DE-HH": "Hamburg",
    "DE-HE": "Hessen",
    "DE-MV": "Mecklenburg-Vorpommern",
    "DE-NI": "Niedersachsen",
    "DE-NW": "Nordrhein-Westfalen",
    "DE-RP": "Rheinland-Pfalz",
    "DE-SL": "Saarland",
    "DE-SN": "Sachsen",
    "DE-ST": "Sachsen-Anhalt",
    "DE-SH": "Schleswig-Holstein",
    "DE-TH": "Thüringen",
}

_EPIPHANY = frozenset({"DE-BW", "DE-BY", "DE-ST"})
_CORPUS_CHRISTI = frozenset({"DE-BW", "DE-BY", "DE-HE", "DE-NW", "DE-RP", "DE-SL"})
_ALL_SAINTS = frozenset({"DE-BW", "DE-BY", "DE-NW", "DE-RP", "DE-SL"})
_REFORMATION = frozenset({"DE-BB", "DE-MV", "DE-SN", "DE-ST", "DE-TH"})
# The four northern states added Reformationstag in 2018, after the one-off of 2017.
_REFORMATION_SINCE_2018 = frozenset({"DE-HB", "DE-HH", "DE-NI", "DE-SH"})

_CACHE: dict[tuple[str, int], dict[date, str]] = {}


def normalize_region(text: str) -> str:
    """The ISO 3166-2 code ("DE-BW") for "DE-BW", "de-bw", "BW" or "bw"."""
    code = text.upper()
    if not code.startswith("DE-"):
        code = "DE-" + code
    if code not in REGIONS:
        raise UnknownRegion(f"unknown holiday region {text!r} (use one of {', '.join(REGIONS)})")
    return code


def public_holidays(region: str, year: int) -> dict[date, str]:
    """The statewide public holidays of `region` in `year`, date → German name, by date.

    Raises UnknownRegion for an unknown region and BadDate for a year outside
    FIRST_YEAR–LAST_YEAR. Two holidays on one day share it as "A; B" (2008: Christi
    Himmelfahrt on 1 May).
    """
    return dict(_holidays(normalize_region(region), year))


def _holidays(code: str, year: int) -> dict[date, str]:
    """The cached holidays of a normalized region; callers must not change the dict."""
    found = _CACHE.get((code, year))
    if found is None:
        found = _CACHE[(code, year)] = _compute(code, year)
    return found


def _compute(code: str, year: int) -> dict[date, str]:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadDate(
            f"no public holidays known for {year} (the tracker knows {FIRST_YEAR}–{LAST_YEAR})"
        )
    easter_sunday = easter(year)
    found: dict[date, str] = {}

    def add(day: date, name: str) -> None:
        old = found.get(day)
        if old is None or old == name:
            found[day] = name
        else:
            # Sorted like the package does, so both spell 2008's 1 May the same way.
            found[day] = "; ".join(sorted({*old.split("; "), name}))

    def after_easter(days: int) -> date:
        return easter_sunday + timedelta(days=days)

    add(date(year, 1, 1), "Neujahr")
    if code in _EPIPHANY:
        add(date(year, 1, 6), "Heilige Drei Könige")
    if (code == "DE-BE" and year >= 2019) or (code == "DE-MV" and year >= 2023):
        add(date(year, 3, 8), "Internationaler Frauentag")
    add(after_easter(-2), "Karfreitag")
    if code == "DE-BB":
        add(easter_sunday, "Ostersonntag")
    add(after_easter(1), "Ostermontag")
    add(date(year, 5, 1), "Tag der Arbeit")
    if code == "DE-BE" and year in (2020, 2025):
        # One-offs in Berlin's Feiertagsgesetz for the 75th and 80th anniversary of
        # 8 May 1945; 8 May is no yearly holiday.
        add(date(year, 5, 8), "Tag der Befreiung")
    add(after_easter(39), "Christi Himmelfahrt")
    if code == "DE-BB":
        add(after_easter(49), "Pfingstsonntag")
    add(after_easter(50), "Pfingstmontag")
    if code in _CORPUS_CHRISTI:
        add(after_easter(60), "Fronleichnam")
    if code == "DE-BE" and year == 2028:
        # Another Berlin one-off, added to its Feiertagsgesetz in 2024 (GVBl. S. 460)
        # and easy to miss: 75 years since the uprising of 17 June 1953. A Saturday.
        add(date(year, 6, 17), "75. Jahrestag des Volksaufstandes vom 17. Juni 1953")
    if code == "DE-SL":
        add(date(year, 8, 15), "Mariä Himmelfahrt")
    if code == "DE-TH" and year >= 2019:
        add(date(year, 9, 20), "Weltkindertag")
    add(date(year, 10, 3), "Tag der Deutschen Einheit")
    if (
        code in _REFORMATION
        or (code in _REFORMATION_SINCE_2018 and year >= 2018)
        or year == 2017  # 500 years of the Reformation: once in every state
    ):
        add(date(year, 10, 31), "Reformationstag")
    if code in _ALL_SAINTS:
        add(date(year, 11, 1), "Allerheiligen")
    if code == "DE-SN":
        # The Wednesday before the last Sunday of the church year: 16.–22. November.
        nov_22 = date(year, 11, 22)
        add(nov_22 - timedelta(days=(nov_22.weekday() - 2) % 7), "Buß- und Bettag")
    add(date(year, 12, 25), "1. Weihnachtstag")
    add(date(year, 12, 26), "2. Weihnachtstag")
    return dict(sorted(found.items()))


def _weekdays_through(day: date) -> int:
    """How many Mondays to Fridays lie in [01.01.0001, day]; 01.01.0001 was a Monday."""
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


class WorkingCalendar:
    """Working days of one region: Monday to Friday, not a public holiday, not closed."""

    def __init__(self, region: str, closed: Iterable[date] = ()) -> None:
        self.region = normalize_region(region)
        self.closed = frozenset(closed)
        # Weekdays lost to holidays or closure in the years _first.._last, sorted, so a
        # range is counted with two bisections instead of a walk over its days. Years
        # are added on demand: a plan spans two or three, not the whole supported range.
        self._first = 0
        self._last = -1
        self._off: list[date] = []

    def is_working_day(self, day: date) -> bool:
        """Whether `day` is a Monday to Friday that is neither a holiday nor closed."""
        return (
            day.weekday() < 5
            and day not in self.closed
            and day not in _holidays(self.region, day.year)
        )

    def holidays_between(self, after: date, until: date) -> list[tuple[date, str]]:
        """Public holidays d with after < d <= until, weekends included, by date.

        Closure days are not listed (the caller gave them); empty when until <= after.
        """
        return [
            (day, name)
            for year in range((after + timedelta(days=1)).year, until.year + 1)
            for day, name in _holidays(self.region, year).items()
            if after < day <= until
        ]

    def working_days(self, after: date, until: date) -> int:
        """Working days d with after < d <= until; negative (reversed range) if until < after.

        So "working days left until due" is 0 on the due date and below 0 when overdue.
        Raises BadDate when the range leaves the years public_holidays() knows.
        """
        if until <= after:
            return -self.working_days(until, after) if until < after else 0
        # From the first day counted, so (31.12.1994, 1995] needs no holidays of 1994.
        self._cover((after + timedelta(days=1)).year, until.year)
        weekdays = _weekdays_through(until) - _weekdays_through(after)
        lost = bisect_right(self._off, until) - bisect_right(self._off, after)
        return weekdays - lost

    def _cover(self, first: int, last: int) -> None:
        """Make _off hold every year from first to last and any year in between."""
        if self._first <= first and last <= self._last:
            return
        if self._last < self._first:  # nothing covered yet
            new_years = [*range(first, last + 1)]
        else:
            first, last = min(first, self._first), max(last, self._last)
            new_years = [*range(first, self._first), *range(self._last + 1, last + 1)]
        # Computed before the cover moves, so a BadDate leaves the calendar as it was.
        off = self._off_days(new_years)
        self._off = sorted(self._off + off)
        self._first, self._last = first, last

    def _off_days(self, years: list[int]) -> list[date]:
        """Weekdays of `years` that are holidays or closed, each once, unsorted."""
        wanted = set(years)
        off = {day for day in self.closed if day.year in wanted and day.weekday() < 5}
        for year in years:
            off.update(day for day in _holidays(self.region, year) if day.weekday() < 5)
        return [*off]
