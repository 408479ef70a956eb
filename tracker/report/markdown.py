"""The weekly report as Markdown: an e-mail body that also renders on any viewer.

CommonMark with GFM tables and nothing else: no HTML, no footnote or task-list
extensions. Tables are padded so that they line up in a plain-text mail. Everything a
user wrote (project name, titles, owners, names, notes) passes through `_inline`,
which escapes what would otherwise format or break the layout, so a title such as
"A | B" or "*neu*" prints as written. Notes keep their line breaks as a quoted block;
every other user text is folded onto one line.

An empty section says "keine"/"none", so that German and English reports of the same
week have the same lines, and the report of a quiet week still shows every heading.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from tracker.dates import format_de
from tracker.queries import ItemRow
from tracker.report.data import Overdue, Rescheduled, Upcoming, WeeklyReport, week_label
from tracker.report.i18n import (
    REPORT_ROWS,
    go_live_forecast,
    headline,
    long_date,
    more,
    reason,
    state_name,
    t,
)

DERIVED_MARK = "*"

# Characters that format anywhere in a line (`_` only next to a non-alphanumeric,
# see _UNDERSCORE); `|` would end a table cell and `~` strikes through in GFM.
_ALWAYS = re.compile(r"([\\`*\[\]<|~])")
_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")  # "_x_" formats, "due_date" does not
_ENTITY = re.compile(r"&(?=#?\w+;)")  # "&amp;" would print as "&"
# What starts a block when it begins a line: heading, quote, list, setext underline.
_BLOCK_START = re.compile(r"^(#|>|[-+=]|\d+(?=[.)]))")


def _inline(text: str | None) -> str:
    """User text on one line with everything that would format escaped."""
    text = " ".join((text or "").split())
    text = _ALWAYS.sub(r"\\\1", text)
    text = _UNDERSCORE.sub(r"\\_", text)
    return _ENTITY.sub(r"\\&", text)


def _line_start(text: str) -> str:
    """`_inline` text that begins a line: no heading, quote or list either."""
    m = _BLOCK_START.match(text)
    if m is None:
        return text
    if m[1][0].isdigit():  # "1. " starts a list; escape its dot or bracket
        return text[: m.end()] + "\\" + text[m.end() :]
    return "\\" + text


def _heading(level: int, text: str) -> str:
    """An ATX heading; `text` is already escaped and never ends in user text."""
    return "#" * level + " " + text


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right: frozenset[int]
) -> list[str]:
    """A GFM table padded to its widest cells; cells are already escaped."""
    widths = [max(3, *(len(c) for c in col)) for col in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "|".join(
        "-" * (w + 1) + ":" if i in right else "-" * (w + 2) for i, w in enumerate(widths)
    )
    return [line(headers), f"|{rule}|", *(line(r) for r in rows)]


def _due(item: ItemRow) -> str:
    return format_de(item.due) + (DERIVED_MARK if item.due_derived and item.due else "")


def _date_or_dash(d: date | None) -> str:
    return format_de(d) if d else "–"


def _signed(n: int, key: str, lang: str) -> str:
    """ "+15 Tage" / "-3 days": a slip with its sign."""
    return t(lang, key, n=f"{n:+d}")


class _Doc:
    """The lines of the report, with one blank line between blocks."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.lines: list[str] = []

    def block(self, *lines: str) -> None:
        if self.lines:
            self.lines.append("")
        self.lines.extend(lines)

    def section(
        self,
        title: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        total: int,
        right: frozenset[int] = frozenset(),
        derived: bool = False,
    ) -> None:
        """A `##` section with a table under the i18n keys `columns`, or "none"; at
        most REPORT_ROWS rows, then how many more of `total` there are."""
        self.block(_heading(2, title))
        if not rows:
            self.block(_cap(t(self.lang, "none")) + ".")
            return
        headers = [_cap(t(self.lang, c)) for c in columns]
        self.block(*_table(headers, rows[:REPORT_ROWS], right))
        left_out = total - min(len(rows), REPORT_ROWS)
        if left_out > 0:
            self.block(more(self.lang, left_out))
        if derived:
            self.block("\\" + t(self.lang, "derived"))

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def render(report: WeeklyReport, lang: str) -> str:
    """The report in `lang` ("de" or "en") as Markdown."""
    doc = _Doc(lang)

    def tr(key: str, **values: object) -> str:
        return t(lang, key, **values)

    r = report
    title = f"{tr('title')} {_inline(r.project.name)} – {week_label(r.week, lang)}"
    doc.block(_heading(1, title))
    doc.block(
        f"- {tr('as_of')}: {long_date(lang, r.as_of)}",
        f"- {tr('author')}: {_inline(r.author)}",
        f"- {tr('go_live')} {format_de(r.project.go_live)}: {_go_live(r, lang)}",
    )

    doc.block(_heading(2, tr("summary")))
    doc.block(f"**{headline(lang, r.milestones_due_soon, r.overdue_count)}**")
    doc.block(_inline(go_live_forecast(lang, r.go_live_forecast)))
    doc.block(
        " · ".join(
            f"{_cap(tr(key))}: {n}"
            for key, n in (
                ("done_count", r.done_count),
                ("open_count", r.open_count),
                ("overdue_count", r.overdue_count),
            )
        )
    )
    doc.block(_heading(3, tr("progress")))
    doc.block(
        *_table(
            [tr("workstream"), _cap(tr("done_of_total"))],
            [[_inline(p.title), f"{p.done} / {p.total}"] for p in r.progress],
            frozenset({1}),
        )
    )

    doc.section(
        tr("done_this_week"),
        ["key", "item", "done_on", "marked_by"],
        [
            [
                _inline(d.item.key),
                _inline(d.item.title),
                format_de(d.item.done_on),
                _inline(d.actor) if d.actor is not None else tr("per_plan"),
            ]
            for d in r.done_this_week
        ],
        total=r.done_this_week_total,
    )
    doc.section(
        tr("overdue"),
        ["key", "item", "owner", "due", "days_overdue", "working_days_overdue", "state"],
        _counted_rows(r.overdue, lang, with_owner_and_state=True),
        right=frozenset({4, 5}),
        derived=any(o.item.due_derived for o in r.overdue),
        total=r.overdue_count,
    )
    doc.section(
        tr("at_risk"),
        ["key", "item", "due", "forecast", "working_days_late", "why"],
        [
            [
                _inline(p.item.key),
                _inline(p.item.title),
                _due(p.item),
                format_de(p.forecast.finish),
                str(p.forecast.slip),
                _inline(reason(lang, p.forecast)),
            ]
            for p in r.at_risk
        ],
        right=frozenset({4}),
        derived=any(p.item.due_derived for p in r.at_risk),
        total=r.at_risk_total,
    )
    doc.section(
        tr("due_next", until=format_de(r.due_next_until)),
        ["key", "item", "owner", "due", "days_left", "working_days_left", "state"],
        _counted_rows(r.due_next, lang, with_owner_and_state=True),
        right=frozenset({4, 5}),
        derived=any(u.item.due_derived for u in r.due_next),
        total=r.due_next_total,
    )
    doc.section(
        tr("rescheduled"),
        ["key", "item", "day", "who", "old_due", "new_due", "first_agreed", "slip"],
        [_rescheduled_row(c, lang) for c in r.rescheduled],
        total=r.rescheduled_total,
    )
    doc.section(
        tr("key_dates"),
        ["key", "item", "due", "days_left", "working_days_left"],
        _counted_rows(r.key_dates, lang, with_owner_and_state=False),
        right=frozenset({3, 4}),
        derived=any(u.item.due_derived for u in r.key_dates),
        total=r.key_dates_total,
    )

    doc.block(_heading(2, tr("notes")))
    if not r.notes:
        doc.block(_cap(tr("none")) + ".")
    for n in r.notes[:REPORT_ROWS]:
        about = f"**{_inline(n.key)}** {_inline(n.title)}".rstrip() if n.key else ""
        doc.block(
            f"- {long_date(lang, n.day)} · {_inline(n.actor)}" + (f" · {about}" if about else "")
        )
        doc.block(*("  " + line for line in _quote(n.text)))
    if r.notes_total > min(len(r.notes), REPORT_ROWS):
        doc.block(more(lang, r.notes_total - min(len(r.notes), REPORT_ROWS)))
    return doc.text()


def _go_live(r: WeeklyReport, lang: str) -> str:
    if r.go_live_days < 0:
        return t(lang, "go_live_past", days=-r.go_live_days)
    if r.go_live_days == 0:
        return t(lang, "today")
    return t(lang, "go_live_countdown", days=r.go_live_days, working=r.go_live_working_days)


def _counted_rows(
    entries: Sequence[Overdue | Upcoming], lang: str, *, with_owner_and_state: bool
) -> list[list[str]]:
    """Rows of items with their days and working days (overdue, or left)."""
    rows = []
    for e in entries:
        owner = [_inline(e.item.owner)] if with_owner_and_state else []
        state = [state_name(lang, e.item.state)] if with_owner_and_state else []
        head = [_inline(e.item.key), _inline(e.item.title), *owner, _due(e.item)]
        rows.append([*head, str(e.days), str(e.working_days), *state])
    return rows


def _rescheduled_row(c: Rescheduled, lang: str) -> list[str]:
    slip = ""
    if c.slip_days is not None:
        slip = _signed(c.slip_days, "days", lang)
        if c.slip_working_days is not None:
            slip += ", " + _signed(c.slip_working_days, "working_days", lang)
    return [
        _inline(c.item.key),
        _inline(c.item.title),
        format_de(c.day),
        _inline(c.actor),
        _date_or_dash(c.old_due),
        _date_or_dash(c.new_due),
        _date_or_dash(c.first_agreed),
        slip,
    ]


def _quote(text: str) -> list[str]:
    """A note as a quoted block that keeps its lines.

    Each line is escaped and starts at the margin (leading blanks would make a code
    block); lines of one paragraph end in two spaces, Markdown's line break, and an
    empty line stays a paragraph break.
    """
    lines = [_line_start(_inline(line)) for line in text.strip().splitlines()]
    out = []
    for i, line in enumerate(lines):
        if not line:
            out.append(">")
            continue
        more = i + 1 < len(lines) and lines[i + 1]
        out.append(f"> {line}" + ("  " if more else ""))
    return out
