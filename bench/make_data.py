"""A realistic tracker database of N items, written through the tracker's own core (issue #8).

    .venv/bin/python bench/make_data.py 100000               # bench/.data/tracker-100000.db
    .venv/bin/python bench/make_data.py 10000 --projects 40  # 40 municipalities, 250 items each
    .venv/bin/python bench/make_data.py 100000 --db postgresql+psycopg://u:pw@127.0.0.1/bench

The shape is the Stuttgart plan's (tracker/plans/stuttgart-2012.toml: 7 workstreams,
16 milestones, 8 tasks, 11 dependencies) repeated once per municipality ("K00042-..."
keys), each copy moved to its own go-live between 07.2011 and 07.2013, so due dates
spread over 2011-2013. By default all municipalities are ONE project, a PMO keeping a
whole programme in one tracker project: that is the variant the benchmarks read
(`bench/compare.py`), N items in the project the commands look at. `--projects P`
makes one project per group of municipalities instead (N/P items each).

Each project also has a programme milestone GO-LIVE (31.12.2013, the project's go-live)
that depends on every municipality's GO-LIVE.

History, as the tracker records it, over 03.01.2011-30.11.2012 (TODAY, the day the
benchmarks run `--today` on): every item is created, then started, rescheduled, noted,
done, cancelled, reopened or handed to another owner on days spread between its
creation and TODAY; about 10 events per item, a tenth of the items done, most slipped
items moved past TODAY, some still overdue. All operations are sorted by day and run
in that order, so event ids follow the days as in a real log.

Everything is written through the tracker's core, as the commands write it:
`tracker.plan.install` (the `tracker init` path: migrations, project, workstreams),
then `tracker.actions.add_item`, `change_state`, `reopen`, `edit_item`, `add_note`
and `close_day`, each inside `tracker.db.writer(url)` transactions of `--batch`
operations (default 10,000, about 1,000 items' worth), with `Who(actor, day)` as
`--as`/`--today` give it; events carry the tracker's own hash chain. One exception:
dependencies use `actions.add_dependency`'s SQL and events (INSERT_DEPENDENCY, an
"edited depends_on" event, the note as a note event) without its cycle check, which
reads the whole project per call (O(N) each, hours at N = 100,000). The graph is
acyclic by construction and checked once at the end with tracker.schedule; the hash
chain is verified with tracker.audit.

SQLite databases are cached by N (and P) under bench/.data/ (written to a .partial
file, renamed when complete); a complete cached file is reused unless --force. On
PostgreSQL the project key "bench-N" marks the data; its closing operation (closed
days for 24.12. and 31.12.2012) marks it complete. Progress goes to stderr, the
database URL to stdout.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tracker import actions, db, plan, queries  # noqa: E402
from tracker.actions import Who  # noqa: E402
from tracker.states import EventKind, Kind, State  # noqa: E402

DATA_DIR = Path(__file__).resolve().parent / ".data"
TEMPLATE = "stuttgart-2012"
TEMPLATE_GO_LIVE = date(2012, 1, 1)  # the template's dates are moved relative to it
FIRST_DAY = date(2011, 1, 3)  # the first event
TODAY = date(2012, 11, 30)  # the last event; the benchmarks run with --today on it
GO_LIVE = date(2013, 12, 31)  # the programme's go-live: the project's go_live
LAST_DUE = GO_LIVE
ANCHORS = (date(2011, 7, 1), date(2013, 7, 1))  # the municipalities' go-live dates
CLOSED_DAYS = ((date(2012, 12, 24), "Heiligabend"), (date(2012, 12, 31), "Silvester"))
BLOCK_PREFIX = "K"  # K00042-SW-AWARD: municipality 42's SW-AWARD

P_DONE = 0.1  # of the items due before TODAY (a tenth of all ends up done)
P_SLIPPED = 0.8  # open items due before TODAY that were moved past it
P_CANCEL = 0.01
P_REOPEN = 0.03  # done milestones reopened once and done again
P_OWNER = 0.08
NOTES = (2, 9)  # notes per item, uniform

ACTORS = (
    "a.mueller",
    "b.schmidt",
    "c.schneider",
    "d.fischer",
    "e.weber",
    "f.meyer",
    "g.wagner",
    "h.becker",
    "i.schulz",
    "j.hoffmann",
    "k.koch",
    "l.richter",
    "m.klein",
    "n.wolf",
    "o.schroeder",
    "p.neumann",
    "q.schwarz",
    "r.zimmermann",
    "s.braun",
    "t.krueger",
    "u.hofmann",
    "v.hartmann",
    "w.lange",
    "x.schmitt",
    "pmo",
    "pg-optionskommune",
)
OWNERS = (
    "Projektgruppe Optionskommune",
    "Referat Soziales, Jugend und Gesundheit",
    "Haupt- und Personalamt",
    "Agentur für Arbeit",
    "Jobcenter",
    "Sozialamt",
    "IT-Dienstleister",
    "Kämmerei",
    "Personalrat",
    "Rechtsamt",
)
NOTE_TEXTS = (
    "Abstimmung mit der Agentur für Arbeit erfolgt; Protokoll liegt im Projektordner.",
    "Termin mit dem Personalrat vereinbart.",
    "Rückfrage an den Softwarehersteller gestellt, Antwort steht aus.",
    "Verzögerung durch fehlende Zuarbeit aus dem Fachbereich.",
    "Vorlage im Verwaltungsausschuss vorberaten.",
    "Schulungsräume reserviert, Teilnehmerliste folgt.",
    "Datenabgleich mit dem Altverfahren ergab Abweichungen; Klärung läuft.",
    "Ansprechpartner gewechselt, Übergabe erledigt.",
    "Kostenschätzung aktualisiert.",
    "Risiko an die Lenkungsgruppe gemeldet.",
    "Testlauf erfolgreich abgeschlossen.",
    "Wartet auf Freigabe durch die Amtsleitung.",
)


# --- the plan of operations --------------------------------------------------------


@dataclass
class Spec:
    """One item to create, with what the template and the dates give it."""

    project: int  # index into the projects
    key: str
    kind: Kind
    title: str
    workstream: str
    milestone: str | None
    owner: str | None
    start: date | None
    due: date | None
    refs: str
    lead: str  # the actor who does most changes of its municipality


# An operation: (day ordinal, phase, item index, step, code, argument). Sorted, they
# run in order: creations of a day first (phase 0), then dependencies (1), then the
# rest (2); an item's own steps keep their order.
Op = tuple[int, int, int, int, str, object]


@dataclass
class Generated:
    specs: list[Spec] = field(default_factory=list)
    ops: list[Op] = field(default_factory=list)


def _day(rng: random.Random, first: date, last: date) -> date:
    """A day in [first, last] (first when the range is empty)."""
    span = (last - first).days
    return first if span <= 0 else first + timedelta(days=rng.randint(0, span))


def _days(rng: random.Random, first: date, last: date, n: int) -> list[date]:
    return sorted(_day(rng, first, last) for _ in range(n))


def project_keys(n: int, projects: int) -> list[str]:
    if projects == 1:
        return [f"bench-{n}"]
    return [f"bench-{n}-{p + 1:04d}" for p in range(projects)]


def generate(n: int, projects: int, seed: int) -> Generated:
    """Items and every operation on them, from the Stuttgart template."""
    rng = random.Random(seed)
    template = plan.read(TEMPLATE)
    t_items = template.items()
    out = Generated()
    sizes = [n // projects + (1 if p < n % projects else 0) for p in range(projects)]
    block_no = 0
    for p, size in enumerate(sizes):
        # The programme's GO-LIVE first: every municipality's GO-LIVE precedes it.
        programme = len(out.specs)
        out.specs.append(
            Spec(
                p,
                "GO-LIVE",
                Kind.MILESTONE,
                "Programm: alle Jobcenter in kommunaler Trägerschaft",
                "org",
                None,
                "Projektgruppe Optionskommune",
                None,
                GO_LIVE,
                "",
                "pmo",
            )
        )
        out.ops.append((FIRST_DAY.toordinal(), 0, programme, 0, "create", None))
        for k, day in enumerate(_days(rng, FIRST_DAY, TODAY, rng.randint(*NOTES))):
            out.ops.append((day.toordinal(), 2, programme, k + 1, "note", "pmo"))
        left = size - 1
        blocks = (left + len(t_items) - 1) // len(t_items)  # this project's municipalities
        for b in range(blocks):
            take = min(left, len(t_items))
            # Go-lives spread over the project's span: by its own municipality count.
            spread = (b + rng.random()) / blocks
            _block(rng, out, p, block_no, spread, t_items[:take], programme)
            left -= take
            block_no += 1
    return out


def _block(
    rng: random.Random,
    out: Generated,
    project: int,
    b: int,
    spread: float,
    template: list[plan.PlanItem],
    programme: int,
) -> None:
    """One municipality: the template's items moved to its go-live, and their lives.

    `b` numbers the municipality (its keys), `spread` (0-1) places its go-live.
    """
    a0, a1 = ANCHORS
    anchor = a0 + timedelta(days=int((a1 - a0).days * spread))
    created = anchor - timedelta(days=210 + rng.randint(0, 60))
    created = min(max(created, FIRST_DAY), TODAY - timedelta(days=30))
    prefix = f"{BLOCK_PREFIX}{b + 1:05d}-"
    lead = rng.choice(ACTORS)
    first_index = len(out.specs)
    index: dict[str, int] = {}

    def moved(d: date | None) -> date | None:
        return None if d is None else min(anchor + (d - TEMPLATE_GO_LIVE), LAST_DUE)

    for t in template:
        start, due = moved(t.start), moved(t.due)
        parent = None
        if t.kind is Kind.TASK:
            parent_spec = out.specs[index[_parent_key(template, t)]]
            parent = parent_spec.key
            if parent_spec.due is not None:  # tasks get dates before their milestone's
                due = parent_spec.due - timedelta(days=rng.randint(7, 90))
        elif due is None and rng.random() < 0.7:
            due = anchor - timedelta(days=rng.randint(30, 150))
        if due is not None:
            due = max(due, created + timedelta(days=7))
        if start is not None and due is not None and start > due:
            start = due
        index[t.key] = len(out.specs)
        out.specs.append(
            Spec(
                project,
                prefix + t.key,
                t.kind,
                t.title,
                t.workstream,
                parent,
                t.owner,
                start,
                due,
                ", ".join(t.refs),
                lead,
            )
        )
    # Creation (phase 0, in template order: milestones before their tasks).
    for i in range(first_index, len(out.specs)):
        out.ops.append((created.toordinal(), 0, i, 0, "create", None))
    # Dependencies as a lead adds them with `tracker depend` (phase 1).
    step = 0
    for t in template:
        for d in t.depends_on:
            if d.key in index:
                arg = (index[d.key], d.lag, d.note)
                out.ops.append((created.toordinal(), 1, index[t.key], step, "depend", arg))
                step += 1
    if "GO-LIVE" in index:
        arg = (index["GO-LIVE"], 0, "")
        out.ops.append((created.toordinal(), 1, programme, 10_000 + b, "depend_programme", arg))
    # The items' lives (phase 2).
    done_days: dict[int, date] = {}
    for t in template:  # milestones first: a done milestone needs its tasks done before
        i = index[t.key]
        spec = out.specs[i]
        if spec.due is not None and spec.due < TODAY - timedelta(days=7) and rng.random() < P_DONE:
            late = int(rng.gauss(3, 15))
            done = spec.due + timedelta(days=late)
            done_days[i] = min(max(done, created + timedelta(days=3)), TODAY)
    for t in template:  # a done milestone's tasks were done (or cancelled) before it
        parent_i = index[_parent_key(template, t)] if t.kind is Kind.TASK else None
        if parent_i is not None and parent_i in done_days:
            last = done_days[parent_i] - timedelta(days=1)
            own = done_days.get(index[t.key])
            early = own if own is not None and own <= last else None
            done_days[index[t.key]] = early or _day(rng, created + timedelta(days=1), last)
    has_tasks = {index[_parent_key(template, t)] for t in template if t.kind is Kind.TASK}
    for t in template:
        i = index[t.key]
        _life(rng, out, i, created, done_days.get(i), i in has_tasks)


def _parent_key(template: list[plan.PlanItem], task: plan.PlanItem) -> str:
    for m in template:
        if task in m.tasks:
            return m.key
    raise KeyError(task.key)


def _life(
    rng: random.Random, out: Generated, i: int, created: date, done: date | None, has_tasks: bool
) -> None:
    """State changes, reschedules, notes and owner changes of one item (phase 2)."""
    spec = out.specs[i]
    one = timedelta(days=1)
    steps: list[tuple[date, str, object]] = []
    cancelled = None
    if done is None and not has_tasks and rng.random() < P_CANCEL:
        cancelled = _day(rng, created + one, TODAY)
    closed = done or cancelled
    active_until = (closed - one) if closed else TODAY
    # Started: at its start date (a period), else some day before it closes.
    started = None
    if closed is not None:
        if rng.random() < (0.7 if done else 0.3) and active_until > created:
            started = _day(rng, created + one, active_until)
    elif spec.start is not None and spec.start <= TODAY and rng.random() < 0.9:
        started = max(spec.start, created + one)
    elif rng.random() < 0.55:
        near = spec.due - timedelta(days=60) if spec.due else created + one
        started = _day(rng, max(created + one, near), TODAY)
    if started is not None and started <= active_until:
        steps.append((started, "start", None))
    # Reschedules: slipped items move past TODAY; the others move a little.
    due = spec.due
    if due is not None and closed is None and due < TODAY and rng.random() < P_SLIPPED:
        k = 1 + min(int(rng.expovariate(1 / 1.5)), 5)
        days = _days(rng, max(created + one, due - timedelta(days=30)), TODAY, k)
        for j, r in enumerate(days):
            if j == k - 1:
                new = max(TODAY + timedelta(days=rng.randint(7, 390)), due + timedelta(days=7))
            else:
                new = max(due + timedelta(days=rng.randint(7, 60)), r + timedelta(days=7))
            new = min(new, LAST_DUE)
            if new != due:
                steps.append((r, "due", _moved(spec, due, new)))
                due = new
    elif active_until > created:
        k = rng.choices((0, 1, 2, 3, 4), (30, 25, 20, 15, 10))[0]
        if due is None:
            k = 1 if rng.random() < 0.3 else 0
        for r in _days(rng, created + one, active_until, k):
            if due is None:
                new = r + timedelta(days=rng.randint(30, 200))
            else:
                new = due + timedelta(days=rng.randint(-10, 45))
            new = min(new, LAST_DUE)
            if new != due:
                steps.append((r, "due", _moved(spec, due, new)))
                due = new
    if rng.random() < P_OWNER and active_until > created:
        steps.append((_day(rng, created + one, active_until), "owner", rng.choice(OWNERS)))
    # Notes, until a month after it closed.
    last_note = min(TODAY, closed + timedelta(days=30)) if closed else TODAY
    for r in _days(rng, created + one, last_note, rng.randint(*NOTES)):
        steps.append((r, "note", None))
    steps.sort(key=lambda s: s[0])  # stable: same-day steps keep the order above
    if done is not None:
        # Done on its day, after the changes of that day.
        steps = [s for s in steps if s[0] <= done or s[1] == "note"]
        steps.append((done, "done", done))
        if spec.kind is Kind.MILESTONE and not has_tasks and rng.random() < P_REOPEN:
            reopened = done + timedelta(days=rng.randint(1, 20))
            if reopened < TODAY:
                steps.append((reopened, "reopen", None))
                steps.append((_day(rng, reopened + one, TODAY), "done_again", None))
        steps.sort(key=lambda s: (s[0], s[1] == "note"))
    if cancelled is not None:
        steps = [s for s in steps if s[0] <= cancelled or s[1] == "note"]
        steps.append((cancelled, "cancel", None))
        steps.sort(key=lambda s: (s[0], s[1] == "note"))
    for k, (day, code, arg) in enumerate(steps):
        out.ops.append((day.toordinal(), 2, i, k + 1, code, arg))


# --- running the operations through the tracker's core ------------------------------


def _moved(spec: Spec, due: date | None, new: date) -> tuple[date | None, date]:
    """A reschedule: the new (start, due); a period keeps its length, as a lead moves it."""
    if spec.start is None or spec.due is None or due is None:
        return None, new
    start = spec.start + (new - spec.due)
    return (start if start <= new else new), new


def _who(spec: Spec, rng: random.Random, day: date) -> Who:
    actor = spec.lead if rng.random() < 0.6 else rng.choice(ACTORS)
    return Who(actor, day)


def _depend(
    run: db.Runner, project: queries.ProjectRow, who: Who, item: str, on: str, lag: int, note: str
) -> None:
    """What `actions.add_dependency` writes, without its whole-project cycle check."""
    successor = queries.find_item(run, project, item)
    predecessor = queries.find_item(run, project, on)
    run(
        actions.INSERT_DEPENDENCY,
        {
            "project": project.id,
            "item": successor.id,
            "pred": predecessor.id,
            "lag": lag,
            "derived": False,
            "note": note,
            "now": actions.now_utc(),
        },
    )
    new = actions.dependency_text(predecessor.key, lag)
    actions.append_event(run, project, successor.id, who, EventKind.EDITED, "depends_on", None, new)
    if note:
        actions.add_note_to(run, project, who, successor, note)


def _apply(
    run: db.Runner,
    project: queries.ProjectRow,
    spec: Spec,
    specs: list[Spec],
    op: Op,
    rng: random.Random,
) -> int:
    """Run one operation; returns 1 for an item created."""
    day = date.fromordinal(op[0])
    code, arg = op[4], op[5]
    who = _who(spec, rng, day)
    if code == "create":
        actions.add_item(
            run,
            project,
            who,
            title=spec.title,
            due=spec.due,
            start=spec.start,
            milestone=spec.milestone,
            workstream=None if spec.milestone else spec.workstream,
            owner=spec.owner,
            key=spec.key,
            refs=spec.refs,
        )
        return 1
    if code in ("depend", "depend_programme"):
        pred_i, lag, note = arg  # type: ignore[misc]
        # depend_programme: the programme's GO-LIVE waits for the municipality's.
        _depend(run, project, who, spec.key, specs[pred_i].key, lag, note)
    elif code == "start":
        actions.change_state(run, project, who, spec.key, State.IN_PROGRESS)
    elif code == "done" or code == "done_again":
        actions.change_state(run, project, who, spec.key, State.DONE, on=day)
    elif code == "cancel":
        actions.change_state(run, project, who, spec.key, State.CANCELLED)
    elif code == "reopen":
        actions.reopen(run, project, who, spec.key, note="Wieder geöffnet: Nacharbeiten nötig.")
    elif code == "due":
        start, due = arg  # type: ignore[misc]
        actions.edit_item(run, project, who, spec.key, start=start, due=due)
    elif code == "owner":
        actions.edit_item(run, project, who, spec.key, owner=arg)  # type: ignore[arg-type]
    elif code == "note":
        text = rng.choice(NOTE_TEXTS)
        actions.add_note(run, project, Who(arg, day) if arg else who, spec.key, text)  # type: ignore[arg-type]
    else:
        raise ValueError(code)
    return 0


def _progress(done: int, total: int, items: int, started: float) -> None:
    elapsed = time.perf_counter() - started
    eta = elapsed / done * (total - done) if done else 0
    print(
        f"\r  {done:,}/{total:,} operations ({done / total:.0%}), {items:,} items, "
        f"{elapsed:.0f} s, ~{eta:.0f} s left ",
        end="",
        file=sys.stderr,
        flush=True,
    )


def load(url: str, gen: Generated, keys: list[str], batch: int, quiet: bool) -> None:
    """Create the projects with `tracker init`'s core, then run every operation."""
    template = plan.read(TEMPLATE)
    for p, key in enumerate(keys):
        items = sum(1 for s in gen.specs if s.project == p)
        shell = plan.Plan(
            source="bench/make_data.py",
            key=key,
            name=f"Optionskommunen: Programm ({items:,} Einträge, bench/make_data.py)",
            go_live=GO_LIVE,
            region=template.region,
            language=template.language,
            description=f"Generated by bench/make_data.py from {TEMPLATE}: {items} items.",
            workstreams=template.workstreams,
            milestones=[],
        )
        plan.install(url, shell, "pmo", FIRST_DAY)
    ops = sorted(gen.ops)
    rng = random.Random(len(ops))
    started = time.perf_counter()
    created = 0
    for first in range(0, len(ops), batch):
        with db.writer(url) as run:
            # No closed days yet: the project rows are all find_project would give.
            rows = {r[1]: queries.ProjectRow.from_db(r) for r in run(queries.PROJECTS)}
            projects = {p: rows[k] for p, k in enumerate(keys)}
            for op in ops[first : first + batch]:
                spec = gen.specs[op[2]]
                created += _apply(run, projects[spec.project], spec, gen.specs, op, rng)
        if not quiet:
            _progress(min(first + batch, len(ops)), len(ops), created, started)
    # The closing operation, and the mark of a complete load.
    with db.writer(url) as run:
        for key in keys:
            project = queries.find_project(run, key)
            for day, reason in CLOSED_DAYS:
                actions.close_day(run, project, Who("pmo", TODAY), day, reason)
    if not quiet:
        print(file=sys.stderr)


def check(url: str, keys: list[str]) -> dict[str, float]:
    """Verify the hash chain and the acyclic graph; count what was written."""
    from tracker import audit
    from tracker.schedule import graph, topological_order

    stats: dict[str, float] = {"items": 0, "events": 0, "dependencies": 0, "done": 0}
    stats.update({"overdue": 0, "open": 0})
    with db.reader(url) as run:
        for key in keys:
            project = queries.find_project(run, key)
            verdict = audit.verify(queries.chain(run, project))
            if verdict.broken is not None:
                raise SystemExit(f"make_data: the hash chain of {key} is broken: {verdict}")
            items = queries.list_items(run, project, queries.ListFilter(include_closed=True))
            deps = queries.dependencies(run, project)
            topological_order(graph(items, deps))  # raises on a cycle
            stats["items"] += len(items)
            stats["events"] += verdict.checked
            stats["dependencies"] += len(deps)
            stats["done"] += sum(1 for i in items if i.state is State.DONE)
            stats["open"] += sum(1 for i in items if i.state.is_open)
            stats["overdue"] += sum(1 for i in items if i.is_overdue(TODAY))
    return stats


def complete(url: str, keys: list[str], n: int) -> bool:
    """Whether the database holds the finished data for these projects."""
    path = db.sqlite_path(url)
    if path is not None and not path.exists():
        return False
    try:
        with db.reader(url) as run:
            found = 0
            for key in keys:
                project = queries.find_project(run, key)
                if len(queries.closed_days(run, project)) != len(CLOSED_DAYS):
                    return False
                found += run.scalar(
                    "SELECT COUNT(*) FROM item WHERE project_id = :p", {"p": project.id}
                )
            return found >= n  # later benchmark runs may add items (PostgreSQL)
    except Exception:  # no database, no project: not complete
        return False


def _upgrade(url: str) -> None:
    """Data made by an older tracker is migrated, not made again (146 s at 100,000)."""
    try:
        current = db.current_revision(url)
    except Exception:  # no database yet
        return
    if current is not None and current != db.HEAD and current in db.REVISIONS:
        done = db.upgrade(url)
        if done.backup is not None:
            db.remove_sqlite_files(done.backup)


def default_path(n: int, projects: int) -> Path:
    suffix = "" if projects == 1 else f"-p{projects}"
    return DATA_DIR / f"tracker-{n}{suffix}.db"


def ensure(
    n: int,
    *,
    url: str | None = None,
    projects: int = 1,
    seed: int = 2011,
    batch: int = 10_000,
    force: bool = False,
    quiet: bool = False,
) -> tuple[str, float | None]:
    """The URL of a database holding the data, made if needed; and how long making took."""
    keys = project_keys(n, projects)
    if url is None:
        path = default_path(n, projects)
        target = "sqlite:///" + str(path)
        if not force and path.exists():
            _upgrade(target)
        if not force and complete(target, keys, n):
            return target, None
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        db.remove_sqlite_files(partial)
        seconds = _make(n, "sqlite:///" + str(partial), keys, projects, seed, batch, quiet)
        conn = sqlite3.connect(partial)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        db.remove_sqlite_files(path)
        partial.replace(path)
        for suffix in ("-wal", "-shm"):
            Path(str(partial) + suffix).unlink(missing_ok=True)
        return target, seconds
    _upgrade(url)
    if complete(url, keys, n):
        return url, None
    try:
        with db.reader(url) as run:
            present = {
                p.key for p in (queries.ProjectRow.from_db(r) for r in run(queries.PROJECTS))
            }
    except Exception:  # an empty database: init makes it
        present = set()
    if present & set(keys):
        raise SystemExit(
            f"make_data: {db.display_url(url)} holds an incomplete {sorted(present & set(keys))[0]}"
            " (the event log is append-only): drop that database and run again"
        )
    return url, _make(n, url, keys, projects, seed, batch, quiet)


def _make(
    n: int, url: str, keys: list[str], projects: int, seed: int, batch: int, quiet: bool
) -> float:
    t0 = time.perf_counter()
    gen = generate(n, projects, seed)
    if not quiet:
        print(
            f"make_data: {n:,} items in {projects} project(s), {len(gen.ops):,} operations "
            f"-> {db.display_url(url)}",
            file=sys.stderr,
        )
    load(url, gen, keys, batch, quiet)
    seconds = time.perf_counter() - t0
    if not quiet:
        t1 = time.perf_counter()
        stats = check(url, keys)
        items = stats["items"] or 1
        print(
            f"make_data: {stats['items']:,.0f} items, {stats['events']:,.0f} events "
            f"({stats['events'] / items:.1f} per item), {stats['dependencies']:,.0f} "
            f"dependencies; {stats['done'] / items:.1%} done, {stats['open'] / items:.1%} "
            f"open, {stats['overdue'] / items:.1%} overdue on {TODAY:%d.%m.%Y}; "
            f"written in {seconds:.0f} s (checked in {time.perf_counter() - t1:.0f} s: "
            "hash chain intact, no cycle)",
            file=sys.stderr,
        )
    return seconds


def iter_sizes(text: str) -> Iterator[int]:
    for part in text.split(","):
        yield int(part.replace("_", "").strip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="how many items")
    parser.add_argument(
        "--db", help="a database URL (default: bench/.data/tracker-N.db, cached by N)"
    )
    parser.add_argument(
        "--projects",
        type=int,
        default=1,
        help="spread the municipalities over this many projects (default 1: one big project)",
    )
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument("--batch", type=int, default=10_000, help="operations per transaction")
    parser.add_argument("--force", action="store_true", help="make it again even if cached")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    if args.n < 1 or not 1 <= args.projects <= args.n:
        parser.error("need N >= 1 and 1 <= --projects <= N")
    url, seconds = ensure(
        args.n,
        url=args.db,
        projects=args.projects,
        seed=args.seed,
        batch=args.batch,
        force=args.force,
        quiet=args.quiet,
    )
    if seconds is None and not args.quiet:
        print(f"make_data: cached, {db.display_url(url)}", file=sys.stderr)
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
