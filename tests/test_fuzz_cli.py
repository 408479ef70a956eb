"""Hypothesis against the real CLI (issue 7, test 7): random arguments, a state model,
hostile text through the reports.

Each example runs in-process (`CliRunner`) on its own copy of one SQLite database with
the Stuttgart plan, built once per module, so examples never see each other's writes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import traceback
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

os.environ["TYPER_USE_RICH"] = "0"  # as conftest does; read when typer is imported

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)
from typer.testing import CliRunner, Result

from tracker import plan
from tracker.cli import app
from tracker.dates import parse_absolute_date
from tracker.errors import BadDate

TODAY = "20.09.2011"
PLAN = plan.read("stuttgart-2012")
KEYS = [i.key for i in PLAN.items()]
WORKSTREAMS = [k for k, _ in PLAN.workstreams]
EXIT_CODES = {0, 1, 2, 3, 4}


# --- the database -------------------------------------------------------------------


def _build_plan_db(folder: Path) -> Path:
    path = folder / "plan.db"
    plan.install(f"sqlite:///{path}", PLAN, "fuzz", date(2011, 9, 20))
    return path


_TEMPLATE: Path | None = None


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The Stuttgart plan in SQLite, built once for the whole module."""
    global _TEMPLATE
    _TEMPLATE = _build_plan_db(tmp_path_factory.mktemp("fuzz-plan"))
    yield _TEMPLATE
    _TEMPLATE = None


def _copy_db(template: Path, folder: str) -> str:
    """A private copy of the template (with any -wal/-shm beside it) in `folder`."""
    target = Path(folder) / "tracker.db"
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{template}{suffix}")
        if source.exists():
            shutil.copy(source, f"{target}{suffix}")
    return str(target)


def run_cli(db: str, *args: str, today: str | None = TODAY) -> Result:
    argv = ["--db", db] + (["--today", today] if today else []) + list(args)
    return CliRunner().invoke(app, argv)


def _describe(argv: list[str], result: Result) -> str:
    exc = result.exception
    tb = ""
    if exc is not None and not isinstance(exc, SystemExit) and result.exc_info:
        tb = "".join(traceback.format_exception(*result.exc_info))
    return (
        f"argv={argv!r}\nexit={result.exit_code}\nstdout={result.stdout[:500]!r}\n"
        f"stderr={result.stderr[:1000]!r}\nexception={exc!r}\n{tb}"
    )


def check_clean(argv: list[str], result: Result) -> None:
    """Exit code 0-4, a message on failure, one `tracker: ` line for domain errors,
    never a traceback."""
    why = _describe(argv, result)
    assert result.exception is None or isinstance(result.exception, SystemExit), why
    assert result.exit_code in EXIT_CODES, why
    if result.exit_code != 0:
        assert result.stderr.strip(), why
        if result.exit_code != 2:
            lines = result.stderr.splitlines()
            assert len(lines) == 1, why
            assert lines[0].startswith("tracker: "), why


# --- strategies ---------------------------------------------------------------------

SPECIAL = [
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\n",
    "\r\n",
    "\x00",
    "<script>",
    "</script>",
    "<script>alert(1)</script>",
    "=cmd|' /C calc'!A0",
    "|",
    "&amp;",
    '"',
    "'",
    "\\",
    "*",
    "_",
    "#",
    "\u2028",
    "\udce9",  # a lone surrogate: what Python makes of undecodable argv bytes
    "ä",
    " ",
]

texts = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=30),
    st.lists(st.sampled_from(SPECIAL) | st.text(max_size=4), max_size=8).map("".join),
    st.builds(
        lambda s, n: s * n,
        st.sampled_from(["x", "=", "<script>", "a b", "\x00", "ä"]),
        st.integers(50, 1200),
    ),
)

keys = st.one_of(
    st.sampled_from(KEYS),
    st.sampled_from(KEYS),
    st.sampled_from(KEYS).map(str.lower),
    st.sampled_from(KEYS).map(lambda k: f" {k}\t"),
    st.sampled_from(
        ["NOPE", "ORG-STRUCTURE.1", "A" * 40, "", "-", "--all", "\udce9", "GO-LIVE\x00"]
    ),
    texts,
)


# Keys that are looked up and filter values: the same generators as everywhere.
lookup_keys = keys
lookup_texts = texts

workstreams = st.one_of(
    st.sampled_from(WORKSTREAMS), st.sampled_from(WORKSTREAMS).map(str.upper), texts
)

_some_dates = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
_near_dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2110, 12, 31))
good_dates = st.one_of(
    _near_dates.map(date.isoformat),
    _near_dates.map(lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}"),
    _near_dates.map(lambda d: f"{d.day}.{d.month}.{d.year % 100:02d}"),
    _near_dates.map(lambda d: f"{d.day}.{d.month}."),
    st.sampled_from(
        ["today", "tomorrow", "yesterday", "heute", "morgen", "gestern", "Monday", "fr", "so"]
    ),
    st.builds(
        lambda sign, n, unit: f"{sign}{n}{unit}",
        st.sampled_from(["", "+", "-"]),
        st.integers(0, 9999),
        st.sampled_from("dwmy"),
    ),
)
junk_dates = st.one_of(
    texts,
    st.sampled_from(
        [
            "31.02.2012",
            "29.02.2011",
            "09/20/2011",
            "2011-13-01",
            "0000-01-01",
            "0001-01-01",
            "9999-12-31",
            "31.12.9999",
            "01.01.1900",
            "99999-01-01",
            "1.1.99999",
            "+99999999d",
            "-9999y",
            "+9999m",
            "32.1.",
            "",
            " ",
        ]
    ),
    _some_dates.map(date.isoformat),
    _some_dates.map(lambda d: f"{d.day:02d}.{d.month:02d}.{d.year:04d}"),
)
dates = st.one_of(good_dates, junk_dates)

spans = st.one_of(
    st.sampled_from(["14d", "2w", "1m", "0", "7", "1y", "-2d", "+2d", "99999y", "9999y"]),
    texts,
)
fmt = st.sampled_from(["table", "json"]) | texts


def _ends_after_9999(text: str) -> bool:
    """A --week or --date whose ISO week ends in year 10000 (9999-W52)."""
    m = re.fullmatch(r"\s*(?:9999-?W52|(?:KW ?|W)52/9999)\s*", text, re.IGNORECASE)
    if m:
        return True
    try:
        return parse_absolute_date(text) >= date(9999, 12, 27)
    except BadDate:
        return False


weeks = st.one_of(
    st.builds(lambda y, w: f"{y}-W{w:02d}", st.integers(1, 9999), st.integers(0, 60)),
    st.builds(lambda y, w: f"KW {w}/{y}", st.integers(1, 9999), st.integers(0, 60)),
    st.sampled_from(
        [
            *("2011-W38", "KW 38/2011", "W38/2011", "2011W38", "2011-W53", "2015-W53"),
            *("9999-W52", "0001-W01", "1994-W52", "2100-W01", "KW 52/9999"),
        ]
    ),
    texts,
)


def opt(name: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    """An option with a value, or nothing."""
    return st.one_of(st.just([]), values.map(lambda v: [name, v]))


def flag(name: str) -> st.SearchStrategy[list[str]]:
    return st.sampled_from([[], [name]])


def command(head: list[str], *parts: st.SearchStrategy[list[str]]) -> st.SearchStrategy:
    """`head` then the parts in a random order (options may follow arguments)."""
    return st.tuples(*parts).flatmap(
        lambda chosen: st.permutations(list(chosen)).map(
            lambda ordered: head + [a for part in ordered for a in part]
        )
    )


def arg(values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return values.map(lambda v: [v])


note_opt = opt("--note", texts)

commands = st.one_of(
    command(
        ["list"],
        flag("--all"),
        flag("--milestones"),
        flag("--tasks"),
        flag("--overdue"),
        opt("--state", st.sampled_from(["planned", "in progress", "in-progress", "done"]) | texts),
        opt("-w", workstreams),
        opt("--owner", lookup_texts),
        opt("--due-within", spans),
        opt("--format", fmt),
    ),
    command(["show"], arg(lookup_keys), opt("--format", fmt)),
    command(["countdown"], flag("--working-days"), opt("--format", fmt)),
    command(["status"], opt("--format", fmt)),
    command(
        ["history"],
        st.one_of(st.just([]), arg(lookup_keys)),
        opt("--limit", st.integers(-(2**64), 2**64).map(str) | texts),
        flag("--verify"),
        opt("--format", fmt),
    ),
    command(
        ["add"],
        arg(texts),
        opt("--due", dates),
        opt("--start", dates),
        opt("--milestone", lookup_keys),
        opt("-w", workstreams),
        opt("--owner", texts),
        opt("--key", keys),
    ),
    command(["done"], arg(lookup_keys), opt("--on", dates), note_opt),
    command(["start"], arg(lookup_keys), note_opt),
    command(["cancel"], arg(lookup_keys), note_opt),
    command(["reopen"], arg(lookup_keys), note_opt),
    command(
        ["edit"],
        arg(lookup_keys),
        opt("--title", texts),
        opt("--due", dates),
        opt("--start", dates),
        opt("--owner", texts),
        opt("-w", workstreams),
        opt("--refs", texts),
    ),
    command(["note"], arg(lookup_keys), arg(texts)),
    command(
        ["report", "weekly"],
        opt("--week", weeks),
        opt("--date", dates),
        st.sampled_from(["md", "html", "json"]).map(lambda f: ["--format", f]),
        opt("--lang", st.sampled_from(["de", "en", "fr", ""]) | texts),
    ),
    command(
        ["export"],
        opt("--format", st.sampled_from(["csv", "ics"]) | texts),
        flag("--comma"),
        flag("--all"),
        opt("--alarm", st.sampled_from(["3d", "2w", "12h", "0h", "9999w"]) | texts),
        opt("--lang", st.sampled_from(["de", "en", "fr"]) | texts),
    ),
    st.just(["db", "current"]),
    # Usage errors: an unknown option, a missing argument, an unknown command.
    st.sampled_from([["list", "--bogus"], ["show"], ["note", "GO-LIVE"], ["frobnicate"]]),
)

global_opts = st.tuples(
    st.one_of(st.just(TODAY), st.just(TODAY), dates),
    st.one_of(st.just([]), texts.map(lambda a: ["--as", a])),
)


# --- 1. random arguments to every command -------------------------------------------


# 120 sequences in the suite (~15 s); .ci/run's fuzz step runs 1,000.
@settings(
    max_examples=int(os.environ.get("TRACKER_FUZZ_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(st.tuples(global_opts, commands), min_size=1, max_size=3))
def test_random_arguments_never_crash(
    template_db: Path, sequence: list[tuple[tuple[str, list[str]], list[str]]]
) -> None:
    """A few random commands in a row (so a value one accepts meets the next read):
    exit code 0-4, a one-line message, never a traceback."""
    with tempfile.TemporaryDirectory() as folder:
        db = _copy_db(template_db, folder)
        for (today, as_), argv in sequence:
            full = ["--today", today, *as_, *argv]
            result = run_cli(db, *full, today=None)
            check_clean(full, result)
        # Whatever was accepted, the chain still holds and every read still works.
        for argv in (["history", "--verify"], ["status"], ["list", "--all", "--format", "json"]):
            result = run_cli(db, *argv)
            check_clean(argv, result)
            assert result.exit_code == 0, _describe(argv, result)


# --- 2. the states against a model -------------------------------------------------

MILESTONES = ["TRAIN-BASIS", "TRAIN-VERTIEFUNG", "GO-LIVE", "ORG-PG", "ORG-STRUCTURE"]
TASKS = {"ORG-STRUCTURE": ["ORG-AMT", "ORG-LEITUNG"]}
ITEMS = MILESTONES + [t for ts in TASKS.values() for t in ts]
OPEN = {"planned", "in_progress"}
TARGET = {"done": "done", "start": "in_progress", "cancel": "cancelled"}

notes = st.one_of(
    st.none(),
    st.text(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
        min_size=1,
        max_size=60,
    ).map(lambda s: "n " + s),
)


class StateMachine(RuleBasedStateMachine):
    """done/start/cancel/reopen/note through the CLI against a dict of states."""

    def __init__(self) -> None:
        super().__init__()
        assert _TEMPLATE is not None, "the template_db fixture builds the database"
        self.folder = tempfile.TemporaryDirectory()
        self.db = _copy_db(_TEMPLATE, self.folder.name)
        self.state: dict[str, str] = {}
        self.closed_from: dict[str, str] = {}
        self.accepted = 0
        self.base_events = 0

    def teardown(self) -> None:
        self.folder.cleanup()

    def cli(self, *args: str) -> Result:
        result = run_cli(self.db, *args)
        check_clean(list(args), result)
        return result

    def items(self) -> dict[str, str]:
        result = self.cli("list", "--all", "--format", "json")
        assert result.exit_code == 0, result.stderr
        return {i["key"]: i["state"] for i in json.loads(result.stdout)["items"]}

    def state_events(self) -> int:
        result = self.cli("history", "--format", "json", "--limit", "100000")
        assert result.exit_code == 0, result.stderr
        events = json.loads(result.stdout)["events"]
        return sum(1 for e in events if e["kind"] == "state" and e["field"] == "state")

    @initialize()
    def setup(self) -> None:
        self.base_events = self.state_events()
        # Close the other tasks of ORG-STRUCTURE, so that its two tasks in the model
        # decide whether it may be closed.
        for task in ("ORG-SCHNITTSTELLEN", "ORG-MARKT", "ORG-JC-STRUKTUR"):
            assert self.cli("cancel", task).exit_code == 0
            self.accepted += 1
        for task in ("ORG-ARBEITSHILFEN", "ORG-BUERGERARBEIT", "ORG-NETZWERK"):
            assert self.cli("done", task).exit_code == 0
            self.accepted += 1
        states = self.items()
        self.state = {k: states[k] for k in ITEMS}
        self.other = {k: v for k, v in states.items() if k not in ITEMS}

    def _has_open_tasks(self, key: str) -> bool:
        return any(self.state[t] in OPEN for t in TASKS.get(key, []))

    def _expect(self, result: Result, accept: bool, what: str) -> None:
        why = f"{what}: model {self.state}\n{_describe([what], result)}"
        assert result.exit_code == (0 if accept else 1), why

    @rule(
        command=st.sampled_from(["done", "start", "cancel"]),
        key=st.sampled_from(ITEMS),
        note=notes,
    )
    def change(self, command: str, key: str, note: str | None) -> None:
        current, target = self.state[key], TARGET[command]
        accept = (
            current in OPEN
            and current != target
            and not (target not in OPEN and self._has_open_tasks(key))
        )
        args = [command, key] + (["--note", note] if note else [])
        self._expect(self.cli(*args), accept, " ".join(args))
        if accept:
            if target not in OPEN:
                self.closed_from[key] = current
            self.state[key] = target
            self.accepted += 1

    @rule(key=st.sampled_from(ITEMS), note=notes)
    def reopen(self, key: str, note: str | None) -> None:
        accept = self.state[key] not in OPEN
        args = ["reopen", key] + (["--note", note] if note else [])
        self._expect(self.cli(*args), accept, " ".join(args))
        if accept:
            self.state[key] = self.closed_from.get(key, "planned")
            self.accepted += 1

    @rule(key=st.sampled_from(ITEMS), text=notes.filter(bool))
    def note(self, key: str, text: str) -> None:
        self._expect(self.cli("note", key, text), True, f"note {key}")

    @invariant()
    def states_match(self) -> None:
        if not self.state:
            return
        states = self.items()
        assert {k: states[k] for k in ITEMS} == self.state
        assert {k: v for k, v in states.items() if k not in ITEMS} == self.other

    @invariant()
    def one_event_per_change(self) -> None:
        if not self.state:
            return
        assert self.state_events() - self.base_events == self.accepted

    @invariant()
    def chain_intact(self) -> None:
        assert self.cli("history", "--verify").exit_code == 0


@pytest.mark.usefixtures("template_db")
class TestStates(StateMachine.TestCase):  # type: ignore[name-defined]
    # 8 runs of 12 steps in the suite; .ci/run's fuzz step runs 40.
    settings = settings(
        max_examples=int(os.environ.get("TRACKER_FUZZ_STATES", "8")),
        stateful_step_count=12,
        deadline=None,
    )


# --- 3. hostile text through the reports -------------------------------------------

# No NUL: the tracker refuses it in any text (PostgreSQL cannot store it), see
# test_a_nul_character_is_refused_in_any_text below.
report_texts = st.lists(
    st.sampled_from(["=", "+", "-", "@", "\t", "<script>", "</script>", "|", "&", "x"])
    | st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=5),
    min_size=1,
    max_size=10,
).map("".join)


def _table_rows_ok(md: str) -> None:
    """Every GFM table: each row one line, as many cells as its header."""
    lines = md.split("\n")
    for i, line in enumerate(lines):
        if not re.fullmatch(r"\|[-:|]+\|", line):
            continue
        header = lines[i - 1]
        cells = len(re.findall(r"(?<!\\)\|", header))
        j = i + 1
        while j < len(lines) and lines[j]:
            row = lines[j]
            assert row.startswith("| ") and row.endswith(" |"), f"row {row!r} in\n{md}"
            assert len(re.findall(r"(?<!\\)\|", row)) == cells, f"row {row!r} in\n{md}"
            j += 1


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(title=report_texts, note=report_texts, owner=report_texts)
def test_hostile_text_in_reports(template_db: Path, title: str, note: str, owner: str) -> None:
    assume(" ".join(title.split()) and note.strip())
    with tempfile.TemporaryDirectory() as folder:
        db = _copy_db(template_db, folder)
        today = "21.09.2011"
        # `--` and `--owner=`: text starting with "-" is a value here, not an option.
        args = ["add", "-w", "org", "--due", "23.09.2011", f"--owner={owner}", "--", title]
        added = run_cli(db, *args, today=today)
        check_clean(["add", title], added)
        assert added.exit_code == 0, added.stderr
        key = added.stdout.split(":")[0]
        noted = run_cli(db, "note", key, "--", note, today=today)
        assert noted.exit_code == 0, noted.stderr
        noted = run_cli(db, "note", "GO-LIVE", "--", note, today=today)
        assert noted.exit_code == 0, noted.stderr

        html = run_cli(db, "report", "weekly", "--format", "html", today=today)
        check_clean(["report", "weekly", "--format", "html"], html)
        assert html.exit_code == 0
        page = html.stdout
        assert "<script" not in page.lower()
        assert key in page
        if "<script>" in title or "<script>" in note:
            assert "&lt;script&gt;" in page

        md = run_cli(db, "report", "weekly", "--format", "md", today=today)
        check_clean(["report", "weekly", "--format", "md"], md)
        assert md.exit_code == 0
        assert key in md.stdout
        _table_rows_ok(md.stdout)

        exported = run_cli(db, "export", "--comma", today=today)
        check_clean(["export", "--comma"], exported)
        assert exported.exit_code == 0
        import csv
        import io

        from tracker.exchange.csv_io import restore

        rows = list(csv.DictReader(io.StringIO(exported.stdout, newline="")))
        # No cell a spreadsheet would run as a formula, and the title comes back whole.
        assert not any(c[:1] in ("=", "+", "-", "@", "\t", "\r") for r in rows for c in r.values())
        (row,) = [r for r in rows if r["key"] == key]
        assert restore(row["title"]) == " ".join(title.split())


# --- bugs the properties found (minimal cases) -------------------------------------


@pytest.fixture
def plan_copy(template_db: Path) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield _copy_db(template_db, folder)


def _assert_clean_refusal(argv: list[str], result: Result) -> None:
    check_clean(argv, result)
    assert result.exit_code != 0, _describe(argv, result)


@pytest.mark.parametrize(
    "argv",
    [
        ["show", "\udce9"],
        ["done", "\udce9"],
        ["note", "\udce9", "x"],
        ["history", "\udce9"],
        ["add", "t", "--milestone", "\udce9"],
        ["list", "--owner", "\udce9"],
    ],
)
def test_lookup_with_lone_surrogate_is_refused(plan_copy: str, argv: list[str]) -> None:
    _assert_clean_refusal(argv, run_cli(plan_copy, *argv))


def test_history_huge_limit_is_refused(plan_copy: str) -> None:
    argv = ["history", "--limit", str(2**63)]
    result = run_cli(plan_copy, *argv)
    check_clean(argv, result)


@pytest.mark.parametrize("argv", [["--week", "9999-W52"], ["--date", "31.12.9999"]])
def test_report_of_week_9999_w52_is_refused(plan_copy: str, argv: list[str]) -> None:
    full = ["report", "weekly", *argv]
    result = run_cli(plan_copy, *full)
    _assert_clean_refusal(full, result)


def test_done_on_outside_calendar_is_refused(plan_copy: str) -> None:
    result = run_cli(plan_copy, "done", "TRAIN-BASIS", "--on", "01.01.0001")
    assert result.exit_code == 1, result.stdout


@pytest.mark.parametrize(
    "argv",
    [
        ["add", "Titel\x00", "-w", "org"],
        ["note", "GO-LIVE", "a\x00b"],
        ["edit", "GO-LIVE", "--owner", "Frau\x00Müller"],
        ["show", "GO-\x00LIVE"],
    ],
    ids=["title", "note", "owner", "key"],
)
def test_a_nul_character_is_refused_in_any_text(template_db: Path, argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = _copy_db(template_db, folder)
        result = run_cli(db, *argv)
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith("tracker: the ") and "contains a NUL character" in (
            result.stderr
        )
