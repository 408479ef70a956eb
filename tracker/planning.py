"""Schedule questions a project lead asks, answered from the database.

What threatens go-live and by how much (`forecast`, `critical`), what happens if an
item slips (`whatif`), how far the dates moved since a baseline (`baseline_diff`).
The rules of the schedule live in `schedule.py`; this module loads its inputs in one
read and shapes the answers for the CLI, `status` and the weekly report.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from typing import NamedTuple

from tracker.dates import format_de
from tracker.db import Runner
from tracker.errors import BadDate, BadInput, InvalidTransition, NotFound
from tracker.overview import calendar_of
from tracker.queries import (
    BaselineDates,
    BaselineRow,
    DependencyRow,
    ItemRow,
    ListFilter,
    ProjectRow,
    baseline_dates,
    dependencies,
    due_baselines,
    find_baseline,
    list_items,
    normalize_key,
)
from tracker.schedule import Change, Forecast, Schedule, default_target

INITIAL = "initial"  # the implicit baseline: the first agreed due dates


def load(
    run: Runner,
    project: ProjectRow,
    today: date,
    change: Change | None = None,
    items: Iterable[ItemRow] | None = None,
    deps: Iterable[DependencyRow] | None = None,
) -> Schedule:
    """The project's schedule as of `today` (optionally with a what-if change).

    `items` and `deps` replace the stored ones, e.g. the items as a past week saw them.
    """
    if items is None:
        items = list_items(run, project, ListFilter(include_closed=True))
    if deps is None:
        deps = dependencies(run, project)
    return Schedule(items, deps, calendar_of(project), today, change)


class Planned(NamedTuple):
    """An item with its forecast."""

    item: ItemRow
    forecast: Forecast


# The item a forecast is measured against (default: the go-live milestone).
Target = Planned


def target_of(schedule: Schedule, project: ProjectRow, key: str | None) -> Target:
    """The named item, or the milestone due on the project's go-live date."""
    if key:
        wanted = normalize_key(key)
        if wanted not in schedule.items:
            raise NotFound(f"no item with key {key!r} (see `tracker list --all`)")
        item = schedule.items[wanted]
    else:
        found = default_target(schedule.items.values(), project.go_live)
        if found is None:
            raise NotFound(
                f"no milestone is due on the go-live {format_de(project.go_live)}: "
                "name the target, e.g. `tracker critical KEY`"
            )
        item = found
    return Target(item, schedule.forecasts[item.key])


def go_live(schedule: Schedule, project: ProjectRow) -> Target | None:
    """The go-live milestone and its forecast, if the plan has one."""
    item = default_target(schedule.items.values(), project.go_live)
    return None if item is None else Target(item, schedule.forecasts[item.key])


class Outlook(NamedTuple):
    """What `status` and the weekly report show of the schedule."""

    at_risk: list[Planned]  # the largest slips first; at most the `limit` asked for
    at_risk_count: int  # all the items at risk
    go_live: Target | None
    problem: str | None  # why there is no forecast (the schedule leaves the calendar)
    watched: dict[int, Forecast]  # the forecasts of the `watch` items at risk, by item id


def outlook(
    run: Runner,
    project: ProjectRow,
    today: date,
    items: Iterable[ItemRow] | None = None,
    deps: Iterable[DependencyRow] | None = None,
    limit: int | None = None,
    watch: Collection[int] = (),
) -> Outlook:
    """The items at risk (the `limit` largest slips, all when None) and the go-live
    forecast; none, with the reason, when a date so late that the schedule runs past
    the calendar makes a forecast impossible. Of the items `watch` names (ids), those
    at risk whether among the `limit` or not: what the report's timeline marks.

    Of the stored items and dependencies, the outlook is kept per day until the next
    change, and after a change only what it can move is computed again
    (forecast_cache.py); given `items` or `deps`, it is computed each time.
    """
    from tracker import forecast_cache

    stored = items is None and deps is None
    if stored:
        stamp = forecast_cache.last_event(run, project)
        cached = forecast_cache.lookup(run, project, today, stamp, limit, watch)
        if cached is None:
            cached = forecast_cache.update(run, project, today, stamp, limit, watch)
        if cached is not None:
            return cached
    finishes = None
    try:
        schedule = load(run, project, today, items=items, deps=deps)
    except BadDate as exc:
        whole = Outlook([], 0, None, str(exc), {})
    else:
        risky = at_risk(schedule)
        whole = Outlook(risky, len(risky), go_live(schedule, project), None, {})
        if stored:
            finishes = forecast_cache.ordinals(
                {schedule.items[k].id: f.finish for k, f in schedule.forecasts.items()}
            )
        del schedule  # before the store packs the finishes (100,000 items: 152 -> 143 MB)
    if stored:
        forecast_cache.remember(run, project, today, stamp, whole, finishes)
    wanted = set(watch)
    watched = {p.item.id: p.forecast for p in whole.at_risk if p.item.id in wanted}
    return whole._replace(at_risk=whole.at_risk[:limit], watched=watched)


def at_risk(schedule: Schedule) -> list[Planned]:
    """Open items forecast after their due date, the largest slip first."""
    return [Planned(schedule.items[f.key], f) for f in schedule.at_risk()]


class ForecastView(NamedTuple):
    """`tracker forecast`: every open item with its forecast, soonest first."""

    project: ProjectRow
    items: list[Planned]
    go_live: Target | None


def forecast(run: Runner, project: ProjectRow, today: date, at_risk_only: bool) -> ForecastView:
    """Open items with their forecast finish (undated ones without one left out)."""
    schedule = load(run, project, today)
    rows = [
        Planned(schedule.items[k], f)
        for k, f in schedule.forecasts.items()
        if schedule.items[k].state.is_open
        and f.finish is not None
        and (f.at_risk or not at_risk_only)
    ]
    rows.sort(key=lambda p: (p.forecast.finish or date.max, p.item.key))
    return ForecastView(project, rows, go_live(schedule, project))


class OnPath(NamedTuple):
    item: ItemRow
    forecast: Forecast
    slack: int  # working days


class CriticalPath(NamedTuple):
    """`tracker critical`: what decides the target's date, and how much room the rest has."""

    project: ProjectRow
    target: Target
    path: list[OnPath]  # slack 0, in time order; the target last
    others: list[OnPath]  # the other open items before the target, least slack first
    undated: list[ItemRow]  # open items before the target that have no date to forecast


def critical(run: Runner, project: ProjectRow, today: date, key: str | None) -> CriticalPath:
    """The critical path to `key` (default: go-live) with every predecessor's slack."""
    schedule = load(run, project, today)
    target = target_of(schedule, project, key)
    if not target.item.state.is_open:
        raise InvalidTransition(
            f"{target.item.key} is {target.item.state.label}: nothing left to forecast"
        )
    if target.forecast.finish is None:
        raise BadInput(
            f"{target.item.key} has no due date and nothing dated before it: "
            f"give it one (`tracker edit {target.item.key} --due DATE`)"
        )
    slack = schedule.slack(target.item.key)
    position = {k: n for n, k in enumerate(schedule.order)}
    rows = [OnPath(schedule.items[k], schedule.forecasts[k], s) for k, s in slack.items()]
    path = sorted(
        (r for r in rows if r.slack == 0),
        key=lambda r: (r.forecast.finish or date.max, position[r.item.key]),
    )
    others = sorted(
        (r for r in rows if r.slack > 0),
        key=lambda r: (r.slack, r.forecast.finish or date.max, r.item.key),
    )
    undated = sorted(
        (
            schedule.items[k]
            for k in schedule.ancestors(target.item.key)
            if schedule.items[k].state.is_open and schedule.forecasts[k].finish is None
        ),
        key=lambda i: i.key,
    )
    return CriticalPath(project, target, path, others, undated)


class Moved(NamedTuple):
    item: ItemRow
    before: Forecast
    after: Forecast
    working_days: int  # how far its forecast finish moves


class WhatIf(NamedTuple):
    """`tracker whatif`: which items move, which become at risk, whether go-live holds."""

    project: ProjectRow
    change: Change
    item: ItemRow
    before: Forecast
    after: Forecast
    moved: list[Moved]  # in the order of their new forecast
    newly_at_risk: list[str]
    go_live: tuple[ItemRow, Forecast, Forecast] | None  # item, before, after


def whatif(
    run: Runner,
    project: ProjectRow,
    today: date,
    key: str,
    *,
    due: date | None = None,
    slip: int = 0,
) -> WhatIf:
    """Recompute the schedule as if `key` were due on `due` or finished `slip` working
    days later than forecast; nothing is written."""
    if (due is None) == (slip == 0):
        raise BadInput("give --due DATE or --slip N (working days), one of them")
    # The what-if differs from the base by the change only: same items, dependencies.
    items = list_items(run, project, ListFilter(include_closed=True))
    deps = dependencies(run, project)
    base = load(run, project, today, items=items, deps=deps)
    item = base.items.get(normalize_key(key))
    if item is None:
        raise NotFound(f"no item with key {key!r} (see `tracker list --all`)")
    if not item.state.is_open:
        raise InvalidTransition(f"{item.key} is {item.state.label}: it cannot slip any more")
    if slip and base.forecasts[item.key].finish is None:
        raise BadInput(
            f"{item.key} has no date to slip from: use --due DATE (or give it a due date)"
        )
    if due is not None and item.start is not None and due < item.start:
        raise BadInput(f"the due date {format_de(due)} is before the start {format_de(item.start)}")
    change = Change(item.key, due, slip)
    after = load(run, project, today, change, items=items, deps=deps)
    position = {k: n for n, k in enumerate(base.order)}
    moved = []
    for k in base.order:
        b, a = base.forecasts[k], after.forecasts[k]
        if b.finish != a.finish:
            shift = after.days.between(b.finish, a.finish) if b.finish and a.finish else 0
            moved.append(Moved(after.items[k], b, a, shift))
    moved.sort(key=lambda m: (m.after.finish or date.max, position[m.item.key]))
    newly = sorted(
        k for k, f in after.forecasts.items() if f.at_risk and not base.forecasts[k].at_risk
    )
    target = default_target(base.items.values(), project.go_live)
    return WhatIf(
        project,
        change,
        after.items[item.key],
        base.forecasts[item.key],
        after.forecasts[item.key],
        moved,
        newly,
        None
        if target is None
        else (target, base.forecasts[target.key], after.forecasts[target.key]),
    )


class BaselineLine(NamedTuple):
    item: ItemRow
    then: BaselineDates | None  # None: added after the baseline
    slip: int | None  # working days from the baseline's due to today's due
    forecast: Forecast


class BaselineDiff(NamedTuple):
    """`tracker baseline diff`: per item, due then and now, and the slip."""

    project: ProjectRow
    baseline: BaselineRow | None  # None: the implicit one, the first agreed dates
    lines: list[BaselineLine]

    @property
    def name(self) -> str:
        return self.baseline.name if self.baseline else INITIAL


def baseline_diff(run: Runner, project: ProjectRow, today: date, name: str | None) -> BaselineDiff:
    """Each item's due date in the baseline against today's, with the slip in working
    days and today's forecast; without a name, against the first agreed dates."""
    schedule = load(run, project, today)
    saved: BaselineRow | None = None
    if name and name.strip().lower() != INITIAL:
        saved = find_baseline(run, project, name)
        then = baseline_dates(run, project, saved.name)
    else:
        then = {k: BaselineDates(None, d, None) for k, d in due_baselines(run, project).items()}
    calendar = schedule.days.calendar
    lines = []
    for item in sorted(schedule.items.values(), key=lambda i: (i.due or date.max, i.key)):
        old = then.get(item.key)
        slip = None
        if old is not None and old.due is not None and item.due is not None:
            slip = calendar.working_days(old.due, item.due)
        lines.append(BaselineLine(item, old, slip, schedule.forecasts[item.key]))
    return BaselineDiff(project, saved, lines)
