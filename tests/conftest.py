"""Fixtures: an isolated environment, a database on each backend, the CLI on the plan.

Database tests take `db_url`, which runs them on SQLite and on PostgreSQL. PostgreSQL
needs TRACKER_TEST_PG_URL (`.ci/run` and `make test` set it up); without it those
tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Plain error text instead of rich boxes; read when typer is imported, so set it first.
os.environ["TYPER_USE_RICH"] = "0"
os.environ.setdefault("COLUMNS", "200")

from typer.testing import CliRunner, Result

from tracker.cli import app

PG_ENV = "TRACKER_TEST_PG_URL"
TODAY = "20.09.2011"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the user's database, clock or name."""
    for name in ("TRACKER_DATABASE_URL", "TRACKER_TODAY", "TRACKER_PROJECT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("TRACKER_USER", "test-lead")


def _pg_admin_url() -> str:
    url = os.environ.get(PG_ENV, "")
    if not url:
        message = f"PostgreSQL tests need {PG_ENV} (make test sets it up)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; under CI they must run")
        pytest.skip(message)
    return url


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[object]:
    """One SQLAlchemy engine on the test database, for creating and dropping schemas."""
    from sqlalchemy import create_engine, text

    engine = create_engine(_pg_admin_url().replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        message = f"PostgreSQL at {PG_ENV} is not reachable: {str(exc).splitlines()[0]}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_url(pg_engine: object) -> Iterator[str]:
    """A URL whose search_path is a fresh, empty schema, dropped after the test."""
    from sqlalchemy import text
    from sqlalchemy.engine import Engine

    assert isinstance(pg_engine, Engine)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with pg_engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    base = pg_engine.url.render_as_string(hide_password=False)
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with pg_engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend (no schema yet)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/tracker.db"
    return str(request.getfixturevalue("pg_url"))


Tracker = Callable[..., Result]


def invoke(*args: str, today: str | None = TODAY, env: dict[str, str] | None = None) -> Result:
    """Run the CLI in-process; `today` None leaves --today out."""
    argv = (["--today", today] if today else []) + list(args)
    return CliRunner().invoke(app, argv, env=env)


@pytest.fixture(scope="session")
def stuttgart_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Stuttgart plan loaded once into a SQLite file, for tests to copy: `init`
    runs every migration, which costs most of a second per test."""
    path = tmp_path_factory.mktemp("template") / "stuttgart.db"
    result = invoke("--db", str(path), "--as", "test-lead", "init", "--plan", "stuttgart-2012")
    assert result.exit_code == 0, result.output
    with sqlite3.connect(path) as conn:  # everything in the main file, nothing in -wal
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


def _fresh_plan(db_url: str, template: Path) -> None:
    from tracker.db import sqlite_path

    path = sqlite_path(db_url)
    if path is not None:
        shutil.copyfile(template, path)
        path.chmod(0o600)
        return
    result = invoke("init", "--plan", "stuttgart-2012")
    assert result.exit_code == 0, result.output


@pytest.fixture
def tracker(db_url: str, monkeypatch: pytest.MonkeyPatch, stuttgart_sqlite: Path) -> Tracker:
    """The CLI on a fresh Stuttgart plan, on each backend; today is 20.09.2011 unless a
    test says otherwise."""
    monkeypatch.setenv("TRACKER_DATABASE_URL", db_url)
    _fresh_plan(db_url, stuttgart_sqlite)
    return invoke


@pytest.fixture
def sqlite_tracker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stuttgart_sqlite: Path
) -> Tracker:
    """The CLI on a fresh Stuttgart plan in a SQLite file only (for file-level checks)."""
    url = f"sqlite:///{tmp_path}/tracker.db"
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    _fresh_plan(url, stuttgart_sqlite)
    return invoke


@pytest.fixture
def cli() -> Tracker:
    """The CLI with no database set up (TRACKER_DATABASE_URL unset)."""
    return invoke
