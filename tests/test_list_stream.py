"""`list` and `countdown` stream their rows (issue 8): what a script reading the piped
output notices. The tables and JSON are the ones the whole-list renderers wrote
before, row for row, whatever the chunk sizes; widths come from the database."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tracker import db, queries, render
from tracker.overview import Clock
from tracker.queries import ListFilter


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 2 rows, lines and items: every boundary is crossed on the plan."""
    monkeypatch.setattr(db, "STREAM_ROWS", 2)
    monkeypatch.setattr(render, "CHUNK_LINES", 2)
    monkeypatch.setattr(render, "JSON_CHUNK_ITEMS", 2)


def _items(url: str, today: date, wanted: ListFilter) -> tuple[list[queries.ItemRow], Clock]:
    with db.reader(url) as run:
        project = queries.find_project(run, "")
        return queries.list_items(run, project, wanted), Clock.for_project(project, today)


def test_runner_iterate_hands_over_the_rows_of_a_query_in_order(
    tracker: Any, db_url: str, small_chunks: None
) -> None:
    sql = "SELECT key, due FROM item ORDER BY key"
    with db.reader(db_url) as run:
        rows = run(sql)
        assert list(run.iterate(sql)) == rows and len(rows) == 23
        early = run.iterate(sql)
        assert next(early) == rows[0]
        early.close()  # a reader stopping early (`| head`) closes the cursor
        assert run.scalar("SELECT COUNT(*) FROM item") == 23  # the session goes on


def test_piped_list_is_complete_in_order_and_the_table_it_always_was(
    tracker: Any, db_url: str, small_chunks: None
) -> None:
    today = date(2011, 10, 15)  # TRAIN-BASIS overdue, done and cancelled items with --all
    for args, wanted in [
        ((), ListFilter()),
        (("--all",), ListFilter(include_closed=True)),
        (("--overdue",), ListFilter().only_overdue(today)),
        (("--milestones", "--limit", "5"), ListFilter(kind=queries.Kind.MILESTONE, limit=5)),
    ]:
        items, clock = _items(db_url, today, wanted)
        out = tracker("list", *args, today="15.10.2011").stdout
        assert out == render.item_table(items, clock)
        keys = [line.split()[0] for line in out.splitlines()[1:] if not line.startswith("*")]
        assert keys == [i.key for i in items]  # every item, soonest due first


def test_widths_follow_the_longest_key_title_and_owner(sqlite_tracker: Any) -> None:
    key, title = "K" * 32, "Ein sehr langer Titel, der weit über vierundvierzig Zeichen geht"
    owner = "Referat Allgemeine Verwaltung und Digitalisierung"
    added = sqlite_tracker(
        "add",
        title,
        "--workstream",
        "org",
        "--owner",
        owner,
        "--due",
        "01.10.2011",
        "--key",
        key,
    )
    assert added.exit_code == 0, added.output
    lines = sqlite_tracker("list").stdout.splitlines()
    header, mine = lines[0], next(line for line in lines if line.startswith(key))
    assert header.index("TITLE") == 34  # 32 characters of key and two spaces
    assert mine[34:80] == title[:43] + "…  "  # clipped to 44 characters
    assert mine[header.index("OWNER") :].startswith(owner[:21] + "…  01.10.2011")
    for line in lines[1:-1]:  # the footnote on derived dates is no row
        assert line[header.index("DUE") - 2 : header.index("DUE")] == "  "
        assert line[header.index("STATE") - 2 : header.index("STATE")] == "  "


def test_an_empty_list_says_so(tracker: Any) -> None:
    assert tracker("list", "--owner", "niemand").stdout == "No items match.\n"
    data = json.loads(tracker("list", "--owner", "niemand", "--format", "json").stdout)
    assert data == {"today": "2011-09-20", "items": []}


def test_list_json_is_complete_and_written_as_before(
    tracker: Any, db_url: str, small_chunks: None
) -> None:
    items, clock = _items(db_url, date(2011, 9, 20), ListFilter(include_closed=True))
    out = tracker("list", "--all", "--format", "json").stdout
    expected = {"today": "2011-09-20", "items": [render.item_json(i, clock) for i in items]}
    assert out == render.dumps(expected)  # byte for byte what one json.dumps wrote
    assert len(json.loads(out)["items"]) == 23


def test_countdown_json_splits_overdue_and_ahead_and_is_written_as_before(
    tracker: Any, db_url: str, small_chunks: None
) -> None:
    today = date(2011, 12, 1)
    wanted = ListFilter(kind=queries.Kind.MILESTONE, dated_only=True)
    items, clock = _items(db_url, today, wanted)
    out = tracker("countdown", "--format", "json", today="01.12.2011").stdout
    with db.reader(db_url) as run:
        project = queries.find_project(run, "")
    expected = {
        "today": "2011-12-01",
        "go_live": render.project_json(project, clock),
        "overdue": [render.item_json(i, clock) for i in items if i.is_overdue(today)],
        "ahead": [render.item_json(i, clock) for i in items if not i.is_overdue(today)],
    }
    assert expected["overdue"] and expected["ahead"]
    assert out == render.dumps(expected)


def test_countdown_table_marks_the_overdue_ones_first(tracker: Any, small_chunks: None) -> None:
    lines = tracker("countdown", "--working-days", today="01.12.2011").stdout.splitlines()
    rows = lines[4:-1]  # after the head and the column titles, before the footnote
    marks = [line.startswith("OVERDUE") for line in rows]
    assert marks == sorted(marks, reverse=True) and any(marks) and not all(marks)
    assert lines[3].startswith("         KEY") and lines[3].endswith("DAYS  WDAYS")


def test_a_piped_reader_that_stops_early_ends_the_list_quietly(
    sqlite_tracker: Any, tmp_path: Path
) -> None:
    env = {"TRACKER_DATABASE_URL": f"sqlite:///{tmp_path}/tracker.db", "PATH": "/usr/bin:/bin"}
    cmd = f"{sys.executable} -m tracker --today 20.09.2011 list --all | head -n 2"
    done = subprocess.run(cmd, shell=True, env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines()[0].startswith("KEY") and len(done.stdout.splitlines()) == 2
    assert "Traceback" not in done.stderr
