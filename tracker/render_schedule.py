"""Tables and JSON for the schedule: forecast, critical, whatif, baselines, calendar.

The same conventions as `render.py`: German dates in tables, ISO dates and snake_case
fields in JSON (docs/json.md). Working days are shown as "wd".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tracker.dates import format_de, iso
from tracker.render import (
    DERIVED_NOTE,
    clip,
    due_text,
    dumps,
    item_json,
    state_text,
    table,
)
from tracker.schedule import Forecast, describe_reason

if TYPE_CHECKING:
    from tracker.overview import CalendarView, Clock
    from tracker.planning import (
        BaselineDiff,
        CriticalPath,
        ForecastView,
        OnPath,
        Planned,
        Target,
        WhatIf,
    )
    from tracker.queries import BaselineRow, ItemRow, ProjectRow


def slip_text(f: Forecast) -> str:
    """ "+10 wd" when the forecast is after the due date, else ""."""
    return f"+{f.slip} wd" if f.at_risk else ""


def forecast_json(f: Forecast) -> dict[str, Any]:
    return {
        "forecast_start": iso(f.start),
        "forecast": iso(f.finish),
        "at_risk": f.at_risk,
        "slip_working_days": f.slip,
        "slip_days": f.slip_days,
        "reason": f.reason,
        "driver": f.driver,
    }


def planned_json(item: ItemRow, f: Forecast, clock: Clock) -> dict[str, Any]:
    return {**item_json(item, clock), **forecast_json(f)}


def target_line(target: Target | None, label: str = "Go-live") -> str:
    """ "Go-live forecast 16.01.2012 (GO-LIVE due 01.01.2012): 10 working days late." """
    if target is None:
        return f"{label}: no milestone is due on the go-live date, so no forecast."
    f, item = target.forecast, target.item
    if not item.state.is_open:
        return f"{label} ({item.key}) is {item.state.label}."
    if f.finish is None:
        return f"{label} ({item.key}): no date to forecast."
    label = label if label == "Forecast" else f"{label} forecast"
    head = f"{label} {format_de(f.finish)} ({item.key} due {format_de(item.due)})"
    if f.at_risk:
        return f"{head}: {f.slip} working days late ({describe_reason(f)})."
    return f"{head}: on time."


def target_json(target: Target | None, clock: Clock) -> dict[str, Any] | None:
    if target is None:
        return None
    return planned_json(target.item, target.forecast, clock)


def _rows(entries: Sequence[tuple[ItemRow, Forecast, str]], clock: Clock) -> list[list[str]]:
    """Table rows of items with their forecast and one figure (slip or slack)."""
    return [
        [
            item.key,
            clip(item.title, 40),
            state_text(item, clock),
            due_text(item),
            format_de(f.finish),
            figure,
            clip(describe_reason(f), 36),
        ]
        for item, f, figure in entries
    ]


def _planned_rows(rows: Sequence[Planned], clock: Clock) -> list[list[str]]:
    return _rows([(p.item, p.forecast, slip_text(p.forecast)) for p in rows], clock)


_PLANNED_HEADERS = ["KEY", "TITLE", "STATE", "DUE", "FORECAST", "SLIP", "WHY"]


def planned_table(rows: Sequence[Planned], clock: Clock) -> str:
    """Items with due date, forecast and slip."""
    out = table(_PLANNED_HEADERS, _planned_rows(rows, clock), frozenset({5}))
    if any(p.item.due_derived and p.item.due for p in rows):
        out += DERIVED_NOTE + "\n"
    return out


def _calendar_note(project: ProjectRow) -> str:
    closed = f" and {len(project.closed)} closed days" if project.closed else ""
    return f"Mon–Fri without the public holidays of {project.region}{closed}"


# --- forecast --------------------------------------------------------------------


def forecast_text(v: ForecastView, clock: Clock, at_risk_only: bool) -> str:
    out = [
        f"Forecast as of {format_de(clock.today)} (working days: {_calendar_note(v.project)}).",
        target_line(v.go_live),
        "",
    ]
    if not v.items:
        out.append(
            "Nothing is at risk: every forecast meets its due date."
            if at_risk_only
            else "No open item has a date to forecast."
        )
        return "\n".join(out) + "\n"
    risky = sum(1 for p in v.items if p.forecast.at_risk)
    of = "" if at_risk_only else f" of {len(v.items)}"
    out.append(
        f"{risky}{of} open item{'s' if (len(v.items) if of else risky) != 1 else ''} "
        "at risk (forecast after due)."
    )
    out.append(planned_table(v.items, clock).rstrip("\n"))
    return "\n".join(out) + "\n"


def forecast_view_json(v: ForecastView, clock: Clock) -> str:
    return dumps(
        {
            "today": clock.today.isoformat(),
            "go_live": target_json(v.go_live, clock),
            "items": [planned_json(p.item, p.forecast, clock) for p in v.items],
        }
    )


# --- critical --------------------------------------------------------------------


def _path_rows(rows: Sequence[OnPath], clock: Clock) -> list[list[str]]:
    return _rows([(r.item, r.forecast, f"{r.slack} wd") for r in rows], clock)


_PATH_HEADERS = ["KEY", "TITLE", "STATE", "DUE", "FORECAST", "SLACK", "WHY"]


def critical_text(c: CriticalPath, clock: Clock) -> str:
    t = c.target
    out = [
        f"Critical path to {t.item.key}  {t.item.title}",
        f"As of {format_de(clock.today)} (working days: {_calendar_note(c.project)}).",
        target_line(t, label="Forecast"),
        "",
    ]
    before = [r for r in c.path if r.item.key != t.item.key]
    if before:
        out.append(
            f"Critical: no slack. A working day late on any of these is a working day "
            f"late for {t.item.key}."
        )
    else:
        out.append(
            f"Critical: only {t.item.key} itself. Its own date decides it; "
            "everything before it has slack."
        )
    out += ["  " + ln for ln in table(_PATH_HEADERS, _path_rows(c.path, clock)).splitlines()]
    if c.others:
        out += [
            "",
            f"Before {t.item.key}, with slack (working days it can slip without moving it):",
        ]
        out += [
            "  " + ln
            for ln in table(_PATH_HEADERS, _path_rows(c.others, clock), frozenset({5})).splitlines()
        ]
    if c.undated:
        keys = ", ".join(i.key for i in c.undated)
        out += ["", f"Open before {t.item.key} but not dated, so not forecast: {keys}."]
    if any(r.item.due_derived for r in [*c.path, *c.others]):
        out += ["", DERIVED_NOTE]
    return "\n".join(out) + "\n"


def _on_path_json(r: OnPath, clock: Clock) -> dict[str, Any]:
    return {**planned_json(r.item, r.forecast, clock), "slack_working_days": r.slack}


def critical_json(c: CriticalPath, clock: Clock) -> str:
    return dumps(
        {
            "today": clock.today.isoformat(),
            "target": target_json(c.target, clock),
            "critical": [_on_path_json(r, clock) for r in c.path],
            "with_slack": [_on_path_json(r, clock) for r in c.others],
            "undated": [i.key for i in c.undated],
        }
    )


# --- whatif ----------------------------------------------------------------------


def _question(w: WhatIf) -> str:
    key = w.item.key
    if w.change.slip:
        days = w.change.slip
        return f"What if {key} finishes {days} working day{'s' if days != 1 else ''} later?"
    before = next((m.before.due for m in w.moved if m.item.key == key), w.before.due)
    was = f" instead of {format_de(before)}" if before else ""
    return f"What if {key} were due on {format_de(w.change.due)}{was}?"


def whatif_text(w: WhatIf, clock: Clock) -> str:
    out = [
        _question(w) + " Nothing is written.",
        f"{w.item.key}  {w.item.title}: forecast {format_de(w.before.finish)} → "
        f"{format_de(w.after.finish)}.",
        "",
    ]
    if w.go_live is None:
        out.append("Go-live: no milestone is due on the go-live date, so no forecast.")
    else:
        item, before, after = w.go_live
        if before.finish == after.finish:
            late = f", {after.slip} working days late as it is" if after.at_risk else ""
            out.append(
                f"Go-live holds: {item.key} forecast {format_de(after.finish)} "
                f"(due {format_de(item.due)}){late}."
            )
        else:
            shift = next(m.working_days for m in w.moved if m.item.key == item.key)
            late = (
                f", {after.slip} working days after its due date {format_de(item.due)}"
                if after.at_risk
                else f", still by its due date {format_de(item.due)}"
            )
            out.append(
                f"Go-live moves by {shift} working days: {item.key} forecast "
                f"{format_de(before.finish)} → {format_de(after.finish)}{late}."
            )
    out.append("")
    if not w.moved:
        out.append("No forecast moves.")
    else:
        n = len(w.moved)
        out.append(f"{n} item{'s move' if n != 1 else ' moves'}:")
        rows = [
            [
                m.item.key,
                clip(m.item.title, 40),
                due_text(m.item),
                format_de(m.before.finish),
                format_de(m.after.finish),
                f"+{m.working_days} wd" if m.before.finish else "dated now",
                slip_text(m.after) + (" (new)" if m.item.key in w.newly_at_risk else ""),
            ]
            for m in w.moved
        ]
        headers = ["KEY", "TITLE", "DUE", "FORECAST", "WHAT-IF", "MOVES", "LATE"]
        out += ["  " + ln for ln in table(headers, rows, frozenset({5})).splitlines()]
    if w.newly_at_risk:
        out += ["", f"Newly at risk: {', '.join(w.newly_at_risk)}."]
    return "\n".join(out) + "\n"


def whatif_json(w: WhatIf, clock: Clock) -> str:
    go_live = None
    if w.go_live is not None:
        item, before, after = w.go_live
        go_live = {
            **item_json(item, clock),
            "forecast_before": iso(before.finish),
            "forecast_after": iso(after.finish),
            "holds": before.finish == after.finish,
            "at_risk_after": after.at_risk,
            "slip_working_days_after": after.slip,
        }
    return dumps(
        {
            "today": clock.today.isoformat(),
            "key": w.item.key,
            "change": {"due": iso(w.change.due), "slip_working_days": w.change.slip},
            "go_live": go_live,
            "moved": [
                {
                    **item_json(m.item, clock),
                    "forecast_before": iso(m.before.finish),
                    "forecast_after": iso(m.after.finish),
                    "moved_working_days": m.working_days,
                    "at_risk_after": m.after.at_risk,
                    "slip_working_days_after": m.after.slip,
                }
                for m in w.moved
            ],
            "newly_at_risk": w.newly_at_risk,
        }
    )


# --- baselines -------------------------------------------------------------------


def baselines_text(saved: Sequence[BaselineRow]) -> str:
    rows = [["initial", "", "", "", "the first agreed due dates (always there)"]]
    rows += [[b.name, format_de(b.day), b.actor, str(b.items), ""] for b in saved]
    return table(["NAME", "SAVED ON", "BY", "ITEMS", ""], rows, frozenset({3}))


def baselines_json(saved: Sequence[BaselineRow]) -> str:
    return dumps(
        {
            "baselines": [
                {
                    "name": b.name,
                    "day": b.day.isoformat(),
                    "saved_at": b.saved_at.isoformat() if b.saved_at else None,
                    "actor": b.actor,
                    "items": b.items,
                }
                for b in saved
            ]
        }
    )


def baseline_diff_text(d: BaselineDiff, clock: Clock, show_all: bool) -> str:
    if d.baseline is None:
        head = "Against the first agreed due dates (baseline initial)"
    else:
        b = d.baseline
        head = f"Against baseline {b.name}, saved on {format_de(b.day)} by {b.actor}"
    changed = [ln for ln in d.lines if ln.then is None or ln.slip or _due_changed(ln)]
    added = sum(1 for ln in d.lines if ln.then is None)
    moved = len(changed) - added
    later = sum(1 for ln in changed if ln.slip and ln.slip > 0)
    out = [
        f"{head}: {moved} due date{'s' if moved != 1 else ''} changed "
        f"({later} later), {added} item{'s' if added != 1 else ''} added since.",
        "",
    ]
    shown = d.lines if show_all else changed
    if not shown:
        out.append("Every due date is as in the baseline.")
        return "\n".join(out) + "\n"
    rows = [
        [
            ln.item.key,
            clip(ln.item.title, 40),
            "new" if ln.then is None else format_de(ln.then.due),
            due_text(ln.item),
            "" if ln.slip is None else f"{ln.slip:+d} wd",
            format_de(ln.forecast.finish) if ln.item.state.is_open else "",
            _state_change(ln, clock),
        ]
        for ln in shown
    ]
    headers = ["KEY", "TITLE", "DUE THEN", "DUE NOW", "SLIP", "FORECAST", "STATE"]
    out.append(table(headers, rows, frozenset({4})).rstrip("\n"))
    return "\n".join(out) + "\n"


def _due_changed(ln: Any) -> bool:
    return ln.then is not None and ln.then.due != ln.item.due


def _state_change(ln: Any, clock: Clock) -> str:
    now = state_text(ln.item, clock)
    if ln.then is None or ln.then.state is None or ln.then.state is ln.item.state:
        return now
    return f"{ln.then.state.label} → {now}"


def baseline_diff_json(d: BaselineDiff, clock: Clock) -> str:
    return dumps(
        {
            "today": clock.today.isoformat(),
            "baseline": d.name,
            "items": [
                {
                    **item_json(ln.item, clock),
                    "in_baseline": ln.then is not None,
                    "due_then": iso(ln.then.due) if ln.then else None,
                    "start_then": iso(ln.then.start) if ln.then else None,
                    "state_then": ln.then.state.value if ln.then and ln.then.state else None,
                    "slip_working_days": ln.slip,
                    "forecast": iso(ln.forecast.finish),
                }
                for ln in d.lines
            ],
        }
    )


# --- the working calendar --------------------------------------------------------


def calendar_text(v: CalendarView) -> str:
    out = [
        f"Working days of {v.project.key}: {_calendar_note(v.project)}.",
        f"{format_de(v.first)} to {format_de(v.last)}: {v.working_days} working days.",
        "",
    ]
    if not v.days_off:
        out.append("No public holiday and no closed day in that range.")
        return "\n".join(out) + "\n"
    rows = [
        [f"{d:%a}", format_de(d), kind, what + (" (weekend)" if d.weekday() >= 5 else "")]
        for d, kind, what in v.days_off
    ]
    out.append(table(["", "DATE", "", "WHAT"], rows).rstrip("\n"))
    return "\n".join(out) + "\n"


def calendar_json(v: CalendarView) -> str:
    return dumps(
        {
            "project": v.project.key,
            "region": v.project.region,
            "from": v.first.isoformat(),
            "until": v.last.isoformat(),
            "working_days": v.working_days,
            "days_off": [
                {"day": d.isoformat(), "kind": k, "name": n, "weekend": d.weekday() >= 5}
                for d, k, n in v.days_off
            ],
        }
    )
