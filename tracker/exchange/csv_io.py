"""The CSV file of a project's items (docs/csv.md): writing it, and reading one back.

Two dialects. `GERMAN`, the default, opens in a German Excel on double-click: `;`
between cells, UTF-8 with a byte-order mark (without it Excel reads Windows-1252),
CRLF line ends, dates DD.MM.YYYY. `COMMA` is for programs: `,`, UTF-8 without a mark,
ISO dates. Reading tells them apart by the header line and accepts both date forms in
both, never month-first.

A cell a spreadsheet would run as a formula (starting with = + - @, a tab or a CR) is
written with a `'` in front (OWASP, "CSV injection"); reading removes it again, so a
title `=HYPERLINK(...)` survives the round trip. A cell that starts with `'` before
such a character gets a second `'`, so the mark is never ambiguous.

`read()` checks the whole file before anything touches a database: problems with the
file itself (missing, not UTF-8, empty, a bad header, broken quoting) are one error;
problems with rows are collected, every row with its line number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from tracker import fields
from tracker.dates import check_supported, format_de, parse_absolute_date
from tracker.errors import BadDate, BadInput
from tracker.exchange import Progress, no_progress
from tracker.queries import ItemRecord
from tracker.states import Kind, State

COLUMNS = (
    "key", "kind", "milestone", "workstream", "title", "owner", "state",
    "start", "due", "due_derived", "done_on", "refs", "description",
)  # fmt: skip
DATE_COLUMNS = ("start", "due", "done_on")
BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


class Dialect(NamedTuple):
    name: str
    delimiter: str
    bom: bool
    date: Callable[[date | None], str]


def _iso(d: date | None) -> str:
    return "" if d is None else d.isoformat()


GERMAN = Dialect("German Excel", ";", True, format_de)
COMMA = Dialect("comma", ",", False, _iso)


# --- formulas ----------------------------------------------------------------------


def neutralise(text: str) -> str:
    """The cell as written: a `'` before what a spreadsheet would run as a formula."""
    if text[:1] in FORMULA_START or (text[:1] == QUOTE and text[1:2] in (*FORMULA_START, QUOTE)):
        return QUOTE + text
    return text


def restore(text: str) -> str:
    """The cell as it was before `neutralise`."""
    if text[:1] == QUOTE and text[1:2] in (*FORMULA_START, QUOTE):
        return text[1:]
    return text


# --- writing -----------------------------------------------------------------------


def cells(record: ItemRecord, dialect: Dialect) -> list[str]:
    """One item as the cells of its row, in the order of COLUMNS."""
    item = record.item
    return [
        item.key,
        item.kind.value,
        item.milestone or "",
        item.workstream,
        item.title,
        item.owner or "",
        item.state.value,
        dialect.date(item.start),
        dialect.date(item.due),
        "true" if item.due_derived else "false",
        dialect.date(item.done_on),
        record.refs,
        record.description,
    ]


def write(
    records: Iterable[ItemRecord], dialect: Dialect, progress: Progress = no_progress
) -> bytes:
    """The CSV file of `records`, as bytes: header, then one row per item."""
    records = list(records)
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=dialect.delimiter, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    with progress(len(records)) as step:
        for record in records:
            writer.writerow([neutralise(c) for c in cells(record, dialect)])
            step(1)
    return ((BOM if dialect.bom else "") + out.getvalue()).encode("utf-8")


# --- reading -----------------------------------------------------------------------


class Problem(NamedTuple):
    """A bad row: its line in the file, its key if it has a usable one, what is wrong."""

    line: int
    key: str
    message: str


@dataclass
class Row:
    """A row that passed the file checks, with the values of the columns the file has.

    `values` holds only the file's columns: a missing column leaves the field as it
    is; a present but empty cell is None (dates, kind, milestone, workstream, state)
    or "" (owner, refs, description), and the importer decides what that means.
    """

    line: int
    key: str
    values: dict[str, Any]

    def has(self, column: str) -> bool:
        return column in self.values

    def get(self, column: str) -> Any:
        return self.values.get(column)


@dataclass
class Table:
    """A read CSV file: its good rows, the problems of the others, the dialect."""

    source: str
    dialect: Dialect
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Usable keys of bad rows: the importer skips the tasks of a bad milestone row.
    bad_keys: set[str] = field(default_factory=set)

    @property
    def row_count(self) -> int:
        return len(self.rows) + len(self.problems)


def read(path: Path, source: str | None = None) -> Table:
    """Read and check a CSV file; BadInput for a file that cannot be read as one.

    `source` names the file in messages (default: the path).
    """
    name = source or str(path)
    text = _decode(path, name)
    header_line = text.split("\n", 1)[0]
    dialect = GERMAN if ";" in header_line else COMMA
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter, strict=True)
    try:
        header = next(reader)
        columns = _columns(header, name)
        table = Table(name, dialect)
        seen: dict[str, int] = {}
        last = reader.line_num
        for record in reader:
            line, last = last + 1, reader.line_num
            _read_row(table, columns, record, line, seen)
    except csv.Error as exc:
        hint = '; is a " not closed?' if "end of data" in str(exc) else ""
        raise BadInput(
            f"{name}, line {reader.line_num}: not readable as CSV ({exc}{hint})"
        ) from None
    return table


def _decode(path: Path, name: str) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"no file {name}") from None
    except IsADirectoryError:
        raise BadInput(f"{name} is a folder, not a CSV file") from None
    except OSError as exc:
        raise BadInput(f"cannot read {name}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BadInput(
            f"{name} is not UTF-8 text (line {line}); in Excel, save it as "
            '"CSV UTF-8 (durch Trennzeichen getrennt)"'
        ) from None
    if not text.strip():
        raise BadInput(f"{name} is empty (expected a header line: {', '.join(COLUMNS)})")
    return text


def _columns(header: list[str], name: str) -> list[str]:
    """The header's column names; '' for an unnamed column (allowed when empty)."""
    names = [h.strip().lower() for h in header]
    unknown = [n for n in names if n and n not in COLUMNS]
    if unknown:
        shown = ", ".join(repr(n) for n in unknown[:5]) + (", ..." if len(unknown) > 5 else "")
        raise BadInput(
            f"{name}, line 1: unknown column{'s' if len(unknown) > 1 else ''} {shown} "
            f"(the header names the columns: {', '.join(COLUMNS)}; see docs/csv.md)"
        )
    twice = sorted({n for n in names if n and names.count(n) > 1})
    if twice:
        raise BadInput(f"{name}, line 1: the column {twice[0]!r} is named twice")
    if "key" not in names:
        raise BadInput(f"{name}, line 1: there is no key column (it is required)")
    return names


def _read_row(
    table: Table, columns: list[str], record: list[str], line: int, seen: dict[str, int]
) -> None:
    if not any(c.strip() for c in record):
        return  # a blank line, or a row of empty cells a spreadsheet left behind
    extra = record[len(columns) :]
    if len(record) < len(columns) or any(c.strip() for c in extra):
        table.problems.append(
            Problem(line, "", f"{len(record)} cells, but the header has {len(columns)}")
        )
        return
    raw = {}
    for name, cell in zip(columns, record, strict=False):
        if name:
            raw[name] = restore(cell)
        elif cell.strip():
            table.problems.append(Problem(line, "", "a cell in a column without a name"))
            return
    problems: list[str] = []
    key = ""
    try:
        key = fields.item_key(raw["key"]) if raw["key"].strip() else ""
    except BadInput as exc:
        problems.append(str(exc))
    else:
        if not key:
            problems.append("the key is empty")
        elif key in seen:
            problems.append(f"the key {key} is also on line {seen[key]}")
        else:
            seen[key] = line
    values = _values(raw, key, problems)
    if problems:
        table.problems.append(Problem(line, key, "; ".join(problems)))
        if key:
            table.bad_keys.add(key)
    else:
        table.rows.append(Row(line, key, values))


def _values(raw: dict[str, str], key: str, problems: list[str]) -> dict[str, Any]:
    """The typed values of a row's cells; what is wrong goes to `problems`."""
    values: dict[str, Any] = {}

    def check(column: str, parse: Callable[[str], Any]) -> None:
        if column in raw:
            try:
                values[column] = parse(raw[column])
            except (BadInput, BadDate) as exc:
                problems.append(f"{column}: {exc}")

    check("kind", _kind)
    check("milestone", lambda s: fields.item_key(s) if s.strip() else None)
    check("workstream", lambda s: _workstream(s) if s.strip() else None)
    check("title", fields.title)
    check("owner", lambda s: fields.owner(s) or "")
    check("state", _state)
    for column in DATE_COLUMNS:
        check(column, partial(_date, column=column))
    check("refs", lambda s: fields.refs(fields.split_refs(s)))
    check("description", fields.description)
    # due_derived is written for information and not read: a new due date is an
    # agreed one (docs/csv.md).

    milestone, kind = values.get("milestone"), values.get("kind")
    if key and milestone == key:
        problems.append("an item cannot be its own milestone")
    if kind is Kind.TASK and "milestone" in values and milestone is None:
        problems.append("kind is task, but the milestone is empty")
    if kind is Kind.MILESTONE and milestone is not None:
        problems.append(f"kind is milestone, but the milestone column names {milestone}")
    start, due = values.get("start"), values.get("due")
    if start is not None and due is not None and start > due:
        problems.append(f"start {format_de(start)} is after due {format_de(due)}")
    state, done_on = values.get("state"), values.get("done_on")
    if done_on is not None and state is not None and state is not State.DONE:
        problems.append(f"done_on is given but the state is {state.value}")
    return values


def _kind(text: str) -> Kind | None:
    s = text.strip().lower()
    if not s:
        return None
    try:
        return Kind(s)
    except ValueError:
        raise BadInput(f"{text!r} is not milestone or task") from None


def _workstream(text: str) -> str:
    return fields.short_key(text, "workstream key", fields.MAX_KEY)


def _state(text: str) -> State | None:
    if not text.strip():
        return None
    try:
        return State.parse(text)
    except ValueError:
        allowed = ", ".join(s.value for s in State)
        raise BadInput(f"{text!r} is not one of {allowed}") from None


_DATE_NAMES = {"start": "the start", "due": "the due date", "done_on": "the done date"}


def _date(text: str, column: str) -> date | None:
    if not text.strip():
        return None
    return check_supported(parse_absolute_date(text), _DATE_NAMES[column])
