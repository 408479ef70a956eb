"""The stored outlook (go-live forecast, items at risk) of `status` and the report.

What a lead would notice if the cache were wrong: a status that still shows the
forecast of before a change. So every test compares the status after a change with
the outlook computed from scratch, and checks that the cache is used at all (a cache
that is never read is a slow status, not a wrong one, but it is what it is for).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cli_write import ok

from tracker import db, forecast_cache, planning, queries
from tracker.planning import Outlook

TODAY = date(2011, 9, 20)


def _url() -> str:
    import os

    return os.environ["TRACKER_DATABASE_URL"]


def stored_outlook(
    today: date = TODAY, limit: int | None = None, watch: tuple[int, ...] = ()
) -> Outlook:
    """The outlook as status gets it: from the store when it is current."""
    with db.reader(_url()) as run:
        project = queries.find_project(run, "")
        return planning.outlook(run, project, today, limit=limit, watch=watch)


def fresh_outlook(today: date = TODAY) -> Outlook:
    """The outlook computed from scratch (items given: the store is bypassed)."""
    with db.reader(_url()) as run:
        project = queries.find_project(run, "")
        items = queries.list_items(run, project, queries.ListFilter(include_closed=True))
        return planning.outlook(run, project, today, items=items)


def stamps() -> list[tuple[str, int]]:
    with db.reader(_url()) as run:
        rows = run("SELECT as_of, last_event_id FROM forecast_stamp ORDER BY as_of")
    return [(str(r[0]), int(r[1])) for r in rows]


@pytest.fixture(autouse=True)
def _store_any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Stuttgart plan's 23 items are far below the size worth a stored outlook."""
    monkeypatch.setattr(forecast_cache, "MIN_ITEMS", 0)


@pytest.fixture
def no_schedule(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Makes computing a schedule fail: what still works came from the store."""

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the schedule was computed, not read from the store")

    def arm() -> None:
        monkeypatch.setattr(planning, "load", refuse)

    return arm


def test_status_stores_the_outlook_once_and_then_reads_it(tracker, no_schedule):
    ok(tracker("edit", "SW-INSTALL", "--due", "30.11.2011"))  # TRAIN-VERTIEFUNG at risk
    first = ok(tracker("status"))
    assert "TRAIN-VERTIEFUNG" in first and "+21 wd" in first
    assert len(stamps()) == 1
    fresh = fresh_outlook()
    no_schedule()
    assert ok(tracker("status")) == first
    assert stored_outlook() == fresh


def test_a_note_or_a_new_owner_or_title_keeps_the_stored_outlook(tracker, no_schedule):
    ok(tracker("edit", "SW-INSTALL", "--due", "30.11.2011"))  # TRAIN-VERTIEFUNG at risk
    first = ok(tracker("status"))
    no_schedule()  # from here on, only the store can answer
    ok(tracker("note", "TRAIN-VERTIEFUNG", "Termin mit dem Schulungsträger abgestimmt"))
    ok(tracker("edit", "TRAIN-VERTIEFUNG", "--owner", "Amt 10", "--title", "Vertiefung"))
    again = ok(tracker("status"))
    # The item at risk is shown as it is now, with the forecast that was stored.
    before, after = (
        next(line for line in text.splitlines() if "TRAIN-VERTIEFUNG" in line)
        for text in (first, again)
    )
    assert "Vertiefung " in after and "Vertiefung " not in before and "+21 wd" in after
    assert len(stamps()) == 1


@pytest.mark.parametrize(
    "change",
    [
        ("done", "TRAIN-BASIS"),
        ("edit", "SW-INSTALL", "--due", "30.12.2011"),
        ("depend", "MIG-ALL", "--on", "TRAIN-VERTIEFUNG", "--lag", "40"),
        ("add", "Schnittstelle testen", "--milestone", "MIG-PREP", "--due", "20.12.2011"),
    ],
    ids=["done", "due", "depend", "add"],
)
def test_after_a_change_only_what_it_moves_is_computed_again(tracker, no_schedule, change):
    ok(tracker("edit", "SW-INSTALL", "--due", "30.11.2011"))  # something at risk already
    ok(tracker("status"))
    ok(tracker(*change))
    expected = fresh_outlook()
    no_schedule()  # the whole schedule may not be computed: only the moved part is
    assert stored_outlook() == expected  # brought up to date, then stored
    assert stored_outlook() == expected  # read as stored
    assert stored_outlook(limit=1) == expected._replace(at_risk=expected.at_risk[:1])
    with db.reader(_url()) as run:
        current = forecast_cache.last_event(run, queries.find_project(run, ""))
    assert stamps() == [("2011-09-20", current)]


def test_of_two_predecessors_finishing_together_the_update_names_the_same_driver(tracker):
    ok(tracker("status"))  # stored whole
    ok(tracker("edit", "ORG-LEITUNG", "--due", "15.01.2012"))
    ok(tracker("status"))  # brought up to date
    ok(tracker("edit", "ORG-JC-STRUKTUR", "--due", "15.01.2012"))  # a tie with ORG-LEITUNG
    updated = stored_outlook()
    expected = fresh_outlook()
    assert updated == expected
    structure = next(p.forecast for p in updated.at_risk if p.item.key == "ORG-STRUCTURE")
    assert structure.driver == "ORG-JC-STRUKTUR"  # the first of the two by key


def test_a_closed_day_computes_everything_again(tracker):
    ok(tracker("status"))
    ok(tracker("calendar", "close", "10.10.2011", "--reason", "Betriebsausflug"))
    with db.reader(_url()) as run:
        project = queries.find_project(run, "")
        stamp = forecast_cache.last_event(run, project)
        assert forecast_cache.update(run, project, TODAY, stamp, None) is None
    assert stored_outlook() == fresh_outlook()


def test_a_change_after_the_status_is_in_the_next_status(tracker):
    quiet = ok(tracker("status"))
    assert "nothing at risk" in quiet
    ok(tracker("edit", "SW-INSTALL", "--due", "30.11.2011"))
    risky = ok(tracker("status"))
    assert "TRAIN-VERTIEFUNG" in risky and "+21 wd" in risky
    ok(tracker("edit", "SW-INSTALL", "--due", "31.10.2011"))
    assert ok(tracker("status")) == quiet
    assert len(stamps()) == 1  # the stale outlooks went


def test_each_day_has_its_own_outlook(tracker):
    ok(tracker("status"))
    late = ok(tracker("status", today="15.12.2011"))  # open items finish no earlier than today
    assert [d for d, _ in stamps()] == ["2011-09-20", "2011-12-15"]
    assert stored_outlook(date(2011, 12, 15)) == fresh_outlook(date(2011, 12, 15))
    assert ok(tracker("status", today="15.12.2011")) == late


def test_json_status_all_lists_every_item_at_risk_and_the_table_the_first(tracker):
    # Eight open ORG tasks become late with ORG-STRUCTURE's new date... and more.
    ok(tracker("edit", "SW-INSTALL", "--due", "30.12.2011"))
    ok(tracker("edit", "MIG-PREP", "--due", "15.12.2011"))
    ok(tracker("status"))  # stores the outlook
    whole = json.loads(ok(tracker("status", "--format", "json", "--all")))
    fresh = fresh_outlook()
    assert [r["key"] for r in whole["at_risk"]] == [p.item.key for p in fresh.at_risk]
    assert stored_outlook(limit=1) == fresh._replace(at_risk=fresh.at_risk[:1])


def test_a_status_while_someone_writes_still_answers_and_stores_nothing(sqlite_tracker):
    path = db.sqlite_path(_url())
    assert path is not None
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # someone holds the write lock
        result = sqlite_tracker("status")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert ok(result).startswith("Optionskommune Stuttgart")
    assert stamps() == []
    ok(sqlite_tracker("status"))
    assert len(stamps()) == 1


def test_an_outlook_from_before_a_write_is_not_stored(tracker):
    # A write commits between the read's snapshot and the store: what the read
    # computed is already stale, so it must not be kept under the newer stamp.
    with db.reader(_url()) as run:
        project = queries.find_project(run, "")
        planning.outlook(run, project, TODAY)
        ok(tracker("edit", "SW-INSTALL", "--due", "30.11.2011"))  # a write meanwhile
    assert stamps() == []


def test_a_new_version_of_the_rules_computes_again(tracker, monkeypatch):
    ok(tracker("status"))
    monkeypatch.setattr(forecast_cache, "SCHEDULE_VERSION", forecast_cache.SCHEDULE_VERSION + 1)
    with db.reader(_url()) as run:
        project = queries.find_project(run, "")
        stamp = forecast_cache.last_event(run, project)
        assert forecast_cache.lookup(run, project, TODAY, stamp, None) is None


CHANGES = [
    ("edit", "SW-INSTALL", "--due", "30.11.2011"),
    ("edit", "SW-INSTALL", "--due", "31.10.2011"),
    ("edit", "MIG-PREP", "--due", "20.12.2011"),
    ("done", "SW-INSTALL"),
    ("reopen", "SW-INSTALL"),
    ("done", "TRAIN-BASIS"),
    ("depend", "TRAIN-BASIS", "--on", "SW-INSTALL", "--lag", "5"),
    ("undepend", "TRAIN-VERTIEFUNG", "--on", "SW-INSTALL"),
    ("calendar", "close", "10.10.2011", "--reason", "Betriebsausflug"),
    ("calendar", "open", "10.10.2011"),
    ("cancel", "BEN-AGREEMENT"),
    ("start", "MIG-PREP"),
    ("add", "Schnittstelle testen", "--milestone", "MIG-PREP", "--due", "20.12.2011"),
    ("depend", "GO-LIVE", "--on", "MIG-ALL", "--lag", "3"),
    # Events the schedule does not read: the stored outlook stays, and must stay right.
    ("note", "TRAIN-VERTIEFUNG", "Raum fehlt noch"),
    ("edit", "TRAIN-VERTIEFUNG", "--owner", "Amt 10", "--title", "Vertiefung (neu)"),
    ("edit", "SW-INSTALL", "--workstream", "org", "--description", "Installation"),
]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.sampled_from(CHANGES), min_size=1, max_size=5))
def test_after_any_changes_the_stored_outlook_is_the_computed_one(sqlite_tracker, changes):
    ok(sqlite_tracker("status"))  # stored whole first: later ones are brought up to date
    for change in changes:
        sqlite_tracker(*change)  # some are refused in some orders: that is fine
        computed = stored_outlook()  # brought up to date (or computed whole), then stored
        with db.reader(_url()) as run:
            current = forecast_cache.last_event(run, queries.find_project(run, ""))
        assert stamps() == [("2011-09-20", current)]
        assert stored_outlook() == computed == fresh_outlook(), change
        assert stored_outlook(limit=2) == computed._replace(at_risk=computed.at_risk[:2])


def test_replaying_many_days_keeps_the_newest_outlooks_only(sqlite_tracker):
    days = [f"{d:02d}.10.2011" for d in range(3, 13)]  # ten days, no change between
    for day in days:
        ok(sqlite_tracker("status", today=day))
    kept = [d for d, _ in stamps()]
    assert len(kept) == forecast_cache.KEEP_DAYS
    assert kept[-1] == "2011-10-12"  # the day asked last is among them
    with db.reader(_url()) as run:
        orphans = run(
            "SELECT COUNT(*) FROM forecast_row AS f WHERE NOT EXISTS (SELECT 1 FROM "
            "forecast_stamp AS s WHERE s.project_id = f.project_id AND s.as_of = f.as_of)"
        )
    assert orphans == [(0,)]


def test_watched_items_at_risk_have_their_forecast_beyond_the_limit(tracker):
    # What the report's timeline marks: its milestones at risk, not only the worst.
    ok(tracker("edit", "SW-INSTALL", "--due", "30.12.2011"))
    ok(tracker("edit", "MIG-PREP", "--due", "15.12.2011"))
    fresh = fresh_outlook()
    assert len(fresh.at_risk) >= 3
    risky = {p.item.id: p.forecast for p in fresh.at_risk}
    with db.reader(_url()) as run:
        every = queries.list_items(run, queries.find_project(run, ""), queries.ListFilter())
    on_time = next(i.id for i in every if i.id not in risky)
    watch = (*risky, on_time)
    computed = stored_outlook(limit=1, watch=watch)  # computed, then stored
    assert len(stamps()) == 1
    stored = stored_outlook(limit=1, watch=watch)
    assert computed.watched == stored.watched == risky
    assert len(stored.at_risk) == 1
    # Brought up to date after a change, the watched forecasts are the new ones.
    ok(tracker("edit", "MIG-PREP", "--due", "20.12.2011"))
    risky = {p.item.id: p.forecast for p in fresh_outlook().at_risk}
    updated = stored_outlook(limit=1, watch=watch)
    assert updated.watched == stored_outlook(limit=1, watch=watch).watched == risky


def test_a_small_plan_computes_its_outlook_each_time_and_writes_nothing(tracker, monkeypatch):
    monkeypatch.setattr(forecast_cache, "MIN_ITEMS", 24)  # Stuttgart has 23 items
    ok(tracker("status"))
    assert stamps() == []
    monkeypatch.setattr(forecast_cache, "MIN_ITEMS", 23)
    ok(tracker("status"))
    assert len(stamps()) == 1
