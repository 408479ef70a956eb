"""Cold start-up time of tracker's everyday commands against the `import typer` floor.

The issue's budget: every everyday command, reads and writes alike, runs in at most
1.5 × the time of `python -c "import typer"`. This script times a new process per run
for each command on a temporary SQLite database holding the Stuttgart plan, beside the
floors `python -c pass`, `python -c "import typer"` and
`python -c "import sqlalchemy.orm, typer"`, all from the same interpreter and in the same
rounds: each round runs every command once (round-robin), so load from other work on the
machine hits all of them alike.

Writes are real: `done` / `reopen` alternate on TRAIN-BASIS, `add` creates a new
milestone that `start` and `cancel` then move, `edit` alternates MIG-PREP's due date
between two days, `note` appends a note. Every run must exit 0 and print what it changed;
otherwise the script stops with the command's output.

Bytecode: the child processes cache .pyc files in a temporary PYTHONPYCACHEPREFIX and run
without PYTHONDONTWRITEBYTECODE, as an installed tracker has its .pyc files like typer in
site-packages. `--inherit-bytecode` keeps the caller's settings instead; with
PYTHONDONTWRITEBYTECODE=1 and an editable install, tracker's modules are then compiled
from source on every run (~15-20 ms per process more).

    .venv/bin/python bench/startup.py               # table, 30 runs per command
    .venv/bin/python bench/startup.py --markdown    # the same as a Markdown table
    .venv/bin/python bench/startup.py --importtime  # slowest imports of list/status/done

Standard library only; never run it with the pyenv `python3` shim (~100 ms per process
more, field notes §1): `--python` defaults to the interpreter running this script.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

TODAY = "20.09.2011"
PLAN = "stuttgart-2012"
BUDGET = 1.5  # × the `import typer` floor's median
WARMUPS = 3

PASS = "python -c pass"
TYPER = 'python -c "import typer"'
SQLA = 'python -c "import sqlalchemy.orm, typer"'

# Packages an everyday command should not need; `--importtime` says which got loaded.
WATCH = (
    "sqlalchemy",
    "alembic",
    "mako",
    "pydantic",
    "pydantic_core",
    "rich",
    "psycopg",
    "holidays",
    "icalendar",
    "platformdirs",
    "tomllib",
    "dateutil",
    "json",
    "textwrap",
    "getpass",
    "typer",
    "shellingham",
)


class BenchError(RuntimeError):
    """A run failed: the benchmark would time something else than a valid command."""


@dataclass
class State:
    """What the write commands need to know between runs."""

    added: list[str] = field(default_factory=list)  # keys made by `add`, newest last


@dataclass(frozen=True)
class Command:
    """One everyday command: its arguments for round `n`, and what its output must show."""

    name: str
    args: Callable[[int, State], list[str]]
    expect: str = ""  # a regex the output must contain (proves that a write happened)
    after: Callable[[str, State], None] | None = None  # reads the output (add's key)


def _remember_key(out: str, state: State) -> None:
    m = re.match(r"(\S+): created ", out)
    if m is None:
        raise BenchError(f"add: no new key in its output {out!r}")
    state.added.append(m[1])


def _last_added(state: State) -> str:
    if not state.added:
        raise BenchError("start/cancel need the key of an item that `add` made first")
    return state.added[-1]


# One round, in this order (a write's precondition is set up earlier in the round):
# add makes a planned milestone; start moves it to in progress; cancel closes it.
# done closes TRAIN-BASIS (in progress in the plan); reopen brings it back.
COMMANDS: tuple[Command, ...] = (
    Command("list", lambda n, s: ["list"], expect=r"^MIG-PREP "),
    Command(
        "add",
        lambda n, s: ["add", "Bench", "--workstream", "training"],
        expect=r": created \"Bench\"",
        after=_remember_key,
    ),
    Command("show KEY", lambda n, s: ["show", "TRAIN-BASIS"], expect=r"^TRAIN-BASIS "),
    Command(
        "start",
        lambda n, s: ["start", _last_added(s)],
        expect=r"state planned → in progress",
    ),
    Command("countdown", lambda n, s: ["countdown"], expect=r"GO-LIVE"),
    Command(
        "cancel",
        lambda n, s: ["cancel", _last_added(s)],
        expect=r"state in progress → cancelled",
    ),
    Command("status", lambda n, s: ["status"], expect=r"Go-live 01\.01\.2012"),
    Command(
        "done",
        lambda n, s: ["done", "TRAIN-BASIS"],
        expect=r"TRAIN-BASIS: state in progress → done on 20\.09\.2011",
    ),
    Command("history", lambda n, s: ["history"], expect=r"TRAIN-BASIS"),
    Command(
        "reopen",
        lambda n, s: ["reopen", "TRAIN-BASIS"],
        expect=r"TRAIN-BASIS: state done → in progress",
    ),
    Command(
        "edit",
        # The plan derives 31.12.2011; alternating two other days changes it every run.
        lambda n, s: ["edit", "MIG-PREP", "--due", ("15.12.2011", "16.12.2011")[n % 2]],
        expect=r"MIG-PREP: due \d\d\.12\.2011 → 1[56]\.12\.2011",
    ),
    Command(
        "note",
        lambda n, s: ["note", "TRAIN-BASIS", f"Benchmark note {n}"],
        expect=r"TRAIN-BASIS: note added",
    ),
)


@dataclass
class Runner:
    """Starts the processes: one interpreter, one database, a clean environment."""

    python: str
    db: Path
    cwd: Path
    env: dict[str, str]

    def tracker(self, args: Sequence[str]) -> list[str]:
        return [self.python, "-m", "tracker", "--today", TODAY, "--db", str(self.db), *args]

    def run(self, argv: Sequence[str], what: str) -> tuple[float, str, str]:
        """Run one process; return its wall time in ms, stdout and stderr."""
        t0 = time.perf_counter()
        proc = subprocess.run(
            argv, cwd=self.cwd, env=self.env, capture_output=True, text=True, check=False
        )
        elapsed = (time.perf_counter() - t0) * 1000
        if proc.returncode != 0:
            raise BenchError(
                f"{what}: exit code {proc.returncode}\n  argv: {' '.join(argv)}\n"
                f"  stdout: {proc.stdout.strip()[:2000]}\n  stderr: {proc.stderr.strip()[:2000]}"
            )
        return elapsed, proc.stdout, proc.stderr


def make_runner(python: str, workdir: Path, inherit_bytecode: bool) -> Runner:
    """A runner on a fresh database holding the plan (`init`, not timed).

    Unless `inherit_bytecode`, the processes cache bytecode under a temporary
    PYTHONPYCACHEPREFIX and PYTHONDONTWRITEBYTECODE is dropped: an installed tracker has
    its .pyc files, as typer has in site-packages. With PYTHONDONTWRITEBYTECODE=1 and an
    editable install without __pycache__, every run would compile tracker's modules from
    source (~15-20 ms more), which the floors never pay.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TRACKER_") and k != "PYTHONPROFILEIMPORTTIME"
    }
    if not inherit_bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    runner = Runner(python, workdir / "bench.db", workdir, env)
    _, out, _ = runner.run(runner.tracker(["init", "--plan", PLAN]), "init")
    if "Loaded " + PLAN not in out:
        raise BenchError(f"init did not load {PLAN}: {out!r}")
    return runner


def run_command(runner: Runner, cmd: Command, n: int, state: State) -> float:
    argv = runner.tracker(cmd.args(n, state))
    ms, out, _ = runner.run(argv, cmd.name)
    if cmd.expect and not re.search(cmd.expect, out, re.MULTILINE):
        raise BenchError(
            f"{cmd.name}: output lacks {cmd.expect!r}\n  argv: {' '.join(argv)}\n"
            f"  stdout: {out.strip()[:2000]}"
        )
    if cmd.after is not None:
        cmd.after(out, state)
    return ms


def benchmark(runner: Runner, runs: int, progress: bool) -> dict[str, list[float]]:
    """Round-robin: every floor and command once per round, WARMUPS rounds untimed."""
    floors = {
        PASS: [runner.python, "-c", "pass"],
        TYPER: [runner.python, "-c", "import typer"],
        SQLA: [runner.python, "-c", "import sqlalchemy.orm, typer"],
    }
    times: dict[str, list[float]] = {name: [] for name in floors}
    times.update({cmd.name: [] for cmd in COMMANDS})
    state = State()
    rounds = WARMUPS + runs
    # The floors spread through the round, between the tracker commands.
    order: list[str | Command] = [PASS, *COMMANDS[:4], TYPER, *COMMANDS[4:8], SQLA]
    order += COMMANDS[8:]
    started = time.perf_counter()
    for n in range(rounds):
        sample: dict[str, float] = {}
        for item in order:
            if isinstance(item, str):
                sample[item] = runner.run(floors[item], item)[0]
            else:
                sample[item.name] = run_command(runner, item, n, state)
        if n >= WARMUPS:
            for name, ms in sample.items():
                times[name].append(ms)
        if progress:
            done_rounds = n + 1
            eta = (time.perf_counter() - started) / done_rounds * (rounds - done_rounds)
            label = "warm-up" if n < WARMUPS else f"run {n - WARMUPS + 1}/{runs}"
            line = f"\r  round {done_rounds}/{rounds} ({label}), ~{eta:.0f} s left "
            print(line, end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    return times


# --- the table -------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    label: str
    min_ms: float
    median_ms: float
    ratio: float
    verdict: str  # "yes", "NO", or "" for a floor


def summarize(times: dict[str, list[float]]) -> tuple[list[Line], list[Line], float]:
    floor = statistics.median(times[TYPER])
    budget = BUDGET * floor

    def line(name: str, label: str, verdict: bool | None) -> Line:
        med = statistics.median(times[name])
        shown = "" if verdict is None else ("yes" if verdict else "NO")
        return Line(label, min(times[name]), med, med / floor, shown)

    commands = [line(c.name, c.name, statistics.median(times[c.name]) <= budget) for c in COMMANDS]
    floors = [line(name, name, None) for name in (PASS, TYPER, SQLA)]
    return commands, floors, budget


def print_table(
    commands: list[Line], floors: list[Line], budget: float, runs: int, markdown: bool
) -> None:
    head = ("command", "min ms", "median ms", "÷ typer", f"≤ {BUDGET}× floor")
    rows = [
        (ln.label, f"{ln.min_ms:.1f}", f"{ln.median_ms:.1f}", f"{ln.ratio:.2f}", ln.verdict)
        for ln in [*commands, *floors]
    ]
    within = sum(ln.verdict == "yes" for ln in commands)
    floor = floors[1].median_ms
    note = (
        f"{runs} cold runs per command (after {WARMUPS} warm-up rounds), round-robin; "
        f"floor = median of {TYPER} = {floor:.1f} ms; budget {BUDGET} × floor = "
        f"{budget:.1f} ms; {within} of {len(commands)} commands within it (unrounded medians)."
    )
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|---|" + "---:|" * (len(head) - 2) + ":---:|")
        for i, r in enumerate(rows):
            cells = [f"`{r[0]}`" if i >= len(commands) else r[0], *r[1:]]
            print("| " + " | ".join(cells) + " |")
        print()
        print(note)
        return
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]

    def fmt(r: Sequence[str]) -> str:
        cells = [r[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)
        ]
        return "  ".join(cells).rstrip()

    print(fmt(head))
    print("  ".join("-" * w for w in widths))
    for r in rows[: len(commands)]:
        print(fmt(r))
    print("  ".join("-" * w for w in widths))
    for r in rows[len(commands) :]:
        print(fmt(r))
    print()
    print(note)


# --- -X importtime ---------------------------------------------------------------


@dataclass
class Imported:
    name: str
    depth: int
    self_us: int
    cumulative_us: int
    parent: str | None = None


def parse_importtime(stderr: str) -> list[Imported]:
    """The modules a process imported, with who imported each (the enclosing import)."""
    mods: list[Imported] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        _, self_us, cum_us, raw = (p for p in re.split(r"[:|]", line, maxsplit=3))
        indent = len(raw) - len(raw.lstrip(" "))
        mods.append(Imported(raw.strip(), (indent - 1) // 2, int(self_us), int(cum_us)))
    # Children are printed before their parent; the parent is the next line one level up.
    pending: dict[int, list[Imported]] = {}
    for mod in mods:
        for child in pending.pop(mod.depth + 1, []):
            child.parent = mod.name
        pending.setdefault(mod.depth, []).append(mod)
    return mods


def chain(mod: Imported, by_name: dict[str, Imported]) -> str:
    """`a ← b ← c`: the module, what imported it, what imported that, ..."""
    names = []
    parent = mod.parent
    while parent is not None and len(names) < 4:
        names.append(parent)
        parent = by_name[parent].parent if parent in by_name else None
    return " ← ".join(names) if names else "(top level, or at run time)"


@dataclass
class Profile:
    """Medians over repeated `-X importtime` runs of one command line."""

    cumulative: dict[str, float]  # ms
    own: dict[str, float]  # ms, the module's own code (its `self` column)
    last: dict[str, Imported]  # the last run's modules, for who-imported-what
    total: float  # ms, all imports
    wall: float  # ms, the process under importtime (slower than without)


def profile_imports(
    runner: Runner, args: list[str], what: str, repeats: int, undo: list[str] | None = None
) -> Profile:
    """Run `python -X importtime ARGS` 1 + `repeats` times (the first warms up)."""
    runs: list[list[Imported]] = []
    walls: list[float] = []
    for i in range(repeats + 1):
        ms, _, err = runner.run([runner.python, "-X", "importtime", *args], what)
        if undo is not None:
            runner.run(runner.tracker(undo), " ".join(undo))
        if i:
            runs.append(parse_importtime(err))
            walls.append(ms)
    cum: dict[str, list[int]] = {}
    own: dict[str, list[int]] = {}
    for mods in runs:
        for m in mods:
            cum.setdefault(m.name, []).append(m.cumulative_us)
            own.setdefault(m.name, []).append(m.self_us)
    return Profile(
        {k: statistics.median(v) / 1000 for k, v in cum.items()},
        {k: statistics.median(v) / 1000 for k, v in own.items()},
        {m.name: m for m in runs[-1]},
        statistics.median(sum(m.cumulative_us for m in ms if m.depth == 0) for ms in runs) / 1000,
        statistics.median(walls),
    )


# Runs in the child: where a command's time goes after `import typer`, which -X importtime
# cannot show (Typer builds every command's parameters from its signature on each run).
PHASES = """
import contextlib, io, sys, time
t0 = time.perf_counter()
import typer
t1 = time.perf_counter()
from tracker.cli import app
t2 = time.perf_counter()
group = typer.main.get_command(app)
t3 = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    group.main(args=sys.argv[1:], prog_name="tracker", standalone_mode=False)
t4 = time.perf_counter()
print(*(round((b - a) * 1000, 3) for a, b in ((t0, t1), (t1, t2), (t2, t3), (t3, t4))))
"""
PHASE_NAMES = ("import typer", "import tracker.cli", "Typer builds commands", "run")


def phases(runner: Runner, args: list[str], repeats: int, undo: list[str] | None) -> str:
    """Median ms of each phase of one command, in one process per run."""
    samples: list[list[float]] = []
    for i in range(repeats + 1):
        argv = [runner.python, "-c", PHASES, *runner.tracker(args)[3:]]
        out = runner.run(argv, f"{args[0]} (phases)")[1]
        if undo is not None:
            runner.run(runner.tracker(undo), " ".join(undo))
        if i:
            samples.append([float(x) for x in out.split()])
    medians = [statistics.median(col) for col in zip(*samples, strict=True)]
    return ", ".join(f"{n} {ms:.1f}" for n, ms in zip(PHASE_NAMES, medians, strict=True))


def importtime(runner: Runner, repeats: int, top: int) -> None:
    """Run list, status and done under -X importtime; print the slowest imports.

    Besides the slowest imports (cumulative, as -X importtime counts them: a module
    shared with typer is charged to whoever imports it first), it lists what the
    command loads beyond `python -c "import typer"`, i.e. what the floor does not pay.
    """
    floor = profile_imports(runner, ["-c", "import typer"], "import typer", repeats)
    print(
        f"floor `import typer`: {len(floor.last)} modules, all imports {floor.total:.1f} ms "
        f"(median of {repeats} runs under -X importtime)"
    )
    jobs: list[tuple[str, list[str], list[str] | None]] = [
        ("list", ["list"], None),
        ("status", ["status"], None),
        ("done", ["done", "TRAIN-BASIS"], ["reopen", "TRAIN-BASIS"]),  # undone each run
    ]
    for name, args, undo in jobs:
        prof = profile_imports(
            runner, runner.tracker(args)[1:], f"{name} -X importtime", repeats, undo
        )
        last = prof.last
        print(
            f"\n== {name}: {len(last)} modules, all imports {prof.total:.1f} ms "
            f"(median of {repeats} runs; wall {prof.wall:.0f} ms under importtime)"
        )
        print(f"  {top} slowest, cumulative:")
        print(f"  {'cumul ms':>8}  {'self ms':>7}  module  (imported by ←)")
        for mod in sorted(prof.cumulative, key=prof.cumulative.__getitem__, reverse=True)[:top]:
            print(
                f"  {prof.cumulative[mod]:8.1f}  {prof.own[mod]:7.1f}  {mod}"
                f"  ({chain(last[mod], last)})"
            )
        extra = [m for m in last if m not in floor.last]
        extra.sort(key=prof.own.__getitem__, reverse=True)
        print(
            f"  beyond `import typer`: {len(extra)} modules, "
            f"{sum(prof.own[m] for m in extra):.1f} ms of their own code; the slowest:"
        )
        for mod in extra[:top]:
            print(f"  {'':8}  {prof.own[mod]:7.1f}  {mod}  ({chain(last[mod], last)})")
        loaded = [p for p in WATCH if p in last]
        print(
            "  watched packages loaded: "
            + ", ".join(f"{p} {prof.cumulative[p]:.1f} ms" for p in loaded)
        )
        print("  not loaded: " + ", ".join(p for p in WATCH if p not in last))
        print(
            f"  in-process phases, ms (median of {repeats}, no importtime): "
            + phases(runner, args, repeats, undo)
        )


def bytecode_note(runner: Runner) -> str:
    prefix = runner.env.get("PYTHONPYCACHEPREFIX", "")
    if prefix.startswith(str(runner.cwd)):
        return "Bytecode: cached in a temporary PYTHONPYCACHEPREFIX (as for an installed package)."
    if runner.env.get("PYTHONDONTWRITEBYTECODE"):
        return (
            "Bytecode: inherited PYTHONDONTWRITEBYTECODE=1: modules without an existing "
            ".pyc are compiled from source on every run."
        )
    return "Bytecode: inherited settings (.pyc written next to the sources)."


# --- main ------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs per command (30)")
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="the interpreter to time, e.g. .venv/bin/python (default: this one)",
    )
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument(
        "--importtime",
        action="store_true",
        help="instead of timing: the 15 slowest imports of list, status and done",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when a command's median is over the budget",
    )
    parser.add_argument(
        "--inherit-bytecode",
        action="store_true",
        help="keep this environment's PYTHONDONTWRITEBYTECODE / PYTHONPYCACHEPREFIX "
        "(default: cache bytecode in a temporary PYTHONPYCACHEPREFIX, as an installed "
        "package has its .pyc files)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    python = args.python
    if os.sep in python:
        # Keep the venv's bin/python (a symlink): resolving it would leave the venv.
        python = os.path.abspath(python)
    workdir = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    try:
        runner = make_runner(python, workdir, args.inherit_bytecode)
        if args.importtime:
            importtime(runner, repeats=5, top=15)
            return 0
        version = runner.run([python, "-c", "import sys; print(sys.version.split()[0])"], "")[1]
        load_before = os.getloadavg()[0]
        times = benchmark(runner, args.runs, progress=not args.quiet)
        commands, floors, budget = summarize(times)
        print(
            f"tracker start-up: {python} (Python {version.strip()}), `-m tracker --today "
            f"{TODAY} --db FILE` on plan {PLAN}; 1-min load average {load_before:.1f} before,"
            f" {os.getloadavg()[0]:.1f} after.\n{bytecode_note(runner)}\n"
        )
        print_table(commands, floors, budget, args.runs, args.markdown)
        if args.check and any(ln.verdict != "yes" for ln in commands):
            return 1
        return 0
    except BenchError as exc:
        print(f"bench/startup.py: FAILED: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
