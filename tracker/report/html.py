"""The weekly report as one self-contained HTML page that prints on A4.

Everything is inline: the styles, and the timeline as an SVG drawn here. The page
loads nothing (no scripts, fonts, images or external style sheets), and a Content
Security Policy says so, so that a title pasted from the web cannot make the report
phone home when the head of department opens it. Every text a user wrote (titles,
notes, names, owners, the project name) passes through `_e()`.

Colour carries meaning on screen, and a second channel carries it on a black-and-white
printer: overdue is hatched and marked "!", done is pale and marked "✓", planned is an
outline and in progress is filled; an item at risk gets a dashed line from its due date
to an arrowhead on its forecast, and the forecast date after its own.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import NamedTuple

from tracker.dates import format_de
from tracker.queries import ItemRow
from tracker.report.data import WeeklyReport, week_label
from tracker.report.i18n import (
    REPORT_ROWS,
    go_live_forecast,
    headline,
    late,
    long_date,
    month,
    more,
    reason,
    state_name,
    t,
)
from tracker.schedule import Forecast
from tracker.states import State

DERIVED_MARK = "*"

# The page's own look. No user text ever goes into CSS; the page-number strings come
# from i18n and are escaped for a CSS string (see _css()).
_CSS = """\
@page { size: A4; margin: 15mm;
  @bottom-right { content: "@PAGE@ " counter(page) " / " counter(pages);
                  font: 8pt sans-serif; color: #444; } }
* { box-sizing: border-box; }
html { font: 10.5pt/1.4 Arial, "Liberation Sans", Helvetica, "DejaVu Sans", sans-serif;
       color: #111; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; }
@media screen {
  html { background: #d6d6d6; }
  body { width: 210mm; min-height: 297mm; margin: 6mm auto; padding: 15mm;
         background: #fff; box-shadow: 0 0 3px rgba(0, 0, 0, .35); }
}
header { border-bottom: 2pt solid #111; padding-bottom: 2.5mm; margin-bottom: 1mm; }
.kicker { margin: 0; font-size: 9pt; letter-spacing: .04em; text-transform: uppercase;
          color: #333; }
h1 { font-size: 15pt; line-height: 1.25; margin: 1mm 0 2.5mm; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .6mm 4mm; margin: 0; }
dl.meta dt { font-weight: bold; }
dl.meta dd { margin: 0; }
h2 { font-size: 12pt; margin: 5.5mm 0 2mm; padding-bottom: .6mm;
     border-bottom: .75pt solid #777; break-after: avoid; page-break-after: avoid; }
section.short, figure, tr { break-inside: avoid; page-break-inside: avoid; }
p { margin: 0 0 2mm; }
.headline { font-size: 11.5pt; font-weight: bold; }
.forecast { font-size: 11pt; }
.forecast.late { font-weight: bold; color: #b71c1c; }
ul.counts { display: flex; gap: 4mm; list-style: none; margin: 0 0 3mm; padding: 0; }
ul.counts li { border: .75pt solid #555; padding: 1.2mm 3mm; min-width: 30mm; }
ul.counts b { display: block; font-size: 15pt; line-height: 1.2; }
ul.counts li.alert { border: 2pt solid #b71c1c; color: #b71c1c; }
table { width: 100%; border-collapse: collapse; font-size: 9.5pt; margin: 0 0 1.5mm; }
thead { display: table-header-group; }
th, td { border: .75pt solid #555; padding: .9mm 1.5mm; text-align: left;
         vertical-align: top; }
thead th { background: #dedede; }
tbody tr:nth-child(even) td { background: #f1f1f1; }
.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.date, .key, .state, .why { white-space: nowrap; }
.key { font-weight: bold; }
.text { white-space: pre-line; }
tr.overdue td.num, tr.at-risk td.num { font-weight: bold; color: #b71c1c; }
.none, .more { font-style: italic; color: #444; }
svg.bar { width: 32mm; height: 3.2mm; vertical-align: middle; }
svg.bar .track { fill: #fff; stroke: #333; stroke-width: 1; }
svg.bar .fill { fill: #4f7f52; }
figure { margin: 0; }
svg.timeline { display: block; width: 100%; height: auto;
               font-family: Arial, "Liberation Sans", Helvetica, "DejaVu Sans", sans-serif; }
figcaption, .footnote { font-size: 8.5pt; color: #333; margin-top: 1mm; }
footer { margin-top: 6mm; padding-top: 1.5mm; border-top: .75pt solid #777;
         font-size: 8.5pt; color: #333; }
.tl .zebra { fill: #f3f3f3; }
.tl .grid { stroke: #bbb; stroke-width: 1; }
.tl .month { font-size: 14px; fill: #333; text-anchor: middle; }
.tl .year { font-size: 14px; font-weight: bold; fill: #111; text-anchor: middle; }
.tl .yeargrid { stroke: #666; stroke-width: 1.5; }
.tl .week { fill: #ffe9a8; }
.tl .key { font-size: 14px; font-weight: bold; fill: #111; }
.tl .title { font-size: 14px; fill: #222; }
.tl .when { font-size: 13px; fill: #333; }
.tl .when, .tl .today-label, .tl .golive-label {
  paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
.tl .shape { stroke-width: 1.5; }
.tl .planned .shape { fill: #fff; stroke: #3d5470; }
.tl .in_progress .shape { fill: #8ea7c6; stroke: #3d5470; }
.tl .done .shape { fill: #cfe6cf; stroke: #2e7d32; }
.tl .done .when { fill: #2e7d32; }
.tl .cancelled .shape { fill: #fff; stroke: #888; stroke-dasharray: 4 3; }
.tl .cancelled .title { text-decoration: line-through; fill: #666; }
.tl .overdue .shape { fill: url(#tl-hatch); stroke: #b71c1c; stroke-width: 2; }
.tl .overdue .title, .tl .overdue .key, .tl .overdue .when { fill: #b71c1c; font-weight: bold; }
.tl .today { stroke: #0d47a1; stroke-width: 2.5; }
.tl .today-label { font-size: 13px; font-weight: bold; fill: #0d47a1; }
.tl .golive { stroke: #111; stroke-width: 2; stroke-dasharray: 7 4; }
.tl .golive-label { font-size: 13px; font-weight: bold; fill: #111; }
.tl .slip { stroke: #b71c1c; stroke-width: 2; stroke-dasharray: 5 3; }
.tl .forecast { fill: #b71c1c; stroke: none; }
.tl .legend { font-size: 13px; fill: #222; }
"""

# Timeline geometry, in viewBox units (the SVG is drawn 1000 wide and scaled to the
# page: about 0.68 on A4, so 14 units print at about 7 pt).
_W = 1000
_LABEL_W = 400  # key and clipped title
_X0, _X1 = _LABEL_W + 10, _W - 10
_AXIS_H = 44  # years, then months
_ROW_H = 24
_LEGEND_ROW = 22


def _e(text: object) -> str:
    """Escaped for HTML text and attributes (quotes too); SVG inside HTML uses the same."""
    return html.escape(str(text), quote=True)


def _due(item: ItemRow) -> str:
    return format_de(item.due) + (DERIVED_MARK if item.due_derived and item.due else "")


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else f"−{-n}" if n < 0 else "0"


def _table(
    headers: Sequence[tuple[str, str]],
    rows: Iterable[tuple[str, Sequence[str]]],
    lang: str,
    total: int,
) -> str:
    """A bordered table: headers as (text, class), rows as (row class, escaped cells);
    at most REPORT_ROWS rows, then a line that counts the rest of `total`."""
    rows = list(rows)[:REPORT_ROWS]
    left_out = total - len(rows)
    cls = [c for _, c in headers]
    head = "".join(
        f'<th class="{c}">{_e(h)}</th>' if c else f"<th>{_e(h)}</th>" for h, c in headers
    )
    body = []
    for row_class, cells in rows:
        tds = "".join(
            f'<td class="{c}">{cell}</td>' if c else f"<td>{cell}</td>"
            for c, cell in zip(cls, cells, strict=True)
        )
        attr = f' class="{row_class}"' if row_class else ""
        body.append(f"<tr{attr}>{tds}</tr>")
    rest = f'\n<p class="more">{_e(more(lang, left_out))}</p>' if left_out > 0 else ""
    return (
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(body)
        + "\n</tbody>\n</table>"
        + rest
    )


class _Section(NamedTuple):
    id: str
    heading: str
    body: str
    short: bool = True  # kept on one page when printed


def _section(s: _Section) -> str:
    cls = ' class="short"' if s.short else ""
    return f'<section id="{s.id}"{cls}>\n<h2>{_e(s.heading)}</h2>\n{s.body}\n</section>'


def _none(lang: str) -> str:
    return f'<p class="none">{_e(t(lang, "none"))}</p>'


# --- header and summary -----------------------------------------------------------


def _header(r: WeeklyReport, lang: str) -> str:
    if r.go_live_days > 0:
        countdown = t(
            lang, "go_live_countdown", days=r.go_live_days, working=r.go_live_working_days
        )
    elif r.go_live_days == 0:
        countdown = t(lang, "today")
    else:
        countdown = t(lang, "go_live_past", days=-r.go_live_days)
    meta = [
        (t(lang, "as_of"), _e(long_date(lang, r.as_of))),
        (t(lang, "author"), _e(r.author)),
        (t(lang, "go_live"), f"{_e(long_date(lang, r.project.go_live))} – {_e(countdown)}"),
    ]
    rows = "\n".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in meta)
    return (
        "<header>\n"
        f'<p class="kicker">{_e(t(lang, "title"))} · {_e(week_label(r.week, lang))}</p>\n'
        f"<h1>{_e(r.project.name)}</h1>\n"
        f'<dl class="meta">\n{rows}\n</dl>\n'
        "</header>"
    )


def _bar(done: int, total: int) -> str:
    share = done / total if total else 0.0
    return (
        f'<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" '
        f'aria-label="{round(100 * share)} %">'
        f'<rect class="track" x="0.5" y="0.5" width="99" height="9"/>'
        f'<rect class="fill" x="0.5" y="0.5" width="{99 * share:.1f}" height="9"/></svg>'
    )


def _summary(r: WeeklyReport, lang: str) -> _Section:
    counts = [
        ("", r.done_count, t(lang, "done_count")),
        ("", r.open_count, t(lang, "open_count")),
        (' class="alert"' if r.overdue_count else "", r.overdue_count, t(lang, "overdue_count")),
    ]
    tiles = "".join(f"<li{c}><b>{n}</b>{_e(label)}</li>" for c, n, label in counts)
    rows = [("", [_e(p.title), f"{p.done} / {p.total}", _bar(p.done, p.total)]) for p in r.progress]
    progress = _table(
        [(t(lang, "workstream"), ""), (t(lang, "done_of_total"), "num"), ("", "")],
        rows,
        lang,
        len(rows),
    )
    target = r.go_live_forecast
    slipping = " late" if target is not None and target.forecast.at_risk else ""
    body = (
        f'<p class="headline">{_e(headline(lang, r.milestones_due_soon, r.overdue_count))}</p>\n'
        f'<p class="forecast{slipping}">{_e(go_live_forecast(lang, target))}</p>\n'
        f'<ul class="counts">{tiles}</ul>\n'
        f"<p><b>{_e(t(lang, 'progress'))}</b></p>\n{progress}"
    )
    return _Section("summary", t(lang, "summary"), body)


# --- the timeline -----------------------------------------------------------------


class _Scale(NamedTuple):
    first: date
    last: date

    def x(self, d: date) -> float:
        """The left edge of day `d`."""
        span = (self.last - self.first).days + 1
        return _X0 + (_X1 - _X0) * (d - self.first).days / span

    def mid(self, d: date) -> float:
        return (self.x(d) + self.x(d + timedelta(days=1))) / 2


def _scale(r: WeeklyReport) -> _Scale:
    days = [d for i in r.timeline for d in (i.start, i.due) if d is not None]
    days += [f.finish for f in _slips(r).values() if f.finish is not None]
    days += [r.as_of, r.week.monday, r.week.sunday, r.project.go_live]
    lo, hi = min(days), max(days)
    pad = timedelta(days=max(4, (hi - lo).days // 40))
    return _Scale(lo - pad, hi + pad)


def _when_label(labels: list[str], left: float, right: float, y: float) -> str:
    """The first of `labels` that fits right of the shape, or else left of it without
    running into the titles; none when nothing fits (the tooltip has the dates)."""
    for label in filter(None, labels):
        width = 7.5 * len(label)
        if right + 8 + width < _W:
            return f'<text class="when" x="{right + 6:.1f}" y="{y + 4.5}">{_e(label)}</text>'
        if left - 8 - width > _LABEL_W:
            return (
                f'<text class="when" x="{left - 6:.1f}" y="{y + 4.5}" text-anchor="end">'
                f"{_e(label)}</text>"
            )
    return ""


def _slips(r: WeeklyReport) -> dict[str, Forecast]:
    """The forecasts the timeline marks: its items at risk, but not those overdue and
    only forecast for the as-of date (the hatching says that already)."""
    items = {i.key: i for i in r.timeline}
    return {
        key: f
        for key, f in r.timeline_slips.items()
        if not (items[key].is_overdue(r.as_of) and f.finish == r.as_of)
    }


def _slip(f: Forecast, sc: _Scale, y: float, right: float) -> tuple[str, float]:
    """A dashed line from the shape to an arrowhead on the forecast; its right edge."""
    assert f.finish is not None  # at risk: it has a forecast
    x = max(sc.mid(f.finish), right + 10)
    points = f"{x - 9:.1f},{y - 6} {x + 1:.1f},{y} {x - 9:.1f},{y + 6}"
    return (
        f'<line class="slip" x1="{right + 1:.1f}" y1="{y}" x2="{x - 9:.1f}" y2="{y}"/>'
        f'<polygon class="forecast" points="{points}"/>',
        x + 1,
    )


def _row_class(item: ItemRow, as_of: date) -> str:
    if item.is_overdue(as_of):
        return "overdue"
    return item.state.value  # planned, in_progress, done, cancelled


def _axis(sc: _Scale, lang: str, top: float, bottom: float) -> list[str]:
    """Month gridlines with three-letter month names, and the years above them."""
    out = []
    d = date(sc.first.year, sc.first.month, 1)
    while d <= sc.last:
        nxt = date(d.year + d.month // 12, d.month % 12 + 1, 1)
        left, right = max(sc.x(d), _X0), min(sc.x(nxt), _X1)
        if d >= sc.first:
            cls = "yeargrid" if d.month == 1 else "grid"
            y0 = 0 if d.month == 1 else top - 22
            out.append(
                f'<line class="{cls}" x1="{left:.1f}" y1="{y0}" x2="{left:.1f}" y2="{bottom}"/>'
            )
        if right - left > 24:
            out.append(
                f'<text class="month" x="{(left + right) / 2:.1f}" y="{top - 7}">'
                f"{_e(month(lang, d.month)[:3])}</text>"
            )
        d = nxt
    for year in range(sc.first.year, sc.last.year + 1):
        left = max(sc.x(date(year, 1, 1)), _X0)
        right = min(sc.x(date(year + 1, 1, 1)), _X1)
        if right - left > 40:
            out.append(f'<text class="year" x="{(left + right) / 2:.1f}" y="15">{year}</text>')
    return out


def _shape(item: ItemRow, sc: _Scale, y: float) -> tuple[str, float, float]:
    """The item's bar, diamond or start marker; with its left and right edge."""
    if item.start and item.due:
        x0, x1 = sc.x(item.start), max(sc.x(item.due + timedelta(days=1)), sc.x(item.start) + 4)
        width = f'width="{x1 - x0:.1f}" height="14" rx="2"'
        return f'<rect class="shape" x="{x0:.1f}" y="{y - 7}" {width}/>', x0, x1
    if item.due:
        x, s = sc.mid(item.due), 8
        points = f"{x:.1f},{y - s} {x + s:.1f},{y} {x:.1f},{y + s} {x - s:.1f},{y}"
        return f'<polygon class="shape" points="{points}"/>', x - s, x + s
    assert item.start is not None  # the timeline holds dated items only
    x = sc.x(item.start)
    points = f"{x:.1f},{y - 8} {x + 11:.1f},{y} {x:.1f},{y + 8}"
    return f'<polygon class="shape" points="{points}"/>', x, x + 11


def _when(item: ItemRow) -> str:
    if item.start and item.due:
        return f"{item.start.day:02d}.{item.start.month:02d}.–{_due(item)}"
    return _due(item) if item.due else format_de(item.start)


def _timeline_svg(r: WeeklyReport, lang: str) -> str:
    sc = _scale(r)
    top = _AXIS_H
    bottom = top + _ROW_H * len(r.timeline)
    marks_y = bottom + 18
    legend_y = marks_y + 30
    height = legend_y + _LEGEND_ROW + 4
    aria = t(lang, "timeline_label", date=format_de(r.as_of))
    # Widths estimated from the font (bold capitals ~0.66 em, text ~0.49 em): the key
    # column fits the longest key, the title gets the rest, cut with an ellipsis; the
    # clip path catches what the estimate misses.
    key_w = min(max(len(i.key) for i in r.timeline) * 0.66 * 14 + 14, 190)
    clip = max(int((_LABEL_W - key_w - 6) / 7.4), 8)
    out = [
        f'<svg class="timeline tl" id="timeline-svg" viewBox="0 0 {_W} {height}" '
        f'role="img" aria-label="{_e(aria)}">',
        f"<title>{_e(aria)}</title>",
        "<defs>"
        '<pattern id="tl-hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#c62828"/>'
        '<rect width="2.4" height="6" fill="#fff"/></pattern>'
        f'<clipPath id="tl-labels"><rect x="0" y="0" width="{_LABEL_W}" height="{height}"/>'
        "</clipPath></defs>",
    ]
    for n in range(len(r.timeline)):
        if n % 2:
            out.append(
                f'<rect class="zebra" x="0" y="{top + n * _ROW_H}" width="{_W}" height="{_ROW_H}"/>'
            )
    wx0, wx1 = sc.x(r.week.monday), sc.x(r.week.sunday + timedelta(days=1))
    out.append(
        f'<rect class="week" x="{wx0:.1f}" y="{top}" width="{wx1 - wx0:.1f}" '
        f'height="{bottom - top}"><title>{_e(week_label(r.week, lang))}</title></rect>'
    )
    out += _axis(sc, lang, top, bottom)
    # Today and go-live run the full height, under the rows, so that a row's labels
    # (which have a white halo) stay readable where the lines cross them.
    tx, gx = sc.mid(r.as_of), sc.x(r.project.go_live)
    out.append(
        f'<line class="golive" x1="{gx:.1f}" y1="{top - 4}" x2="{gx:.1f}" y2="{bottom + 6}"/>'
        f'<line class="today" x1="{tx:.1f}" y1="{top - 4}" x2="{tx:.1f}" y2="{bottom + 6}"/>'
    )
    slips = _slips(r)
    for n, item in enumerate(r.timeline):
        y = top + n * _ROW_H + _ROW_H / 2
        cls = _row_class(item, r.as_of)
        shape, left, right = _shape(item, sc, y)
        mark = "✓" if cls == "done" else "!" if cls == "overdue" else ""
        label = (mark + " " if mark else "") + _when(item)
        short = ""
        slipped = slips.get(item.key)
        if slipped is not None:
            line, right = _slip(slipped, sc, y, right)
            shape += line
            short = f"→ {format_de(slipped.finish)}"
            label += " " + short
            cls += " at-risk"
        when = _when_label([label, short], left, right, y)
        title = item.title if len(item.title) <= clip else item.title[: clip - 1] + "…"
        tooltip = f"{item.key} {item.title} ({state_name(lang, item.state)}, {_when(item)})"
        if slipped is not None:
            tooltip += (
                f" {t(lang, 'forecast')} {format_de(slipped.finish)}: "
                f"{late(lang, slipped.slip)} ({reason(lang, slipped)})"
            )
        out.append(
            f'<g class="tl-row {cls}" data-key="{_e(item.key)}">'
            f"<title>{_e(tooltip)}</title>"
            f'<g clip-path="url(#tl-labels)">'
            f'<text class="key" x="4" y="{y + 5}">{_e(item.key)}</text>'
            f'<text class="title" x="{key_w:.0f}" y="{y + 5}">{_e(title)}</text></g>'
            f"{shape}{when}</g>"
        )
    # Below the lines, labels for today and go-live. When the two would meet, go-live's
    # moves down a line, to the right of its line.
    today_text = f"{t(lang, 'today')} {format_de(r.as_of)}"
    golive_text = f"{t(lang, 'go_live')} {format_de(r.project.go_live)}"
    out.append(
        f'<text class="today-label" id="tl-today" x="{tx:.1f}" y="{marks_y}" '
        f'text-anchor="middle">{_e(today_text)}</text>'
    )
    anchor = (
        "middle" if abs(gx - tx) > 7 * (len(today_text) + len(golive_text)) / 2 + 20 else "start"
    )
    gy = marks_y if anchor == "middle" else marks_y + 15
    out.append(
        f'<text class="golive-label" x="{gx:.1f}" y="{gy}" text-anchor="{anchor}">'
        f"{_e(golive_text)}</text>"
    )
    out.append(_legend(r, lang, legend_y))
    out.append("</svg>")
    return "\n".join(out)


def _legend(r: WeeklyReport, lang: str, y: float) -> str:
    """Swatches in the same classes as the rows, so the legend cannot drift from them."""
    entries = [
        ("planned", "rect", state_name(lang, State.PLANNED)),
        ("in_progress", "rect", state_name(lang, State.IN_PROGRESS)),
        ("overdue", "rect", "! " + t(lang, "overdue_count")),
        ("done", "rect", "✓ " + state_name(lang, State.DONE)),
        ("in_progress", "diamond", t(lang, "date_point")),
        ("", "slip", t(lang, "forecast_after_due")),
        ("", "week", t(lang, "week", week=r.week.number, year=r.week.year)),
    ]
    out = [f'<g class="legend-box" transform="translate(4 {y})">']
    x = 0.0
    for cls, kind, label in entries:
        if kind == "rect":
            swatch = f'<rect class="shape" x="{x}" y="2" width="26" height="12" rx="2"/>'
        elif kind == "diamond":
            swatch = (
                f'<polygon class="shape" points="{x + 13},0 {x + 21},8 {x + 13},16 {x + 5},8"/>'
            )
        elif kind == "slip":
            swatch = (
                f'<line class="slip" x1="{x}" y1="8" x2="{x + 17}" y2="8"/>'
                f'<polygon class="forecast" points="{x + 17},2 {x + 27},8 {x + 17},14"/>'
            )
        else:
            swatch = f'<rect class="week" x="{x}" y="0" width="26" height="16"/>'
        attr = f' class="{cls}"' if cls else ""
        out.append(
            f'<g{attr}>{swatch}<text class="legend" x="{x + 31}" y="13">{_e(label)}</text></g>'
        )
        x += 31 + 7.6 * len(label) + 20
    out.append("</g>")
    return "".join(out)


def _timeline(r: WeeklyReport, lang: str) -> _Section:
    if not r.timeline:
        return _Section("timeline", t(lang, "timeline"), _none(lang))
    # A programme of thousands of milestones: data.build chose which to draw.
    left_out = r.timeline_total - len(r.timeline)
    caption = _e(t(lang, "derived")) if any(i.due_derived for i in r.timeline) else ""
    if left_out > 0:
        caption = " ".join(filter(None, [caption, _e(more(lang, left_out))]))
    body = f"<figure>\n{_timeline_svg(r, lang)}\n<figcaption>{caption}</figcaption>\n</figure>"
    return _Section("timeline", t(lang, "timeline"), body)


# --- the lists ----------------------------------------------------------------------


def _key_title(item: ItemRow) -> list[str]:
    return [_e(item.key), _e(item.title)]


def _done(r: WeeklyReport, lang: str) -> _Section:
    heading = t(lang, "done_this_week")
    if not r.done_this_week:
        return _Section("done", heading, _none(lang))
    rows = [
        (
            "done",
            [
                *_key_title(d.item),
                _e(_due(d.item)),
                _e(format_de(d.item.done_on)),
                _e(d.actor) if d.actor is not None else _e(t(lang, "per_plan")),
            ],
        )
        for d in r.done_this_week
    ]
    headers = [
        (t(lang, "key"), "key"),
        (t(lang, "item"), ""),
        (t(lang, "due"), "date"),
        (t(lang, "done_on"), "date"),
        (t(lang, "marked_by"), ""),
    ]
    return _Section("done", heading, _table(headers, rows, lang, r.done_this_week_total))


def _overdue(r: WeeklyReport, lang: str) -> _Section:
    heading = t(lang, "overdue")
    if not r.overdue:
        return _Section("overdue", heading, _none(lang))
    rows = [
        (
            "overdue",
            [
                *_key_title(o.item),
                _e(o.item.owner or "–"),
                _e(_due(o.item)),
                str(o.days),
                str(o.working_days),
            ],
        )
        for o in r.overdue
    ]
    headers = [
        (t(lang, "key"), "key"),
        (t(lang, "item"), ""),
        (t(lang, "owner"), ""),
        (t(lang, "due"), "date"),
        (t(lang, "days_overdue"), "num"),
        (t(lang, "working_days_overdue"), "num"),
    ]
    return _Section("overdue", heading, _table(headers, rows, lang, r.overdue_count), short=False)


def _at_risk(r: WeeklyReport, lang: str) -> _Section:
    heading = t(lang, "at_risk")
    if not r.at_risk:
        return _Section("at-risk", heading, _none(lang))
    rows = [
        (
            "at-risk",
            [
                *_key_title(p.item),
                _e(_due(p.item)),
                _e(format_de(p.forecast.finish)),
                str(p.forecast.slip),
                _e(reason(lang, p.forecast)),
            ],
        )
        for p in r.at_risk
    ]
    headers = [
        (t(lang, "key"), "key"),
        (t(lang, "item"), ""),
        (t(lang, "due"), "date"),
        (t(lang, "forecast"), "date"),
        (t(lang, "working_days_late"), "num"),
        (t(lang, "why"), "why"),
    ]
    return _Section("at-risk", heading, _table(headers, rows, lang, r.at_risk_total), short=False)


def _upcoming_table(
    items: Sequence[tuple[ItemRow, int, int]], total: int, lang: str, with_owner: bool
) -> str:
    """Items ahead with their countdown; the owner only where the list is short."""
    rows = [
        (
            "",
            [
                *_key_title(item),
                *([_e(item.owner or "–")] if with_owner else []),
                _e(_due(item)),
                _e(state_name(lang, item.state)),
                str(days),
                str(working),
            ],
        )
        for item, days, working in items
    ]
    headers = [
        (t(lang, "key"), "key"),
        (t(lang, "item"), ""),
        *([(t(lang, "owner"), "")] if with_owner else []),
        (t(lang, "due"), "date"),
        (t(lang, "state"), "state"),
        (t(lang, "days_left"), "num"),
        (t(lang, "working_days_left"), "num"),
    ]
    return _table(headers, rows, lang, total)


def _due_next(r: WeeklyReport, lang: str) -> _Section:
    heading = t(lang, "due_next", until=format_de(r.due_next_until))
    body = (
        _upcoming_table(r.due_next, r.due_next_total, lang, with_owner=True)
        if r.due_next
        else _none(lang)
    )
    return _Section("due-next", heading, body, short=False)


def _rescheduled(r: WeeklyReport, lang: str) -> _Section:
    heading = t(lang, "rescheduled")
    if not r.rescheduled:
        return _Section("rescheduled", heading, _none(lang))
    rows = []
    for c in r.rescheduled:
        slip = ""
        if c.slip_days is not None and c.slip_working_days is not None:
            slip = (
                f"{_e(t(lang, 'days', n=_signed(c.slip_days)))}<br>"
                f"{_e(t(lang, 'working_days', n=_signed(c.slip_working_days)))}"
            )
        rows.append(
            (
                "",
                [
                    *_key_title(c.item),
                    _e(format_de(c.old_due) or "–"),
                    _e(format_de(c.new_due) or "–"),
                    _e(format_de(c.first_agreed) or "–"),
                    slip,
                    f"{_e(c.actor)}<br>{_e(format_de(c.day))}",
                ],
            )
        )
    headers = [
        (t(lang, "key"), "key"),
        (t(lang, "item"), ""),
        (t(lang, "old_due"), "date"),
        (t(lang, "new_due"), "date"),
        (t(lang, "first_agreed"), "date"),
        (t(lang, "slip"), "num"),
        (t(lang, "who"), ""),
    ]
    return _Section("rescheduled", heading, _table(headers, rows, lang, r.rescheduled_total))


def _key_dates(r: WeeklyReport, lang: str) -> _Section:
    heading = t(lang, "key_dates")
    body = (
        _upcoming_table(r.key_dates, r.key_dates_total, lang, with_owner=False)
        if r.key_dates
        else _none(lang)
    )
    return _Section("key-dates", heading, body, short=False)


def _notes(r: WeeklyReport, lang: str) -> _Section:
    heading = t(lang, "notes")
    if not r.notes:
        return _Section("notes", heading, _none(lang))
    rows = [
        ("", [_e(format_de(n.day)), _e(n.key), _e(n.title), _e(n.actor), _e(n.text)])
        for n in r.notes
    ]
    headers = [
        (t(lang, "day"), "date"),
        (t(lang, "key"), "key"),
        (t(lang, "item"), ""),
        (t(lang, "who"), ""),
        (t(lang, "note"), "text"),
    ]
    return _Section("notes", heading, _table(headers, rows, lang, r.notes_total), short=False)


# --- the page ---------------------------------------------------------------------


def _shown_items(r: WeeklyReport) -> list[ItemRow]:
    return [
        *(d.item for d in r.done_this_week),
        *(o.item for o in r.overdue),
        *(p.item for p in r.at_risk),
        *(u.item for u in r.due_next),
        *(u.item for u in r.key_dates),
        *r.timeline,
    ]


def _css(lang: str) -> str:
    page = t(lang, "page").replace("\\", "\\\\").replace('"', '\\"')
    return _CSS.replace("@PAGE@", page)


def render(report: WeeklyReport, lang: str) -> str:
    """The report as one HTML5 page in `lang` ("de" or "en"), ready to print on A4."""
    r = report
    sections = [
        _summary(r, lang),
        _timeline(r, lang),
        _done(r, lang),
        _overdue(r, lang),
        _at_risk(r, lang),
        _due_next(r, lang),
        _rescheduled(r, lang),
        _key_dates(r, lang),
        _notes(r, lang),
    ]
    footer = []
    if any(i.due_derived and i.due for i in _shown_items(r)):
        footer.append(f'<p class="footnote">{_e(t(lang, "derived"))}</p>')
    if r.project.source:
        footer.append(f"<p>{_e(t(lang, 'source'))}: {_e(r.project.source)}</p>")
    page_title = f"{t(lang, 'title')} {week_label(r.week, lang)} – {r.project.name}"
    # default-src 'none': even a crafted title could not make the page load anything.
    csp = "default-src 'none'; style-src 'unsafe-inline'"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{_e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(page_title)}</title>\n<style>\n{_css(lang)}</style>\n</head>\n<body>\n"
        f"{_header(r, lang)}\n<main>\n"
        + "\n".join(_section(s) for s in sections)
        + "\n</main>\n<footer>\n"
        + "\n".join(footer)
        + "\n</footer>\n</body>\n</html>\n"
    )
