"""`tracker import FILE.csv`: a lead edits the exported sheet and reads it back in.

What a lead notices: an unchanged file changes nothing; an edited one changes exactly
the edited fields, each with its event; a bad file is refused with every bad row named
by its line, and the database keeps every byte; a dry run writes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cli_write import changes, items, new_events, ok, shown

from tracker.actions import Who
from tracker.cli import _progress
from tracker.db import resolve_url
from tracker.exchange import csv_io, importer

FIELDS = [
    "key", "kind", "milestone", "workstream", "title", "owner", "state", "start", "due",
    "due_derived", "done_on", "refs", "description",
]  # fmt: skip


def events(tracker: Any) -> list[dict[str, Any]]:
    """The event log, newest first."""
    data = json.loads(ok(tracker("history", "--limit", "100000", "--format", "json")))
    result: list[dict[str, Any]] = data["events"]
    return result


def export(tracker: Any, *args: str) -> list[dict[str, str]]:
    result = tracker("export", *args)
    assert result.exit_code == 0, result.output
    delimiter = "," if "--comma" in args else ";"
    text = result.stdout_bytes.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def write_csv(
    path: Path, rows: list[dict[str, str]], *, german: bool = True, fields: list[str] | None = None
) -> Path:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(
        out,
        fieldnames=fields or FIELDS,
        delimiter=";" if german else ",",
        lineterminator="\r\n",
        extrasaction="ignore",
    )
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes((("\ufeff" if german else "") + out.getvalue()).encode("utf-8"))
    return path


def row(**cells: str) -> dict[str, str]:
    return {f: cells.get(f, "") for f in FIELDS}


def db_bytes(tmp_path: Path) -> str:
    """The SQLite file and its WAL, if any, as one digest."""
    digest = hashlib.sha256()
    for suffix in ("", "-wal"):
        path = tmp_path / f"tracker.db{suffix}"
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()


def refused(result: Any) -> list[str]:
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines: list[str] = result.stderr.splitlines()
    assert all(line.startswith("tracker: ") for line in lines), lines
    return lines


# --- round trips ------------------------------------------------------------------


def test_an_unchanged_export_imports_as_no_change_at_all(tracker, tmp_path):
    _round_trip(tracker, tmp_path, [])


def test_an_unchanged_comma_export_too(sqlite_tracker, tmp_path):
    _round_trip(sqlite_tracker, tmp_path, ["--comma"])


def _round_trip(tracker: Any, tmp_path: Path, dialect: list[str]) -> None:
    target = tmp_path / "plan.csv"
    ok(tracker("export", *dialect, "-o", str(target)))
    before_items, before_events = items(tracker), events(tracker)
    assert ok(tracker("import", str(target))) == (
        f"Imported {target}: 0 new, 0 updated, 23 unchanged.\n"
    )
    assert items(tracker) == before_items
    assert events(tracker) == before_events


def test_an_edited_sheet_changes_exactly_the_edited_fields_with_their_events(tracker, tmp_path):
    rows = export(tracker)
    by_key = {r["key"]: r for r in rows}
    by_key["MIG-PREP"]["due"] = "15.12.2011"
    by_key["MIG-PREP"]["owner"] = "Datenmigration (Projektgruppe)"
    by_key["GRDRS-5"]["refs"] = "GRDrs 647/2011"
    by_key["GRDRS-5"]["description"] = "Entwurf liegt vor.\nZweite Zeile."
    by_key["TRAIN-BASIS"]["state"] = "done"
    by_key["TRAIN-BASIS"]["done_on"] = "19.09.2011"
    before_items, before_events = items(tracker), events(tracker)
    path = write_csv(tmp_path / "plan.csv", rows)

    old_description = shown(tracker, "GRDRS-5")["description"]
    assert ok(tracker("--as", "Frau Keller", "import", str(path))) == (  # in file order
        "TRAIN-BASIS: state in progress → done on 19.09.2011\n"
        "GRDRS-5: refs - → GRDrs 647/2011\n"
        'GRDRS-5: description Quelle: "Die 5. Vorlage zum Personalübe… → '
        "Entwurf liegt vor. Zweite Zeile.\n"
        "MIG-PREP: due 31.12.2011 → 15.12.2011\n"
        "MIG-PREP: owner Projektgruppe Optionskommune → Datenmigration (Projektgruppe)\n"
        f"Imported {path}: 0 new, 3 updated (description, due, owner, refs, state), "
        "20 unchanged.\n"
    )
    after = items(tracker)
    assert {k for k in after if after[k] != before_items[k]} == {"MIG-PREP", "TRAIN-BASIS"}
    assert shown(tracker, "GRDRS-5")["refs"] == ["GRDrs 647/2011"]
    assert (after["MIG-PREP"]["due"], after["MIG-PREP"]["due_derived"]) == ("2011-12-15", False)
    assert shown(tracker, "GRDRS-5")["description"] == "Entwurf liegt vor.\nZweite Zeile."
    day, who = "2011-09-20", "Frau Keller"
    assert new_events(before_events, events(tracker)) == [
        ("GRDRS-5", day, who, "edited", "refs", None, "GRDrs 647/2011"),
        ("GRDRS-5", day, who, "edited", "description",
         old_description, "Entwurf liegt vor.\nZweite Zeile."),
        ("MIG-PREP", day, who, "rescheduled", "due_derived", "true", "false"),
        ("MIG-PREP", day, who, "rescheduled", "due", "2011-12-31", "2011-12-15"),
        ("MIG-PREP", day, who, "edited", "owner",
         "Projektgruppe Optionskommune", "Datenmigration (Projektgruppe)"),
        ("TRAIN-BASIS", day, who, "state", "state", "in_progress", "done"),
        ("TRAIN-BASIS", day, who, "state", "done_on", None, "2011-09-19"),
    ]  # fmt: skip
    # Importing the same file again is no change.
    assert ok(tracker("import", str(path))).endswith("0 new, 0 updated, 23 unchanged.\n")


def test_a_formula_title_comes_back_unchanged(sqlite_tracker, tmp_path):
    title = '=HYPERLINK("http://evil.example";"Klick")'
    ok(sqlite_tracker("add", title, "--milestone", "MIG-PREP", "--key", "EVIL"))
    target = tmp_path / "plan.csv"
    ok(sqlite_tracker("export", "-o", str(target)))
    assert "'=HYPERLINK" in target.read_text("utf-8-sig")
    assert ok(sqlite_tracker("import", str(target))).endswith("24 unchanged.\n")
    assert shown(sqlite_tracker, "EVIL")["title"] == title


def test_new_milestones_and_tasks_in_any_order_with_states_and_dates(tracker, tmp_path):
    path = write_csv(
        tmp_path / "new.csv",
        [
            row(key="abn.1", milestone="ABN", title="Übergabeprotokoll", due="2011-12-01",
                state="done", done_on="19.09.2011"),
            row(key="ABN", workstream="org", title="Abnahme", start="01.11.2011",
                due="15.12.2011", owner="Amt 50", refs="GRDrs 1/2011, Antrag 2/2011",
                state="in progress", description="=SUM(A1)"),
            row(key="MIG-PREP.1", milestone="MIG-PREP", title="Testmigration"),
        ],
        german=False,
    )  # fmt: skip
    assert ok(tracker("import", str(path))) == (
        'ABN.1: created "Übergabeprotokoll"\n'
        "ABN.1: state planned → done on 19.09.2011\n"
        'ABN: created "Abnahme"\n'
        "ABN: state planned → in progress\n"
        'MIG-PREP.1: created "Testmigration"\n'
        f"Imported {path}: 3 new, 0 updated, 0 unchanged.\n"
    )
    abn = shown(tracker, "ABN")
    assert (abn["start"], abn["due"], abn["owner"], abn["state"]) == (
        "2011-11-01", "2011-12-15", "Amt 50", "in_progress"
    )  # fmt: skip
    assert (abn["refs"], abn["description"]) == (["GRDrs 1/2011", "Antrag 2/2011"], "=SUM(A1)")
    assert [t["key"] for t in abn["tasks"]] == ["ABN.1"]
    task = shown(tracker, "ABN.1")
    assert (task["workstream"], task["state"], task["done_on"]) == ("org", "done", "2011-09-19")
    assert shown(tracker, "MIG-PREP.1")["workstream"] == "migration"


def test_a_sheet_can_close_a_milestone_with_its_tasks_and_reopen_others(tracker, tmp_path):
    rows = export(tracker)
    by_key = {r["key"]: r for r in rows}
    family = ["ORG-STRUCTURE"] + [r["key"] for r in rows if r["milestone"] == "ORG-STRUCTURE"]
    assert len(family) == 9
    for key in family:  # the milestone's row comes before its tasks'
        by_key[key]["state"] = "done"
    by_key["STMT-264"]["state"] = "in_progress"  # done in the plan
    by_key["STMT-264"]["done_on"] = ""
    path = write_csv(tmp_path / "plan.csv", rows)
    out = ok(tracker("import", str(path)))
    assert "STMT-264: state done → planned\nSTMT-264: state planned → in progress\n" in out
    assert out.endswith("0 new, 10 updated (state), 13 unchanged.\n")
    after = items(tracker)
    assert {after[k]["state"] for k in family} == {"done"}
    assert (after["STMT-264"]["state"], after["STMT-264"]["done_on"]) == ("in_progress", None)


def test_a_file_with_a_few_columns_changes_only_those(sqlite_tracker, tmp_path):
    tracker = sqlite_tracker
    path = tmp_path / "due.csv"
    path.write_text("Key;Due\r\nMIG-PREP;2011-12-15\r\nTRAIN-BASIS;\r\n", encoding="utf-8")
    assert ok(tracker("import", str(path))) == (
        "MIG-PREP: due 31.12.2011 → 15.12.2011\n"
        "TRAIN-BASIS: due 10.10.2011 → -\n"
        f"Imported {path}: 0 new, 2 updated (due), 0 unchanged.\n"
    )
    assert (items(tracker)["TRAIN-BASIS"]["due"], items(tracker)["TRAIN-BASIS"]["start"]) == (
        None, "2011-09-12"
    )  # fmt: skip


# --- refused files ------------------------------------------------------------------


def test_every_bad_row_is_named_by_its_line_and_nothing_is_written(sqlite_tracker, tmp_path):
    rows = export(sqlite_tracker)
    by_key = {r["key"]: r for r in rows}
    by_key["TRAIN-BASIS"]["due"] = "09/20/2011"  # month first: never a date
    by_key["TRAIN-VERTIEFUNG"]["state"] = "finished"
    by_key["GRDRS-5"]["workstream"] = "schulung"
    by_key["MIG-PREP"]["due"] = "15.12.2011"  # a good change, not written either
    rows.append(row(key="sw-award", workstream="software", title="Doppelt"))
    rows.append(row(key="ORPHAN.1", milestone="NOPE", title="Waise"))
    by_key["GO-LIVE"]["state"] = "done"
    by_key["GO-LIVE"]["done_on"] = "01.01.2012"  # after today
    path = write_csv(tmp_path / "bad.csv", rows)
    before = db_bytes(tmp_path)

    line = {r["key"]: n for n, r in enumerate(rows, 2)}
    lines = refused(sqlite_tracker("import", str(path)))
    assert lines == [
        f"tracker: {path}, line {line['TRAIN-BASIS']} (TRAIN-BASIS): due: '09/20/2011' is not "
        "a full date (use 2011-10-10 or 10.10.2011)",
        f"tracker: {path}, line {line['TRAIN-VERTIEFUNG']} (TRAIN-VERTIEFUNG): state: "
        "'finished' is not one of planned, in_progress, done, cancelled",
        f"tracker: {path}, line {line['GRDRS-5']} (GRDRS-5): unknown workstream 'schulung' "
        "(workstreams: software, training, council, benefits, staff, migration, org)",
        f"tracker: {path}, line {line['GO-LIVE']} (GO-LIVE): the done date 01.01.2012 is after "
        "today 20.09.2011",
        f"tracker: {path}, line 25 (SW-AWARD): the key SW-AWARD is also on line 2",
        f"tracker: {path}, line 26 (ORPHAN.1): the milestone NOPE is neither in the project "
        "nor in the file",
        f"tracker: {path}: 6 bad rows of 25; nothing was imported",
    ]
    assert db_bytes(tmp_path) == before
    assert items(sqlite_tracker)["MIG-PREP"]["due"] == "2011-12-31"


def test_a_dry_run_shows_the_changes_and_writes_nothing(sqlite_tracker, tmp_path):
    rows = export(sqlite_tracker)
    rows[0]["title"] = "Zuschlag erteilt"
    rows.append(row(key="NEU", workstream="org", title="Neu"))
    path = write_csv(tmp_path / "plan.csv", rows)
    before = db_bytes(tmp_path)
    assert ok(sqlite_tracker("import", "--dry-run", str(path))) == (
        "SW-AWARD: title Zuschlag Fachsoftware LämmKom (Fa. Lämmerzahl) → Zuschlag erteilt\n"
        'NEU: created "Neu"\n'
        f"Dry run of {path}: 1 new, 1 updated (title), 22 unchanged; nothing was written.\n"
    )
    assert db_bytes(tmp_path) == before


def test_fifty_new_items_are_imported_all_or_none(tracker, tmp_path):
    rows = [
        row(key=f"MIG-PREP.{n}", milestone="MIG-PREP", title=f"Testfall {n}", due="01.12.2011")
        for n in range(1, 51)
    ]
    rows[49]["due"] = "31.11.2011"
    path = write_csv(tmp_path / "fifty.csv", rows)
    before = items(tracker)
    lines = refused(tracker("import", str(path)))
    assert lines[0] == (
        f"tracker: {path}, line 51 (MIG-PREP.50): due: '31.11.2011' is not a date "
        "in the calendar (use 2011-10-10 or 10.10.2011)"
    )
    assert items(tracker) == before
    rows[49]["due"] = "30.11.2011"
    write_csv(path, rows)
    assert ok(tracker("import", str(path))).endswith("50 new, 0 updated, 0 unchanged.\n")
    assert len(items(tracker)) == 23 + 50
    created = [e for e in changes(events(tracker)) if e[3] == "created"][-50:]
    assert [e[0] for e in created] == [f"MIG-PREP.{n}" for n in range(1, 51)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no file {path}"),
        (b"", "{path} is empty (expected a header line: key, kind, milestone, "),
        (b"\xef\xbb\xbf\r\n", "{path} is empty"),
        ("key;title\r\nX;Gr\xfc\xdfe\r\n".encode("cp1252"), "{path} is not UTF-8 text (line 2); "
         'in Excel, save it as "CSV UTF-8 (durch Trennzeichen getrennt)"'),
        (b"Schluessel;Titel\r\nX;Y\r\n", "{path}, line 1: unknown columns 'schluessel', 'titel' "
         "(the header names the columns: key, kind, "),
        (b"TRAIN-BASIS;milestone\r\n", "{path}, line 1: unknown column 'train-basis' "),
        (b"title;due\r\nX;01.01.2012\r\n", "{path}, line 1: there is no key column"),
        (b"key;key\r\n", "{path}, line 1: the column 'key' is named twice"),
        (b'key;title\r\nX;"not closed\r\n', "{path}, line 2: not readable as CSV"),
    ],
    ids=["missing", "empty", "bom-only", "cp1252", "header", "no-header", "no-key", "twice",
         "quote"],
)  # fmt: skip
def test_a_file_that_is_not_a_tracker_csv_is_one_line(sqlite_tracker, tmp_path, content, message):
    path = tmp_path / "in.csv"
    if content is not None:
        path.write_bytes(content)
    before = db_bytes(tmp_path)
    lines = refused(sqlite_tracker("import", str(path)))
    assert len(lines) == 1
    assert lines[0].startswith("tracker: " + message.format(path=path)), lines[0]
    assert db_bytes(tmp_path) == before


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"key": "TRAIN-BASIS", "milestone": "ORG-STRUCTURE"},
         "TRAIN-BASIS is a milestone; it cannot become a task of ORG-STRUCTURE"),
        ({"key": "ORG-AMT", "milestone": "GO-LIVE"},
         "ORG-AMT is a task of ORG-STRUCTURE; moving it to GO-LIVE is not supported"),
        ({"key": "NEU.1", "milestone": "ORG-AMT", "title": "x"},
         "ORG-AMT is a task; tasks belong to milestones"),
        ({"key": "NEU", "title": "x"}, "a new milestone needs a workstream"),
        ({"key": "NEU", "workstream": "org"}, "a new item needs a title"),
        ({"key": "ORG-STRUCTURE", "state": "done"},
         "ORG-STRUCTURE has 8 open task(s) (ORG-AMT, ORG-ARBEITSHILFEN, ORG-BUERGERARBEIT, "
         "...): mark them done or cancel them first"),
        ({"key": "GO-LIVE", "done_on": "19.09.2011"},
         "done_on is given but the state is planned"),
        ({"key": "GO-LIVE", "start": "2012-02-01"}, "the start 01.02.2012 is after the due date"),
        ({"key": "GO-LIVE", "due": "10.10.11"}, "due: '10.10.11' is not a full date"),
        ({"key": "GO-LIVE", "due": "01.01.2100"}, "due: the due date 01.01.2100 is outside"),
        ({"key": "", "title": "x"}, "the key is empty"),
        ({"key": "GO LIVE"}, "'GO LIVE' is not a usable key"),
        ({"key": "GO-LIVE", "kind": "task", "milestone": ""},
         "kind is task, but the milestone is empty"),
        ({"key": "GO-LIVE", "kind": "task"}, "GO-LIVE is a milestone, not a task"),
        ({"key": "GO-LIVE", "title": ""}, "title: the title is empty"),
    ],
)  # fmt: skip
def test_a_bad_row_says_what_is_wrong(sqlite_tracker, tmp_path, cells, message):
    path = write_csv(tmp_path / "one.csv", [row(**cells)], fields=["key", *cells.keys() - {"key"}])
    lines = refused(sqlite_tracker("import", str(path)))
    assert len(lines) == 2
    assert message in lines[0]
    assert lines[0].startswith(f"tracker: {path}, line 2")
    assert lines[1] == f"tracker: {path}: 1 bad row of 1; nothing was imported"


def test_a_key_twice_reports_both_rows_problems(sqlite_tracker, tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("key;state\r\nORG-STRUCTURE;done\r\norg-structure;done\r\n")
    assert refused(sqlite_tracker("import", str(path))) == [
        f"tracker: {path}, line 2 (ORG-STRUCTURE): ORG-STRUCTURE has 8 open task(s) "
        "(ORG-AMT, ORG-ARBEITSHILFEN, ORG-BUERGERARBEIT, ...): mark them done or cancel them "
        "first",
        f"tracker: {path}, line 3 (ORG-STRUCTURE): the key ORG-STRUCTURE is also on line 2",
        f"tracker: {path}: 2 bad rows of 2; nothing was imported",
    ]


def test_cells_past_the_header_and_blank_rows(sqlite_tracker, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("key;due\r\n;\r\n\r\nGO-LIVE;01.01.2012;;\r\nMIG-ALL;01.01.2012;x\r\n")
    lines = refused(sqlite_tracker("import", str(path)))
    assert lines == [
        f"tracker: {path}, line 5: 3 cells, but the header has 2",
        f"tracker: {path}: 1 bad row of 2; nothing was imported",
    ]


# --- progress -------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_progress_bar_only_for_long_runs_on_a_terminal(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    with _progress("Importing")(999) as step:
        step(999)
    assert terminal.getvalue() == ""
    with _progress("Importing")(1000) as step:
        for _ in range(1000):
            step(1)
    assert "Importing" in terminal.getvalue() and "100%" in terminal.getvalue()
    monkeypatch.setattr("sys.stderr", io.StringIO())  # a pipe: nothing
    with _progress("Importing")(5000) as step:
        step(5000)


def test_the_import_steps_add_up_to_its_total(sqlite_tracker, tmp_path):
    rows = export(sqlite_tracker)
    for r in rows:
        if r["key"] == "ORG-STRUCTURE" or r["milestone"] == "ORG-STRUCTURE":
            r["state"] = "done"  # closed later, tasks first
    rows[0]["state"] = "planned"  # SW-AWARD: reopened
    rows.append(row(key="NEU", workstream="org", title="Neu", state="in_progress"))
    rows.append(row(key="NEU.1", milestone="NOPE", title="Waise"))  # bad
    path = write_csv(tmp_path / "plan.csv", rows)
    counted: list[tuple[int, int]] = []

    @contextmanager
    def progress(total: int) -> Iterator[Callable[[int], None]]:
        done: list[int] = []
        yield done.append
        counted.append((total, sum(done)))

    who = Who("test-lead", date(2011, 9, 20))
    with pytest.raises(importer.Refused):
        importer.import_table(resolve_url(None), "", who, csv_io.read(path), progress=progress)
    rows.pop()
    write_csv(path, rows)
    outcome = importer.import_table(
        resolve_url(None), "", who, csv_io.read(path), progress=progress
    )
    assert (outcome.new, outcome.updated, outcome.unchanged) == (1, 10, 13)
    assert counted == [(2 * 24, 2 * 24), (2 * 24, 2 * 24)]


def test_a_long_import_prints_no_bar_when_stderr_is_not_a_terminal(sqlite_tracker, tmp_path):
    rows = [row(key=f"B-{n}", workstream="org", title=f"Punkt {n}") for n in range(1200)]
    path = write_csv(tmp_path / "big.csv", rows)
    result = sqlite_tracker("import", str(path))
    assert ok(result).endswith("1200 new, 0 updated, 0 unchanged.\n")
    data = json.loads(ok(sqlite_tracker("list", "--workstream", "org", "--format", "json")))
    assert len(data["items"]) == 1200 + 11


# --- hostile files ------------------------------------------------------------------

_cells = st.one_of(
    st.sampled_from(
        [
            "", " ", "MIG-PREP", "mig-prep", "GO-LIVE", "ORG-AMT", "ORG-STRUCTURE", "NEU",
            "NEU.1", "milestone", "task", "org", "training", "Schulung", "done", "cancelled",
            "planned", "in progress", "erledigt", "10.10.2011", "2011-12-31", "09/20/2011",
            "31.02.2012", "01.01.2100", "10.10.", "=1+1", "'=1+1", "''", "@x", "-", "\t",
            '"', "x\ny", "a;b", "a,b", "\x00", "ä" * 301, "GRDrs 1/2011, Antrag 2/2011",
        ]
    ),
    st.text(max_size=12),
)  # fmt: skip
_headers = st.lists(st.sampled_from([*FIELDS, "Key", "bogus", ""]), min_size=1, max_size=8)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    header=_headers,
    rows=st.lists(st.lists(_cells, max_size=9), max_size=6),
    german=st.booleans(),
    junk=st.one_of(st.none(), st.binary(max_size=40)),
)
def test_no_file_makes_a_traceback_and_a_refused_one_changes_nothing(
    sqlite_tracker, tmp_path, header, rows, german, junk
):
    path = tmp_path / "fuzz.csv"
    if junk is not None:
        path.write_bytes(junk)
    else:
        out = io.StringIO(newline="")
        writer = csv.writer(out, delimiter=";" if german else ",", lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
        path.write_bytes((("\ufeff" if german else "") + out.getvalue()).encode("utf-8"))
    before = db_bytes(tmp_path)
    result = sqlite_tracker("import", str(path))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1), result.output
    if result.exit_code:
        assert result.stderr and all(
            line.startswith("tracker: ") for line in result.stderr.splitlines()
        ), result.stderr
        assert db_bytes(tmp_path) == before
