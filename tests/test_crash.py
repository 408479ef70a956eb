"""kill -9 at random moments: no corrupt file, no acknowledged write lost, a migration
either done or not begun.

A worker process writes notes through the tracker's own write path and prints "ack N"
after each commit; the test kills it with SIGKILL after a random delay and then checks
the file. The default run kills 40 writers and 10 migrations; `.ci/run` sets
TRACKER_CRASH_KILLS=200 for the full campaign.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from tracker import db, plan

KILLS = int(os.environ.get("TRACKER_CRASH_KILLS", "40"))
TODAY = date(2011, 9, 20)

WRITER = """
import sys
from datetime import date
from tracker import actions, db, queries
url, start = sys.argv[1], int(sys.argv[2])
who = actions.Who("crash-test", date(2011, 9, 20))
n = start
while True:
    with db.writer(url) as run:
        project = queries.find_project(run, "")
        actions.add_note(run, project, who, "GO-LIVE", f"note {n}")
    print(f"ack {n}", flush=True)
    n += 1
"""

pytestmark = pytest.mark.slow


def _notes(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = conn.execute("SELECT new FROM event WHERE kind = 'note'").fetchall()
    finally:
        conn.close()
    return {r[0] for r in rows}


def test_writers_killed_at_random_lose_no_acknowledged_note(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    url = f"sqlite:///{path}"
    plan.install(url, plan.read("stuttgart-2012"), "crash-test", TODAY)
    rng = random.Random(20110920)
    acked: set[str] = set()
    next_n = 0
    started = time.perf_counter()
    for _ in range(KILLS):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, url, str(next_n)],
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(rng.uniform(0.15, 0.45))  # start-up is ~0.1 s; then it writes
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        numbers = [int(line.split()[1]) for line in out.splitlines() if line.startswith("ack ")]
        acked |= {f"note {n}" for n in numbers}
        next_n = max(numbers, default=next_n) + 1_000  # no reuse of a half-written number
        stored = _notes(path)
        lost = acked - stored
        assert not lost, f"acknowledged notes lost: {sorted(lost)[:5]}"
    result = subprocess.run(
        [sys.executable, "-m", "tracker", "--db", str(path), "history", "--verify"],
        capture_output=True,
        text=True,
        check=False,
    )
    print(
        f"  {KILLS} writers killed in {time.perf_counter() - started:.1f} s: "
        f"{len(acked)} acknowledged notes, {len(_notes(path))} stored, 0 lost, "
        f"integrity ok after every kill; {result.stdout.strip()}"
    )
    assert result.returncode == 0, result.stderr


def test_a_migration_killed_at_random_leaves_the_old_revision_or_the_new(tmp_path: Path) -> None:
    original = tmp_path / "v0001.db"
    url = f"sqlite:///{original}"
    plan.install(url, plan.read("stuttgart-2012"), "crash-test", TODAY)
    db.downgrade(url, "0001")
    rng = random.Random(12)
    seen: dict[str, int] = {}
    for i in range(max(KILLS // 4, 10)):
        path = tmp_path / f"run{i}.db"
        path.write_bytes(original.read_bytes())
        proc = subprocess.Popen(
            [sys.executable, "-c", "from tracker import db; import sys; db.migrate(sys.argv[1])",
             f"sqlite:///{path}"],
        )  # fmt: skip
        time.sleep(rng.uniform(0.25, 0.5))  # imports ~0.3 s, the migration ~0.2 s
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            rev = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            columns = {r[1] for r in conn.execute("PRAGMA table_info(event)")}
            events = conn.execute("SELECT COUNT(*) FROM event").fetchone()[0]
        finally:
            conn.close()
        assert rev in ("0001", db.HEAD)
        assert not any(t.startswith("_alembic_tmp") for t in tables)
        assert ("hash" in columns) == (rev == db.HEAD)
        assert events == 23
        seen[rev] = seen.get(rev, 0) + 1
    print(f"  migrations killed: {seen} (revision before or after, never between)")


def test_a_50_item_import_killed_at_random_is_all_or_nothing(tmp_path: Path) -> None:
    original = tmp_path / "base.db"
    plan.install(f"sqlite:///{original}", plan.read("stuttgart-2012"), "crash-test", TODAY)
    csv_file = tmp_path / "items.csv"
    rows = ["key;kind;milestone;workstream;title;due"]
    rows += [f"IMP-{n};milestone;;org;Importiert {n};{n % 28 + 1:02d}.11.2011" for n in range(50)]
    csv_file.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8-sig")
    rng = random.Random(50)
    seen = {"none": 0, "all": 0}
    acknowledged = 0
    for i in range(max(KILLS // 4, 10)):
        path = tmp_path / f"run{i}.db"
        path.write_bytes(original.read_bytes())
        proc = subprocess.Popen(
            [sys.executable, "-m", "tracker", "--db", str(path), "--today", "20.09.2011",
             "import", str(csv_file)],
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        time.sleep(rng.uniform(0.04, 0.16))  # the whole import takes ~0.13 s
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            items = conn.execute("SELECT COUNT(*) FROM item WHERE key LIKE 'IMP-%'").fetchone()[0]
            events = conn.execute("SELECT COUNT(*) FROM event").fetchone()[0]
        finally:
            conn.close()
        assert (items, events) in ((0, 23), (50, 73)), (items, events)
        if "Imported" in out:  # acknowledged: it must be there
            acknowledged += 1
            assert items == 50
        seen["all" if items else "none"] += 1
    print(f"  imports killed: {seen} (all or nothing), {acknowledged} acknowledged and kept")
