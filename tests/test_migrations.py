"""The migrations build exactly the models' schema, both ways, on both backends;
the revision guard refuses databases this code cannot safely use."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool
from typer.testing import Result

from tracker import db, plan
from tracker.models import Base

Cli = Callable[..., Result]

TODAY = date(2011, 9, 20)


def _diff(url: str) -> list[object]:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_migrations_build_exactly_the_models_schema(db_url: str) -> None:
    plan.install(db_url, None, "test-lead", TODAY)
    assert _diff(db_url) == []


def test_the_whole_chain_goes_down_and_up_again(db_url: str) -> None:
    plan.install(db_url, plan.read("stuttgart-2012"), "test-lead", TODAY)
    db.downgrade(db_url, "base")
    assert _tables(db_url) == {"alembic_version"}
    assert db.current_revision(db_url) is None
    db.upgrade(db_url)
    assert db.current_revision(db_url) == db.HEAD
    assert _tables(db_url) == {
        *("alembic_version", "project", "workstream", "item", "event"),
        *("dependency", "closed_day", "baseline", "baseline_item"),
        *("forecast_stamp", "forecast_row"),
    }
    assert _diff(db_url) == []


def test_the_fast_path_knows_every_revision_of_the_migrations() -> None:
    assert list(db.REVISIONS) == list(db.revision_names())


def test_init_twice_without_a_plan_says_up_to_date(db_url: str, monkeypatch, cli: Cli) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", db_url)
    first = cli("init")
    assert first.exit_code == 0, first.output
    assert "Created the tracker database" in first.stdout
    again = cli("init")
    assert again.exit_code == 0, again.output
    assert f"is up to date (revision {db.HEAD})" in again.stdout
    current = cli("db", "current")
    assert current.stdout == f"{db.HEAD} (head)\n"


def _set_revision(url: str, rev: str) -> None:
    engine = create_engine(
        url.replace("postgresql://", "postgresql+psycopg://"), poolclass=NullPool
    )
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": rev})
    engine.dispose()


def test_a_database_from_a_newer_tracker_is_refused_and_left_alone(tracker, db_url) -> None:
    _set_revision(db_url, "0099")
    for args in (["list"], ["done", "TRAIN-BASIS"], ["init"], ["db", "upgrade"]):
        result = tracker(*args)
        assert result.exit_code == 4, (args, result.output)
        assert "written by a newer tracker (revision 0099" in result.stderr
        assert result.stderr.count("\n") == 1
    _set_revision(db_url, db.HEAD)
    shown = tracker("show", "TRAIN-BASIS", "--format", "json")
    assert '"state": "in_progress"' in shown.stdout


def test_an_older_database_asks_for_an_upgrade_and_upgrades_keeping_its_data(
    tracker, db_url: str
) -> None:
    tracker("done", "TRAIN-BASIS")
    db.downgrade(db_url, "0001")
    result = tracker("list")
    assert result.exit_code == 4
    assert result.stderr.endswith(
        f"is at revision 0001, not {db.HEAD} (run `tracker db upgrade`)\n"
    )
    assert (
        tracker("db", "current").stdout == f"0001 (head is {db.HEAD}: run `tracker db upgrade`)\n"
    )
    upgraded = tracker("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert f": revision 0001 → {db.HEAD}." in upgraded.stdout
    shown = tracker("show", "TRAIN-BASIS", "--format", "json")
    assert '"state": "done"' in shown.stdout


def test_a_missing_database_is_not_created_by_a_read_or_a_write(tmp_path: Path, cli: Cli) -> None:
    missing = tmp_path / "nowhere" / "tracker.db"
    for args in (["list"], ["done", "X"], ["db", "current"]):
        result = cli("--db", str(missing), *args)
        assert result.exit_code == 4, result.output
        assert result.stderr == f"tracker: no tracker database at {missing} (run `tracker init`)\n"
    assert not missing.exists()


def test_a_sqlite_file_of_another_program_is_refused_and_untouched(
    tmp_path: Path, cli: Cli
) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    listed = cli("--db", str(other), "list")
    assert listed.exit_code == 4
    assert listed.stderr == f"tracker: {other} is not a tracker database (run `tracker init`)\n"
    init = cli("--db", str(other), "init", "--plan", "stuttgart-2012")
    assert init.exit_code == 4
    assert init.stderr == f"tracker: {other} is not a tracker database; refusing to change it\n"
    assert other.read_bytes() == before


def test_a_text_file_is_not_a_database(tmp_path: Path, cli: Cli) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Besprechung am Montag\n" * 50)
    result = cli("--db", str(notes), "list")
    assert result.exit_code == 4
    assert "is not a tracker database" in result.stderr
    assert notes.read_text() == "Besprechung am Montag\n" * 50


def test_a_new_sqlite_database_is_private_to_its_owner(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "private.db"
    result = cli("--db", str(path), "init")
    assert result.exit_code == 0, result.output
    assert path.stat().st_mode & 0o777 == 0o600


def test_db_path_names_the_default_file_under_the_user_data_directory(
    tmp_path: Path, cli: Cli
) -> None:
    result = cli("db", "path")
    assert result.stdout == f"{tmp_path}/xdg/tracker/tracker.db\n"


def test_db_path_hides_the_password_of_a_url(cli: Cli) -> None:
    result = cli("--db", "postgresql://lead:geheim@db.example:5432/tracker", "db", "path")
    assert result.stdout == "postgresql://lead:***@db.example:5432/tracker\n"
    assert "geheim" not in result.output


def test_the_default_database_is_created_where_db_path_says(tmp_path: Path, cli: Cli) -> None:
    result = cli("init", "--plan", "stuttgart-2012")
    assert result.exit_code == 0, result.output
    path = tmp_path / "xdg" / "tracker" / "tracker.db"
    assert f"Created the tracker database {path}" in result.stdout
    assert cli("list").exit_code == 0


@pytest.mark.parametrize(
    ("column", "value"),
    [("state", "'finished'"), ("kind", "'epic'"), ("due", "'2011-01-01'")],
    ids=["unknown-state", "unknown-kind", "due-before-start"],
)
def test_the_schema_itself_refuses_impossible_items(db_url: str, column: str, value: str) -> None:
    from sqlalchemy.exc import IntegrityError

    plan.install(db_url, plan.read("stuttgart-2012"), "test-lead", TODAY)
    engine = db.make_engine(db_url)
    try:
        with pytest.raises(IntegrityError), engine.begin() as conn:
            # TRAIN-BASIS starts 12.09.2011, so a due date in January breaks start <= due.
            conn.execute(text(f"UPDATE item SET {column} = {value} WHERE key = 'TRAIN-BASIS'"))
    finally:
        engine.dispose()


def test_the_orm_models_hold_the_plan_with_its_relations(db_url: str) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from tracker.models import Item, Project

    plan.install(db_url, plan.read("stuttgart-2012"), "test-lead", TODAY)
    engine = db.make_engine(db_url)
    try:
        with Session(engine) as session:
            project = session.scalars(select(Project)).one()
            assert (project.key, project.go_live, project.region) == (
                "stuttgart-2012",
                date(2012, 1, 1),
                "DE-BW",
            )
            assert [ws.key for ws in project.workstreams][:2] == ["software", "training"]
            org = session.scalars(select(Item).where(Item.key == "ORG-STRUCTURE")).one()
            assert len(org.tasks) == 8 and all(t.milestone is org for t in org.tasks)
            assert org.due_baseline == org.due == date(2011, 12, 31) and org.due_derived
    finally:
        engine.dispose()


def test_the_list_order_index_exists_and_list_reads_in_its_order(db_url: str) -> None:
    # Autogenerate cannot compare expression indexes (it warns and skips them), so
    # this checks the one that `tracker list --limit` depends on by hand.
    db.migrate(db_url, create=True)
    engine = db.make_engine(db_url)
    try:
        with engine.connect() as conn:
            names = {i["name"] for i in inspect(conn).get_indexes("item")}
            if conn.dialect.name == "sqlite":
                from tracker.queries import COUNT_ITEMS, LIST_ITEMS, ListFilter, ProjectRow

                params = ListFilter(limit=10).params(
                    ProjectRow(1, "p", "P", TODAY, "DE-BW", "", None)
                )
                plan_rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {LIST_ITEMS}", params)
                query_plan = " | ".join(str(r[-1]) for r in plan_rows)
                assert "ix_item_list_order" in query_plan
                assert "TEMP B-TREE FOR ORDER BY" not in query_plan
                # status counts overdue items from the index, not from 100,000 rows: the
                # index holds what the filters test (SQLite seeks a row only for a
                # column it lacks, so the plan names the index either way).
                plan_rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {COUNT_ITEMS}", params)
                assert "USING INDEX ix_item_list_order" in str(list(plan_rows))
                info = conn.exec_driver_sql("PRAGMA index_info(ix_item_list_order)")
                columns = [r[2] for r in info]
                assert columns == ["project_id", None, "key", "state", "kind", "workstream_id"]
                found = conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'item'"
                )
                names |= {r[0] for r in found}
            else:
                found = conn.execute(
                    text("SELECT indexname FROM pg_indexes WHERE tablename = 'item'")
                )
                names |= {r[0] for r in found}
    finally:
        engine.dispose()
    assert {"ix_item_list_order", "ix_item_workstream_id_state"} <= names
    assert "ix_item_workstream_id" not in names
