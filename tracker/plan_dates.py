"""Dates relative to go-live (or to another item) in plan templates.

A template writes "go_live - 6 months", "go_live - 15 working days" or
"BEN-INTERIM + 1 day" where a plan writes a date; `tracker init --plan FILE --go-live
DATE` resolves them. Terms apply left to right: "go_live - 1 month - 1 day" from
01.01.2012 is 01.12.2011, then 30.11.2011. Months and years follow
python-dateutil's relativedelta (31.03. − 1 month = 29.02.); working days follow
the project's calendar (its region's holidays and its closed days). A sign needs a
space before it, so that keys with hyphens ("TRAIN-1 - 5 days") stay keys.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import NamedTuple

from tracker.dates import format_de, shift
from tracker.errors import BadDate

GO_LIVE = "go_live"

_UNITS = {
    "d": ("day", "days", "tag", "tage", "kalendertag", "kalendertage"),
    "wd": ("working day", "working days", "workday", "workdays", "arbeitstag", "arbeitstage"),
    "w": ("week", "weeks", "woche", "wochen"),
    "m": ("month", "months", "monat", "monate"),
    "y": ("year", "years", "jahr", "jahre"),
}
UNITS = {name: unit for unit, names in _UNITS.items() for name in names}

_SIGN = r"[+\-−]"
_TERM = re.compile(rf"\s+({_SIGN})\s*(\d{{1,5}})\s*([^\W\d_]+(?:\s+[^\W\d_]+)?)", re.I)
# A key, then optionally .start or .due: "TRAIN-START" stays a key, "TRAIN.start" is not.
_ANCHOR = re.compile(
    r"(go_live|[a-z][a-z0-9]*(?:(?:[_-]|\.(?!(?:start|due)\b))[a-z0-9]+)*)(\.start|\.due)?",
    re.I,
)


class Relative(NamedTuple):
    """A date written relative to an anchor: go-live, or an item's due date or start."""

    text: str  # as written, for messages
    anchor: str  # GO_LIVE, or an item key
    field: str  # "due" or "start" of that item
    terms: tuple[tuple[int, str], ...]  # (signed amount, unit: d, wd, w, m, y)


def parse_relative(text: str) -> Relative | None:
    """The relative date `text` describes; None if it does not start with an anchor
    (then it is meant as a date); BadDate when it starts like one but is malformed."""
    s = text.strip()
    if not s or s[0].isdigit():
        return None
    m = _ANCHOR.match(s)
    if m is None:  # "+3d", "/": not relative to anything; the date reader refuses it
        return None
    anchor = m[1] if m[1].lower() == GO_LIVE else m[1].upper()
    field = (m[2] or ".due")[1:].lower()
    if anchor == GO_LIVE and m[2]:
        raise BadDate(f"{text!r}: go_live has no .start or .due")
    terms: list[tuple[int, str]] = []
    rest, pos = s[m.end() :], 0
    while rest[pos:].strip():
        t = _TERM.match(rest, pos)
        if t is None:
            raise BadDate(
                f"{text!r}: cannot read {rest[pos:].strip()!r} "
                '(write e.g. "go_live - 6 months", "go_live - 15 working days")'
            )
        unit = UNITS.get(" ".join(t[3].lower().split()))
        if unit is None:
            known = "days, working days, weeks, months, years"
            raise BadDate(f"{text!r}: unknown unit {t[3]!r} (use {known})")
        terms.append((int(t[2]) * (1 if t[1] == "+" else -1), unit))
        pos = t.end()
    return Relative(text.strip(), anchor, field, tuple(terms))


def apply(base: date, rel: Relative, is_working_day: Callable[[date], bool]) -> date:
    """`base` moved by each term of `rel`, in order."""
    day = base
    for amount, unit in rel.terms:
        if unit == "wd":
            day = _working_days(day, amount, is_working_day)
        else:
            day = shift(day, amount, unit)
    return day


def _working_days(day: date, n: int, is_working_day: Callable[[date], bool]) -> date:
    """The |n|-th working day after (n > 0) or before (n < 0) `day`."""
    step = timedelta(days=1 if n > 0 else -1)
    left = abs(n)
    try:
        while left:
            day += step
            if is_working_day(day):
                left -= 1
    except (OverflowError, BadDate):
        raise BadDate(f"{n} working days from {format_de(day)} leave the calendar") from None
    return day
