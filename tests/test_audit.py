"""The tamper-evident history: an append-only, hash-chained event log (issue 7).

`tracker history --verify` must say the log is intact after every ordinary command and
after a migration that chains an old log for the first time (the backfill); the
database itself refuses UPDATE and DELETE on the log; and once those triggers are gone
(someone with the owner's rights), an edited, a deleted and two swapped events are each
found, naming the first event that no longer fits. Each test runs on SQLite and on
PostgreSQL and prints what `--verify` said.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tracker import audit, db

INTACT = re.compile(
    r"The history of stuttgart-2012 is intact: (\d+) events, "
    r"each chained to the one before \(last hash ([0-9a-f]{16})…\)\.\n"
)
BROKEN = re.compile(r"tracker: the history is broken at event (\d+) \(.*\(\d+ events before it")


def verified(tracker: Any) -> tuple[int, str]:
    """(events, last hash shown) of a `history --verify` that must pass."""
    result = tracker("history", "--verify")
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    m = INTACT.fullmatch(result.stdout)
    assert m, result.stdout
    print(f"  verify: {result.stdout.strip()}")
    return int(m[1]), m[2]


def broken_at(tracker: Any) -> int:
    """The event id a failing `history --verify` names (exit 1, one line on stderr)."""
    result = tracker("history", "--verify")
    assert (result.exit_code, result.stdout) == (1, ""), result.output
    assert result.stderr.count("\n") == 1, result.stderr
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback
    m = BROKEN.match(result.stderr)
    assert m, result.stderr
    print(f"  verify: {result.stderr.strip()}")
    return int(m[1])


def event_rows(url: str) -> list[tuple[Any, ...]]:
    """Every event as stored (id, actor, kind, field, old, new, hash), in id order."""
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, actor, kind, field, old, new, hash FROM event ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    return [tuple(r) for r in rows]


def execute(url: str, *statements: str, **params: Any) -> None:
    """Run statements in one transaction on the database, as its owner could."""
    engine = db.make_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement), params)
    finally:
        engine.dispose()


def drop_triggers(url: str) -> None:
    if url.startswith("sqlite"):
        execute(url, "DROP TRIGGER event_no_update", "DROP TRIGGER event_no_delete")
    else:
        execute(url, "DROP TRIGGER event_append_only ON event")


def history_count(tracker: Any) -> int:
    result = tracker("history", "--limit", "100000", "--format", "json")
    assert result.exit_code == 0, result.output
    return len(json.loads(result.stdout)["events"])


def ok(result: Any) -> None:
    assert (result.exit_code, result.stderr) == (0, ""), result.output


def everyday_commands(tracker: Any) -> None:
    """done, edit, note and reopen: the commands a lead uses every morning."""
    ok(tracker("done", "TRAIN-BASIS", "--note", "Alle 40 Teilnehmer geschult"))
    ok(tracker("edit", "SW-INSTALL", "--title", "Installation LämmKom", "--due", "15.11.2011"))
    ok(tracker("--as", "Frau Müller", "note", "GO-LIVE", "Pressetermin am 02.01.2012"))
    ok(tracker("reopen", "TRAIN-BASIS"))


# --- verify on a healthy log --------------------------------------------------------


def test_verify_passes_on_a_fresh_plan_and_after_every_everyday_command(tracker) -> None:
    fresh, fresh_hash = verified(tracker)
    assert fresh == history_count(tracker) > 0
    everyday_commands(tracker)
    after, after_hash = verified(tracker)
    assert after == history_count(tracker)
    # done: state, done_on, note; edit: title, due and (the due date was derived)
    # due_derived; note: 1; reopen: state, done_on
    assert after - fresh == 3 + 3 + 1 + 2
    assert after_hash != fresh_hash
    print(f"  figures: {fresh} events fresh, {after} after done/edit/note/reopen")


def test_a_refused_command_leaves_the_chain_as_it_was(tracker) -> None:
    before = verified(tracker)
    result = tracker("reopen", "GO-LIVE")  # planned: nothing to reopen
    assert result.exit_code == 1
    assert verified(tracker) == before


# --- the database refuses changes to the log -------------------------------------


@pytest.mark.parametrize(
    "statement",
    ["UPDATE event SET actor = 'someone else', new = 'done' WHERE id = :id",
     "DELETE FROM event WHERE id = :id"],
    ids=["update", "delete"],
)  # fmt: skip
def test_the_database_refuses_to_change_or_delete_an_event(tracker, db_url, statement) -> None:
    ok(tracker("done", "TRAIN-BASIS"))
    rows = event_rows(db_url)
    target = rows[-2]  # the state event of the `done` above
    with pytest.raises(DBAPIError, match="append-only") as refused:
        execute(db_url, statement, id=target[0])
    print(f"  refused: {str(refused.value.orig).strip().splitlines()[0]}")
    assert event_rows(db_url) == rows
    verified(tracker)


# --- tampering once the triggers are gone -----------------------------------------


@pytest.fixture
def tampered(tracker, db_url) -> dict[str, int]:
    """The plan after the everyday commands, its triggers dropped; ids of some events."""
    everyday_commands(tracker)
    drop_triggers(db_url)
    rows = event_rows(db_url)
    ids = {
        "note": next(r[0] for r in rows if r[3] == "note" and r[1] == "Frau Müller"),
        "done": next(r[0] for r in rows if r[3] == "state" and r[5] == "done"),
        "title": next(r[0] for r in rows if r[3] == "title"),
    }
    ids["after_done"] = next(r[0] for r in rows if r[0] > ids["done"])
    return ids


def test_an_edited_event_is_named_as_the_first_broken_one(tracker, db_url, tampered) -> None:
    execute(db_url, "UPDATE event SET new = :new WHERE id = :id",
            new="Pressetermin abgesagt", id=tampered["note"])  # fmt: skip
    assert broken_at(tracker) == tampered["note"]


def test_an_edited_actor_alone_is_detected(tracker, db_url, tampered) -> None:
    execute(db_url, "UPDATE event SET actor = 'Herr Mayer' WHERE id = :id", id=tampered["done"])
    assert broken_at(tracker) == tampered["done"]


def test_a_deleted_event_breaks_the_chain_at_the_event_after_it(tracker, db_url, tampered) -> None:
    execute(db_url, "DELETE FROM event WHERE id = :id", id=tampered["done"])
    assert broken_at(tracker) == tampered["after_done"]


def test_two_swapped_events_break_the_chain_at_the_earlier(tracker, db_url, tampered) -> None:
    first, second = sorted((tampered["title"], tampered["note"]))
    rows = {r[0]: r for r in event_rows(db_url)}
    assert (rows[first][1], rows[first][5]) != (rows[second][1], rows[second][5])
    swap = "UPDATE event SET actor = :actor, new = :new WHERE id = :id"
    execute(db_url, swap, actor=rows[second][1], new=rows[second][5], id=first)
    execute(db_url, swap, actor=rows[first][1], new=rows[first][5], id=second)
    assert broken_at(tracker) == first


def test_the_message_counts_the_intact_events_before_the_broken_one(
    tracker, db_url, tampered
) -> None:
    execute(db_url, "UPDATE event SET old = 'x' WHERE id = :id", id=tampered["title"])
    result = tracker("history", "--verify")
    before = sum(1 for r in event_rows(db_url) if r[0] < tampered["title"])
    assert f"({before} events before it are intact)" in result.stderr, result.stderr


def test_deleting_the_newest_event_changes_the_last_hash_that_verify_shows(
    tracker, db_url, tampered
) -> None:
    """A chain has no successor to betray its last event: the hash shown is the anchor."""
    count, last = verified(tracker)
    newest = event_rows(db_url)[-1][0]
    execute(db_url, "DELETE FROM event WHERE id = :id", id=newest)
    count_after, last_after = verified(tracker)
    assert (count_after, last_after != last) == (count - 1, True)


# --- migration: the old log is chained once (backfill) -------------------------------


def test_a_log_written_before_the_chain_existed_verifies_after_db_upgrade(tracker, db_url) -> None:
    everyday_commands(tracker)
    before = tracker("history", "--limit", "100000", "--format", "json").stdout
    count = history_count(tracker)
    db.downgrade(db_url, "0001")
    assert db.current_revision(db_url) == "0001"
    upgraded = tracker("db", "upgrade")
    ok(upgraded)
    assert f"revision 0001 → {db.HEAD}" in upgraded.stdout
    assert verified(tracker)[0] == count
    assert tracker("history", "--limit", "100000", "--format", "json").stdout == before
    # The backfilled chain goes on: a new event chains to its last link.
    ok(tracker("note", "GO-LIVE", "nach dem Upgrade"))
    assert verified(tracker)[0] == count + 1
    # and the new triggers guard it
    with pytest.raises(DBAPIError, match="append-only"):
        execute(db_url, "DELETE FROM event")
    print(f"  figures: {count} events backfilled")


# --- audit.verify on links made by hand ----------------------------------------------


def _links(n: int) -> list[audit.Link]:
    links: list[audit.Link] = []
    previous = None
    for i in range(1, n + 1):
        link = audit.Link(
            i, 1, 10 + i, date(2011, 9, 20), datetime(2011, 9, 20, 8, 0, i, 123456),
            f"lead-{i % 2}", "state", "state", "planned", "done", None,
        )  # fmt: skip
        previous = audit.chain_hash(previous, link)
        links.append(link._replace(hash=previous))
    return links


def test_verify_of_an_empty_log_is_intact_at_genesis() -> None:
    assert audit.verify([]) == audit.Verdict(0, audit.GENESIS, None)


def test_verify_of_a_hand_made_chain_checks_every_link() -> None:
    links = _links(5)
    assert audit.verify(links) == audit.Verdict(5, links[-1].hash, None)
    assert links[0].hash == audit.chain_hash(None, links[0]._replace(hash=None))
    assert len({link.hash for link in links}) == 5


@pytest.mark.parametrize(
    ("tamper", "first_broken"),
    [
        (lambda ls: [ls[0], ls[1], ls[2]._replace(new="cancelled"), ls[3], ls[4]], 3),
        (lambda ls: [ls[0], ls[1], ls[2]._replace(actor="x"), ls[3], ls[4]], 3),
        (lambda ls: [ls[0], ls[1], ls[3], ls[4]], 4),  # event 3 deleted
        (lambda ls: [ls[0], ls[2], ls[1], ls[3], ls[4]], 3),  # 2 and 3 swapped
        (lambda ls: [ls[0], ls[1], ls[2], ls[3], ls[4]._replace(hash="0" * 64)], 5),
        (lambda ls: [ls[1], ls[2], ls[3], ls[4]], 2),  # the first event deleted
    ],
    ids=["edited-new", "edited-actor", "deleted", "swapped", "bad-hash", "deleted-first"],
)
def test_verify_names_the_first_link_that_does_not_fit(tamper, first_broken) -> None:
    tampered = tamper(_links(5))
    verdict = audit.verify(tampered)
    assert verdict.broken is not None and verdict.broken.id == first_broken
    position = tampered.index(verdict.broken)
    assert verdict.checked == position
    assert verdict.last_hash == (tampered[position - 1].hash if position else audit.GENESIS)
    message = str(audit.BrokenChain(verdict))
    assert message.startswith(f"the history is broken at event {first_broken} (20.09.2011, ")
    assert message.endswith(f"({verdict.checked} events before it are intact)")


def test_the_hash_covers_every_stored_field_but_the_id() -> None:
    link = _links(1)[0]._replace(hash=None)
    base = audit.chain_hash(None, link)
    changed = {
        "project_id": 2, "item_id": None, "day": date(2011, 9, 21),
        "recorded_at": datetime(2011, 9, 20, 8, 0, 1, 123457), "actor": "LEAD-1",
        "kind": "note", "field": None, "old": None, "new": "done ",
    }  # fmt: skip
    for name, value in changed.items():
        assert audit.chain_hash(None, link._replace(**{name: value})) != base, name
    assert audit.chain_hash(None, link._replace(id=99)) == base
    assert audit.chain_hash("f" * 64, link) != base
