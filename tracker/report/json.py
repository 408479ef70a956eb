"""The weekly report as JSON (docs/report.md): the Markdown's content as data.

Dates are ISO, fields snake_case, states by value. Items have the shape of every other
JSON output (`render.item_json`, docs/json.md), with their countdowns measured from
the report's as-of date; a section adds its own fields to them, the go-live forecast
and the items at risk their forecast (`render_schedule.planned_json`, as `status`
does). Only the headline and the week's label are in the report's language.
"""

from __future__ import annotations

import json
from typing import Any

from tracker.dates import iso
from tracker.overview import Clock
from tracker.queries import ItemRow
from tracker.render import item_json, project_json
from tracker.render_schedule import planned_json, target_json
from tracker.report.data import WeeklyReport, week_label
from tracker.report.i18n import headline

# Raise it when a field changes meaning or goes away; new fields do not raise it.
# 2: a section lists its first 50 rows (every row with --all), beside its `_total`.
FORMAT_VERSION = 2


def render(report: WeeklyReport, lang: str) -> str:
    """The report as one JSON object; `lang` sets the headline's and the label's language."""
    r = report
    clock = Clock.for_project(r.project, r.as_of)

    def item(row: ItemRow, **extra: Any) -> dict[str, Any]:
        return {**item_json(row, clock), **extra}

    data = {
        "format_version": FORMAT_VERSION,
        "lang": lang,
        "project": r.project.key,
        "name": r.project.name,
        "week": {
            "year": r.week.year,
            "number": r.week.number,
            "monday": r.week.monday.isoformat(),
            "sunday": r.week.sunday.isoformat(),
            "label": week_label(r.week, lang),
        },
        "as_of": r.as_of.isoformat(),
        "author": r.author,
        "go_live": project_json(r.project, clock),
        "go_live_forecast": target_json(r.go_live_forecast, clock),
        "headline": headline(lang, r.milestones_due_soon, r.overdue_count),
        "milestones_due_soon": r.milestones_due_soon,
        "done": r.done_count,
        "open": r.open_count,
        "overdue_count": r.overdue_count,
        "progress": [
            {"workstream": p.key, "title": p.title, "done": p.done, "total": p.total}
            for p in r.progress
        ],
        "done_this_week": [item(d.item, marked_by=d.actor) for d in r.done_this_week],
        "done_this_week_total": r.done_this_week_total,
        "overdue": [
            item(o.item, days_overdue=o.days, working_days_overdue=o.working_days)
            for o in r.overdue
        ],
        "at_risk": [planned_json(p.item, p.forecast, clock) for p in r.at_risk],
        "at_risk_total": r.at_risk_total,
        "due_next": [item(u.item) for u in r.due_next],
        "due_next_total": r.due_next_total,
        "due_next_until": r.due_next_until.isoformat(),
        "rescheduled": [
            item(
                c.item,
                day=c.day.isoformat(),
                actor=c.actor,
                old_due=iso(c.old_due),
                new_due=iso(c.new_due),
                first_agreed=iso(c.first_agreed),
                slip_days=c.slip_days,
                slip_working_days=c.slip_working_days,
            )
            for c in r.rescheduled
        ],
        "rescheduled_total": r.rescheduled_total,
        "key_dates": [item(u.item) for u in r.key_dates],
        "key_dates_total": r.key_dates_total,
        "notes": [
            {
                "key": n.key or None,
                "title": n.title or None,
                "day": n.day.isoformat(),
                "actor": n.actor,
                "text": n.text,
            }
            for n in r.notes
        ],
        "notes_total": r.notes_total,
        "timeline": [item(i) for i in r.timeline],
        "timeline_total": r.timeline_total,
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
