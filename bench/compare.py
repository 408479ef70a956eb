"""Cold-process times of tracker's commands at 1,000 to 100,000 items, beside Taskwarrior.

    .venv/bin/python bench/compare.py                        # 1000,10000,100000; 10 runs
    .venv/bin/python bench/compare.py --sizes 1000 --runs 3  # a quick check
    .venv/bin/python bench/compare.py --memory --markdown    # + peak RSS; Markdown table
    .venv/bin/python bench/compare.py --db-url postgresql+psycopg://u:pw@127.0.0.1/bench

For each size N the data comes from `bench/make_data.py` (cached under bench/.data/,
made on first use): one project of N items, the Stuttgart plan's shape repeated per
municipality, ~10 events per item. Every command runs on a copy of that database with
`--today 30.11.2012 --project bench-N` as a new process from this interpreter; each
round runs every command and floor once (round-robin, so load from other work hits
all alike), after --warmups untimed rounds. Times are wall clock, start to exit;
min and median over --runs rounds. --memory: peak RSS of each process (GNU time's %M).

Writes really write: `done KEY` on an open task, then `reopen KEY` (timed too) brings
it back, so every round works; `add` adds a milestone; `edit` moves a milestone's due
date between two days. Reads print everything they print to a user (stdout to a file).

Floors: `python -c "import typer"` and `python -c "import sqlalchemy.orm, typer"`.

Taskwarrior (Debian package `taskwarrior`, installed with apt-get when missing; we run as
root) gets the same items via `task import` (JSON: description, project
bench.<workstream>, status, entry, due, scheduled = start, start when in progress, end,
depends, annotations = the notes, tag milestone). Its data and rc file are throwaway
(TASKDATA/TASKRC in a temporary directory); the rc keeps every default (gc, urgency,
reports) except `confirmation=off` and `news.version=2.6.0` (the one-time "please run
task news" nag, which a user dismisses once). Taskwarrior has no --today: all its dates
are moved by (the real today - 30.11.2012), so its today is the tracker's and
`task overdue` finds the same items as `tracker list --overdue`. Commands:
`task list`, `task due.before:<today+15d> list`, `task overdue`, `task summary`,
`task <ID> done` (on a fresh copy of the data each run) and `task <ID> info`.
Taskwarrior 2.6's dependency handling is quadratic in the number of tasks (~10 s per
command at 10,000 tasks with the same dependencies, ~0.3 s without), so it runs twice:
"task" = the same tasks WITHOUT `depends` (its best case; the budgets are judged
against this one), "task+deps" = with them, only up to --tw-deps-max items.

With --db-url the tracker commands run on PostgreSQL as well (make_data loads project
bench-N there; writes there persist: add leaves its milestones, done/reopen events).

Budgets (issue #8, reported with ✓/✗, not enforced), at N = 100,000:
reads (list and its filters, status, countdown, show) ≤ 150 ms; writes (done, add, edit)
≤ the `import sqlalchemy.orm, typer` floor + 100 ms; faster than Taskwarrior on every
command and ≥ 5× on reads; the weekly report < 2 s; ≤ 150 MB RSS for any command.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import make_data  # noqa: E402

TODAY = make_data.TODAY
READ_BUDGET_MS = 150.0
WRITE_MARGIN_MS = 100.0
REPORT_BUDGET_MS = 2000.0
RSS_BUDGET_MB = 150.0
READ_RATIO = 5.0
BUDGET_N = 100_000
TW_VERSION_NAG = "2.6.0"
NAMESPACE = uuid.UUID("5f1d0c1e-2011-4b1a-9c9e-000000000008")

TYPER = 'python -c "import typer"'
SQLA = 'python -c "import sqlalchemy.orm, typer"'


class BenchError(RuntimeError):
    """A command failed: the benchmark would time something other than a valid run."""


# --- running one process ---------------------------------------------------------


@dataclass
class Sample:
    ms: float
    rss_mb: float
    lines: int


# The peak RSS a child reports to its parent includes the parent's own at fork time
# (Linux keeps the high-water mark across exec), so this ~30 MB script cannot measure
# a 20 MB process itself: with --memory every command runs under GNU time (`-f %M`),
# a small process whose children start small. It adds ~1 ms to every process alike.
GNU_TIME = "/usr/bin/time"
MEMORY = False


def run_once(
    argv: Sequence[str],
    env: dict[str, str],
    cwd: Path,
    ok: Sequence[int] = (0,),
    timeout: float | None = None,
) -> Sample:
    """One process: wall ms start to exit, its peak RSS (with --memory), lines printed."""
    out_path = cwd / "stdout.txt"
    rss_path = cwd / "rss.txt"
    if MEMORY:
        argv = [GNU_TIME, "-f", "%M", "-o", str(rss_path), *argv]
    with open(out_path, "wb") as out, open(cwd / "stderr.txt", "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=cwd)
        # Not proc.wait(timeout): with a timeout it polls with sleeps of up to 50 ms,
        # which would round the times; a timer kills the process instead.
        killer = threading.Timer(timeout, proc.kill) if timeout else None
        if killer is not None:
            killer.start()
        proc.wait()
        if killer is not None:
            killer.cancel()
            if proc.returncode == -signal.SIGKILL:
                raise subprocess.TimeoutExpired(argv, timeout or 0)
        ms = (time.perf_counter() - t0) * 1000
    if proc.returncode not in ok:
        raise BenchError(
            f"exit code {proc.returncode}: {' '.join(argv)}\n"
            f"  stdout: {out_path.read_text(errors='replace')[:1500]}\n"
            f"  stderr: {(cwd / 'stderr.txt').read_text(errors='replace')[:1500]}"
        )
    with open(out_path, "rb") as f:
        lines = sum(1 for _ in f)
    rss = 0.0
    if MEMORY:
        # GNU time adds "Command exited with non-zero status N" before the number.
        rss = int(rss_path.read_text().split()[-1]) / 1024
    return Sample(ms, rss, lines)


@dataclass
class Job:
    """One timed command line of a round, with what must happen before and after it."""

    name: str  # the row of the table
    system: str  # "tracker", "postgresql", "taskwarrior", "floor"
    argv: Callable[[int], list[str]]
    env: dict[str, str]
    ok: Sequence[int] = (0,)
    before: Callable[[int], None] | None = None  # untimed set-up (Taskwarrior's fresh copy)
    expect: str = ""  # a string the output must contain (first run)
    timeout: float | None = None  # seconds; a run over it is killed, the job not run again
    timed_out: bool = False
    samples: list[Sample] = field(default_factory=list)


def run_job(job: Job, n: int, cwd: Path, keep: bool) -> None:
    if job.timed_out:
        return
    if job.before is not None:
        job.before(n)
    try:
        sample = run_once(job.argv(n), job.env, cwd, job.ok, job.timeout)
    except subprocess.TimeoutExpired:
        job.timed_out = True
        return
    if job.expect and n == 0:
        text = (cwd / "stdout.txt").read_text(errors="replace")
        if job.expect not in text:
            raise BenchError(
                f"{job.name} ({job.system}): output lacks {job.expect!r}: {text[:800]}"
            )
    if keep:
        job.samples.append(sample)


# --- the tracker -----------------------------------------------------------------


def child_env(workdir: Path) -> dict[str, str]:
    """A clean environment: bytecode cached as for an installed package (startup.py)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TRACKER_")
        and k not in ("PYTHONPROFILEIMPORTTIME", "PYTHONDONTWRITEBYTECODE")
    }
    env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    return env


@dataclass(frozen=True)
class Keys:
    done: str  # an open task: `done` works on it
    show: str  # a milestone with tasks, dependencies and history
    edit: str  # an open milestone whose due date `edit` moves
    edit_days: tuple[str, str]


def pick_keys(url: str, project_key: str) -> Keys:
    """Items in the middle of the project, the same for every run and for Taskwarrior."""
    from tracker import db, queries

    with db.reader(url) as run:
        project = queries.find_project(run, project_key)
        p = {"p": project.id}
        count = run.scalar("SELECT COUNT(*) FROM item WHERE project_id = :p", p)
        p["mid"] = count // 2
        done = run.scalar(
            "SELECT key FROM item WHERE project_id = :p AND kind = 'task' AND "
            "state IN ('planned', 'in_progress') AND id >= (SELECT MIN(id) FROM item "
            "WHERE project_id = :p) + :mid ORDER BY id LIMIT 1",
            p,
        )
        show = run.scalar(
            "SELECT m.key FROM item AS m WHERE m.project_id = :p AND m.kind = 'milestone' "
            "AND m.state IN ('planned', 'in_progress') "
            "AND EXISTS (SELECT 1 FROM item AS t WHERE t.milestone_id = m.id) "
            "AND m.id >= (SELECT MIN(id) FROM item WHERE project_id = :p) + :mid "
            "ORDER BY m.id LIMIT 1",
            p,
        )
        edit = run.scalar(
            "SELECT key FROM item WHERE project_id = :p AND kind = 'milestone' AND "
            "state IN ('planned', 'in_progress') AND due IS NOT NULL AND start IS NULL "
            "AND id >= (SELECT MIN(id) FROM item WHERE project_id = :p) + :mid "
            "ORDER BY id LIMIT 1",
            p,
        )
    if not (done and show and edit):
        # Small N: fall back to any open task / milestone.
        done = done or "GO-LIVE"
        show = show or "GO-LIVE"
        edit = edit or "GO-LIVE"
    return Keys(done, show, edit, ("15.03.2013", "16.03.2013"))


# The status that follows a round's writes (the rest read what it stores).
AFTER_WRITE = "status, first after a write"


def tracker_jobs(
    python: str, url: str, project_key: str, keys: Keys, env: dict[str, str], system: str
) -> list[Job]:
    base = [
        python,
        "-m",
        "tracker",
        "--today",
        f"{TODAY:%d.%m.%Y}",
        "--db",
        url,
        "--project",
        project_key,
        "--as",
        "bench",
    ]

    def cmd(*args: str) -> Callable[[int], list[str]]:
        return lambda n: [*base, *args]

    def edit(n: int) -> list[str]:
        return [*base, "edit", keys.edit, "--due", keys.edit_days[n % 2]]

    return [
        Job("list", system, cmd("list"), env),
        Job("list --due-within 14d", system, cmd("list", "--due-within", "14d"), env),
        Job("list --overdue", system, cmd("list", "--overdue"), env),
        Job("status", system, cmd("status"), env),
        Job("countdown", system, cmd("countdown"), env),
        Job("show KEY", system, cmd("show", keys.show), env, expect=keys.show),
        Job("report weekly --format md", system, cmd("report", "weekly", "--format", "md"), env),
        Job(
            "report weekly --format html", system, cmd("report", "weekly", "--format", "html"), env
        ),
        Job(
            "report weekly --format json", system, cmd("report", "weekly", "--format", "json"), env
        ),
        Job("done KEY", system, cmd("done", keys.done), env, expect="→ done"),
        Job("reopen KEY", system, cmd("reopen", keys.done), env, expect="done →"),
        Job(
            "add",
            system,
            cmd("add", "Bench", "--workstream", "training", "--due", "+30d"),
            env,
            expect="created",
        ),
        Job("edit --due", system, edit, env, expect="due"),
        # The writes changed the schedule's inputs: this status computes the outlook
        # again and stores it (forecast_cache.py), so the next round's status and
        # reports read it, as a lead's do until the next change.
        Job(AFTER_WRITE, system, cmd("status"), env),
    ]


# --- Taskwarrior -----------------------------------------------------------------


def ensure_taskwarrior() -> str:
    """The `task` binary, installed with apt-get when missing (needs root)."""
    found = shutil.which("task")
    if found:
        return found
    print("compare: installing taskwarrior with apt-get ...", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "taskwarrior"]
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=False)
        proc = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise BenchError(f"apt-get install taskwarrior failed: {proc.stderr[-1500:]}")
    found = shutil.which("task")
    if not found:
        raise BenchError("taskwarrior installed, but no `task` on PATH")
    return found


def task_version(task: str) -> str:
    return subprocess.run(
        [task, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()


def _tw_time(d: date, shift: timedelta) -> str:
    return f"{d + shift:%Y%m%d}T000000Z"


def task_uuid(project_key: str, key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{project_key}/{key}"))


def taskwarrior_json(db_file: Path, project_key: str, shift: timedelta) -> list[str]:
    """The project's items as Taskwarrior import lines, dates moved by `shift`."""
    conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        pid = conn.execute("SELECT id FROM project WHERE key = ?", (project_key,)).fetchone()[0]
        first: dict[int, str] = {}
        last: dict[int, str] = {}
        started: dict[int, str] = {}
        notes: dict[int, list[tuple[str, str]]] = {}
        for item_id, day, kind, fld, new in conn.execute(
            "SELECT item_id, day, kind, field, new FROM event WHERE project_id = ? "
            "AND item_id IS NOT NULL ORDER BY id",
            (pid,),
        ):
            first.setdefault(item_id, day)
            last[item_id] = day
            if kind == "note":
                notes.setdefault(item_id, []).append((day, new))
            elif fld == "state" and new == "in_progress":
                started[item_id] = day
        deps: dict[int, list[str]] = {}
        keys = dict(conn.execute("SELECT id, key FROM item WHERE project_id = ?", (pid,)))
        for item_id, pred in conn.execute(
            "SELECT item_id, predecessor_id FROM dependency WHERE project_id = ?", (pid,)
        ):
            deps.setdefault(item_id, []).append(task_uuid(project_key, keys[pred]))
        lines = []
        status_of = {
            "planned": "pending",
            "in_progress": "pending",
            "done": "completed",
            "cancelled": "deleted",
        }
        for item_id, key, kind, title, ws, state, start, due, done_on in conn.execute(
            "SELECT i.id, i.key, i.kind, i.title, w.key, i.state, i.start, i.due, i.done_on "
            "FROM item AS i JOIN workstream AS w ON w.id = i.workstream_id "
            "WHERE i.project_id = ? ORDER BY i.id",
            (pid,),
        ):
            entry = date.fromisoformat(first.get(item_id, TODAY.isoformat()))
            task: dict[str, object] = {
                "uuid": task_uuid(project_key, key),
                "description": title,
                "project": f"bench.{ws}",
                "status": status_of[state],
                "entry": _tw_time(entry, shift),
                "modified": _tw_time(
                    date.fromisoformat(last.get(item_id, entry.isoformat())), shift
                ),
            }
            if kind == "milestone":
                task["tags"] = ["milestone"]
            if due:
                task["due"] = _tw_time(date.fromisoformat(due), shift)
            if start:
                task["scheduled"] = _tw_time(date.fromisoformat(start), shift)
            if state == "in_progress" and item_id in started:
                task["start"] = _tw_time(date.fromisoformat(started[item_id]), shift)
            if state in ("done", "cancelled"):
                end = date.fromisoformat(done_on or last[item_id])
                task["end"] = _tw_time(end, shift)
            if item_id in deps:
                task["depends"] = deps[item_id]
            if item_id in notes:
                # Two notes of one day would share Taskwarrior's annotation key (its
                # entry time, to the second): give each its own second.
                task["annotations"] = [
                    {
                        "entry": f"{date.fromisoformat(d) + shift:%Y%m%d}T{n // 3600 % 24:02d}"
                        f"{n // 60 % 60:02d}{n % 60:02d}Z",
                        "description": text,
                    }
                    for n, (d, text) in enumerate(notes[item_id])
                ]
            lines.append(json.dumps(task, ensure_ascii=False))
        return lines
    finally:
        conn.close()


@dataclass
class TaskData:
    task: str
    rc: Path
    data: Path  # the imported master copy
    env: dict[str, str]
    import_seconds: float
    done_id: str
    show_id: str


def write_rc(rc: Path, data: Path) -> None:
    rc.write_text(
        f"data.location={data}\nconfirmation=off\nnews.version={TW_VERSION_NAG}\n",
        encoding="utf-8",
    )


def prepare_taskwarrior(
    task: str,
    db_file: Path,
    project_key: str,
    keys: Keys,
    workdir: Path,
    quiet: bool,
    with_deps: bool,
) -> TaskData:
    """Import the project into a throwaway Taskwarrior; without `with_deps`, no depends."""
    shift = date.today() - TODAY
    tw = workdir / ("tw" if with_deps else "tw-nodeps")
    data = tw / "master"
    data.mkdir(parents=True)
    rc = tw / "taskrc"
    write_rc(rc, data)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASK")}
    env["TASKRC"] = str(rc)
    lines = taskwarrior_json(db_file, project_key, shift)
    if not with_deps:
        lines = [
            json.dumps(
                {k: v for k, v in json.loads(line).items() if k != "depends"}, ensure_ascii=False
            )
            for line in lines
        ]
    source = tw / "import.json"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if not quiet:
        what = "with" if with_deps else "without"
        print(
            f"  task import: {len(lines):,} tasks {what} dependencies ...",
            file=sys.stderr,
            flush=True,
        )
    t0 = time.perf_counter()
    proc = subprocess.run([task, "import", str(source)], env=env, capture_output=True, check=False)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise BenchError(f"task import failed: {proc.stderr[-1500:]!r}")
    # The first command after an import collects garbage (moves completed tasks out of
    # pending.data, numbers the pending ones); a user's data is in that state.
    subprocess.run([task, "list"], env=env, capture_output=True, check=False)

    def task_id(key: str) -> str:
        out = subprocess.run(
            [task, "_get", f"{task_uuid(project_key, key)}.id"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if not out or out == "0":
            raise BenchError(f"Taskwarrior has no pending task for {key}")
        return out

    return TaskData(task, rc, data, env, seconds, task_id(keys.done), task_id(keys.show))


def taskwarrior_jobs(tw: TaskData, system: str, timeout: float) -> list[Job]:
    soon = date.today() + timedelta(days=15)
    copy_dir = tw.data.parent / "copy"
    copy_rc = tw.data.parent / "taskrc-copy"
    write_rc(copy_rc, copy_dir)
    copy_env = {**tw.env, "TASKRC": str(copy_rc)}

    def fresh_copy(_: int) -> None:
        shutil.rmtree(copy_dir, ignore_errors=True)
        shutil.copytree(tw.data, copy_dir)

    def cmd(*args: str) -> Callable[[int], list[str]]:
        return lambda n: [tw.task, *args]

    def job(name: str, argv: Callable[[int], list[str]], **kw: object) -> Job:
        # Taskwarrior exits 1 when a filter matches nothing.
        return Job(name, system, argv, kw.pop("env", tw.env), ok=(0, 1), timeout=timeout, **kw)  # type: ignore[arg-type]

    return [
        job("list", cmd("list")),
        job("list --due-within 14d", cmd(f"due.before:{soon:%Y-%m-%d}", "list")),
        job("list --overdue", cmd("overdue")),
        job("status", cmd("summary")),
        job("show KEY", cmd(tw.show_id, "info")),
        job("done KEY", cmd(tw.done_id, "done"), env=copy_env, before=fresh_copy),
    ]


TW_COMMAND = {
    "list": "task list",
    "list --due-within 14d": "task due.before:<today+15d> list",
    "list --overdue": "task overdue",
    "status": "task summary",
    "show KEY": "task <ID> info",
    "done KEY": "task <ID> done (fresh copy)",
}


# --- one size --------------------------------------------------------------------


@dataclass
class SizeResult:
    n: int
    jobs: list[Job]
    floors: dict[str, list[Sample]]
    generated_s: float | None
    import_s: dict[str, float]  # Taskwarrior variant -> seconds of `task import`
    keys: Keys
    db_bytes: int
    events: int


def bench_size(
    n: int,
    args: argparse.Namespace,
    python: str,
    task: str | None,
    workdir: Path,
) -> SizeResult:
    project_key = make_data.project_keys(n, args.projects)[0]
    url, generated = make_data.ensure(n, projects=args.projects, quiet=args.quiet)
    cached = Path(url.removeprefix("sqlite:///"))
    here = workdir / f"n{n}"
    here.mkdir()
    copy = here / "tracker.db"
    shutil.copyfile(cached, copy)
    copy_url = str(copy)
    keys = pick_keys("sqlite:///" + copy_url, project_key)
    env = child_env(workdir)
    jobs = tracker_jobs(python, copy_url, project_key, keys, env, "tracker")
    if args.db_url and n in args.pg_sizes:
        pg_url, pg_generated = make_data.ensure(
            n, url=args.db_url, projects=args.projects, quiet=args.quiet
        )
        if pg_generated is not None and not args.quiet:
            print(f"  PostgreSQL: loaded in {pg_generated:.0f} s", file=sys.stderr)
        jobs += tracker_jobs(python, pg_url, project_key, keys, env, "postgresql")
    imports: dict[str, float] = {}
    if task is not None:
        variants = [False] + ([True] if n <= args.tw_deps_max else [])
        for with_deps in variants:
            system = "taskwarrior" if with_deps else "taskwarrior-nodeps"
            tw = prepare_taskwarrior(task, copy, project_key, keys, here, args.quiet, with_deps)
            imports[system] = tw.import_seconds
            jobs += taskwarrior_jobs(tw, system, args.tw_timeout)
    floors = {
        TYPER: Job(TYPER, "floor", lambda _: [python, "-c", "import typer"], env),
        SQLA: Job(SQLA, "floor", lambda _: [python, "-c", "import sqlalchemy.orm, typer"], env),
    }
    # Interleave: floors spread through the round, Taskwarrior beside the tracker.
    order = [*jobs[:4], floors[TYPER], *jobs[4:8], floors[SQLA], *jobs[8:]]
    rounds = args.warmups + args.runs
    started = time.perf_counter()
    for r in range(rounds):
        for job in order:
            run_job(job, r, here, keep=r >= args.warmups)
        if not args.quiet:
            eta = (time.perf_counter() - started) / (r + 1) * (rounds - r - 1)
            label = "warm-up" if r < args.warmups else f"run {r - args.warmups + 1}/{args.runs}"
            print(
                f"\r  N={n:,}: round {r + 1}/{rounds} ({label}), ~{eta:.0f} s left ",
                end="",
                file=sys.stderr,
                flush=True,
            )
    if not args.quiet:
        print(file=sys.stderr)
    conn = sqlite3.connect(f"file:{cached}?mode=ro", uri=True)
    events = conn.execute("SELECT COUNT(*) FROM event").fetchone()[0]
    conn.close()
    return SizeResult(
        n,
        jobs,
        {k: j.samples for k, j in floors.items()},
        generated,
        imports,
        keys,
        cached.stat().st_size,
        events,
    )


# --- the table -------------------------------------------------------------------

READS = {
    *("list", "list --due-within 14d", "list --overdue", "status", "countdown", "show KEY"),
    AFTER_WRITE,
}
WRITES = {"done KEY", "add", "edit --due"}
REPORTS = {f"report weekly --format {f}" for f in ("md", "html", "json")}


def med(samples: list[Sample]) -> float:
    return statistics.median(s.ms for s in samples)


def low(samples: list[Sample]) -> float:
    return min(s.ms for s in samples)


def peak(samples: list[Sample]) -> float:
    return max(s.rss_mb for s in samples)


@dataclass
class Verdicts:
    lines: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)


def verdict(
    name: str,
    n: int,
    tracker: list[Sample],
    tw: list[Sample] | None,
    sqla_ms: float,
    memory: bool,
    v: Verdicts,
) -> str:
    """✓/✗ marks for the budgets this command has; only at N = BUDGET_N."""
    if n != BUDGET_N:
        return ""
    t = med(tracker)
    marks = []

    def add(ok: bool, label: str) -> None:
        marks.append(("✓ " if ok else "✗ ") + label)
        (v.lines if ok else v.misses).append(f"{name}: {label}")

    if name in READS:
        add(t <= READ_BUDGET_MS, f"≤ {READ_BUDGET_MS:.0f} ms")
    elif name in WRITES:
        add(t <= sqla_ms + WRITE_MARGIN_MS, f"≤ sqla floor + {WRITE_MARGIN_MS:.0f} ms")
    elif name in REPORTS:
        add(t < REPORT_BUDGET_MS, f"< {REPORT_BUDGET_MS / 1000:.0f} s")
    if tw:
        ratio = med(tw) / t
        add(ratio > 1, "faster than task")
        if name in READS:
            add(ratio >= READ_RATIO, f"≥ {READ_RATIO:.0f}× task")
    if memory:
        add(peak(tracker) <= RSS_BUDGET_MB, f"≤ {RSS_BUDGET_MB:.0f} MB")
    return ", ".join(marks)


def _ms(
    job_samples: list[Sample] | None,
    timed_out: bool,
    timeout: float,
    f: Callable[[list[Sample]], float],
) -> str:
    if timed_out:
        return f"> {timeout * 1000:.0f}"
    return f"{f(job_samples):.0f}" if job_samples else ""


def build_rows(
    results: list[SizeResult], args: argparse.Namespace, v: Verdicts
) -> tuple[list[str], list[list[str]]]:
    mem = args.memory
    head = ["command", "N", "lines", "tracker min", "tracker med", *(["tracker MB"] if mem else [])]
    if args.db_url:
        head += ["PG min", "PG med", *(["PG MB"] if mem else [])]
    head += ["typer floor", "sqla floor"]
    tw_on = not args.no_taskwarrior
    if tw_on:
        head += [
            "task command",
            "task lines",
            "task min",
            "task med",
            *(["task MB"] if mem else []),
            "task ÷ tracker",
            "task+deps med",
            "task+deps ÷ tracker",
        ]
    head.append(f"budgets (N={BUDGET_N:,})")
    rows = []
    for res in results:
        jobs = {(j.system, j.name): j for j in res.jobs}
        typer_ms = med(res.floors[TYPER])
        sqla_ms = med(res.floors[SQLA])
        for name in [j.name for j in res.jobs if j.system == "tracker"]:
            t = jobs[("tracker", name)].samples
            row = [name, f"{res.n:,}", str(t[0].lines), f"{low(t):.0f}", f"{med(t):.0f}"]
            if mem:
                row.append(f"{peak(t):.0f}")
            if args.db_url:
                pg_job = jobs.get(("postgresql", name))
                if pg_job is None:
                    row += ["", "", *([""] if mem else [])]
                else:
                    pg = pg_job.samples
                    row += [f"{low(pg):.0f}", f"{med(pg):.0f}"]
                    row += [f"{peak(pg):.0f}"] if mem else []
            row += [f"{typer_ms:.0f}", f"{sqla_ms:.0f}"]
            best = jobs.get(("taskwarrior-nodeps", name))
            deps = jobs.get(("taskwarrior", name))
            tw_samples = best.samples if best and best.samples else None
            if tw_on:
                if best is None:
                    row += ["", "", "", "", *([""] if mem else []), ""]
                else:
                    out = _ms(best.samples, best.timed_out, args.tw_timeout, low)
                    row += [
                        TW_COMMAND[name],
                        str(best.samples[0].lines) if best.samples else "",
                        out,
                        _ms(best.samples, best.timed_out, args.tw_timeout, med),
                    ]
                    if mem:
                        row.append(f"{peak(best.samples):.0f}" if best.samples else "")
                    row.append(f"{med(best.samples) / med(t):.1f}×" if best.samples else "")
                if deps is None:
                    row += ["", ""]
                elif deps.timed_out:
                    row += [
                        f"> {args.tw_timeout * 1000:.0f}",
                        f"> {args.tw_timeout * 1000 / med(t):.0f}×",
                    ]
                else:
                    row += [f"{med(deps.samples):.0f}", f"{med(deps.samples) / med(t):.1f}×"]
            row.append(verdict(name, res.n, t, tw_samples, sqla_ms, mem, v))
            rows.append(row)
    return head, rows


def print_table(head: list[str], rows: list[list[str]], markdown: bool) -> None:
    numeric = {
        i
        for i, h in enumerate(head)
        if h not in ("command", "task command") and not h.startswith("budgets")
    }
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---:" if i in numeric else "---" for i in range(len(head))) + "|")
        for r in rows:
            print("| " + " | ".join(r) + " |")
        return
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]

    def fmt(r: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()

    print(fmt(head))
    print("  ".join("-" * w for w in widths))
    previous = None
    for r in rows:
        if previous is not None and r[1] != previous:
            print()
        previous = r[1]
        print(fmt(r))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        ram = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    debian = ""
    if Path("/etc/debian_version").exists():
        debian = f", Debian {Path('/etc/debian_version').read_text().strip()}"
    return f"{cpu}, {os.cpu_count()} cores{ram}{debian}, {platform.platform()}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="item counts (1000,10000,100000)"
    )
    parser.add_argument("--runs", type=int, default=10, help="timed rounds per size (10)")
    parser.add_argument("--warmups", type=int, default=1, help="untimed rounds first (1)")
    parser.add_argument("--db-url", help="also run the tracker on this PostgreSQL database")
    parser.add_argument(
        "--pg-sizes",
        help="with --db-url, only these sizes on PostgreSQL (default: all; loading takes "
        "~3 ms per operation there, ~45 min at 100,000 items)",
    )
    parser.add_argument("--memory", action="store_true", help="show peak RSS per command (MB)")
    parser.add_argument(
        "--projects",
        type=int,
        default=1,
        help="make_data's --projects: the commands read the first project",
    )
    parser.add_argument("--no-taskwarrior", action="store_true", help="skip Taskwarrior")
    parser.add_argument(
        "--tw-deps-max",
        type=int,
        default=10_000,
        help="largest N for Taskwarrior WITH the dependencies (10000): its dependency handling "
        "is quadratic, ~10 s per command at 10,000 items; above it only the variant without "
        "dependencies (Taskwarrior's best case) runs",
    )
    parser.add_argument(
        "--tw-timeout",
        type=float,
        default=120.0,
        help="seconds before a Taskwarrior run is killed and shown as > (120)",
    )
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--python", default=sys.executable, help="the interpreter to time")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    sizes = list(make_data.iter_sizes(args.sizes))
    args.pg_sizes = set(make_data.iter_sizes(args.pg_sizes)) if args.pg_sizes else set(sizes)
    if args.memory:
        if not os.access(GNU_TIME, os.X_OK):
            parser.error(f"--memory needs GNU time at {GNU_TIME} (apt-get install time)")
        global MEMORY
        MEMORY = True
    python = os.path.abspath(args.python) if os.sep in args.python else args.python
    task = None if args.no_taskwarrior else ensure_taskwarrior()
    workdir = Path(tempfile.mkdtemp(prefix="tracker-compare-"))
    load_before = os.getloadavg()[0]
    wall = time.perf_counter()
    try:
        results = []
        for n in sizes:
            results.append(bench_size(n, args, python, task, workdir))
    except BenchError as exc:
        print(f"\nbench/compare.py: FAILED: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    version = subprocess.run(
        [
            python,
            "-c",
            "import sys, sqlite3; print(sys.version.split()[0], sqlite3.sqlite_version)",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    print(f"Machine: {machine()}")
    print(
        f"Python {version[0]} (SQLite {version[1]}), {python}"
        + (f"; {task_version(task)} (Taskwarrior)" if task else "")
    )
    print(
        f"Command: {' '.join(['bench/compare.py', *(argv if argv is not None else sys.argv[1:])])}"
    )
    print(
        f"{args.runs} timed rounds per size after {args.warmups} warm-up, round-robin; times in ms "
        f"(wall, process start to exit); --today {TODAY:%d.%m.%Y}; 1-min load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after; "
        f"{time.perf_counter() - wall:.0f} s."
    )
    for res in results:
        made = "cached" if res.generated_s is None else f"generated in {res.generated_s:.0f} s"
        imported = "".join(
            f"; task import {'with' if k == 'taskwarrior' else 'without'} dependencies {v:.1f} s"
            for k, v in res.import_s.items()
        )
        print(
            f"  N={res.n:,}: {res.events:,} events, {res.db_bytes / 1e6:.0f} MB "
            f"({made}){imported}; "
            f"done/reopen {res.keys.done}, show {res.keys.show}, edit {res.keys.edit}"
        )
    print()
    v = Verdicts()
    head, rows = build_rows(results, args, v)
    print_table(head, rows, args.markdown)
    if any(r.n == BUDGET_N for r in results):
        print()
        print(f"Budgets at N = {BUDGET_N:,}: {len(v.lines)} met, {len(v.misses)} missed.")
        for miss in v.misses:
            print(f"  ✗ {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
