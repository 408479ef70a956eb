"""Everyday commands start without SQLAlchemy, Alembic or pydantic (field notes §1).

A Typer upgrade past the 0.28 pin would load pydantic on every call; an import moved
to module level would load SQLAlchemy. Both fail here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = {
    "sqlalchemy", "alembic", "pydantic", "psycopg", "holidays", "platformdirs", "icalendar",
}  # fmt: skip


def _top_level_imports(args: list[str], env: dict[str, str]) -> set[str]:
    argv = [sys.executable, "-X", "importtime", "-m", "tracker", *args]
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("import time:")]
    return {ln.rsplit("|", 1)[-1].strip().split(".")[0] for ln in lines}


@pytest.fixture
def env(sqlite_tracker, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path}/tracker.db"}


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["list", "--overdue", "--format", "json"],
        ["status"],
        ["countdown"],
        ["show", "TRAIN-BASIS"],
        ["history"],
        ["done", "TRAIN-BASIS"],
        ["edit", "MIG-PREP", "--due", "+1m"],
        ["add", "Neue Aufgabe", "--milestone", "MIG-PREP"],
        ["report", "weekly", "--format", "html"],
        ["forecast"],
        ["critical"],
        ["whatif", "MIG-PREP", "--slip", "10"],
        ["depend", "MIG-ALL", "--on", "BEN-AGREEMENT"],
        ["baseline", "diff"],
        ["export"],
    ],
    ids=lambda a: " ".join(a),
)
def test_everyday_commands_leave_heavy_libraries_unloaded(args, env) -> None:
    loaded = _top_level_imports(["--today", "20.09.2011", *args], env)
    assert "tracker" in loaded
    assert not loaded & HEAVY, sorted(loaded & HEAVY)


def test_init_does_load_the_orm(env) -> None:
    # The check above would pass vacuously if importtime output were not parsed.
    assert {"sqlalchemy", "alembic"} <= _top_level_imports(["db", "upgrade"], env)


def test_only_the_calendar_export_loads_icalendar(env) -> None:
    assert "icalendar" in _top_level_imports(["export", "--format", "ics"], env)


def test_the_command_is_found_after_global_options_with_values() -> None:
    from tracker.cli import _command_name

    argv = ["--db", "list", "--today", "20.09.2011", "--as", "x", "show", "--all"]
    assert _command_name(argv) == "show"
    assert _command_name(["--help"]) is None
    assert _command_name(["db", "current"]) == "db"


def test_the_console_script_still_lists_every_command_in_help(env) -> None:
    argv = [sys.executable, "-m", "tracker", "--help"]
    out = subprocess.run(argv, capture_output=True, text=True, env=env, check=True).stdout
    for name in ("init", "list", "show", "countdown", "status", "history", "done", "db"):
        assert f" {name} " in out
