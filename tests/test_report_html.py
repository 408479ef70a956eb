"""The weekly report as HTML: its sections, its escaping, the SVG timeline, and the page
as headless Chromium renders it, with a proxy that proves nothing is loaded.

Most tests build the report in-process on the Stuttgart plan, in a SQLite file made
once for the module: on 21.09.2011 Frau Keller marks TRAIN-BASIS done, moves MIG-PREP
to 15.12.2011 and writes a note on SW-INSTALL.
"""

from __future__ import annotations

import os
import re
import shutil
import socketserver
import struct
import subprocess
import threading
import zlib
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

import tracker.db
import tracker.plan
from tracker import actions
from tracker.actions import Who
from tracker.queries import find_project
from tracker.report.data import Week, WeeklyReport, build
from tracker.report.html import render
from tracker.states import State

TODAY = date(2011, 9, 21)
EVIL = "<script>alert(1)</script> \"onload=alert(2) x='y' &amp;"

HEADINGS = {
    "de": [
        "Überblick",
        "Zeitplan",
        "Diese Woche erledigt",
        "Überfällig",
        "Gefährdet",
        "Fällig bis 09.10.2011",
        "Diese Woche verschoben",
        "Wichtige Termine",
        "Notizen dieser Woche",
    ],
    "en": [
        "Summary",
        "Timeline",
        "Done this week",
        "Overdue",
        "At risk",
        "Due until 09.10.2011",
        "Rescheduled this week",
        "Key dates",
        "Notes added this week",
    ],
}
SECTION_IDS = [
    "summary", "timeline", "done", "overdue", "at-risk", "due-next", "rescheduled", "key-dates",
    "notes",
]  # fmt: skip
TIMELINE_KEYS = [
    "SW-AWARD", "TRAIN-BASIS", "STMT-264", "SW-INSTALL", "TRAIN-VERTIEFUNG", "MIG-PREP",
    "BEN-AGREEMENT", "GRDRS-5", "ORG-STRUCTURE", "BEN-INTERIM", "GO-LIVE", "MIG-ALL",
]  # fmt: skip


def _install(url: str) -> None:
    tracker.plan.install(url, tracker.plan.read("stuttgart-2012"), "test-lead", date(2011, 9, 20))


def _kw38_changes(url: str, title: str | None = None, note: str | None = None) -> None:
    """The week's work: TRAIN-BASIS done, MIG-PREP moved, a note (all on 21.09.2011)."""
    who = Who("Frau Keller", TODAY)
    with tracker.db.writer(url) as run:
        project = find_project(run, "")
        actions.change_state(run, project, who, "TRAIN-BASIS", State.DONE, on=TODAY)
        actions.edit_item(run, project, who, "MIG-PREP", due=date(2011, 12, 15))
        text = note or "Testsystem steht; Abnahme der Schnittstellen am 05.10.2011."
        actions.add_note(run, project, who, "SW-INSTALL", text)
        if title is not None:
            actions.edit_item(run, project, who, "SW-INSTALL", title=title, owner=title)


def _report(url: str, week: Week, today: date, author: str = "Frau Keller") -> WeeklyReport:
    with tracker.db.reader(url) as run:
        return build(run, find_project(run, ""), week, today=today, author=author)


@pytest.fixture(scope="module")
def kw38_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('kw38')}/tracker.db"
    _install(url)
    _kw38_changes(url)
    return url


@pytest.fixture(scope="module")
def kw38(kw38_url: str) -> WeeklyReport:
    return _report(kw38_url, Week(2011, 38), TODAY)


class Page(HTMLParser):
    """The parts of a page the tests look at: tags with attributes, texts, headings."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.texts: list[str] = []
        self.headings: list[str] = []
        self._in_h2 = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag == "h2":
            self._in_h2 = True
            self.headings.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_h2 = False

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        if self._in_h2:
            self.headings[-1] += data

    def structure(self) -> list[tuple[str, str]]:
        return [(tag, attrs.get("class", "")) for tag, attrs in self.tags]

    def with_class(self, cls: str) -> list[dict[str, str]]:
        return [a for _, a in self.tags if cls in a.get("class", "").split()]

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.texts).split())


def _section(page: str, section_id: str) -> str:
    m = re.search(rf'<section id="{section_id}".*?</section>', page, re.S)
    assert m, section_id
    return m[0]


def _svg(page: str) -> str:
    m = re.search(r"<svg class=\"timeline.*?</svg>", page, re.S)
    assert m, "no timeline svg"
    return m[0]


def _rows(fragment: str) -> list[list[str]]:
    """The body rows of the tables in `fragment`, as cell texts."""
    out = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", fragment, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        if cells:
            out.append([" ".join(Page(c).text.split()) for c in cells])
    return out


# --- content and structure --------------------------------------------------------


@pytest.mark.parametrize("lang", ["de", "en"])
def test_sections_come_in_the_order_of_the_issue_with_headings_in_the_language(
    kw38: WeeklyReport, lang: str
) -> None:
    page = render(kw38, lang)
    parsed = Page(page)
    assert page.startswith("<!DOCTYPE html>\n")
    assert parsed.tags[0] == ("html", {"lang": lang})
    assert parsed.headings == HEADINGS[lang]
    assert [a["id"] for t, a in parsed.tags if t == "section"] == SECTION_IDS
    assert page.index("<header>") < page.index('<section id="summary"')


def test_german_and_english_pages_have_the_same_structure(kw38: WeeklyReport) -> None:
    de, en = Page(render(kw38, "de")), Page(render(kw38, "en"))
    assert de.structure() == en.structure()
    # progress, done, rescheduled, key dates, notes (overdue, at risk, due next are empty)
    assert sum(1 for t, _ in de.tags if t == "table") == 5
    assert sum(1 for t, _ in de.tags if t == "section") == 9


def test_header_names_project_week_as_of_author_and_go_live_countdown(
    kw38: WeeklyReport,
) -> None:
    de = Page(render(kw38, "de")).text
    assert "Optionskommune Stuttgart: Jobcenter in kommunaler Trägerschaft ab 01.01.2012" in de
    assert "Wochenbericht · KW 38/2011, 19.09.–25.09.2011" in de
    assert "Stand Mittwoch, 21.09.2011" in de
    assert "Verfasser Frau Keller" in de
    assert "Start Sonntag, 01.01.2012 – noch 102 Tage, davon 69 Arbeitstage" in de
    en = Page(render(kw38, "en")).text
    assert "Weekly status report · Week 38/2011, 19.09.–25.09.2011" in en
    assert "As of Wednesday, 21.09.2011" in en
    assert "Go-live Sunday, 01.01.2012 – 102 days to go, 69 of them working days" in en


def test_summary_has_counts_headline_and_progress_per_workstream(kw38: WeeklyReport) -> None:
    summary = _section(render(kw38, "de"), "summary")
    text = Page(summary).text
    assert "Kein Meilenstein in den nächsten 14 Tagen fällig, nichts überfällig." in text
    assert (
        '<p class="forecast">Prognose Start 01.01.2012 (GO-LIVE, fällig 01.01.2012): '
        "termingerecht.</p>" in summary
    )
    assert "4 erledigt 19 offen 0 überfällig" in text
    assert _rows(summary) == [
        ["Fachsoftware LämmKom (Fa. Lämmerzahl)", "1 / 2", ""],
        ["Schulungen", "1 / 2", ""],
        ["Gemeinderat: Vorlagen und Anträge", "2 / 3", ""],
        ["Leistungsgewährung und Übergangszahlung", "0 / 2", ""],
        ["Personalübergang BA → LHS", "0 / 1", ""],
        ["Datenmigration", "0 / 2", ""],
        ["Organisation und Abwicklung der gemeinsamen Einrichtung", "0 / 11", ""],
    ]
    assert 'aria-label="50 %"' in summary and 'aria-label="0 %"' in summary


@pytest.mark.parametrize(("lang", "per_plan"), [("de", "laut Plan"), ("en", "per plan")])
def test_done_this_week_says_who_marked_it_or_that_the_plan_did(
    kw38: WeeklyReport, lang: str, per_plan: str
) -> None:
    assert _rows(_section(render(kw38, lang), "done")) == [
        ["STMT-264", "Stellungnahme zum Antrag 264/2011 (CDU-Gemeinderatsfraktion)",
         "20.09.2011", "20.09.2011", per_plan],
        ["TRAIN-BASIS", "Schulung Leistung und persönlicher Ansprechpartner",
         "10.10.2011", "21.09.2011", "Frau Keller"],
    ]  # fmt: skip


def test_rescheduled_shows_old_new_first_agreed_and_slip(kw38: WeeklyReport) -> None:
    assert _rows(_section(render(kw38, "de"), "rescheduled")) == [
        ["MIG-PREP", "Datenmigration: Konkretisierung und Vorbereitung", "31.12.2011",
         "15.12.2011", "31.12.2011", "−16 Tage −10 Arbeitstage", "Frau Keller 21.09.2011"],
    ]  # fmt: skip
    en = _rows(_section(render(kw38, "en"), "rescheduled"))
    assert en[0][5] == "−16 days −10 working days"


def test_key_dates_count_down_with_derived_dates_marked(kw38: WeeklyReport) -> None:
    page = render(kw38, "de")
    rows = _rows(_section(page, "key-dates"))
    assert [r[0] for r in rows] == [
        "SW-INSTALL", "TRAIN-VERTIEFUNG", "MIG-PREP", "BEN-AGREEMENT", "GRDRS-5",
        "ORG-STRUCTURE", "GO-LIVE", "BEN-INTERIM", "MIG-ALL",
    ]  # fmt: skip
    assert rows[0][2:] == ["31.10.2011*", "in Arbeit", "40", "27"]
    assert rows[2][2:] == ["15.12.2011", "in Arbeit", "85", "59"]  # agreed now: no *
    assert rows[6][2:] == ["01.01.2012", "geplant", "102", "69"]
    assert "* abgeleitetes Datum: die Quelle nennt keines" in Page(page).text


def test_notes_of_the_week_with_day_item_and_author(kw38: WeeklyReport) -> None:
    assert _rows(_section(render(kw38, "de"), "notes")) == [
        ["21.09.2011", "SW-INSTALL", "Technische Vorbereitung und Installation der Fachsoftware",
         "Frau Keller", "Testsystem steht; Abnahme der Schnittstellen am 05.10.2011."],
    ]  # fmt: skip


@pytest.mark.parametrize(("lang", "none"), [("de", "keine"), ("en", "none")])
def test_empty_sections_say_none(kw38: WeeklyReport, lang: str, none: str) -> None:
    page = render(kw38, lang)
    for section_id in ("overdue", "at-risk", "due-next"):
        section = _section(page, section_id)
        assert "<table>" not in section
        assert f'<p class="none">{none}</p>' in section


def test_dates_are_german_everywhere(kw38: WeeklyReport) -> None:
    for lang in ("de", "en"):
        page = render(kw38, lang)
        assert not re.search(r"\d{4}-\d{2}-\d{2}", page)
        assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b", page)


def test_overdue_items_show_days_overdue_in_table_and_timeline(kw38_url: str) -> None:
    # KW 45/2011, as of Wednesday 09.11.2011: SW-INSTALL (due 31.10.2011*) is overdue.
    report = _report(kw38_url, Week(2011, 45), date(2011, 11, 9))
    page = render(report, "de")
    assert _rows(_section(page, "overdue")) == [
        ["SW-INSTALL", "Technische Vorbereitung und Installation der Fachsoftware",
         "Projektgruppe Optionskommune", "31.10.2011*", "9", "6"],
    ]  # fmt: skip
    parsed = Page(page)
    assert [r["data-key"] for r in parsed.with_class("overdue") if "tl-row" in r["class"]] == [
        "SW-INSTALL"
    ]
    assert "1 überfällig" in parsed.text  # the headline and the count
    assert parsed.with_class("alert"), "the overdue count is highlighted"


# --- the timeline -----------------------------------------------------------------


def test_timeline_has_one_row_per_dated_milestone_in_order(kw38: WeeklyReport) -> None:
    svg = Page(_svg(render(kw38, "de")))
    rows = svg.with_class("tl-row")
    assert [r["data-key"] for r in rows] == TIMELINE_KEYS == [i.key for i in kw38.timeline]
    state = {r["data-key"]: r["class"].split()[1] for r in rows}
    assert {k for k, v in state.items() if v == "done"} == {"SW-AWARD", "TRAIN-BASIS", "STMT-264"}
    assert not [k for k, v in state.items() if v == "overdue"]
    assert state["SW-INSTALL"] == "in_progress" and state["GO-LIVE"] == "planned"


def test_timeline_shapes_bars_for_periods_and_diamonds_for_dates(kw38: WeeklyReport) -> None:
    svg = _svg(render(kw38, "de"))
    rows = dict(re.findall(r'data-key="([^"]+)">(.*?)</g>\s*(?=<g class="tl-row|<line)', svg, re.S))
    assert '<rect class="shape"' in rows["TRAIN-BASIS"]  # 12.09.–10.10.2011
    assert '<rect class="shape"' in rows["BEN-INTERIM"]  # 01.01.–30.06.2012
    assert '<polygon class="shape"' in rows["GO-LIVE"]  # a date
    assert "✓ 12.09.–10.10.2011" in rows["TRAIN-BASIS"]
    assert "31.10.2011*" in rows["SW-INSTALL"]


@pytest.mark.parametrize(
    ("lang", "today", "months"),
    [
        ("de", "heute 21.09.2011", ["Aug", "Sep", "Okt", "Nov", "Dez", "Jan", "Mär", "Jun"]),
        ("en", "today 21.09.2011", ["Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Mar", "Jun"]),
    ],
)
def test_timeline_marks_today_go_live_the_week_and_months(
    kw38: WeeklyReport, lang: str, today: str, months: list[str]
) -> None:
    svg = _svg(render(kw38, lang))
    parsed = Page(svg)
    assert len(parsed.with_class("today")) == 1 and today in parsed.text
    assert len(parsed.with_class("golive")) == 1 and "01.01.2012" in parsed.text
    assert len(parsed.with_class("week")) >= 1
    month_labels = re.findall(r'<text class="month"[^>]*>([^<]+)</text>', svg)
    assert all(m in month_labels for m in months), month_labels
    assert re.findall(r'<text class="year"[^>]*>(\d+)</text>', svg) == ["2011", "2012"]
    assert parsed.tags[0][1]["role"] == "img" and parsed.tags[0][1]["aria-label"]
    assert parsed.tags[1][0] == "title"


def test_timeline_today_line_sits_in_the_report_week(kw38: WeeklyReport) -> None:
    svg = _svg(render(kw38, "de"))
    week = re.search(r'<rect class="week" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)
    today = re.search(r'<line class="today" x1="([\d.]+)"', svg)
    assert week and today
    assert float(week[1]) < float(today[1]) < float(week[1]) + float(week[2])


def test_an_empty_timeline_says_none(kw38: WeeklyReport) -> None:
    page = render(kw38._replace(timeline=[]), "en")
    assert '<svg class="timeline' not in page
    assert '<p class="none">none</p>' in _section(page, "timeline")


# --- at risk: the forecast after the due date ------------------------------------


@pytest.fixture(scope="module")
def pushed_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The plan, and on 27.09.2011 SW-INSTALL moved from 31.10.* to 30.11.2011: the
    training TRAIN-VERTIEFUNG (01.11.–30.11.2011*) that follows it slips to 30.12.2011."""
    url = f"sqlite:///{tmp_path_factory.mktemp('pushed')}/tracker.db"
    _install(url)
    with tracker.db.writer(url) as run:
        project = find_project(run, "")
        who = Who("Herr Maier", date(2011, 9, 27))
        actions.edit_item(run, project, who, "SW-INSTALL", due=date(2011, 11, 30))
    return url


def _at_risk_rows(svg: str) -> dict[str, str]:
    """The timeline rows marked at risk: key → the row's markup."""
    rows = re.findall(r'<g class="tl-row ([^"]+)" data-key="([^"]+)">(.*?)</g>(?=\n)', svg, re.S)
    return {key: body for cls, key, body in rows if "at-risk" in cls.split()}


@pytest.mark.parametrize(("lang", "why"), [("de", "nach SW-INSTALL"), ("en", "after SW-INSTALL")])
def test_at_risk_lists_due_forecast_slip_and_why(pushed_url: str, lang: str, why: str) -> None:
    page = render(_report(pushed_url, Week(2011, 39), date(2011, 9, 28)), lang)
    section = _section(page, "at-risk")
    assert _rows(section) == [
        ["TRAIN-VERTIEFUNG", "Vertiefungsschulung", "30.11.2011*", "30.12.2011", "21", why]
    ]
    assert '<tr class="at-risk">' in section
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", section)
    assert headers[3:5] == (
        ["Prognose", "Arbeitstage Verzug"] if lang == "de" else ["Forecast", "Working days late"]
    )
    # The week before the move: nothing at risk.
    before = render(_report(pushed_url, Week(2011, 38), date(2011, 9, 28)), lang)
    assert _rows(_section(before, "at-risk")) == []
    assert _at_risk_rows(_svg(before)) == {}


def test_the_timeline_draws_the_slip_from_due_date_to_forecast(pushed_url: str) -> None:
    svg = _svg(render(_report(pushed_url, Week(2011, 39), date(2011, 9, 28)), "de"))
    risky = _at_risk_rows(svg)
    assert list(risky) == ["TRAIN-VERTIEFUNG"]
    row = risky["TRAIN-VERTIEFUNG"]
    bar = re.search(r'<rect class="shape" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', row)
    slip = re.search(r'<line class="slip" x1="([\d.]+)" y1="[\d.]+" x2="([\d.]+)"', row)
    arrow = re.search(r'<polygon class="forecast" points="[\d.]+,[\d.]+ ([\d.]+),', row)
    assert bar and slip and arrow
    # From the bar's end (30.11.) to the arrow's tip (30.12.), about a month on.
    assert float(bar[1]) + float(bar[2]) < float(slip[1]) < float(slip[2]) < float(arrow[1])
    assert "01.11.–30.11.2011* → 30.12.2011" in row
    assert "Prognose 30.12.2011: 21 Arbeitstage Verzug (nach SW-INSTALL)" in row
    assert "Prognose nach Fälligkeit" in Page(svg).text  # the legend


def test_an_overdue_item_forecast_for_today_keeps_its_hatching_only(kw38_url: str) -> None:
    # KW 45, as of 09.11.2011: SW-INSTALL (due 31.10.*) is overdue, forecast 09.11.; the
    # training after it (01.11.–30.11.*) can only start after it and slips to 08.12.
    report = _report(kw38_url, Week(2011, 45), date(2011, 11, 9))
    assert [(p.item.key, p.forecast.reason) for p in report.at_risk] == [
        ("SW-INSTALL", "today"),
        ("TRAIN-VERTIEFUNG", "predecessor"),
    ]
    page = render(report, "en")
    assert list(_at_risk_rows(_svg(page))) == ["TRAIN-VERTIEFUNG"]
    assert [r[-1] for r in _rows(_section(page, "at-risk"))] == [
        "not done yet",
        "after SW-INSTALL",
    ]


def test_a_late_go_live_forecast_is_marked_in_the_summary(kw38: WeeklyReport) -> None:
    target = kw38.go_live_forecast
    assert target is not None
    late = target.forecast._replace(
        finish=date(2012, 1, 16), reason="predecessor", driver="MIG-PREP", slip=10
    )
    page = render(kw38._replace(go_live_forecast=target._replace(forecast=late)), "en")
    assert (
        '<p class="forecast late">Go-live forecast 16.01.2012 (GO-LIVE, due 01.01.2012): '
        "10 working days late (after MIG-PREP).</p>" in page
    )


# --- escaping and self-containment ------------------------------------------------


@pytest.fixture(scope="module")
def evil_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Everything a user can write set to markup: title, owner, note, author, names."""
    url = f"sqlite:///{tmp_path_factory.mktemp('evil')}/tracker.db"
    _install(url)
    _kw38_changes(url, title=EVIL, note=EVIL)
    report = _report(url, Week(2011, 38), TODAY, author=EVIL)
    report = report._replace(
        project=report.project._replace(name=EVIL, source=EVIL),
        progress=[p._replace(title=EVIL) for p in report.progress],
    )
    return render(report, "de")


def test_user_text_is_escaped_in_text_and_attributes_also_in_the_svg(evil_page: str) -> None:
    assert "<script" not in evil_page
    assert '"onload' not in evil_page and "'y'" not in evil_page
    escaped = (
        "&lt;script&gt;alert(1)&lt;/script&gt; &quot;onload=alert(2) x=&#x27;y&#x27; &amp;amp;"
    )
    svg = _svg(evil_page)
    assert escaped in svg  # the row's tooltip and its clipped title
    assert evil_page.count(escaped) >= 8  # title, name, author, owner, note, workstreams, ...
    parsed = Page(evil_page)
    assert not [t for t, _ in parsed.tags if t in {"script", "iframe", "img", "link", "object"}]
    assert not [k for _, a in parsed.tags for k in a if k.startswith("on")]
    assert EVIL in parsed.texts  # read back, the text is exactly what the user wrote
    assert f"Verfasser {EVIL}" in parsed.text


def test_the_page_refers_to_nothing_outside_itself(evil_page: str, kw38: WeeklyReport) -> None:
    for page in (evil_page, render(kw38, "en")):
        assert "http://" not in page and "https://" not in page
        assert not re.search(r"\b(src|href|xlink:href|action|srcset)\s*=", page, re.I)
        assert "@import" not in page and "@font-face" not in page
        assert all(ref.startswith("#") for ref in re.findall(r"url\(([^)]*)\)", page))
        assert "default-src 'none'" in page  # and the browser is told so


# --- in headless Chromium ---------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--hide-scrollbars",
]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Chromium 156 calls its own services at start-up whatever the page holds, even with
# the flags above: the Google account list (ListAccounts), the component updater (the
# optimization guide's model manifest) and network time. Those requests are the
# browser's, not the page's; everything else that reaches the proxy came from the page.
# test_the_proxy_sees_what_a_page_loads shows that a page's request does get recorded.
BROWSER_OWN = ("accounts.google.com", "update.googleapis.com", "clients2.google.com")


def _chromium() -> str:
    path = shutil.which("chromium") or (CHROMIUM if os.path.exists(CHROMIUM) else None)
    if path is None:
        message = (
            "Debian's chromium is not installed: `make test` and `.ci/run` install it as root "
            "(apt-get install chromium)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; under CI this test must run")
        pytest.skip(message)
    return path


class _Proxy(socketserver.ThreadingTCPServer):
    """An HTTP proxy that lets nothing through: it records each connection, answers 502."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.seen: list[str] = []  # request lines: "GET http://host/path HTTP/1.1"

    def page_requests(self) -> list[str]:
        """What reached the proxy, less Chromium's calls to its own services."""
        return [r for r in self.seen if _host(r) not in BROWSER_OWN]


def _host(request_line: str) -> str:
    """The host a proxy request line asks for ("CONNECT h:443 ..." or "GET http://h/...")."""
    parts = request_line.split()
    target = parts[1] if len(parts) > 1 else ""
    return target.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]


class _ProxyHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        assert isinstance(self.server, _Proxy)
        self.request.settimeout(5)
        try:
            first = self.request.recv(2048)
        except OSError:
            first = b""
        self.server.seen.append(first.split(b"\r\n", 1)[0].decode(errors="replace"))
        self.request.sendall(
            b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )


@pytest.fixture
def proxy() -> Iterator[_Proxy]:
    server = _Proxy()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _run_chromium(chromium: str, profile: Path, proxy: _Proxy, *args: str) -> bytes:
    port = proxy.server_address[1]
    argv = [
        chromium,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        f"--proxy-server=http://127.0.0.1:{port}",
        "--proxy-bypass-list=<-loopback>",  # even 127.0.0.1 would go through the proxy
        *args,
    ]
    proc = subprocess.run(argv, capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    return proc.stdout


def _png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the (filtered) scanlines of a non-interlaced 8-bit PNG."""
    assert data[:8] == PNG_SIGNATURE
    pos, ihdr, idat = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + chunk) == crc, kind
        if kind == b"IHDR":
            ihdr = chunk
        elif kind == b"IDAT":
            idat += chunk
        elif kind == b"IEND":
            break
        pos += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", ihdr)
    assert (depth, interlace) == (8, 0)
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color]
    raw = zlib.decompress(idat)
    stride = width * channels + 1  # a filter byte starts each scanline
    assert len(raw) == height * stride
    return width, height, [raw[i * stride : (i + 1) * stride] for i in range(height)]


def test_chromium_renders_the_page_with_its_timeline_and_loads_nothing(
    kw38: WeeklyReport, tmp_path: Path, proxy: _Proxy
) -> None:
    chromium = _chromium()
    page = tmp_path / "kw38-de.html"
    page.write_text(render(kw38, "de"), encoding="utf-8")
    url = page.as_uri()

    dom = _run_chromium(chromium, tmp_path / "profile", proxy, "--dump-dom", url).decode()
    parsed = Page(dom)
    assert parsed.headings == HEADINGS["de"]
    assert '<svg class="timeline tl"' in dom
    assert len(parsed.with_class("tl-row")) == len(TIMELINE_KEYS)
    assert "heute 21.09.2011" in parsed.text

    shot = tmp_path / "kw38-de.png"
    _run_chromium(
        chromium,
        tmp_path / "profile",
        proxy,
        f"--screenshot={shot}",
        "--window-size=1240,1754",
        url,
    )
    width, height, rows = _png(shot.read_bytes())
    assert (width, height) == (1240, 1754)
    # Not blank: a blank page has a few distinct scanlines and byte values; this one
    # has text, tables and the timeline from top to bottom.
    assert len(set(rows)) > 300
    assert len({b for row in rows[::10] for b in row}) > 64
    assert proxy.page_requests() == [], proxy.seen


def test_the_proxy_sees_what_a_page_loads(tmp_path: Path, proxy: _Proxy) -> None:
    chromium = _chromium()
    page = tmp_path / "leaky.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>x</title></head>'
        '<body><img src="http://report-pixel.invalid/p.png" alt=""></body></html>',
        encoding="utf-8",
    )
    _run_chromium(chromium, tmp_path / "profile", proxy, "--dump-dom", page.as_uri())
    assert "GET http://report-pixel.invalid/p.png HTTP/1.1" in proxy.page_requests()
