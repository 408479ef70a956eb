"""Dates as project leads write them, and the one clock of the tracker.

Input is read with explicit formats only: `dateutil.parser` reads 12.09.2011 as
9 December and fills missing parts from the run date (field notes §2). Output is
always German `DD.MM.YYYY`; JSON uses ISO.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, timedelta

from tracker.errors import BadDate

ACCEPTED = (
    "2011-10-10, 10.10.2011, 10.10.11, 10.10., today, tomorrow, yesterday, "
    "+3d, -2w, +1m or a weekday such as monday"
)

# The years the holiday calendar knows (tracker/holidays_de.py): every working-day
# count needs them, so dates outside are refused where they enter the tracker.
FIRST_YEAR = 1995
LAST_YEAR = 2099

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_GERMAN = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})?")
_OFFSET = re.compile(r"([+-]?)(\d{1,4})\s*([dwmy])")
_WORDS = {
    "today": 0, "heute": 0,
    "tomorrow": 1, "morgen": 1,
    "yesterday": -1, "gestern": -1,
}  # fmt: skip
_WEEKDAYS = {
    **dict.fromkeys(("monday", "mon", "montag", "mo"), 0),
    **dict.fromkeys(("tuesday", "tue", "dienstag", "di"), 1),
    **dict.fromkeys(("wednesday", "wed", "mittwoch", "mi"), 2),
    **dict.fromkeys(("thursday", "thu", "donnerstag", "do"), 3),
    **dict.fromkeys(("friday", "fri", "freitag", "fr"), 4),
    **dict.fromkeys(("saturday", "sat", "samstag", "sonnabend", "sa"), 5),
    **dict.fromkeys(("sunday", "sun", "sonntag", "so"), 6),
}


def parse_date(text: str, *, today: date) -> date:
    """Read a date in one of the ACCEPTED forms; relative forms count from `today`.

    Raises BadDate for anything else, naming the accepted forms. Two-digit years are
    20xx (`10.10.11` is 10.10.2011). A weekday name means the next such day after today.
    """
    s = text.strip().lower()
    try:
        if m := _ISO.fullmatch(s):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _GERMAN.fullmatch(s):
            year = today.year if m[3] is None else int(m[3])
            if m[3] is not None and len(m[3]) == 2:
                year += 2000
            return date(year, int(m[2]), int(m[1]))
    except ValueError:
        raise BadDate(f"{text!r} is not a date in the calendar (use {ACCEPTED})") from None
    if s in _WORDS:
        return shift(today, _WORDS[s], "d")
    if s in _WEEKDAYS:
        return shift(today, (_WEEKDAYS[s] - today.weekday() - 1) % 7 + 1, "d")
    if m := _OFFSET.fullmatch(s):
        n = int(m[2]) * (-1 if m[1] == "-" else 1)
        return shift(today, n, m[3])
    raise BadDate(f"{text!r} is not a date (use {ACCEPTED})")


def parse_absolute_date(text: str) -> date:
    """A date written out in full (2011-10-10, 10.10.2011), for files that must not
    depend on the day they are read; BadDate otherwise."""
    s = text.strip()
    m = _GERMAN.fullmatch(s)
    if _ISO.fullmatch(s) or (m is not None and m[3] is not None and len(m[3]) == 4):
        try:
            return parse_date(s, today=date.min)
        except BadDate:  # its message offers relative forms, which files may not use
            raise BadDate(
                f"{text!r} is not a date in the calendar (use 2011-10-10 or 10.10.2011)"
            ) from None
    raise BadDate(f"{text!r} is not a full date (use 2011-10-10 or 10.10.2011)")


def check_supported(d: date, what: str) -> date:
    """`d` if the working calendar covers its year; BadDate otherwise."""
    if not FIRST_YEAR <= d.year <= LAST_YEAR:
        raise BadDate(
            f"{what} {format_de(d)} is outside the years the tracker's calendar knows "
            f"({FIRST_YEAR}–{LAST_YEAR})"
        )
    return d


def shift(start: date, n: int, unit: str) -> date:
    """`start` moved by n days (d), weeks (w), months (m) or years (y), in one step."""
    try:
        if unit == "d":
            return start + timedelta(days=n)
        if unit == "w":
            return start + timedelta(weeks=n)
    except OverflowError:
        raise BadDate(f"{n}{unit} from {format_de(start)} is outside the calendar") from None
    # relativedelta clamps month ends (31.03. - 1 month = 29.02.); imported here
    # because only month and year offsets need it.
    from dateutil.relativedelta import relativedelta

    try:
        if unit == "m":
            return start + relativedelta(months=n)
        return start + relativedelta(years=n)
    except (ValueError, OverflowError):
        raise BadDate(f"{n}{unit} from {format_de(start)} is outside the calendar") from None


def span_end(today: date, text: str) -> date:
    """The last day of a span such as 14d, 2w or 1m that starts today."""
    s = text.strip().lower()
    if s.isdigit():
        s += "d"
    m = _OFFSET.fullmatch(s)
    if m is None or m[1]:
        raise BadDate(f"{text!r} is not a span (use 14d, 2w or 1m)")
    return shift(today, int(m[2]), m[3])


def format_de(d: date | None) -> str:
    """DD.MM.YYYY, or an empty string for no date."""
    return "" if d is None else f"{d.day:02d}.{d.month:02d}.{d.year:04d}"


def resolve_today(option: str | None) -> date:
    """The tracker's today: --today, else TRACKER_TODAY, else the system date.

    The only place that reads the system clock, so that every command can replay
    the 2011 plan as of any day.
    """
    text, source = (
        (option, "--today") if option else (os.environ.get("TRACKER_TODAY"), "TRACKER_TODAY")
    )
    system = date.today()
    if not text:
        return system
    try:
        return check_supported(parse_date(text, today=system), "today")
    except BadDate as exc:
        raise BadDate(f"{source}: {exc}") from None


def now_utc() -> datetime:
    """The wall-clock time an event is recorded at (UTC, without tzinfo)."""
    return datetime.now(UTC).replace(microsecond=0, tzinfo=None)


def as_date(value: object) -> date | None:
    """A date from either driver: sqlite3 gives ISO text, psycopg a date.

    Texts already seen give the same date object: a schedule of 100,000 items reads
    300,000 dates but only a few thousand different ones (and one object for each).
    """
    if value is None or isinstance(value, date):
        return value
    text = str(value)
    found = _ISO_DATES.get(text)
    if found is None:
        found = _ISO_DATES[text] = date.fromisoformat(text[:10])
    return found


# Dates by ISO text, as as_date read them: at most one per day of the calendar (and
# per timestamp text, for a timestamp read as a date), so it stays small.
_ISO_DATES: dict[str, date] = {}


def as_datetime(value: object) -> datetime | None:
    """A timestamp from either driver."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def iso(d: date | None) -> str | None:
    """ISO text for JSON, or None."""
    return None if d is None else d.isoformat()
