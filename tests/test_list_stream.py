"""`Runner.iterate`: rows one at a time, on both backends (issue 8)."""

from __future__ import annotations

from typing import Any

import pytest

from tracker import db


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 2 rows, lines and items: every boundary is crossed on the plan."""
    monkeypatch.setattr(db, "STREAM_ROWS", 2)


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
