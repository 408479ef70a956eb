"""Backups, restores and bad files on SQLite, as a lead sees them (issue 7).

`tracker db backup FILE` copies a live database in one consistent step while others
keep writing; `tracker db restore FILE` checks the file first and refuses a bad one
without touching the live database; a new database file is readable by its owner only,
whatever the umask; and an ordinary command on a file that is not a (healthy) tracker
database says so in one line and changes nothing. On PostgreSQL the two commands point
to pg_dump and pg_restore. Tests print the figures and messages they saw.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import re
import shlex
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from tracker import actions, db, queries

Cli = Callable[..., Result]

TODAY = date(2011, 9, 20)
WRITERS = 8
NOTES = 50  # per writer, while backups are taken


# --- helpers ---------------------------------------------------------------------------


def ok(result: Result) -> str:
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    return result.stdout


def refused(result: Result, code: int = 4) -> str:
    """The one line a refused command prints on stderr (exit `code`, no traceback)."""
    assert (result.exit_code, result.stdout) == (code, ""), result.output
    assert isinstance(result.exception, SystemExit), result.exception  # not a traceback
    assert result.stderr.startswith("tracker: ") and result.stderr.count("\n") == 1
    return result.stderr.removeprefix("tracker: ").rstrip("\n")


def snapshot(cli: Cli, path: Path) -> tuple[str, str]:
    """Everything a lead can see: `list --all` and the whole `history`, as JSON."""
    listing = ok(cli("--db", str(path), "list", "--all", "--format", "json"))
    history = ok(cli("--db", str(path), "history", "--limit", "100000", "--format", "json"))
    return listing, history


def revision_of(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])
    finally:
        conn.close()


def _rows(path: Path, table: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        return conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
    finally:
        conn.close()


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.fixture
def live(sqlite_tracker: Cli, tmp_path: Path) -> Path:
    """The Stuttgart plan in tmp_path/tracker.db, with a few changes made by the CLI."""
    ok(sqlite_tracker("done", "TRAIN-BASIS", "--note", "40 Teilnehmer"))
    ok(sqlite_tracker("edit", "SW-INSTALL", "--due", "15.11.2011"))
    return tmp_path / "tracker.db"


@pytest.fixture
def good_backup(live: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "backups" / "good.db"
    dest.parent.mkdir()
    db.backup(f"sqlite:///{live}", dest)
    return dest


# --- the bad files ---------------------------------------------------------------------


def _page_of_table(path: Path, table: str) -> tuple[int, int]:
    """(page size, root page) of a table, read without creating -wal/-shm files."""
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()[0]
    finally:
        conn.close()
    return int(size), int(root)


def make_bad_file(kind: str, good: Path, dest: Path) -> Path:
    """A file of one bad kind, made from a good tracker database where it needs one."""
    if kind == "text":
        dest.write_text("Besprechung am Montag: Übergabe der Akten\n" * 50, encoding="utf-8")
    elif kind == "empty":
        dest.write_bytes(b"")
    elif kind == "truncated":
        dest.write_bytes(good.read_bytes()[:5000])
    elif kind == "garbage-page":
        # The item table's page: every command reads it.
        size, root = _page_of_table(good, "item")
        data = bytearray(good.read_bytes())
        data[(root - 1) * size : root * size] = random.Random(7).randbytes(size)
        dest.write_bytes(bytes(data))
    elif kind == "other-program":
        conn = sqlite3.connect(dest)
        conn.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
        conn.execute("INSERT INTO contacts VALUES ('Frau Müller', '0711 216-0')")
        conn.commit()
        conn.close()
    elif kind == "newer-revision":
        shutil.copyfile(good, dest)
        conn = sqlite3.connect(dest)
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
        conn.commit()
        conn.close()
    else:
        raise AssertionError(kind)
    return dest


# --- backup and restore ----------------------------------------------------------------


def test_a_backup_holds_what_the_lead_sees_and_restore_brings_it_back(
    live: Path, tmp_path: Path, cli: Cli
) -> None:
    before = snapshot(cli, live)
    dest = tmp_path / "montag.db"
    out = ok(cli("--db", str(live), "db", "backup", str(dest)))
    size = dest.stat().st_size
    assert out == f"Backed up to {dest} (revision {db.HEAD}, {size:,} bytes).\n"
    print(f"  {out.strip()}")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file
    # Later changes are not in the copy ...
    ok(cli("--db", str(live), "done", "SW-INSTALL"))
    ok(cli("--db", str(live), "note", "GO-LIVE", "Pressetermin"))
    assert snapshot(cli, live) != before
    copy = tmp_path / "copy-of-backup.db"
    shutil.copyfile(dest, copy)
    assert snapshot(cli, copy) == before  # the backup, read directly
    # ... and a restore brings back exactly the state the backup was taken in.
    restored = ok(cli("--db", str(live), "db", "restore", str(dest)))
    assert restored == (
        f"Kept the current database as {live}.before-restore.bak.\n"
        f"Restored {live} from {dest} (revision {db.HEAD}).\n"
    )
    assert snapshot(cli, live) == before
    assert "is intact" in ok(cli("--db", str(live), "history", "--verify"))
    assert revision_of(live) == db.HEAD


def test_backup_refuses_an_existing_file_and_leaves_it_as_it_was(
    live: Path, tmp_path: Path, cli: Cli
) -> None:
    dest = tmp_path / "monday.db"
    dest.write_bytes(b"last week's report, not a backup\n")
    before = dest.read_bytes()
    message = refused(cli("--db", str(live), "db", "backup", str(dest)))
    assert message == f"{dest} exists already (choose another name or remove it)"
    assert dest.read_bytes() == before
    good = tmp_path / "good.db"
    ok(cli("--db", str(live), "db", "backup", str(good)))
    good_bytes = good.read_bytes()
    refused(cli("--db", str(live), "db", "backup", str(good)))
    assert good.read_bytes() == good_bytes


def test_backup_of_a_missing_database_or_into_a_missing_folder_is_refused(
    live: Path, tmp_path: Path, cli: Cli
) -> None:
    missing = tmp_path / "nowhere.db"
    message = refused(cli("--db", str(missing), "db", "backup", str(tmp_path / "b.db")))
    assert message == f"no tracker database at {missing} (run `tracker init`)"
    assert not missing.exists() and not (tmp_path / "b.db").exists()
    into = tmp_path / "no-such-folder" / "b.db"
    message = refused(cli("--db", str(live), "db", "backup", str(into)))
    assert "does not exist" in message
    assert not into.parent.exists()


def test_restore_keeps_the_current_database_and_never_overwrites_an_earlier_safety_copy(
    live: Path, good_backup: Path, cli: Cli
) -> None:
    backed_up = snapshot(cli, live)
    ok(cli("--db", str(live), "reopen", "TRAIN-BASIS"))
    current = snapshot(cli, live)
    out = ok(cli("--db", str(live), "db", "restore", str(good_backup)))
    safety = Path(f"{live}.before-restore.bak")
    assert f"Kept the current database as {safety}.\n" in out
    assert snapshot(cli, live) == backed_up
    shutil.copyfile(safety, safety.with_name("look.db"))
    assert snapshot(cli, safety.with_name("look.db")) == current  # the state before restore
    first_safety = safety.read_bytes()
    out = ok(cli("--db", str(live), "db", "restore", str(good_backup)))
    second = Path(f"{safety}.2")
    assert f"Kept the current database as {second}.\n" in out
    assert safety.read_bytes() == first_safety
    assert second.exists()
    print(f"  {out.strip()}")


def test_restore_into_a_missing_database_file_creates_it(
    good_backup: Path, tmp_path: Path, cli: Cli
) -> None:
    target = tmp_path / "new-machine" / "tracker.db"
    target.parent.mkdir()
    out = ok(cli("--db", str(target), "db", "restore", str(good_backup)))
    assert out == f"Restored {target} from {good_backup} (revision {db.HEAD}).\n"
    copy = good_backup.with_name("look.db")
    shutil.copyfile(good_backup, copy)
    assert snapshot(cli, target) == snapshot(cli, copy)
    assert "is intact" in ok(cli("--db", str(target), "history", "--verify"))
    assert mode(target) == 0o600
    assert sorted(
        p.name for p in target.parent.iterdir() if not p.name.endswith(("-wal", "-shm"))
    ) == ["tracker.db"]  # no safety copy, no temp file


BAD_RESTORES = [
    ("text", "is not a tracker database"),
    ("empty", "is not a tracker database"),
    ("truncated", "is damaged"),
    ("garbage-page", "is damaged"),
    ("other-program", "is not a tracker database"),
    ("newer-revision", "was written by a newer tracker (revision 0099)"),
]


@pytest.mark.parametrize(("kind", "expected"), BAD_RESTORES, ids=[k for k, _ in BAD_RESTORES])
def test_restore_refuses_a_bad_file_and_leaves_the_live_database_alone(
    live: Path, good_backup: Path, tmp_path: Path, cli: Cli, kind: str, expected: str
) -> None:
    bad = make_bad_file(kind, good_backup, tmp_path / f"{kind}.db")
    bad_bytes = bad.read_bytes()
    live_bytes = live.read_bytes()
    seen = snapshot(cli, live)
    message = refused(cli("--db", str(live), "db", "restore", str(bad)))
    print(f"  restore {kind}: {message}")
    assert message.startswith(f"{bad} ") and expected in message, message
    assert live.read_bytes() == live_bytes
    assert bad.read_bytes() == bad_bytes
    assert not Path(f"{live}.before-restore.bak").exists()
    assert snapshot(cli, live) == seen


def test_restore_of_a_file_that_is_not_there_is_refused(live: Path, tmp_path: Path, cli: Cli):
    live_bytes = live.read_bytes()
    message = refused(cli("--db", str(live), "db", "restore", str(tmp_path / "nope.db")))
    assert message == f"no backup at {tmp_path / 'nope.db'}"
    assert live.read_bytes() == live_bytes


def test_db_upgrade_from_0001_keeps_a_copy_of_the_old_revision(live: Path, cli: Cli) -> None:
    url = f"sqlite:///{live}"
    db.downgrade(url, "0001")
    assert not Path(f"{live}-wal").exists()
    old = {table: _rows(live, table) for table in ("item", "event", "alembic_version")}
    out = ok(cli("--db", str(live), "db", "upgrade"))
    copy = Path(f"{live}.0001.bak")
    assert out.startswith(f"Backed up the database to {copy} first.\n"), out
    assert f"revision 0001 → {db.HEAD}" in out
    print(f"  {out.strip()}")
    assert mode(copy) == 0o600
    # the copy is the old database, row for row, and the tracker asks to upgrade it
    assert {table: _rows(copy, table) for table in old} == old
    assert old["alembic_version"] == [("0001",)]
    message = refused(cli("--db", str(copy), "list"))
    assert message.endswith(f"is at revision 0001, not {db.HEAD} (run `tracker db upgrade`)")
    assert revision_of(live) == db.HEAD


# --- backups while eight leads write -----------------------------------------------------


def _add_notes(url: str, barrier: Any, results: Any, n: int) -> None:
    barrier.wait()
    acknowledged = 0
    for i in range(NOTES):
        with db.writer(url) as run:
            project = queries.find_project(run, "")
            who = actions.Who(f"lead-{n}", TODAY)
            actions.add_note(run, project, who, "GO-LIVE", f"Notiz {n}-{i}")
        acknowledged += 1
    results.put(acknowledged)


def _events_in(path: Path) -> tuple[str, int, int]:
    """(integrity_check, events, notes) of a database file, read only."""
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        events = conn.execute("SELECT count(*) FROM event").fetchone()[0]
        notes = conn.execute("SELECT count(*) FROM event WHERE field = 'note'").fetchone()[0]
    finally:
        conn.close()
    return str(check), int(events), int(notes)


@pytest.mark.slow
def test_backups_taken_while_eight_leads_write_are_consistent_and_restorable(
    live: Path, tmp_path: Path, cli: Cli
) -> None:
    url = f"sqlite:///{live}"
    _, start_events, _ = _events_in(live)
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(WRITERS + 1), ctx.Queue()
    procs = [
        ctx.Process(target=_add_notes, args=(url, barrier, results, n)) for n in range(WRITERS)
    ]
    try:
        for p in procs:
            p.start()
        barrier.wait()
        t0 = time.monotonic()
        backups: list[tuple[Path, float]] = []
        while any(p.is_alive() for p in procs) and len(backups) < 25:
            dest = tmp_path / f"backup-{len(backups) + 1:02}.db"
            ok(cli("--db", str(live), "db", "backup", str(dest)))
            backups.append((dest, time.monotonic() - t0))
            time.sleep(0.02)
        acknowledged = sum(results.get(timeout=120) for _ in procs)
        for p in procs:
            p.join(timeout=60)
            assert p.exitcode == 0
    finally:  # a stuck writer fails the test instead of keeping pytest from exiting
        for p in procs:
            if p.is_alive():
                p.kill()
                p.join(timeout=10)
    writing = time.monotonic() - t0
    final = tmp_path / "backup-final.db"
    ok(cli("--db", str(live), "db", "backup", str(final)))
    backups.append((final, writing))

    print(f"\n  {WRITERS} writers x {NOTES} notes, {acknowledged} acknowledged in {writing:.2f} s;"
          f" {start_events} events before")  # fmt: skip
    counts = []
    for i, (path, at) in enumerate(backups):
        check, events, notes = _events_in(path)
        restored = tmp_path / f"restored-{i:02}.db"
        ok(cli("--db", str(restored), "db", "restore", str(path)))
        verify = ok(cli("--db", str(restored), "history", "--verify"))
        print(f"  {path.name} at {at:5.2f} s: integrity {check}, {events} events "
              f"({notes} notes); restored: {verify.split(':')[0].split(' is ')[1]}")  # fmt: skip
        assert check == "ok"
        assert f"intact: {events} events" in verify
        counts.append(events)
    assert acknowledged == WRITERS * NOTES
    assert counts == sorted(counts)  # each later backup holds at least what one before did
    assert counts[-1] == start_events + WRITERS * NOTES  # 0 lost
    during = [c for c in counts if start_events < c < counts[-1]]
    print(f"  {len(during)} of {len(backups)} backups taken in the middle of the writes")
    assert len(during) >= 2, counts


# --- private files -------------------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o000], ids=["umask-022", "umask-000"])
def test_new_database_files_are_private_whatever_the_umask(
    tmp_path: Path, cli: Cli, umask: int
) -> None:
    old = os.umask(umask)
    try:
        live = tmp_path / "tracker.db"
        ok(cli("--db", str(live), "init", "--plan", "stuttgart-2012"))
        modes = {"database": mode(live)}
        url = f"sqlite:///{live}"
        with db.reader(url) as run:
            run("SELECT count(*) FROM item")
            modes["-wal (open)"] = mode(Path(f"{live}-wal"))
            modes["-shm (open)"] = mode(Path(f"{live}-shm"))
        with db.writer(url) as run:
            project = queries.find_project(run, "")
            actions.add_note(run, project, actions.Who("lead", TODAY), "GO-LIVE", "x")
            modes["-wal (writing)"] = mode(Path(f"{live}-wal"))
        backup = tmp_path / "backup.db"
        ok(cli("--db", str(live), "db", "backup", str(backup)))
        modes["backup"] = mode(backup)
        fresh = tmp_path / "restored.db"
        ok(cli("--db", str(fresh), "db", "restore", str(backup)))
        modes["restored into a new file"] = mode(fresh)
        ok(cli("--db", str(live), "db", "restore", str(backup)))
        modes[".before-restore.bak"] = mode(Path(f"{live}.before-restore.bak"))
        db.downgrade(url, "0001")
        ok(cli("--db", str(live), "db", "upgrade"))
        modes[".0001.bak"] = mode(Path(f"{live}.0001.bak"))
    finally:
        os.umask(old)
    print(f"  umask {umask:03o}: " + ", ".join(f"{k} {v:o}" for k, v in modes.items()))
    assert modes == dict.fromkeys(modes, 0o600)


# --- bad files under ordinary commands ---------------------------------------------------

NOT_OURS = "is not a tracker database"
DAMAGED = "damaged: restore from a backup with `tracker db restore`"
COMMANDS = {"list": ["list"], "done": ["done", "TRAIN-BASIS"], "backup": ["db", "backup", "B"]}
EXPECTED = {"text": NOT_OURS, "empty": NOT_OURS, "truncated": DAMAGED, "garbage-page": DAMAGED}
BAD_FILES = [
    pytest.param(
        kind, name,
        id=f"{kind}-{name}",
    )
    for kind in EXPECTED
    for name in COMMANDS
]  # fmt: skip


@pytest.mark.parametrize(("kind", "name"), BAD_FILES)
def test_an_ordinary_command_on_a_bad_file_says_so_in_one_line_and_changes_nothing(
    good_backup: Path, tmp_path: Path, cli: Cli, kind: str, name: str
) -> None:
    bad = make_bad_file(kind, good_backup, tmp_path / f"{kind}.db")
    before = bad.read_bytes()
    copy = tmp_path / "b.db"
    args = [str(copy) if a == "B" else a for a in COMMANDS[name]]
    result = cli("--db", str(bad), *args)
    seen = (
        result.stderr.strip() or f"uncaught {type(result.exception).__name__}: {result.exception}"
    )
    print(f"  {name} on {kind}: exit {result.exit_code}: {seen}")
    assert bad.read_bytes() == before
    assert not copy.exists()
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit), f"uncaught {result.exception!r}"
    assert result.stderr.count("\n") == 1 and result.stdout == ""
    assert EXPECTED[kind] in result.stderr


# --- PostgreSQL: the server's own tools ------------------------------------------------------


@pytest.fixture
def pg_tracker(pg_url: str, cli: Cli) -> str:
    ok(cli("--db", pg_url, "init", "--plan", "stuttgart-2012"))
    return pg_url


def _password(url: str) -> str:
    from sqlalchemy.engine import make_url

    password = make_url(url).password
    assert password
    return str(password)


def test_on_postgresql_backup_and_restore_name_pg_dump_and_pg_restore(
    pg_tracker: str, tmp_path: Path, cli: Cli
) -> None:
    file = tmp_path / "dump.custom"
    backup = refused(cli("--db", pg_tracker, "db", "backup", str(file)))
    restore = refused(cli("--db", pg_tracker, "db", "restore", str(file)))
    print(f"  backup: {backup}\n  restore: {restore}")
    assert backup.startswith("on PostgreSQL, backup with the server's own tools: pg_dump ")
    assert restore.startswith("on PostgreSQL, restore with the server's own tools: pg_restore ")
    for message in (backup, restore):
        assert f":{_password(pg_tracker)}@" not in message
        assert ":***@" in message
    assert not file.exists()


def _hinted_pg_dump(url: str, cli: Cli, file: Path) -> subprocess.CompletedProcess[str]:
    """Run the pg_dump command that `db backup` suggests, password and FILE filled in."""
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    hint = refused(cli("--db", url, "db", "backup", str(file)))
    argv = shlex.split(hint.split(": ", 1)[1])
    argv = [a.replace("***", _password(url)).replace("FILE", str(file)) for a in argv]
    # The suite shares one test database, a schema per test (conftest.py), and other
    # workers create and drop theirs while pg_dump reads the catalogue: dumping only
    # this test's schema keeps a schema dropped meanwhile out of the dump.
    schema = re.search(r"search_path%3D(\w+)", url)
    assert schema is not None, url
    argv.insert(1, f"--schema={schema[1]}")
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd="/")


def test_the_suggested_pg_dump_command_makes_a_dump_of_a_postgresql_url(
    pg_tracker: str, tmp_path: Path, cli: Cli
) -> None:
    libpq_url = pg_tracker.replace("postgresql+psycopg://", "postgresql://", 1)
    file = tmp_path / "tracker.dump"
    done = _hinted_pg_dump(libpq_url, cli, file)
    assert done.returncode == 0, done.stderr
    assert file.stat().st_size > 0
    print(f"  pg_dump wrote {file.stat().st_size:,} bytes")


def test_the_suggested_pg_dump_command_works_for_a_sqlalchemy_style_url(
    pg_tracker: str, tmp_path: Path, cli: Cli
) -> None:
    assert pg_tracker.startswith("postgresql+psycopg://")
    file = tmp_path / "tracker.dump"
    done = _hinted_pg_dump(pg_tracker, cli, file)
    print(f"  pg_dump exit {done.returncode}: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    assert file.stat().st_size > 0


def test_json_of_a_restored_backup_is_the_same_document(
    live: Path, good_backup: Path, tmp_path: Path, cli: Cli
) -> None:
    """The JSON a report script reads is identical, field for field, after a restore."""
    before = [json.loads(s) for s in snapshot(cli, live)]
    ok(cli("--db", str(live), "cancel", "GO-LIVE"))
    ok(cli("--db", str(live), "db", "restore", str(good_backup)))
    assert [json.loads(s) for s in snapshot(cli, live)] == before
