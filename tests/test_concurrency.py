"""Several leads writing at the same moment lose nothing (field notes §4, §5).

Each test starts eight processes that wait at a barrier and then write at once,
through the same core functions the CLI uses.
"""

from __future__ import annotations

import multiprocessing as mp
from datetime import date
from typing import Any

import pytest

from tracker import actions, db, plan, queries
from tracker.errors import TrackerError
from tracker.states import State

WORKERS = 8
TODAY = date(2011, 9, 20)

pytestmark = pytest.mark.slow


def _mark_done(url: str, barrier: Any, results: Any, n: int) -> None:
    barrier.wait()
    try:
        with db.writer(url) as run:
            project = queries.find_project(run, "")
            who = actions.Who(f"lead-{n}", TODAY)
            actions.change_state(run, project, who, "TRAIN-BASIS", State.DONE)
        results.put("ok")
    except TrackerError as exc:
        results.put(str(exc))


def _add_many(url: str, barrier: Any, results: Any, n: int) -> None:
    barrier.wait()
    keys = []
    for i in range(10):
        with db.writer(url) as run:
            project = queries.find_project(run, "")
            change = actions.add_item(
                run, project, actions.Who(f"lead-{n}", TODAY), title=f"Task {n}-{i}",
                milestone="MIG-PREP",
            )  # fmt: skip
            keys.append(change.key)
    results.put(keys)


def _run_all(target: Any, url: str) -> list[Any]:
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(WORKERS), ctx.Queue()
    procs = [ctx.Process(target=target, args=(url, barrier, results, n)) for n in range(WORKERS)]
    for p in procs:
        p.start()
    out = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return out


@pytest.fixture
def plan_url(db_url: str) -> str:
    plan.install(db_url, plan.read("stuttgart-2012"), "test-lead", TODAY)
    return db_url


def test_eight_leads_marking_one_item_done_at_once_make_one_change(plan_url: str) -> None:
    outcomes = _run_all(_mark_done, plan_url)
    assert outcomes.count("ok") == 1
    assert sorted(set(outcomes) - {"ok"}) == ["TRAIN-BASIS is already done on 20.09.2011"]
    with db.reader(plan_url) as run:
        project = queries.find_project(run, "")
        item = queries.find_item(run, project, "TRAIN-BASIS")
        events = queries.history(run, project, item=item)
    state_events = [e for e in events if e.field == "state"]
    assert len(state_events) == 1
    assert (item.state, item.done_on) == (State.DONE, TODAY)


def test_eight_leads_adding_tasks_at_once_get_distinct_keys_and_lose_none(plan_url: str) -> None:
    keys = [k for batch in _run_all(_add_many, plan_url) for k in batch]
    assert len(keys) == len(set(keys)) == WORKERS * 10
    with db.reader(plan_url) as run:
        project = queries.find_project(run, "")
        tasks = queries.item_detail(run, project, "MIG-PREP").tasks
    assert sorted(t.key for t in tasks) == sorted(keys)
    assert {t.key for t in tasks} == {f"MIG-PREP.{i}" for i in range(1, WORKERS * 10 + 1)}
