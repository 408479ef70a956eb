"""The scheduling core (tracker/schedule.py) on items built in memory, no database.

The hand-checked cases count working days on the Baden-Württemberg calendar of
2011–2012; each says how its dates come about. Holidays met here: Mon 03.10.2011,
Tue 01.11.2011, Mon 26.12.2011 (Sun 25.12.), Fri 06.01.2012, Fri 06.04.2012 and
Mon 09.04.2012 (Easter), Tue 25.12. and Wed 26.12.2012; Christmas Eve and New Year's
Eve are working days. "The n-th working day after d" never counts d itself.

The properties run on random acyclic graphs: the forecast keeps every dependency, and
slack means what the module docstring says, checked with what-ifs rather than with a
second implementation of the backward pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.errors import BadInput
from tracker.holidays_de import WorkingCalendar
from tracker.queries import DependencyRow, ItemRow
from tracker.schedule import Change, Cycle, Schedule, Workdays, graph, topological_order
from tracker.states import Kind, State

TODAY = "20.09.2011"  # a Tuesday, the day of the statement


def d(text: str) -> date:
    """A date written DD.MM.YYYY, as the tracker prints it."""
    day, month, year = text.split(".")
    return date(int(year), int(month), int(day))


def item(
    key: str,
    *,
    start: str | date | None = None,
    due: str | date | None = None,
    state: State = State.PLANNED,
    done_on: str | date | None = None,
    milestone: str | None = None,
) -> ItemRow:
    """An item: a period with start and due, a point with due only, else undated.

    A task when it names its milestone, else a milestone.
    """

    def as_day(value: str | date | None) -> date | None:
        return d(value) if isinstance(value, str) else value

    return ItemRow(
        id=0,
        key=key,
        kind=Kind.TASK if milestone else Kind.MILESTONE,
        title=key.lower(),
        workstream="WS",
        owner=None,
        start=as_day(start),
        due=as_day(due),
        due_derived=False,
        state=state,
        done_on=as_day(done_on),
        milestone=milestone,
    )


def dep(predecessor: str, successor: str, lag: int = 0) -> DependencyRow:
    """predecessor → successor with `lag` working days."""
    return DependencyRow(successor, predecessor, lag, False, "")


def schedule(
    items: Iterable[ItemRow],
    dependencies: Iterable[DependencyRow] = (),
    *,
    today: str = TODAY,
    closed: Sequence[str] = (),
    change: Change | None = None,
) -> Schedule:
    calendar = WorkingCalendar("DE-BW", [d(c) for c in closed])
    return Schedule(items, dependencies, calendar, d(today), change=change)


# --- a chain A → B → C, with D beside it -------------------------------------------

# A: period Mon 26.09.–Fri 30.09.2011, 5 working days, starts as planned.
# B: period Mon 03.10.–Fri 07.10.2011; 03.10. is a holiday, so 4 working days (Tue–Fri).
#    A → B with lag 2: B starts on the 3rd working day after Fri 30.09.: Tue 04. (1),
#    Wed 05. (2), Thu 06.10. (3); 4 days Thu 06., Fri 07., Mon 10., Tue 11.10.
#    Due Fri 07.10.: slip 2 working days (Mon 10., Tue 11.), 4 calendar days.
# C: a point (deadline) due Mon 10.10.2011. B → C with lag 1: C finishes no earlier than
#    the 1st working day after Tue 11.10., Wed 12.10. Slip 2 (Tue 11., Wed 12.), 2 days.
# D: period Mon 26.09.–Tue 27.09.2011, D → C with lag 0: C no earlier than Tue 27.09.,
#    which does not bind. Slack of D towards C: the working days in (27.09., 12.10.]:
#    28., 29., 30.09., 04.–07.10. (03.10. holiday), 10.–12.10. = 10.
CHAIN = [
    item("A", start="26.09.2011", due="30.09.2011"),
    item("B", start="03.10.2011", due="07.10.2011"),
    item("C", due="10.10.2011"),
    item("D", start="26.09.2011", due="27.09.2011"),
]
CHAIN_DEPS = [dep("A", "B", 2), dep("B", "C", 1), dep("D", "C")]


def test_a_chain_forecasts_each_item_after_its_predecessor() -> None:
    s = schedule(CHAIN, CHAIN_DEPS)
    a, b, c, d_ = (s.forecasts[k] for k in "ABCD")
    assert (a.start, a.finish, a.reason, a.at_risk) == (
        d("26.09.2011"),
        d("30.09.2011"),
        "dates",
        False,
    )
    assert s.duration(s.items["B"]) == 4
    assert (b.start, b.finish, b.reason, b.driver) == (
        d("06.10.2011"),
        d("11.10.2011"),
        "predecessor",
        "A",
    )
    assert (b.at_risk, b.slip, b.slip_days) == (True, 2, 4)
    assert (c.start, c.finish, c.reason, c.driver) == (None, d("12.10.2011"), "predecessor", "B")
    assert (c.at_risk, c.slip, c.slip_days) == (True, 2, 2)
    assert (d_.finish, d_.at_risk) == (d("27.09.2011"), False)
    # Largest slip first; equal slips by calendar days.
    assert [f.key for f in s.at_risk()] == ["B", "C"]


def test_a_chain_has_its_critical_path_and_slack() -> None:
    # B → C: 1 + 0 of C's duration = exactly the gap Tue 11. → Wed 12.10.: slack 0.
    # A → B: B's finish Tue 11.10. is 6 working days after Fri 30.09. (04.–07., 10., 11.),
    # lag 2 + B's 4 days = 6: slack 0. D: 10 (see above).
    s = schedule(CHAIN, CHAIN_DEPS)
    assert s.slack("C") == {"A": 0, "B": 0, "C": 0, "D": 10}
    assert s.ancestors("C") == {"A", "B", "D"}
    # Towards B only A counts; D is no ancestor of B.
    assert s.slack("B") == {"A": 0, "B": 0}


def test_slipping_the_chain_within_and_beyond_the_slack() -> None:
    # D slips 10 working days to Wed 12.10.: C stays on Wed 12.10.; 11 days: Thu 13.10.
    within = schedule(CHAIN, CHAIN_DEPS, change=Change("D", slip=10))
    assert within.forecasts["D"].finish == d("12.10.2011")
    assert within.forecasts["D"].reason == "whatif"
    assert within.forecasts["C"].finish == d("12.10.2011")
    beyond = schedule(CHAIN, CHAIN_DEPS, change=Change("D", slip=11))
    assert beyond.forecasts["C"].finish == d("13.10.2011")
    assert beyond.forecasts["C"].driver == "D"


def test_a_what_if_slip_moves_the_item_and_its_successors() -> None:
    # A slips 2 working days: Fri 30.09. → Wed 05.10. (Tue 04. = 1, 03.10. a holiday).
    # B starts on the 3rd working day after: Thu 06., Fri 07., Mon 10.10.; 4 days end
    # Thu 13.10. C: the 1st working day after, Fri 14.10.: two days later than before.
    s = schedule(CHAIN, CHAIN_DEPS, change=Change("A", slip=2))
    assert (s.forecasts["A"].finish, s.forecasts["A"].reason) == (d("05.10.2011"), "whatif")
    assert (s.forecasts["B"].start, s.forecasts["B"].finish) == (d("10.10.2011"), d("13.10.2011"))
    assert s.forecasts["C"].finish == d("14.10.2011")
    assert s.forecasts["C"].slip == 4  # from Mon 10.10.: 11., 12., 13., 14.
    assert s.forecasts["D"].finish == d("27.09.2011")


def test_a_what_if_due_date_replaces_the_due_date() -> None:
    # C due Fri 14.10. instead of Mon 10.10.: a point finishes on its due date when no
    # predecessor pushes it later (B allows Wed 12.10.), so on time.
    later = schedule(CHAIN, CHAIN_DEPS, change=Change("C", due=d("14.10.2011")))
    c = later.forecasts["C"]
    assert (c.finish, c.reason, c.due, c.at_risk) == (
        d("14.10.2011"),
        "dates",
        d("14.10.2011"),
        False,
    )
    # C due Mon 03.10. (a holiday): still Wed 12.10., slip Tue 04.–Fri 07., Mon 10.–Wed 12.
    earlier = schedule(CHAIN, CHAIN_DEPS, change=Change("C", due=d("03.10.2011")))
    assert (earlier.forecasts["C"].finish, earlier.forecasts["C"].slip) == (d("12.10.2011"), 7)
    # The input rows stay as they were.
    assert CHAIN[2].due == d("10.10.2011")


# --- lags over weekends, holidays and closed days ---------------------------------


@pytest.mark.parametrize(
    ("before", "lag", "period_start", "point_finish"),
    [
        # Fri 23.09.2011: the next working day is Mon 26.09.; lag 1 one more.
        ("23.09.2011", 0, "26.09.2011", "23.09.2011"),
        ("23.09.2011", 1, "27.09.2011", "26.09.2011"),
        # Fri 30.09.2011, lag 1: Mon 03.10. is a holiday, Tue 04.10. the 1st working day
        # after (the point), Wed 05.10. the 2nd (the period).
        ("30.09.2011", 1, "05.10.2011", "04.10.2011"),
        # Mon 31.10.2011: Tue 01.11. Allerheiligen.
        ("31.10.2011", 0, "02.11.2011", "31.10.2011"),
        # Fri 23.12.2011: weekend, Mon 26.12. holiday.
        ("23.12.2011", 0, "27.12.2011", "23.12.2011"),
        # ... lag 5: Tue 27. (1) to Fri 30.12. (4), weekend, Mon 02.01.2012 (5), Tue (6).
        ("23.12.2011", 5, "03.01.2012", "02.01.2012"),
        # Thu 05.01.2012: Fri 06.01. Heilige Drei Könige.
        ("05.01.2012", 0, "09.01.2012", "05.01.2012"),
        # Wed 04.04.2012, lag 1: Thu 05.04. (1), Karfreitag, weekend, Ostermontag, Tue
        # 10.04. (2).
        ("04.04.2012", 1, "10.04.2012", "05.04.2012"),
        # Christmas Eve and New Year's Eve 2012 (Mondays) are working days.
        ("21.12.2012", 0, "24.12.2012", "21.12.2012"),
        ("24.12.2012", 0, "27.12.2012", "24.12.2012"),
        ("28.12.2012", 0, "31.12.2012", "28.12.2012"),
        # A predecessor finishing on a Saturday: lag 0 for a point is that Saturday.
        ("24.09.2011", 0, "26.09.2011", "24.09.2011"),
        ("24.09.2011", 1, "27.09.2011", "26.09.2011"),
    ],
)
def test_a_lag_counts_working_days_after_the_predecessors_finish(
    before: str, lag: int, period_start: str, point_finish: str
) -> None:
    # A period successor starts on the (lag + 1)-th working day after P's finish; a
    # point finishes no earlier than the lag-th (P's finish itself for lag 0). Their own
    # dates, Wed 21.09.2011 (a one-day period and a point), are earlier and do not bind.
    s = schedule(
        [
            item("P", due=before),
            item("PERIOD", start="21.09.2011", due="21.09.2011"),
            item("POINT", due="21.09.2011"),
        ],
        [dep("P", "PERIOD", lag), dep("P", "POINT", lag)],
    )
    period, point = s.forecasts["PERIOD"], s.forecasts["POINT"]
    assert (period.start, period.finish) == (d(period_start), d(period_start))
    assert (period.reason, period.driver) == ("predecessor", "P")
    assert point.finish == d(point_finish)


def test_a_closed_day_shifts_a_forecast_by_one_working_day() -> None:
    # A: Thu 22.–Fri 23.09.2011. B (one day) starts on the 1st working day after Fri
    # 23.09.: Mon 26.09., or Tue 27.09. when the project closes on Mon 26.09.
    items = [
        item("A", start="22.09.2011", due="23.09.2011"),
        item("B", start="21.09.2011", due="23.09.2011"),
    ]
    open_ = schedule(items, [dep("A", "B")])
    closed = schedule(items, [dep("A", "B")], closed=["26.09.2011"])
    # B lasts Wed 21.–Fri 23.09., 3 days: Mon 26.–Wed 28.09., or Tue 27.–Thu 29.09.
    assert (open_.forecasts["B"].start, open_.forecasts["B"].finish) == (
        d("26.09.2011"),
        d("28.09.2011"),
    )
    assert (closed.forecasts["B"].start, closed.forecasts["B"].finish) == (
        d("27.09.2011"),
        d("29.09.2011"),
    )
    # Slip from Fri 23.09.: 3 working days, or 3 as well when Mon 26.09. is closed
    # (Tue 27., Wed 28., Thu 29.); 5 and 6 calendar days.
    assert (open_.forecasts["B"].slip, open_.forecasts["B"].slip_days) == (3, 5)
    assert (closed.forecasts["B"].slip, closed.forecasts["B"].slip_days) == (3, 6)


def test_a_closed_day_inside_a_period_is_no_working_day_of_it() -> None:
    # Mon 26.–Fri 30.09.2011 with Mon 26.09. closed: 4 days, Tue 27. to Fri 30.09.
    s = schedule([item("A", start="26.09.2011", due="30.09.2011")], closed=["26.09.2011"])
    assert s.duration(s.items["A"]) == 4
    assert (s.forecasts["A"].start, s.forecasts["A"].finish) == (d("27.09.2011"), d("30.09.2011"))


# --- today, done, cancelled and undated ---------------------------------------------


def test_a_planned_period_that_should_have_started_starts_today() -> None:
    # Mon 12.–Fri 16.09.2011, 5 days, not started on Tue 20.09.: Tue 20. to Mon 26.09.;
    # slip from Fri 16.09.: 19.–23., 26.09. = 6 working days, 10 calendar days.
    s = schedule([item("A", start="12.09.2011", due="16.09.2011")])
    a = s.forecasts["A"]
    assert (a.start, a.finish, a.reason) == (d("20.09.2011"), d("26.09.2011"), "today")
    assert (a.at_risk, a.slip, a.slip_days) == (True, 6, 10)


def test_a_planned_period_starts_on_the_first_working_day_from_today() -> None:
    # Today Sat 24.09.2011: two days from Mon 26.09. to Tue 27.09.
    s = schedule([item("A", start="19.09.2011", due="20.09.2011")], today="24.09.2011")
    assert (s.forecasts["A"].start, s.forecasts["A"].finish) == (d("26.09.2011"), d("27.09.2011"))


def test_an_item_in_progress_keeps_its_start_and_overdue_finishes_today() -> None:
    # Started Mon 12.09.: due Fri 23.09. it finishes then (10 days from its real start);
    # due Fri 16.09. it is overdue and finishes today at the earliest, Tue 20.09.
    s = schedule(
        [
            item("ON-TIME", start="12.09.2011", due="23.09.2011", state=State.IN_PROGRESS),
            item("LATE", start="12.09.2011", due="16.09.2011", state=State.IN_PROGRESS),
            item("LATE-POINT", due="15.09.2011"),
        ]
    )
    on_time, late, point = (s.forecasts[k] for k in ("ON-TIME", "LATE", "LATE-POINT"))
    assert (on_time.start, on_time.finish, on_time.reason) == (
        d("12.09.2011"),
        d("23.09.2011"),
        "dates",
    )
    assert (late.start, late.finish, late.reason, late.driver) == (
        d("12.09.2011"),
        d("20.09.2011"),
        "today",
        None,
    )
    assert (late.slip, late.slip_days) == (2, 4)  # Mon 19., Tue 20.09.
    # Due Thu 15.09.: Fri 16., Mon 19., Tue 20.09.
    assert (point.finish, point.reason, point.slip) == (d("20.09.2011"), "today", 3)


def test_a_done_predecessor_constrains_by_its_done_date() -> None:
    # P was due Fri 16.09. and done Mon 19.09.2011. X (due Wed 21.09.) follows with lag
    # 5: Tue 20. (1), Wed 21., Thu 22., Fri 23., Mon 26.09. (5).
    s = schedule(
        [
            item("P", due="16.09.2011", state=State.DONE, done_on="19.09.2011"),
            item("X", due="21.09.2011"),
        ],
        [dep("P", "X", 5)],
    )
    p, x = s.forecasts["P"], s.forecasts["X"]
    # Done late is no risk any more: a closed item has no due date in its forecast.
    assert (p.finish, p.reason, p.due, p.at_risk) == (d("19.09.2011"), "done", None, False)
    assert (x.finish, x.reason, x.driver) == (d("26.09.2011"), "predecessor", "P")
    # A closed item has no slack and does not appear towards X.
    assert s.slack("X") == {"X": 0}
    assert s.slack("P") == {}


def test_a_cancelled_predecessor_constrains_nothing() -> None:
    s = schedule(
        [item("P", due="30.12.2011", state=State.CANCELLED), item("X", due="21.09.2011")],
        [dep("P", "X", 3)],
    )
    assert (s.forecasts["P"].finish, s.forecasts["P"].reason) == (None, "cancelled")
    assert (s.forecasts["X"].finish, s.forecasts["X"].reason) == (d("21.09.2011"), "dates")


def test_an_undated_item_has_a_forecast_only_through_its_predecessors() -> None:
    # U has no date and no predecessor; V has no date but follows P (Fri 30.09.2011)
    # with lag 1: Tue 04.10. (03.10. a holiday); W follows U only.
    s = schedule(
        [item("U"), item("V"), item("W"), item("P", due="30.09.2011")],
        [dep("P", "V", 1), dep("U", "W")],
    )
    assert (s.forecasts["U"].finish, s.forecasts["U"].reason) == (None, "undated")
    assert (s.forecasts["W"].finish, s.forecasts["W"].reason) == (None, "undated")
    assert (s.forecasts["V"].finish, s.forecasts["V"].driver) == (d("04.10.2011"), "P")
    assert s.forecasts["V"].at_risk is False
    assert s.slack("U") == {}
    assert s.slack("V") == {"P": 0, "V": 0}


# --- tasks and their milestone -------------------------------------------------------


def test_a_task_precedes_its_milestone() -> None:
    # Milestone M due Fri 30.09.2011. Its task T1 is due Tue 04.10.: M cannot be reached
    # before, 1 working day late (03.10. a holiday), 4 calendar days. T2 (Wed 28.09.)
    # does not bind; a done task constrains by its done date (Mon 26.09.), an open one
    # without dates not at all.
    items = [
        item("M", due="30.09.2011"),
        item("T1", due="04.10.2011", milestone="M"),
        item("T2", due="28.09.2011", milestone="M"),
        item("T3", state=State.DONE, done_on="19.09.2011", milestone="M"),
        item("T4", milestone="M"),
    ]
    s = schedule(items)
    m = s.forecasts["M"]
    assert (m.finish, m.reason, m.driver) == (d("04.10.2011"), "predecessor", "T1")
    assert (m.at_risk, m.slip, m.slip_days) == (True, 1, 4)
    assert {e.predecessor for e in s.preds["M"] if e.implicit} == {"T1", "T2", "T3", "T4"}
    # T2: 28.09. → 04.10.: 29., 30.09., 04.10. = 3.
    assert s.slack("M") == {"M": 0, "T1": 0, "T2": 3}
    # Done, T1 no longer holds M up.
    done = [
        i._replace(state=State.DONE, done_on=d("29.09.2011")) if i.key == "T1" else i for i in items
    ]
    assert schedule(done).forecasts["M"].finish == d("30.09.2011")
    # A what-if on a task moves the milestone: T1 due Thu 06.10.
    moved = schedule(items, change=Change("T1", due=d("06.10.2011")))
    assert (moved.forecasts["M"].finish, moved.forecasts["M"].slip) == (d("06.10.2011"), 3)


def test_a_task_with_an_explicit_dependency_on_its_milestone_keeps_the_larger_lag() -> None:
    # T (Wed 28.09.2011) → M with lag 2 besides the implicit lag 0: Thu 29. (1), Fri 30.09.
    s = schedule(
        [item("M", due="26.09.2011"), item("T", due="28.09.2011", milestone="M")],
        [dep("T", "M", 2)],
    )
    assert s.forecasts["M"].finish == d("30.09.2011")


# --- cycles --------------------------------------------------------------------------


def test_two_items_that_depend_on_each_other_are_a_cycle() -> None:
    items = [item("A", due="30.09.2011"), item("B", due="30.09.2011")]
    deps = [dep("A", "B"), dep("B", "A")]
    with pytest.raises(Cycle) as raised:
        topological_order(graph(items, deps))
    assert raised.value.keys in (["A", "B", "A"], ["B", "A", "B"])
    with pytest.raises(Cycle) as raised:
        schedule(items, deps)
    assert isinstance(raised.value, BadInput)
    assert raised.value.keys[0] == raised.value.keys[-1]
    assert "A → B → A" in str(raised.value) or "B → A → B" in str(raised.value)


def test_a_dependency_from_a_milestone_to_its_own_task_is_a_cycle() -> None:
    items = [item("M", due="30.09.2011"), item("T", due="28.09.2011", milestone="M")]
    with pytest.raises(Cycle) as raised:
        schedule(items, [dep("M", "T")])
    assert sorted(raised.value.keys) == ["M", "M", "T"]


def test_a_cycle_is_named_in_time_order() -> None:
    # A before B, B before C, C before A; X before A is not on the cycle.
    items = [item(k, due="30.09.2011") for k in "ABCX"]
    deps = [dep("X", "A"), dep("A", "B"), dep("B", "C"), dep("C", "A")]
    with pytest.raises(Cycle) as raised:
        schedule(items, deps)
    cycle = raised.value
    assert cycle.keys[0] == cycle.keys[-1]
    assert " → ".join(cycle.keys) in ("A → B → C → A", "B → C → A → B", "C → A → B → C")
    assert cycle.starting_at("B") == ["B", "C", "A", "B"]
    assert cycle.starting_at("X") == cycle.keys
    assert " → ".join(cycle.keys) in str(cycle)


# --- at risk ---------------------------------------------------------------------------


def test_a_forecast_on_the_weekend_after_a_friday_due_date_is_late_by_no_working_day() -> None:
    # X is due Fri 23.09.2011; its predecessor finishes Sat 24.09. (a point due then), lag
    # 0: X finishes Sat 24.09., a calendar day late but no working day.
    s = schedule(
        [
            item("P", due="24.09.2011"),
            item("X", due="23.09.2011"),
            item("Y", start="21.09.2011", due="22.09.2011"),
            item("Q", due="23.09.2011"),
        ],
        [dep("P", "X"), dep("Q", "Y")],
    )
    x = s.forecasts["X"]
    assert (x.finish, x.at_risk, x.slip, x.slip_days) == (d("24.09.2011"), True, 0, 1)
    # Y (Wed 21.–Thu 22.09.) after Q (Fri 23.09.): Mon 26.–Tue 27.09., slip 3 (Fri, Mon,
    # Tue). A working day of slip ranks before a weekend's.
    assert (s.forecasts["Y"].slip, s.forecasts["Y"].slip_days) == (3, 5)
    assert [f.key for f in s.at_risk()] == ["Y", "X"]


def test_an_item_on_time_is_not_at_risk() -> None:
    s = schedule([item("A", start="26.09.2011", due="30.09.2011"), item("B", due="30.09.2011")])
    assert s.at_risk() == []
    assert all(f.slip == f.slip_days == 0 for f in s.forecasts.values())


# --- Workdays against a walk over the calendar -----------------------------------------

in_2011_2012 = st.dates(min_value=date(2011, 1, 1), max_value=date(2012, 12, 31))
closed_days = st.lists(in_2011_2012, max_size=10)


def walk_add(calendar: WorkingCalendar, day: date, n: int) -> date:
    """The n-th working day after `day`, counted one day at a time; `day` for n = 0."""
    while n > 0:
        day += timedelta(days=1)
        n -= calendar.is_working_day(day)
    return day


@settings(max_examples=200, deadline=None)
@given(in_2011_2012, in_2011_2012, st.integers(0, 30), closed_days)
def test_workdays_count_like_the_calendar(a: date, b: date, n: int, closed: list[date]) -> None:
    calendar = WorkingCalendar("DE-BW", closed)
    days = Workdays(calendar, min(a, b))
    assert days.between(a, b) == calendar.working_days(a, b)
    assert days.add(a, n) == walk_add(calendar, a, n)
    first = a if calendar.is_working_day(a) else walk_add(calendar, a, 1)
    assert days.first_from(a) == first
    walked = sum(calendar.is_working_day(a + timedelta(days=k)) for k in range((b - a).days + 1))
    assert days.through(a, b) == walked


# --- properties on random acyclic graphs ------------------------------------------------

OPEN = (State.PLANNED, State.IN_PROGRESS)
STATES = st.sampled_from(
    [*[State.PLANNED] * 5, *[State.IN_PROGRESS] * 3, State.DONE, State.CANCELLED]
)


@st.composite
def projects(draw: st.DrawFn) -> tuple[list[ItemRow], list[DependencyRow], WorkingCalendar, date]:
    """Items 0..n-1 with dependencies and task → milestone links only from lower to
    higher index, so the graph is acyclic; the keys do not sort like the indexes."""
    n = draw(st.integers(2, 25))
    keys = [f"K{(7 * i) % 29:02d}" for i in range(n)]  # 29 is prime: distinct keys
    items = []
    for i, key in enumerate(keys):
        shape = draw(st.sampled_from(["period", "period", "point", "point", "undated"]))
        state = draw(STATES)
        base = draw(in_2011_2012)
        start = due = None
        if shape == "period":
            start, due = base, base + timedelta(days=draw(st.integers(0, 40)))
        elif shape == "point":
            due = base
        done_on = draw(in_2011_2012) if state is State.DONE else None
        milestone = None
        if i + 1 < n and draw(st.integers(0, 3)) == 0:
            milestone = keys[draw(st.integers(i + 1, n - 1))]
        items.append(
            item(key, start=start, due=due, state=state, done_on=done_on, milestone=milestone)
        )
    edges = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(0, 10)),
            max_size=3 * n,
            unique_by=lambda e: (min(e[0], e[1]), max(e[0], e[1])),
        )
    )
    deps = [dep(keys[min(i, j)], keys[max(i, j)], lag) for i, j, lag in edges if i != j]
    calendar = WorkingCalendar("DE-BW", draw(closed_days))
    return items, deps, calendar, draw(in_2011_2012)


def is_period(calendar: WorkingCalendar, row: ItemRow) -> bool:
    """Start and due with at least one working day from start to due."""
    if row.start is None or row.due is None:
        return False
    span = range((row.due - row.start).days + 1)
    return any(calendar.is_working_day(row.start + timedelta(days=k)) for k in span)


def all_edges(items: list[ItemRow], deps: list[DependencyRow]) -> list[DependencyRow]:
    """The explicit dependencies and each task → its milestone with lag 0."""
    return [*deps, *(dep(i.key, i.milestone) for i in items if i.milestone)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(projects())
def test_no_forecast_breaks_a_dependency(
    project: tuple[list[ItemRow], list[DependencyRow], WorkingCalendar, date],
) -> None:
    items, deps, calendar, today = project
    s = Schedule(items, deps, calendar, today)
    rows = {i.key: i for i in items}
    for e in all_edges(items, deps):
        before, after = s.forecasts[e.predecessor], s.forecasts[e.item]
        if before.finish is None or after.finish is None or rows[e.item].state not in OPEN:
            continue
        if is_period(calendar, rows[e.item]):
            assert after.start is not None
            assert after.start >= s.days.add(before.finish, e.lag + 1)
        else:
            assert after.finish >= s.days.add(before.finish, e.lag)
    for key, f in s.forecasts.items():
        row = rows[key]
        if row.state not in OPEN:
            assert f.finish == (row.done_on if row.state is State.DONE else None)
            continue
        if f.finish is not None:
            assert f.finish >= today
            period = is_period(calendar, row)
            if period and f.reason != "today":
                # A period lasts its working days from its forecast start.
                assert f.start is not None
                assert f.finish == s.days.add(f.start, s.duration(row) - 1)
            # Never later than needed: what sets it is the bound it sits on.
            if f.reason == "dates" and period:
                assert row.start is not None
                assert f.start == s.days.first_from(row.start)
            elif f.reason == "dates":
                assert f.finish == row.due
            elif f.reason == "predecessor":
                driver = s.forecasts[f.driver or ""].finish
                assert driver is not None
                bounds = [
                    s.days.add(driver, e.lag + period)
                    for e in all_edges(items, deps)
                    if e.item == key and e.predecessor == f.driver
                ]
                assert (f.start if period else f.finish) in bounds
            elif f.reason == "today":
                assert f.finish == today or f.start == s.days.first_from(today)
        else:
            # No date, and nothing dated before it.
            assert row.due is None
            assert all(
                s.forecasts[e.predecessor].finish is None
                for e in all_edges(items, deps)
                if e.item == key
            )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(projects(), st.data())
def test_a_cycle_is_named_by_its_dependencies_in_time_order(
    project: tuple[list[ItemRow], list[DependencyRow], WorkingCalendar, date],
    data: st.DataObject,
) -> None:
    # One dependency back from a later item to an earlier one, and one forward between
    # them, close a cycle in the otherwise acyclic graph.
    items, deps, calendar, today = project
    first, last = sorted(
        data.draw(
            st.lists(st.sampled_from(items), min_size=2, max_size=2, unique_by=lambda i: i.key)
        ),
        key=items.index,
    )
    deps = [*deps, dep(first.key, last.key, 1), dep(last.key, first.key, 2)]
    with pytest.raises(Cycle) as raised:
        Schedule(items, deps, calendar, today)
    keys = raised.value.keys
    edges = {(e.predecessor, e.item) for e in all_edges(items, deps)}
    assert keys[0] == keys[-1]
    assert len(set(keys)) == len(keys) - 1
    assert all((a, b) in edges for a, b in pairwise(keys))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(projects(), st.data())
def test_slack_is_how_far_an_item_can_slip_without_moving_the_target(
    project: tuple[list[ItemRow], list[DependencyRow], WorkingCalendar, date],
    data: st.DataObject,
) -> None:
    items, deps, calendar, today = project
    s = Schedule(items, deps, calendar, today)
    targets = [i.key for i in items if i.state in OPEN and s.forecasts[i.key].finish is not None]
    if not targets:
        return
    # The later items, which have more before them.
    target = data.draw(st.sampled_from(targets[len(targets) // 2 :]), label="target")
    old = s.forecasts[target].finish
    assert old is not None
    slack = s.slack(target)
    assert slack[target] == 0

    def finish_if(key: str, slip: int) -> date:
        new = (
            Schedule(items, deps, calendar, today, Change(key, slip=slip)).forecasts[target].finish
        )
        assert new is not None
        return new

    for key, room in slack.items():
        assert room >= 0
        if room > 0:
            assert finish_if(key, room) == old, (key, room)
        moved = finish_if(key, room + 1)
        assert s.days.index(moved) - s.days.index(old) == 1, (key, room)
    # Every other open item with a forecast can slip without moving the target at all.
    for key in targets:
        if key not in slack:
            assert finish_if(key, 1) == old, key
            assert finish_if(key, 30) == old, key
