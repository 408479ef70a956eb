"""The `tracker` command line: global options, one short function per command.

Commands parse their arguments, call the core and render; they hold no SQL and no
rules. Heavy modules (SQLAlchemy, Alembic) are imported only inside `init` and `db`.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NamedTuple, TypeVar

import typer
from typer.core import TyperGroup

from tracker import actions, db, fields, queries, render
from tracker.actions import Who
from tracker.dates import format_de, parse_date, resolve_today, span_end
from tracker.errors import BadInput, TrackerError
from tracker.states import Kind, State


class _Group(TyperGroup):
    """Runs every command, so a TrackerError never reaches the user as a traceback."""

    def invoke(self, ctx: Any) -> Any:  # Any: Typer vendors its own click
        try:
            return super().invoke(ctx)
        except TrackerError as exc:
            typer.echo(f"tracker: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    cls=_Group,
    no_args_is_help=True,
    add_completion=False,
    help="Track the changeover plan: milestones, tasks, countdowns and who did what.",
)
db_app = typer.Typer(cls=_Group, no_args_is_help=True, help="Where the database is; migrations.")
app.add_typer(db_app, name="db")
report_app = typer.Typer(cls=_Group, no_args_is_help=True, help="Status reports.")
app.add_typer(report_app, name="report")
baseline_app = typer.Typer(
    cls=_Group, no_args_is_help=True, help="Named snapshots of the dates, to measure slips."
)
app.add_typer(baseline_app, name="baseline")
calendar_app = typer.Typer(
    cls=_Group, no_args_is_help=True, help="The working calendar: holidays and closed days."
)
app.add_typer(calendar_app, name="calendar")


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


FormatOption = Annotated[
    Format, typer.Option("--format", "-f", help="table, or json (fields: docs/json.md).")
]


class GlobalOptions(NamedTuple):
    db_option: str | None
    today: date
    actor_option: str | None
    project: str

    @property
    def url(self) -> str:
        return db.resolve_url(self.db_option)

    @property
    def who(self) -> Who:
        actor = (self.actor_option or "").strip() or os.environ.get("TRACKER_USER", "").strip()
        if not actor:
            import getpass

            actor = getpass.getuser()
        return Who(fields.actor(actor), self.today)


@app.callback()
def _global(
    ctx: typer.Context,
    db_: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database: a file path or a URL such as postgresql://user:pw@host/db "
            "(env TRACKER_DATABASE_URL; default: a file in the user data directory, "
            "see `tracker db path`).",
            show_default=False,
        ),
    ] = None,
    today: Annotated[
        str | None,
        typer.Option(
            "--today",
            help="Act as if today were this date, e.g. 20.09.2011 (env TRACKER_TODAY).",
            show_default=False,
        ),
    ] = None,
    as_: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="Who makes the change (env TRACKER_USER; default: your login name).",
            show_default=False,
        ),
    ] = None,
    project: Annotated[
        str,
        typer.Option(
            "--project",
            envvar="TRACKER_PROJECT",
            help="Which project, when the database holds several.",
            show_default=False,
        ),
    ] = "",
) -> None:
    ctx.obj = GlobalOptions(db_, resolve_today(today), as_, project)


def _opts(ctx: typer.Context) -> GlobalOptions:
    obj = ctx.find_root().obj
    assert isinstance(obj, GlobalOptions)
    return obj


def _date(text: str | None, opts: GlobalOptions, option: str) -> date | None:
    if text is None:
        return None
    try:
        return parse_date(text, today=opts.today)
    except TrackerError as exc:
        raise type(exc)(f"{option}: {exc}") from None


T = TypeVar("T")


def _read(opts: GlobalOptions, query: Callable[[db.Runner, queries.ProjectRow], T]) -> T:
    """Run `query(run, project)` on one consistent snapshot of the chosen project."""
    with db.reader(opts.url) as run:
        return query(run, queries.find_project(run, opts.project))


def _read_with_clock(
    opts: GlobalOptions, query: Callable[[db.Runner, queries.ProjectRow], T]
) -> tuple[T, Any]:
    """`_read`, and the clock (today and the project's working calendar) to render it."""
    result, project = _read(opts, lambda run, project: (query(run, project), project))
    return result, _clock(project, opts.today)


def _clock(project: queries.ProjectRow, today: date) -> Any:
    # Imported here: the calendar (dateutil.easter, holiday rules) is for reads only.
    from tracker.overview import Clock

    return Clock.for_project(project, today)


def _read_streaming(
    opts: GlobalOptions, chunks: Callable[[db.Runner, queries.ProjectRow, Any], Iterable[str]]
) -> None:
    """Print what `chunks(run, project, clock)` yields, read on one snapshot.

    Piped, each chunk is written as it comes, so a list of 100,000 items starts at
    once and memory stays flat. On a terminal the text is collected, the database
    closed, then paged (`_page`): a reader does not hold its snapshot while someone
    scrolls.
    """
    with db.reader(opts.url) as run:
        project = queries.find_project(run, opts.project)
        text = chunks(run, project, _clock(project, opts.today))
        if not sys.stdout.isatty():
            for chunk in text:
                _out(chunk)
            return
        whole = "".join(text)
    _page(whole)


def _out(text: str) -> None:
    sys.stdout.write(text)


def _page(text: str) -> None:
    """`text` to stdout; through a pager when it is a terminal the text would overflow
    (like git log), never when piped."""
    if not sys.stdout.isatty():
        _out(text)
        return
    import shutil

    if text.count("\n") < shutil.get_terminal_size().lines - 1:
        _out(text)
        return
    import pydoc

    os.environ.setdefault("LESS", "FRX")  # as git does: quit if one screen, keep colours
    pydoc.pager(text)


# --- setting up ------------------------------------------------------------------


@app.command()
def init(
    ctx: typer.Context,
    plan_: Annotated[
        str | None,
        typer.Option(
            "--plan",
            help="A built-in plan (stuttgart-2012, optionskommune-template) or a plan file "
            "(docs/plan-format.md).",
            show_default=False,
        ),
    ] = None,
    go_live: Annotated[
        str | None,
        typer.Option(
            "--go-live",
            help="For a template: the go-live its relative dates count from, e.g. 01.01.2013.",
            show_default=False,
        ),
    ] = None,
    name: Annotated[
        str, typer.Option(help="The project's name instead of the plan's.", show_default=False)
    ] = "",
    region: Annotated[
        str,
        typer.Option(help="Holiday region instead of the plan's, e.g. DE-NW.", show_default=False),
    ] = "",
) -> None:
    """Create the database (or bring it up to date) and load a plan into it.

    With a template, --go-live sets the dates; the global --project sets the new
    project's key, --name and --region its name and holiday region.
    """
    from tracker import plan

    opts = _opts(ctx)
    overrides = plan.Overrides(_date(go_live, opts, "--go-live"), opts.project, name, region)
    if (go_live or name or region) and not plan_:
        raise BadInput("--go-live, --name and --region go with --plan")
    # A bad plan fails before the database is touched.
    loaded = plan.read(plan_, overrides) if plan_ else None
    result = plan.install(opts.url, loaded, opts.who.actor, opts.today)
    if result.created or result.revision_before is None:
        _out(f"Created the tracker database {result.where} (revision {result.revision}).\n")
    elif result.revision_before != result.revision:
        _out(f"Upgraded {result.where}: revision {result.revision_before} → {result.revision}.\n")
    else:
        _out(f"The tracker database {result.where} is up to date (revision {result.revision}).\n")
    if loaded is not None:
        items = loaded.items()
        tasks = sum(1 for i in items if i.kind is Kind.TASK)
        counts = [
            _count(len(loaded.workstreams), "workstream"),
            _count(len(items) - tasks, "milestone"),
            _count(tasks, "task"),
        ]
        _out(f"Loaded {loaded.key}: {', '.join(counts)}.\nNext: tracker status\n")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


@db_app.command("path")
def db_path(ctx: typer.Context) -> None:
    """Print where the database is."""
    _out(db.describe(_opts(ctx).url) + "\n")


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Print the database's schema revision and whether it is up to date."""
    url = _opts(ctx).url
    rev = db.current_revision(url)
    if rev is None:
        _out(f"{db.describe(url)}: no revision (run `tracker init`)\n")
    elif rev == db.HEAD:
        _out(f"{rev} (head)\n")
    elif rev in db.REVISIONS:
        _out(f"{rev} (head is {db.HEAD}: run `tracker db upgrade`)\n")
    else:
        _out(f"{rev} (newer than this tracker, which knows up to {db.HEAD})\n")


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Migrate the database to this tracker's schema revision, in one transaction."""
    url = _opts(ctx).url
    done = db.upgrade(url)
    if done.backup is not None:
        _out(f"Backed up the database to {done.backup} first.\n")
    if done.before == done.after:
        _out(f"{db.describe(url)} is up to date (revision {done.after}).\n")
    else:
        _out(f"Upgraded {db.describe(url)}: revision {done.before or 'none'} → {done.after}.\n")


@db_app.command("backup")
def db_backup(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Where to write the copy (must not exist).")],
) -> None:
    """Copy the live database, consistently, while others keep working (SQLite)."""
    copy = db.backup(_opts(ctx).url, file)
    _out(f"Backed up to {copy.path} (revision {copy.revision}, {copy.size:,} bytes).\n")


@db_app.command("restore")
def db_restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A backup made with `tracker db backup`.")],
) -> None:
    """Replace the database with a checked backup; the current one is kept as .bak."""
    url = _opts(ctx).url
    restored, safety = db.restore(url, file)
    if safety is not None:
        _out(f"Kept the current database as {safety}.\n")
    _out(f"Restored {restored.path} from {file} (revision {restored.revision}).\n")
    if restored.revision != db.HEAD:
        _out("Run `tracker db upgrade` to bring it to this tracker's revision.\n")


# --- reading ---------------------------------------------------------------------


@app.command("list")
def list_(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Include done and cancelled items.")] = False,
    state: Annotated[
        str | None,
        typer.Option(help="Only this state: planned, in_progress, done, cancelled."),
    ] = None,
    workstream: Annotated[
        str, typer.Option("--workstream", "-w", help="Only this workstream.")
    ] = "",
    owner: Annotated[str, typer.Option(help="Only items of this owner.")] = "",
    milestones: Annotated[bool, typer.Option("--milestones", help="Only milestones.")] = False,
    tasks: Annotated[bool, typer.Option("--tasks", help="Only tasks.")] = False,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only open items past due.")] = False,
    due_within: Annotated[
        str | None,
        typer.Option(
            help="Only items due within a span from today, e.g. 14d, 2w, 1m "
            "(overdue ones included)."
        ),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(help="At most this many, the soonest due first.", min=1)
    ] = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Open milestones and tasks, soonest due first, with days and working days left.

    A list longer than the terminal opens in a pager (less; $PAGER), never when piped.
    """
    opts = _opts(ctx)
    if milestones and tasks:
        raise BadInput("--milestones and --tasks exclude each other")
    if overdue and (all_ or state):
        raise BadInput("--overdue lists open items only; leave out --all and --state")
    try:
        wanted_state = State.parse(state) if state else None
    except ValueError:
        raise BadInput(
            f"--state: {state!r} is not one of planned, in_progress, done, cancelled"
        ) from None
    wanted = queries.ListFilter(
        include_closed=all_,
        state=wanted_state,
        workstream=workstream,
        owner=owner,
        kind=Kind.MILESTONE if milestones else Kind.TASK if tasks else None,
        due_until=span_end(opts.today, due_within) if due_within else queries.FAR_FUTURE,
        limit=limit or queries.NO_LIMIT,
    )
    if overdue:
        wanted = wanted.only_overdue(opts.today)

    def chunks(run: db.Runner, project: queries.ProjectRow, clock: Any) -> Iterable[str]:
        if fmt is Format.JSON:
            return render.items_json_chunks(queries.iter_items(run, project, wanted), clock)
        shape = queries.list_shape(run, project, wanted)
        return render.item_table_chunks(queries.iter_items(run, project, wanted), shape, clock)

    _read_streaming(opts, chunks)


@app.command()
def show(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The item's key, e.g. TRAIN-BASIS.")],
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Everything about one item: dates, countdown, tasks, notes and history."""
    opts = _opts(ctx)
    detail, clock = _read_with_clock(opts, lambda run, p: queries.item_detail(run, p, key))
    _out(render.show_json(detail, clock) if fmt is Format.JSON else render.show_text(detail, clock))


@app.command()
def countdown(
    ctx: typer.Context,
    working_days: Annotated[
        bool, typer.Option("--working-days", help="Also count working days (Mon–Fri, no holidays).")
    ] = False,
    limit: Annotated[
        int | None, typer.Option(help="At most this many milestones, overdue first.", min=1)
    ] = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """The dated milestones ahead and the go-live, with days left; overdue ones first.

    Longer than the terminal, it opens in a pager, as `list` does; never when piped.
    """
    from tracker import overview

    opts = _opts(ctx)

    def chunks(run: db.Runner, project: queries.ProjectRow, clock: Any) -> Iterable[str]:
        data = overview.countdown(run, project, opts.today, limit or queries.NO_LIMIT)
        if fmt is Format.JSON:
            return render.countdown_json_chunks(data, clock)
        return render.countdown_chunks(data, clock, working_days)

    _read_streaming(opts, chunks)


@app.command()
def status(
    ctx: typer.Context,
    fmt: FormatOption = Format.TABLE,
    every: Annotated[
        bool,
        typer.Option("--all", help="JSON: every row of each list, not the first 15 and the count."),
    ] = False,
) -> None:
    """One screen: go-live countdown, progress per workstream, overdue, due soon, done lately."""
    from tracker import overview

    opts = _opts(ctx)
    if every and fmt is not Format.JSON:
        raise BadInput(
            "--all goes with --format json: the table shows 15 rows a list "
            "(every one: tracker list --overdue, --due-within 14d)"
        )
    rows = None if every else render.STATUS_ROWS
    data, clock = _read_with_clock(opts, lambda run, p: overview.status(run, p, opts.today, rows))
    _out(render.status_json(data, clock) if fmt is Format.JSON else render.status_text(data, clock))


@app.command()
def history(
    ctx: typer.Context,
    key: Annotated[str | None, typer.Argument(help="Only this item's events.")] = None,
    limit: Annotated[
        int, typer.Option(help="At most this many events.", min=1, max=10_000_000)
    ] = 50,
    verify: Annotated[
        bool, typer.Option("--verify", help="Check the hash chain of the whole log instead.")
    ] = False,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """The event log, newest first: who changed what, when, old and new value."""
    opts = _opts(ctx)
    if verify:
        _verify_history(opts)
        return

    def events_of(run: db.Runner, project: queries.ProjectRow) -> list[queries.EventRow]:
        item = queries.find_item(run, project, key) if key else None
        return queries.history(run, project, item=item, limit=limit)

    events = _read(opts, events_of)
    _out(render.history_json(events) if fmt is Format.JSON else render.history_table(events))


class ReportFormat(StrEnum):
    MD = "md"
    HTML = "html"
    JSON = "json"


_RENDERERS = {ReportFormat.MD: "markdown", ReportFormat.HTML: "html", ReportFormat.JSON: "json"}


@report_app.command("weekly")
def report_weekly(
    ctx: typer.Context,
    week: Annotated[
        str | None,
        typer.Option(help='ISO week: 2011-W38 or "KW 38/2011" (default: the week of today).'),
    ] = None,
    on: Annotated[str | None, typer.Option("--date", help="The week that holds this date.")] = None,
    fmt: Annotated[
        ReportFormat,
        typer.Option(
            "--format", "-f", help="md (e-mail), html (printable, with a timeline), json."
        ),
    ] = ReportFormat.MD,
    lang: Annotated[
        str | None,
        typer.Option(help="de or en (default: TRACKER_LANG, else the project's, else en)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not to stdout.")
    ] = None,
    every: Annotated[
        bool,
        typer.Option(
            "--all", help="JSON: every row of each section, not the first 50 and the total."
        ),
    ] = False,
) -> None:
    """The week's status report: done, overdue, due soon, rescheduled, key dates, notes."""
    from tracker.files import save
    from tracker.report import data, i18n

    opts = _opts(ctx)
    if week and on:
        raise BadInput("give --week or --date, not both")
    if every and fmt is not ReportFormat.JSON:
        raise BadInput("--all goes with --format json: Markdown and HTML show 50 rows a section")
    wanted = (
        data.Week.parse(week) if week else data.Week.of(_date(on, opts, "--date") or opts.today)
    )
    author = opts.who.actor
    rows = None if every else i18n.REPORT_ROWS
    report = _read(opts, lambda run, p: data.build(run, p, wanted, opts.today, author, rows))
    project = report.project
    language = i18n.resolve_language(lang, project.language)
    # tracker.report.markdown, .html or .json: only the one asked for is imported.
    renderer = importlib.import_module(f"tracker.report.{_RENDERERS[fmt]}")
    text = renderer.render(report, language)
    if output is None:
        _out(text)
    else:
        save(output, text)
        _out(f"Wrote the report for {data.week_label(report.week, language)} to {output}.\n")


# --- getting data in and out ------------------------------------------------------


class ExportFormat(StrEnum):
    CSV = "csv"
    ICS = "ics"
    JSON = "json"


# Fewer rows are done before a bar could be read; a bar only ever goes to a terminal.
PROGRESS_FROM = 1000


def _progress(label: str) -> Callable[[int], AbstractContextManager[Callable[[int], None]]]:
    """A tracker.exchange.Progress: a bar on stderr for long runs when it is a terminal,
    so `tracker export > plan.csv` shows one and a pipe or a test sees nothing."""

    def progress(total: int) -> AbstractContextManager[Callable[[int], None]]:
        if total < PROGRESS_FROM or not sys.stderr.isatty():
            return nullcontext(lambda _done: None)
        return _bar(total, label)

    return progress


@contextmanager
def _bar(total: int, label: str) -> Iterator[Callable[[int], None]]:
    steps = max(1, total // 200)  # redraw at most ~200 times
    with typer.progressbar(
        length=total, label=label, file=sys.stderr, update_min_steps=steps
    ) as bar:
        yield bar.update


def _out_bytes(data: bytes) -> None:
    """Bytes to stdout as they are: a CSV's byte-order mark and CRLF stay intact."""
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


@app.command()
def export(
    ctx: typer.Context,
    fmt: Annotated[
        ExportFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="csv (every item, for Excel) or ics (dated items, for a calendar); "
            "default: from the suffix of -o, else csv.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file (whole or not at all)."),
    ] = None,
    comma: Annotated[
        bool,
        typer.Option(
            "--comma", help="csv: commas, UTF-8 without byte-order mark, ISO dates (for programs)."
        ),
    ] = False,
    all_: Annotated[bool, typer.Option("--all", help="ics: done and cancelled items too.")] = False,
    alarm: Annotated[
        str | None,
        typer.Option(help="ics: a reminder this long before each event: 12h, 3d, 2w."),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(help="ics: de or en for the event texts (default as for reports)."),
    ] = None,
) -> None:
    """Write every item as a CSV file for Excel, the dated ones as a calendar (.ics), or
    the whole project as JSON (to move it to another database with `tracker import`)."""
    from tracker.files import save

    opts = _opts(ctx)
    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output is not None else ""
        fmt = ExportFormat(suffix) if suffix in ("ics", "json") else ExportFormat.CSV
    if fmt is not ExportFormat.CSV and comma:
        raise BadInput("--comma is for --format csv")
    if fmt is not ExportFormat.ICS and (all_ or alarm is not None or lang is not None):
        raise BadInput("--all, --alarm and --lang are for --format ics")
    if fmt is ExportFormat.JSON:
        _export_json(opts, output)
        return
    if fmt is ExportFormat.CSV:
        from tracker.exchange import csv_io

        records = _read(opts, queries.all_items)
        dialect = csv_io.COMMA if comma else csv_io.GERMAN
        data = csv_io.write(records, dialect, _progress("Exporting"))
        what = _count(len(records), "item")
    else:
        from tracker.dates import now_utc
        from tracker.exchange import ics
        from tracker.report import i18n

        before = ics.parse_alarm(alarm) if alarm is not None else None
        calendar = _read(opts, lambda run, p: ics.collect(run, p, include_closed=all_))
        language = i18n.resolve_language(lang, calendar.project.language)
        data = ics.write(
            calendar, lang=language, now=now_utc(), alarm=before, progress=_progress("Exporting")
        )
        what = _count(len(calendar.records), "event")
    if output is None:
        _out_bytes(data)
    else:
        save(output, data)
        _out(f"Wrote {what} to {output}.\n")


def _export_json(opts: GlobalOptions, output: Path | None) -> None:
    from tracker.exchange import project_json
    from tracker.files import save_with

    def write(out: Any) -> dict[str, Any]:
        # A read runs only on a database at this tracker's revision, db.HEAD.
        return _read(
            opts,
            lambda run, p: project_json.write(run, p, db.HEAD, out, _progress("Exporting")),
        )

    if output is None:
        sys.stdout.flush()
        write(sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    written: list[dict[str, Any]] = []
    save_with(output, lambda out: written.append(write(out)), private=True)
    head = written[0]
    what = f"{head['project']['key']} ({project_json.summary_of(head)})"
    _out(f"Wrote {what} to {output}.\n")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="A CSV file as `tracker export` writes it (docs/csv.md).")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the file and show what would change.")
    ] = False,
    merge: Annotated[
        bool,
        typer.Option("--merge", help="JSON: update the project of the same key item by item."),
    ] = False,
) -> None:
    """Create and update items from a CSV file (every row, or none if one is bad), or
    load a whole project from a JSON export (into a database without that project)."""
    from tracker.exchange import csv_io, importer

    opts = _opts(ctx)
    is_json = file.suffix.lower() == ".json"
    if merge and not is_json:
        raise BadInput("--merge is for a JSON project file (a CSV file always merges by key)")
    if is_json and not merge:
        _restore(opts, file, dry_run)
        return
    also = None
    if is_json:
        from tracker.exchange import project_json

        checked = project_json.read(file)
        table = project_json.merge_table(checked)
        also = project_json.merge_dependencies(checked)
        key = opts.project or checked.key
    else:
        table = csv_io.read(file)
        key = opts.project
    try:
        outcome = importer.import_table(
            opts.url,
            key,
            opts.who,
            table,
            dry_run=dry_run,
            progress=_progress("Importing"),
            also=also,
        )
    except importer.Refused as exc:
        for line in exc.lines:
            typer.echo(f"tracker: {line}", err=True)
        raise  # its summary is the last line
    _out(render.import_text(outcome))


def _restore(opts: GlobalOptions, file: Path, dry_run: bool) -> None:
    from tracker.exchange import project_json

    checked = project_json.read(file)  # every check, the hash chain too, before the database
    what = project_json.summary_of(checked.data)
    if dry_run:
        _out(f"Dry run of {file}: {checked.key} ({what}); the file is intact. Nothing written.\n")
        return
    done = project_json.restore(opts.url, checked, _progress("Importing"))
    if done.created:
        _out(f"Created the tracker database {done.where} (revision {db.HEAD}).\n")
    _out(f"Imported {checked.key} into {done.where}: {what}.\n")
    if not done.same_ids:
        _out("Its ids were taken in this database, so the history was chained anew over new ids.\n")


def _verify_history(opts: GlobalOptions) -> None:
    from tracker import audit

    verdict, project = _read(opts, lambda run, p: (audit.verify(queries.chain(run, p)), p))
    if verdict.broken is not None:
        raise audit.BrokenChain(verdict)
    _out(
        f"The history of {project.key} is intact: {verdict.checked} events, "
        f"each chained to the one before (last hash {verdict.last_hash[:16]}…).\n"
    )


# --- writing ---------------------------------------------------------------------


def _write(ctx: typer.Context, change: Any) -> None:
    """Run `change(run, project, who)` in one write transaction and print what it did."""
    opts = _opts(ctx)
    who = opts.who
    with db.writer(opts.url) as run:
        project = queries.find_project(run, opts.project)
        result = change(run, project, who)
    _out(render.change_text(result))  # only after the commit


@app.command()
def add(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="What is to be done or reached.")],
    due: Annotated[str | None, typer.Option(help="Due date, e.g. 31.10.2011 or +2w.")] = None,
    start: Annotated[str | None, typer.Option(help="Start of a period, e.g. 12.09.2011.")] = None,
    milestone: Annotated[
        str | None, typer.Option(help="Add a task to this milestone (key).")
    ] = None,
    workstream: Annotated[
        str | None, typer.Option("--workstream", "-w", help="Workstream key (a task inherits it).")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="A unit or a person.")] = None,
    key: Annotated[str | None, typer.Option(help="Choose the key (default: generated).")] = None,
) -> None:
    """Add a milestone, or with --milestone a task under one."""
    opts = _opts(ctx)
    due_d, start_d = _date(due, opts, "--due"), _date(start, opts, "--start")
    _write(
        ctx,
        lambda run, project, who: actions.add_item(
            run,
            project,
            who,
            title=title,
            due=due_d,
            start=start_d,
            milestone=milestone,
            workstream=workstream,
            owner=owner,
            key=key,
        ),
    )


KeyArg = Annotated[str, typer.Argument(help="The item's key.")]
NoteOption = Annotated[str | None, typer.Option(help="Add this note too.")]


@app.command()
def done(
    ctx: typer.Context,
    key: KeyArg,
    on: Annotated[str | None, typer.Option(help="The day it was done (default: today).")] = None,
    note: NoteOption = None,
) -> None:
    """Mark an item done (today, or on the day given with --on)."""
    _change_state(ctx, key, State.DONE, note, on=_date(on, _opts(ctx), "--on"))


@app.command()
def start(ctx: typer.Context, key: KeyArg, note: NoteOption = None) -> None:
    """Mark an item as in progress."""
    _change_state(ctx, key, State.IN_PROGRESS, note)


@app.command()
def cancel(ctx: typer.Context, key: KeyArg, note: NoteOption = None) -> None:
    """Cancel an item: it is no longer needed (it stays in the history)."""
    _change_state(ctx, key, State.CANCELLED, note)


def _change_state(
    ctx: typer.Context, key: str, target: State, note: str | None, on: date | None = None
) -> None:
    _write(
        ctx,
        lambda run, project, who: actions.change_state(
            run, project, who, key, target, on=on, note=note
        ),
    )


@app.command()
def reopen(ctx: typer.Context, key: KeyArg, note: NoteOption = None) -> None:
    """Reopen a done or cancelled item, in the state it had before it was closed."""
    _write(ctx, lambda run, project, who: actions.reopen(run, project, who, key, note=note))


@app.command()
def edit(
    ctx: typer.Context,
    key: KeyArg,
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    due: Annotated[
        str | None, typer.Option(help="New due date (a reschedule); none removes it.")
    ] = None,
    start: Annotated[str | None, typer.Option(help="New start date; none removes it.")] = None,
    owner: Annotated[str | None, typer.Option(help="New owner.")] = None,
    workstream: Annotated[
        str | None, typer.Option("--workstream", "-w", help="Move to this workstream.")
    ] = None,
    refs: Annotated[str | None, typer.Option(help='References, e.g. "GRDrs 647/2011".')] = None,
    description: Annotated[
        str | None, typer.Option(help="New description (where a date comes from, ...).")
    ] = None,
) -> None:
    """Change an item's title, dates, owner, workstream, references or description."""
    opts = _opts(ctx)
    clear = [name for name, v in (("due", due), ("start", start)) if v and v.strip() == "none"]
    due_d = None if "due" in clear else _date(due, opts, "--due")
    start_d = None if "start" in clear else _date(start, opts, "--start")
    _write(
        ctx,
        lambda run, project, who: actions.edit_item(
            run,
            project,
            who,
            key,
            title=title,
            due=due_d,
            start=start_d,
            owner=owner,
            workstream=workstream,
            refs=refs,
            description=description,
            clear=clear,
        ),
    )


@app.command()
def note(
    ctx: typer.Context,
    key: KeyArg,
    text: Annotated[str, typer.Argument(help="The note.")],
) -> None:
    """Add a note to an item (kept in its history with who and when)."""
    _write(ctx, lambda run, project, who: actions.add_note(run, project, who, key, text))


# --- the schedule ----------------------------------------------------------------


OnOption = Annotated[str, typer.Option("--on", help="The item it waits for (key).")]


@app.command()
def depend(
    ctx: typer.Context,
    key: KeyArg,
    on: OnOption,
    lag: Annotated[
        int, typer.Option(help="Working days to wait after it finishes (default 0).")
    ] = 0,
    note: Annotated[str, typer.Option(help="Why, kept as a note on the item.")] = "",
) -> None:
    """KEY starts only after --on is finished (finish-to-start), plus --lag working days."""
    _write(
        ctx,
        lambda run, project, who: actions.add_dependency(
            run, project, who, key, on, lag=lag, note=note
        ),
    )


@app.command()
def undepend(ctx: typer.Context, key: KeyArg, on: OnOption) -> None:
    """Remove the dependency of KEY on --on."""
    _write(ctx, lambda run, project, who: actions.remove_dependency(run, project, who, key, on))


@app.command()
def forecast(
    ctx: typer.Context,
    at_risk: Annotated[
        bool, typer.Option("--at-risk", help="Only items forecast after their due date.")
    ] = False,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """When each open item will finish, given today, the states and the dependencies."""
    from tracker import planning, render_schedule

    opts = _opts(ctx)
    view, clock = _read_with_clock(
        opts, lambda run, p: planning.forecast(run, p, opts.today, at_risk)
    )
    if fmt is Format.JSON:
        _out(render_schedule.forecast_view_json(view, clock))
    else:
        _out(render_schedule.forecast_text(view, clock, at_risk))


@app.command()
def critical(
    ctx: typer.Context,
    key: Annotated[
        str | None, typer.Argument(help="The target (default: the go-live milestone).")
    ] = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """The chain of items that decides the target's date, and everyone's slack."""
    from tracker import planning, render_schedule

    opts = _opts(ctx)
    path, clock = _read_with_clock(opts, lambda run, p: planning.critical(run, p, opts.today, key))
    if fmt is Format.JSON:
        _out(render_schedule.critical_json(path, clock))
    else:
        _out(render_schedule.critical_text(path, clock))


@app.command()
def whatif(
    ctx: typer.Context,
    key: KeyArg,
    due: Annotated[str | None, typer.Option(help="As if it were due on this date.")] = None,
    slip: Annotated[
        int,
        typer.Option(help="As if it finished this many working days later than forecast."),
    ] = 0,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Which items move and whether go-live holds if KEY slips; nothing is written."""
    from tracker import planning, render_schedule

    opts = _opts(ctx)
    if not 0 <= slip <= fields.MAX_LAG:
        raise BadInput(f"--slip must be 1 to {fields.MAX_LAG} working days, not {slip}")
    # 0 is the default: "not given" (then --due must be).
    due_d = _date(due, opts, "--due")
    result, clock = _read_with_clock(
        opts, lambda run, p: planning.whatif(run, p, opts.today, key, due=due_d, slip=slip)
    )
    if fmt is Format.JSON:
        _out(render_schedule.whatif_json(result, clock))
    else:
        _out(render_schedule.whatif_text(result, clock))


@baseline_app.command("save")
def baseline_save(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="One word, e.g. kw38 or council-2011-10.")],
) -> None:
    """Save every item's dates and state under NAME."""
    _write(ctx, lambda run, project, who: actions.save_baseline(run, project, who, name))


@baseline_app.command("list")
def baseline_list(ctx: typer.Context, fmt: FormatOption = Format.TABLE) -> None:
    """The saved baselines, and the implicit one: the first agreed dates."""
    from tracker import render_schedule

    saved = _read(_opts(ctx), queries.baselines)
    if fmt is Format.JSON:
        _out(render_schedule.baselines_json(saved))
    else:
        _out(render_schedule.baselines_text(saved))


@baseline_app.command("diff")
def baseline_diff(
    ctx: typer.Context,
    name: Annotated[
        str | None, typer.Argument(help="A saved baseline (default: the first agreed dates).")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every item, not only the moved.")] = False,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Per item: due then and now, the slip in working days, today's forecast."""
    from tracker import planning, render_schedule

    opts = _opts(ctx)
    diff, clock = _read_with_clock(
        opts, lambda run, p: planning.baseline_diff(run, p, opts.today, name)
    )
    if fmt is Format.JSON:
        _out(render_schedule.baseline_diff_json(diff, clock))
    else:
        _out(render_schedule.baseline_diff_text(diff, clock, all_))


@calendar_app.command("show")
def calendar_show(
    ctx: typer.Context,
    from_: Annotated[str | None, typer.Option("--from", help="First day (default: today).")] = None,
    until: Annotated[
        str | None, typer.Option(help="Last day (default: the latest due date, or go-live).")
    ] = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Public holidays and closed days in a range, and its working days."""
    from tracker import overview, render_schedule

    opts = _opts(ctx)
    first = _date(from_, opts, "--from") or opts.today
    last = _date(until, opts, "--until")

    def view(run: db.Runner, project: queries.ProjectRow) -> overview.CalendarView:
        end = last or max(queries.latest_due(run, project) or project.go_live, project.go_live)
        if end < first:
            raise BadInput(f"--from {format_de(first)} is after --until {format_de(end)}")
        return overview.calendar_view(project, queries.closed_days(run, project), first, end)

    result = _read(opts, view)
    if fmt is Format.JSON:
        _out(render_schedule.calendar_json(result))
    else:
        _out(render_schedule.calendar_text(result))


@calendar_app.command("close")
def calendar_close(
    ctx: typer.Context,
    day: Annotated[str, typer.Argument(help="The day, e.g. 24.12.2012.")],
    reason: Annotated[str, typer.Option(help='Why, e.g. "Heiligabend".')] = "",
) -> None:
    """Close the project's offices on DAY: no longer a working day."""
    day_d = _date(day, _opts(ctx), "DAY")
    assert day_d is not None
    _write(ctx, lambda run, project, who: actions.close_day(run, project, who, day_d, reason))


@calendar_app.command("open")
def calendar_open(
    ctx: typer.Context, day: Annotated[str, typer.Argument(help="A closed day.")]
) -> None:
    """Make a closed day a working day again."""
    day_d = _date(day, _opts(ctx), "DAY")
    assert day_d is not None
    _write(ctx, lambda run, project, who: actions.open_day(run, project, who, day_d))


_GLOBAL_OPTIONS_WITH_VALUE = {"--db", "--today", "--as", "--project"}


def _command_name(argv: list[str]) -> str | None:
    """The command a command line asks for: the first word after the global options."""
    args = iter(argv)
    for arg in args:
        if arg in _GLOBAL_OPTIONS_WITH_VALUE:
            next(args, None)
        elif not arg.startswith("-"):
            return arg
    return None


def _keep_only(name: str | None) -> None:
    """Register only the command that runs.

    Typer builds a Click command from every registered function's signature on each
    start; with one command instead of all, `tracker list` starts ~9 ms sooner
    (bench/startup.py). `--help` and unknown names keep the full app, so Click's
    listing and "No such command" messages are unchanged.
    """
    if name is None:
        return
    commands = [
        c
        for c in app.registered_commands
        if (c.name or typer.main.get_command_name(c.callback.__name__)) == name  # type: ignore[union-attr]
    ]
    groups = [g for g in app.registered_groups if g.name == name]
    if commands or groups:
        app.registered_commands, app.registered_groups = commands, groups


def main() -> None:
    """Console-script entry point."""
    _keep_only(_command_name(sys.argv[1:]))
    app(prog_name="tracker")
