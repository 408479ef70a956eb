"""A full disk: one clear line, nothing committed lost, and work goes on once there is
space again. Runs on a small tmpfs (needs root to mount; CI runs as root)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        message = f"cannot mount a small tmpfs ({proc.stderr.strip() or 'not root'})"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; under CI this test must run")
        pytest.skip(message)
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_is_one_line_loses_nothing_and_the_next_command_works(
    small_disk: Path, cli
) -> None:
    db = small_disk / "tracker.db"
    assert cli("--db", str(db), "init", "--plan", "stuttgart-2012").exit_code == 0
    filler = small_disk / "filler"
    # Leave a few pages of room, then write notes until the disk is full.
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    filler.write_bytes(b"\0" * max(free - 192 * 1024, 0))
    acknowledged, failure = 0, None
    for n in range(400):
        result = cli("--db", str(db), "note", "GO-LIVE", f"Notiz {n}: " + "x" * 2000)
        if result.exit_code != 0:
            failure = result
            break
        acknowledged += 1
    print(f"  {acknowledged} notes committed before the disk was full")
    assert failure is not None, "the disk never filled up"
    assert failure.exit_code == 4 and failure.stdout == ""
    assert failure.stderr == f"tracker: disk full while writing {db} (nothing was changed)\n"
    assert isinstance(failure.exception, SystemExit)

    filler.unlink()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    notes = json.loads(cli("--db", str(db), "show", "GO-LIVE", "--format", "json").stdout)["notes"]
    assert len(notes) == acknowledged
    assert cli("--db", str(db), "note", "GO-LIVE", "wieder Platz").exit_code == 0
    assert cli("--db", str(db), "history", "--verify").exit_code == 0
