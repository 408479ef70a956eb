"""The scheduling core on a large project: forecasts, slack and a what-if (issue #5).

The issue's budget: on a graph of 10,000 items and 20,000 dependencies the scheduling
core answers in under 1 s on this machine. This script builds such a graph in memory
(no database: `tracker/schedule.py` is pure) and times, best and median of `--runs`:

- build: `Schedule(...)`, the forecast of every item (graph, order, forward pass);
- slack: `schedule.slack(target)` towards the last milestone, the go-live;
- what-if: a second `Schedule` with `Change(key, slip=5)` on an early critical item.

The total adds up all three, more than any one command computes besides loading:
`tracker critical` builds and takes the slack, `tracker whatif` builds twice.

The graph, from `--seed`: milestones each closing a group of 3–15 tasks, over
03.01.2011–31.12.2013 in plan order; tasks are periods of up to 15 working days (60 %),
points (35 %) or undated (5 %). The dependencies go from earlier to later items only, so
the graph is acyclic. Nearly all respect the plan: the predecessor is due before the
successor starts, lag included, about `GAP` items (some 11 days) earlier on average;
one in a hundred (`NEAR`) is drawn right before the successor regardless of dates, so
some items are at risk, as in a real plan. Lags: 0 for two thirds, else 1–10 working
days. Today is 29.04.2011: about 10 % of the items lie before it; they are done, but a
third of the last three weeks' and a few older ones are still in progress.

    .venv/bin/python bench/schedule.py                  # 10,000 items, 20,000 dependencies
    .venv/bin/python bench/schedule.py --items 2000 --deps 4000 --runs 9
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from tracker.holidays_de import WorkingCalendar
from tracker.queries import DependencyRow, ItemRow
from tracker.schedule import Change, Schedule
from tracker.states import Kind, State

FIRST = date(2011, 1, 3)
LAST = date(2013, 12, 31)
TODAY = date(2011, 4, 29)
BUDGET = 1.0  # seconds
GAP = 100  # positions, mean: how long before its successor a predecessor is due
NEAR = 0.01  # dependencies drawn without looking at the dates
WORKSTREAMS = ("BA", "IT", "HR", "MIG", "TRAIN", "COM")
CLOSED = (date(2011, 6, 3), date(2011, 12, 30), date(2012, 5, 18), date(2012, 12, 27))


def build_graph(
    n_items: int, n_deps: int, rng: random.Random
) -> tuple[list[ItemRow], list[DependencyRow]]:
    """Items in plan order and dependencies between them, earlier to later only."""
    span = (LAST - FIRST).days
    items: list[ItemRow] = []
    begins: list[date] = []  # when each item starts (a point: its due date)
    ends: list[date] = []  # when each item is due (undated: its place in the plan)
    group: list[int] = []  # tasks of the milestone to come
    size = rng.randint(3, 15)
    for p in range(n_items):
        nominal = FIRST + timedelta(days=span * p // n_items + rng.randint(0, 3))
        ws = WORKSTREAMS[p % len(WORKSTREAMS)]
        last = p == n_items - 1
        is_milestone = last or len(group) >= size
        key = "GO-LIVE" if last else f"{ws}-{p:05d}"
        start: date | None = None
        due: date | None = nominal
        if is_milestone:
            due = nominal + timedelta(days=rng.randint(1, 5))
        else:
            shape = rng.random()
            if shape < 0.60:
                start = nominal - timedelta(days=rng.randint(0, 20))
            elif shape >= 0.95:
                due = None
        state, done_on = State.PLANNED, None
        if rng.random() < 0.01 and not last:
            state = State.CANCELLED
        elif nominal < TODAY:
            # Done, most of them; of the last three weeks' a third is still open.
            recent = nominal >= TODAY - timedelta(days=21)
            if rng.random() < (0.65 if recent else 0.995):
                state = State.DONE
                done_on = min(TODAY - timedelta(days=1), nominal + timedelta(rng.randint(-3, 3)))
            else:
                state = State.IN_PROGRESS
        elif start is not None and start <= TODAY:
            state = State.IN_PROGRESS
        items.append(
            ItemRow(
                id=p + 1,
                key=key,
                kind=Kind.MILESTONE if is_milestone else Kind.TASK,
                title=f"item {p}",
                workstream=ws,
                owner=None,
                start=start,
                due=due,
                due_derived=False,
                state=state,
                done_on=done_on,
                milestone=None,
            )
        )
        begins.append(start or nominal)
        ends.append(due or nominal)
        if is_milestone:
            for t in group:
                items[t] = items[t]._replace(milestone=key)
            group, size = [], rng.randint(3, 15)
        else:
            group.append(p)

    deps: dict[tuple[int, int], int] = {}
    ordinals = [e.toordinal() for e in ends]
    tries = 0
    while len(deps) < n_deps:
        tries += 1
        if tries > 50 * n_deps:
            raise SystemExit(f"cannot place {n_deps} dependencies between {n_items} items")
        j = rng.randrange(1, n_items)
        lag = 0 if rng.random() < 2 / 3 else rng.randint(1, 10)
        if rng.random() < NEAR:  # drawn near, regardless of dates
            i = j - 1 - int(rng.expovariate(1 / 20))
        else:  # due before j starts, lag included, and not long before
            latest = (begins[j] - timedelta(days=lag * 7 // 5 + 2)).toordinal()
            below = _count_le(ordinals, latest, j)
            i = below - 1 - int(rng.expovariate(1 / GAP))
        if 0 <= i < j:
            deps.setdefault((i, j), lag)
    dependencies = [
        DependencyRow(items[j].key, items[i].key, lag, False, "") for (i, j), lag in deps.items()
    ]
    rng.shuffle(dependencies)
    return items, dependencies


def _count_le(ordinals: list[int], value: int, below: int) -> int:
    """How many of ordinals[:below] are at most `value` (they almost ascend)."""
    lo, hi = 0, below
    while lo < hi:
        mid = (lo + hi) // 2
        if ordinals[mid] <= value:
            lo = mid + 1
        else:
            hi = mid
    return lo


def timed(runs: int, work: Callable[[], object]) -> tuple[float, float]:
    """Best and median wall time of `runs` calls, in seconds."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--deps", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2011)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    items, deps = build_graph(args.items, args.deps, rng)
    calendar = WorkingCalendar("DE-BW", CLOSED)

    def build() -> Schedule:
        return Schedule(items, deps, calendar, TODAY)

    schedule = build()
    target = "GO-LIVE"
    slack = schedule.slack(target)
    critical = [k for k in schedule.order if slack.get(k) == 0 and k != target]
    pick = critical[0] if critical else target
    change = Change(pick, slip=5)
    whatif = Schedule(items, deps, calendar, TODAY, change)
    moved = sum(1 for k, f in whatif.forecasts.items() if f.finish != schedule.forecasts[k].finish)

    rows = [
        ("build: forecast of every item", timed(args.runs, build)),
        (f"slack towards {target}", timed(args.runs, lambda: schedule.slack(target))),
        (
            f"what-if: {pick} slips 5 days",
            timed(args.runs, lambda: Schedule(items, deps, calendar, TODAY, change)),
        ),
    ]
    total_best = sum(best for _, (best, _) in rows)
    total_median = sum(median for _, (_, median) in rows)

    finishes = [f.finish for f in schedule.forecasts.values() if f.finish is not None]
    states = [i.state for i in items]
    implicit = sum(1 for i in items if i.milestone)
    print(
        f"graph: {len(items):,} items ({sum(i.kind is Kind.MILESTONE for i in items):,} "
        f"milestones), {len(deps):,} dependencies + {implicit:,} task → milestone; "
        f"seed {args.seed}"
    )
    print(
        f"       {states.count(State.DONE) / len(items):.0%} done, "
        f"{states.count(State.CANCELLED) / len(items):.0%} cancelled, "
        f"{len(schedule.at_risk()):,} at risk; today {TODAY:%d.%m.%Y}, latest forecast "
        f"{max(finishes):%d.%m.%Y}; {target}: {len(slack):,} items with slack, "
        f"{len(critical) + 1:,} critical; the what-if moves {moved:,} items"
    )
    print(
        f"machine: {platform.platform()}, {cpu_model()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )
    print()
    width = max(len(name) for name, _ in rows) + 2
    print(f"{'':{width}}{'best':>10}{'median':>10}   ({args.runs} runs)")
    for name, (best, median) in rows:
        print(f"{name:{width}}{best * 1000:>8.0f} ms{median * 1000:>7.0f} ms")
    print(f"{'total':{width}}{total_best * 1000:>8.0f} ms{total_median * 1000:>7.0f} ms")
    verdict = "within" if total_median < BUDGET else "OVER"
    print(f"\n{verdict} the budget of {BUDGET:.0f} s (total of the medians)")


if __name__ == "__main__":
    main()
