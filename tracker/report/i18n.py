"""The words of the report in German and English: headings, states, weekdays, months.

Dates stay DD.MM.YYYY in both languages (never month-first). Every string a renderer
prints comes from here, so the two languages keep the same structure.
"""

from __future__ import annotations

import os
from datetime import date
from typing import TYPE_CHECKING

from tracker.dates import format_de
from tracker.errors import BadInput
from tracker.states import State

if TYPE_CHECKING:
    from tracker.planning import Target
    from tracker.schedule import Forecast

LANGUAGES = ("de", "en")

_WEEKDAYS = {
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}  # fmt: skip
_STATES = {
    "de": {
        State.PLANNED: "geplant",
        State.IN_PROGRESS: "in Arbeit",
        State.DONE: "erledigt",
        State.CANCELLED: "abgebrochen",
    },
    "en": {
        State.PLANNED: "planned",
        State.IN_PROGRESS: "in progress",
        State.DONE: "done",
        State.CANCELLED: "cancelled",
    },
}

TEXT: dict[str, dict[str, str]] = {
    "de": {
        "title": "Wochenbericht",
        "week": "KW {week}/{year}",
        "as_of": "Stand",
        "author": "Verfasser",
        "go_live": "Start",
        "go_live_countdown": "noch {days} Tage, davon {working} Arbeitstage",
        "go_live_past": "seit {days} Tagen",
        "summary": "Überblick",
        "done_count": "erledigt",
        "open_count": "offen",
        "overdue_count": "überfällig",
        "progress": "Fortschritt je Arbeitspaket",
        "workstream": "Arbeitspaket",
        "done_of_total": "erledigt / gesamt",
        "done_this_week": "Diese Woche erledigt",
        "overdue": "Überfällig",
        "due_next": "Fällig bis {until}",
        "rescheduled": "Diese Woche verschoben",
        "key_dates": "Wichtige Termine",
        "notes": "Notizen dieser Woche",
        "timeline": "Zeitplan",
        "none": "keine",
        "more": "… und {n} weitere",
        "key": "Schlüssel",
        "item": "Vorhaben",
        "owner": "Verantwortlich",
        "due": "Fällig",
        "state": "Status",
        "done_on": "Erledigt am",
        "marked_by": "Erledigt von",
        "per_plan": "laut Plan",
        "days_overdue": "Tage überfällig",
        "old_due": "Bisher",
        "new_due": "Neu",
        "first_agreed": "Ursprünglich",
        "slip": "Verzug",
        "days_left": "Tage",
        "working_days_left": "Arbeitstage",
        "day": "Tag",
        "who": "Wer",
        "note": "Notiz",
        "derived": "* abgeleitetes Datum: die Quelle nennt keines",
        "today": "heute",
        "headline_soon": "{n} Meilenstein in den nächsten 14 Tagen fällig",
        "headline_soon_n": "{n} Meilensteine in den nächsten 14 Tagen fällig",
        "headline_soon_0": "kein Meilenstein in den nächsten 14 Tagen fällig",
        "headline_overdue": "{n} überfällig",
        "headline_overdue_0": "nichts überfällig",
        "days": "{n} Tage",
        "working_days": "{n} Arbeitstage",
        "generated": "Erstellt mit tracker am {date}",
        # html.py: the timeline, page numbers, the plan's source
        "timeline_label": "Zeitplan der Meilensteine und Zeiträume, Stand {date}",
        "date_point": "Termin",
        "page": "Seite",
        "source": "Quelle",
        "working_days_overdue": "Arbeitstage überfällig",
        # the schedule: the go-live forecast and the items at risk
        "at_risk": "Gefährdet",
        "forecast": "Prognose",
        "working_days_late": "Arbeitstage Verzug",
        "why": "Grund",
        "forecast_after_due": "Prognose nach Fälligkeit",
        "go_live_forecast": "Prognose Start {date} ({item}, fällig {due}): {verdict}.",
        "go_live_forecast_none": "Prognose Start: kein Meilenstein ist am Starttermin fällig.",
        "go_live_forecast_closed": "Prognose Start: {item} ist {state}.",
        "go_live_forecast_undated": "Prognose Start: {item} hat kein Datum.",
        "on_time": "termingerecht",
        "late": "{n} Arbeitstage Verzug",
        "late_1": "1 Arbeitstag Verzug",
        "reason_dates": "eigene Termine",
        "reason_predecessor": "nach {item}",
        "reason_today": "noch nicht erledigt",
        "reason_whatif": "angenommener Verzug",
        "reason_undated": "ohne Datum",
    },
    "en": {
        "title": "Weekly status report",
        "week": "Week {week}/{year}",
        "as_of": "As of",
        "author": "Author",
        "go_live": "Go-live",
        "go_live_countdown": "{days} days to go, {working} of them working days",
        "go_live_past": "{days} days ago",
        "summary": "Summary",
        "done_count": "done",
        "open_count": "open",
        "overdue_count": "overdue",
        "progress": "Progress per workstream",
        "workstream": "Workstream",
        "done_of_total": "done / total",
        "done_this_week": "Done this week",
        "overdue": "Overdue",
        "due_next": "Due until {until}",
        "rescheduled": "Rescheduled this week",
        "key_dates": "Key dates",
        "notes": "Notes added this week",
        "timeline": "Timeline",
        "none": "none",
        "more": "… and {n} more",
        "key": "Key",
        "item": "Item",
        "owner": "Owner",
        "due": "Due",
        "state": "State",
        "done_on": "Done on",
        "marked_by": "Marked by",
        "per_plan": "per plan",
        "days_overdue": "Days overdue",
        "old_due": "Was",
        "new_due": "Now",
        "first_agreed": "First agreed",
        "slip": "Slip",
        "days_left": "Days",
        "working_days_left": "Working days",
        "day": "Day",
        "who": "Who",
        "note": "Note",
        "derived": "* derived date: the source gives none",
        "today": "today",
        "headline_soon": "{n} milestone due in the next 14 days",
        "headline_soon_n": "{n} milestones due in the next 14 days",
        "headline_soon_0": "no milestone due in the next 14 days",
        "headline_overdue": "{n} overdue",
        "headline_overdue_0": "nothing overdue",
        "days": "{n} days",
        "working_days": "{n} working days",
        "generated": "Made with tracker on {date}",
        # html.py: the timeline, page numbers, the plan's source
        "timeline_label": "Timeline of the milestones and periods as of {date}",
        "date_point": "Due date",
        "page": "Page",
        "source": "Source",
        "working_days_overdue": "Working days overdue",
        # the schedule: the go-live forecast and the items at risk
        "at_risk": "At risk",
        "forecast": "Forecast",
        "working_days_late": "Working days late",
        "why": "Why",
        "forecast_after_due": "forecast after due",
        "go_live_forecast": "Go-live forecast {date} ({item}, due {due}): {verdict}.",
        "go_live_forecast_none": "Go-live forecast: no milestone is due on the go-live date.",
        "go_live_forecast_closed": "Go-live forecast: {item} is {state}.",
        "go_live_forecast_undated": "Go-live forecast: {item} has no date.",
        "on_time": "on time",
        "late": "{n} working days late",
        "late_1": "1 working day late",
        "reason_dates": "own dates",
        "reason_predecessor": "after {item}",
        "reason_today": "not done yet",
        "reason_whatif": "what-if slip",
        "reason_undated": "no date",
    },
}


def resolve_language(option: str | None, project_language: str | None) -> str:
    """--lang, else TRACKER_LANG, else the project's language, else English."""
    for value, source in (
        (option, "--lang"),
        (os.environ.get("TRACKER_LANG"), "TRACKER_LANG"),
        (project_language, "the project's language"),
    ):
        if value:
            lang = value.strip().lower()[:2]
            if lang not in LANGUAGES:
                raise BadInput(f"{source}: {value!r} is not a report language (use de or en)")
            return lang
    return "en"


# Rows a table of the report shows at most: every row of a changeover's plan, and a
# readable page for a programme of thousands of items (the rest are counted).
REPORT_ROWS = 50


def more(lang: str, n: int) -> str:
    """ "… und 1.234 weitere" / "… and 1,234 more" for the rows a table leaves out."""
    count = f"{n:,}".replace(",", "." if lang == "de" else ",")
    return t(lang, "more", n=count)


def t(lang: str, key: str, **values: object) -> str:
    """The text `key` in `lang`, with `values` filled in."""
    return TEXT[lang][key].format(**values)


def state_name(lang: str, state: State) -> str:
    return _STATES[lang][state]


def weekday(lang: str, d: date) -> str:
    return _WEEKDAYS[lang][d.weekday()]


def month(lang: str, number: int) -> str:
    """The month's name; number 1-12."""
    return _MONTHS[lang][number - 1]


def long_date(lang: str, d: date) -> str:
    """ "Mittwoch, 21.09.2011" / "Wednesday, 21.09.2011"."""
    return f"{weekday(lang, d)}, {d.day:02d}.{d.month:02d}.{d.year}"


def headline(lang: str, milestones_due_soon: int, overdue: int) -> str:
    """ "3 milestones due in the next 14 days, 1 overdue" in one sentence."""
    n = milestones_due_soon
    soon = t(
        lang, "headline_soon_0" if n == 0 else "headline_soon" if n == 1 else "headline_soon_n", n=n
    )
    late = t(lang, "headline_overdue_0" if overdue == 0 else "headline_overdue", n=overdue)
    sentence = f"{soon}, {late}."
    return sentence[0].upper() + sentence[1:]


def reason(lang: str, f: Forecast) -> str:
    """Why the forecast is what it is: "own dates", "after SW-INSTALL", "not done yet"."""
    if f.reason == "predecessor":
        return t(lang, "reason_predecessor", item=f.driver)
    if f.reason in ("done", "cancelled"):
        return state_name(lang, State(f.reason))
    key = f"reason_{f.reason}"
    return t(lang, key) if key in TEXT[lang] else f.reason


def late(lang: str, working_days: int) -> str:
    """ "10 working days late" / "10 Arbeitstage Verzug"."""
    return t(lang, "late_1") if working_days == 1 else t(lang, "late", n=working_days)


def go_live_forecast(lang: str, target: Target | None) -> str:
    """ "Go-live forecast 16.01.2012 (GO-LIVE, due 01.01.2012): 10 working days late
    (after MIG-PREP)." as one sentence; "…: on time." when it holds."""
    if target is None:
        return t(lang, "go_live_forecast_none")
    item, f = target
    if not item.state.is_open:
        return t(lang, "go_live_forecast_closed", item=item.key, state=state_name(lang, item.state))
    if f.finish is None:
        return t(lang, "go_live_forecast_undated", item=item.key)
    verdict = f"{late(lang, f.slip)} ({reason(lang, f)})" if f.at_risk else t(lang, "on_time")
    return t(
        lang,
        "go_live_forecast",
        date=format_de(f.finish),
        item=item.key,
        due=format_de(item.due),
        verdict=verdict,
    )
