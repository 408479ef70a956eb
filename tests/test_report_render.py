"""The weekly report as Markdown and JSON, built in-process on the Stuttgart plan.

The plan is loaded on 20.09.2011; `weeks` then records the changes of KW 38 and 39 on
fixed days, and each test builds the report of a week as of a fixed today.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest

from tracker import actions, db, plan
from tracker.dates import format_de
from tracker.db import Runner
from tracker.queries import ProjectRow, find_project
from tracker.report import json as report_json
from tracker.report import markdown
from tracker.report.data import Week, WeeklyReport, build
from tracker.report.i18n import t
from tracker.states import State

ROOT = Path(__file__).resolve().parent.parent
REPORT_DOC = (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
JSON_DOC = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")

KW37, KW38, KW39 = Week(2011, 37), Week(2011, 38), Week(2011, 39)
KW52, KW1 = Week(2011, 52), Week(2012, 1)
SECTIONS = (
    "done_this_week", "overdue", "at_risk", "due_next", "rescheduled", "key_dates", "notes",
)  # fmt: skip

Change = Callable[[Runner, ProjectRow, actions.Who], object]


def install(tmp_path: Path, day: date = date(2011, 9, 20)) -> str:
    url = f"sqlite:///{tmp_path}/report.db"
    plan.install(url, plan.read("stuttgart-2012"), "test-lead", day)
    return url


def change(url: str, actor: str, day: date, *changes: Change) -> None:
    """Record `changes` as `actor` on the tracker's day `day`, in one transaction."""
    with db.writer(url) as run:
        project = find_project(run, "")
        for c in changes:
            c(run, project, actions.Who(actor, day))


def report(url: str, week: Week, today: date, author: str = "Frau Keller") -> WeeklyReport:
    with db.reader(url) as run:
        return build(run, find_project(run, ""), week, today=today, author=author)


def done(key: str, on: date | None = None) -> Change:
    return lambda run, p, who: actions.change_state(run, p, who, key, State.DONE, on=on)


def move(key: str, due: date) -> Change:
    return lambda run, p, who: actions.edit_item(run, p, who, key, due=due)


def note(key: str, text: str) -> Change:
    return lambda run, p, who: actions.add_note(run, p, who, key, text)


def add(key: str, title: str, due: date, workstream: str, owner: str = "") -> Change:
    return lambda run, p, who: actions.add_item(
        run, p, who, key=key, title=title, due=due, workstream=workstream, owner=owner
    )


@pytest.fixture
def weeks(tmp_path: Path) -> str:
    """The Stuttgart plan with a few weeks of work recorded:

    21.09.2011 (KW 38) Frau Keller marks TRAIN-BASIS done, adds ORG-RAUM (due 19.09.,
               overdue) and TRAIN-RAUM (due 05.10.) and notes a test run on MIG-PREP;
    22.09.2011 (KW 38) Herr Maier moves TRAIN-VERTIEFUNG from 30.11.* to 16.12.2011;
    28.09.2011 (KW 39) Herr Maier moves SW-INSTALL from 31.10.* to 15.11.2011.
    """
    url = install(tmp_path)
    change(
        url,
        "Frau Keller",
        date(2011, 9, 21),
        done("TRAIN-BASIS"),
        add("ORG-RAUM", "Raumplanung Jobcenter abgestimmt", date(2011, 9, 19), "org", "Amt 10"),
        add("TRAIN-RAUM", "Schulungsräume abgenommen", date(2011, 10, 5), "training"),
        note("MIG-PREP", "Testlauf mit 200 Fällen: 3 Fehler.\nNächster Lauf am 05.10.2011."),
    )
    change(url, "Herr Maier", date(2011, 9, 22), move("TRAIN-VERTIEFUNG", date(2011, 12, 16)))
    change(url, "Herr Maier", date(2011, 9, 28), move("SW-INSTALL", date(2011, 11, 15)))
    return url


def keys(entries: Sequence[Any]) -> list[str]:
    """The item keys of a report section."""
    return [e.item.key if hasattr(e, "item") else e.key for e in entries]


def sections(md: str) -> dict[str, str]:
    """The text under each `##` heading, by heading."""
    parts = re.split(r"^## (.+)\n", md, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def cells(row: str) -> list[str]:
    """The cells of a table row, split at the pipes that are not escaped."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", row.strip())[1:-1]]


def table_keys(text: str) -> list[str]:
    """The first column of a section's table body, or the **KEY** of each note."""
    rows = [ln for ln in text.splitlines() if ln.startswith("|")][2:]
    return [cells(r)[0] for r in rows] or re.findall(r"^- .*?\*\*([\w.-]+)\*\*", text, re.M)


def md_sections(md: str, lang: str, r: WeeklyReport) -> dict[str, str]:
    """The report's sections by their data name (`done_this_week`, ...)."""
    name = {t(lang, n): n for n in SECTIONS if n != "due_next"}
    name[t(lang, "due_next", until=format_de(r.due_next_until))] = "due_next"
    return {name[h]: text for h, text in sections(md).items() if h in name}


# --- the same structure in both languages ----------------------------------------


def shape(md: str) -> list[str]:
    """What each line is: heading level, table row with its cell count, rule with its
    alignment, list item, quote, text or blank."""
    out = []
    for line in md.splitlines():
        if m := re.match(r"(#+) ", line):
            out.append(f"h{len(m[1])}")
        elif line.startswith("|") and set(line) <= set("|-: "):
            out.append("rule " + re.sub(r"-+", "-", line))
        elif line.startswith("|"):
            out.append(f"row {len(cells(line))}")
        elif not line.strip():
            out.append("blank")
        else:
            out.append({">": "quote", "-": "item"}.get(line.strip()[0], "text"))
    return out


@pytest.mark.parametrize(
    ("week", "today"),
    [(KW37, date(2011, 9, 21)), (KW38, date(2011, 9, 28)), (KW39, date(2011, 9, 28))],
    ids=["KW37-empty", "KW38-every-section", "KW39"],
)
def test_german_and_english_reports_of_a_week_have_the_same_structure(
    weeks: str, week: Week, today: date
) -> None:
    r = report(weeks, week, today)
    de, en = markdown.render(r, "de"), markdown.render(r, "en")
    assert shape(de) == shape(en)
    assert [h for h in shape(de) if h.startswith("h")] == ["h1"] + ["h2"] + ["h3"] + ["h2"] * 7
    for (h_de, text_de), (h_en, text_en) in zip(
        sections(de).items(), sections(en).items(), strict=True
    ):
        assert text_de.count("\n") == text_en.count("\n"), (h_de, h_en)
    assert de != en


def test_every_section_is_there_and_says_none_when_empty(weeks: str) -> None:
    r = report(weeks, KW37, today=date(2011, 9, 21))
    de, en = markdown.render(r, "de"), markdown.render(r, "en")
    assert list(sections(de)) == [
        "Überblick",
        "Diese Woche erledigt",
        "Überfällig",
        "Gefährdet",
        "Fällig bis 02.10.2011",
        "Diese Woche verschoben",
        "Wichtige Termine",
        "Notizen dieser Woche",
    ]
    assert list(sections(en))[1:] == [
        "Done this week",
        "Overdue",
        "At risk",
        "Due until 02.10.2011",
        "Rescheduled this week",
        "Key dates",
        "Notes added this week",
    ]
    assert [text for h, text in sections(de).items() if h != "Überblick"] == [
        "\nKeine.\n\n"
    ] * 6 + ["\nKeine.\n"]


# --- exact Markdown where layout matters -----------------------------------------


def test_the_header_names_project_week_as_of_author_and_go_live(weeks: str) -> None:
    r = report(weeks, KW38, today=date(2011, 9, 21))
    name = "Optionskommune Stuttgart: Jobcenter in kommunaler Trägerschaft ab 01.01.2012"
    assert markdown.render(r, "de").split("\n### ")[0] == (
        f"# Wochenbericht {name} – KW 38/2011, 19.09.–25.09.2011\n"
        "\n"
        "- Stand: Mittwoch, 21.09.2011\n"
        "- Verfasser: Frau Keller\n"
        "- Start 01.01.2012: noch 102 Tage, davon 69 Arbeitstage\n"
        "\n"
        "## Überblick\n"
        "\n"
        "**1 Meilenstein in den nächsten 14 Tagen fällig, 1 überfällig.**\n"
        "\n"
        "Prognose Start 01.01.2012 (GO-LIVE, fällig 01.01.2012): termingerecht.\n"
        "\n"
        "Erledigt: 4 · Offen: 21 · Überfällig: 1\n"
    )
    assert markdown.render(r, "en").split("\n\n## ")[0] == (
        f"# Weekly status report {name} – Week 38/2011, 19.09.–25.09.2011\n"
        "\n"
        "- As of: Wednesday, 21.09.2011\n"
        "- Author: Frau Keller\n"
        "- Go-live 01.01.2012: 102 days to go, 69 of them working days"
    )


def test_tables_are_padded_and_numbers_aligned_right(weeks: str) -> None:
    r = report(weeks, KW38, today=date(2011, 9, 28))
    got = sections(markdown.render(r, "de"))
    assert got["Diese Woche verschoben"] == dedent("""
        | Schlüssel        | Vorhaben            | Tag        | Wer        | Bisher     | Neu        | Ursprünglich | Verzug                    |
        |------------------|---------------------|------------|------------|------------|------------|--------------|---------------------------|
        | TRAIN-VERTIEFUNG | Vertiefungsschulung | 22.09.2011 | Herr Maier | 30.11.2011 | 16.12.2011 | 30.11.2011   | +16 Tage, +12 Arbeitstage |

        """)  # noqa: E501
    assert got["Überfällig"] == dedent("""
        | Schlüssel | Vorhaben                         | Verantwortlich | Fällig     | Tage überfällig | Arbeitstage überfällig | Status  |
        |-----------|----------------------------------|----------------|------------|----------------:|-----------------------:|---------|
        | ORG-RAUM  | Raumplanung Jobcenter abgestimmt | Amt 10         | 19.09.2011 |               6 |                      4 | geplant |

        """)  # noqa: E501


def test_notes_keep_their_lines_as_a_quoted_block(weeks: str) -> None:
    r = report(weeks, KW38, today=date(2011, 9, 28))
    assert sections(markdown.render(r, "en"))["Notes added this week"] == (
        "\n"
        "- Wednesday, 21.09.2011 · Frau Keller · **MIG-PREP** Datenmigration: Konkretisierung"
        " und Vorbereitung\n"
        "\n"
        "  > Testlauf mit 200 Fällen: 3 Fehler.  \n"  # two spaces: Markdown's line break
        "  > Nächster Lauf am 05.10.2011.\n"
    )


def test_derived_dates_carry_a_star_and_the_footnote(weeks: str) -> None:
    r = report(weeks, KW39, today=date(2011, 9, 28))
    de = sections(markdown.render(r, "de"))["Wichtige Termine"]
    assert "| 30.06.2012* |" in de and "| 15.11.2011  |" in de
    assert de.endswith("\n\\* abgeleitetes Datum: die Quelle nennt keines\n\n")
    assert "\\* derived date: the source gives none\n" in markdown.render(r, "en")
    assert not re.search(r"\d{4}-\d\d-\d\d", markdown.render(r, "de"))


# --- escaping what users wrote ----------------------------------------------------

NASTY_TITLE = "Räume | *Umzug* _neu_ `x` <b>fett</b> [Link](http://x) &amp; ~~alt~~ #1"
NASTY_NOTE = "# Überschrift\n- Punkt\n1. Punkt\n> Zitat\n---\n    eingerückt | Spalte\n\nEnde"


@pytest.fixture
def nasty(tmp_path: Path) -> WeeklyReport:
    url = install(tmp_path)
    change(
        url,
        "Frau *Keller*",
        date(2011, 9, 21),
        add("ORG-X", NASTY_TITLE, date(2011, 9, 20), "org", owner="Amt | 10_a"),
        note("ORG-X", NASTY_NOTE),
    )
    return report(url, KW38, today=date(2011, 9, 21), author="# Frau_Keller_")


def test_user_text_is_escaped_where_it_would_format(nasty: WeeklyReport) -> None:
    md = markdown.render(nasty, "de")
    row = next(ln for ln in md.splitlines() if ln.startswith("| ORG-X"))
    assert cells(row)[1:3] == [
        r"Räume \| \*Umzug\* \_neu\_ \`x\` \<b>fett\</b> \[Link\](http://x) \&amp; \~\~alt\~\~ #1",
        r"Amt \| 10_a",
    ]
    assert "- Verfasser: # Frau_Keller\\_\n" in md
    assert sections(md)["Notizen dieser Woche"].endswith(
        "\n"
        "  > \\# Überschrift  \n"
        "  > \\- Punkt  \n"
        "  > 1\\. Punkt  \n"
        "  > \\> Zitat  \n"
        "  > \\---  \n"
        "  > eingerückt \\| Spalte\n"
        "  >\n"
        "  > Ende\n"
    )


def test_escaped_user_text_renders_as_written(nasty: WeeklyReport) -> None:
    markdown_it = pytest.importorskip("markdown_it")  # comes with rich, Typer's dependency
    title_with_break = nasty.done_this_week[0]._replace(
        item=nasty.done_this_week[0].item._replace(title="Zeile 1\nZeile 2 | *x*")
    )
    r = nasty._replace(done_this_week=[title_with_break])
    html = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])
    page = html.render(markdown.render(r, "de"))
    assert re.findall(r"<h(\d)>", page) == ["1", "2", "3", "2", "2", "2", "2", "2", "2", "2"]
    for tag in ("<em>", "<code>", "<a ", "<s>", "<del>", "<b>", "<hr", "<pre>", "<ol>"):
        assert tag not in page, tag
    assert page.count("<strong>") == 2  # the headline and the note's item key
    # progress, done, overdue, at risk (ORG-X, overdue, is not done yet), key dates
    assert page.count("<table>") == 5 and page.count("<td>Zeile 1 Zeile 2 | *x*</td>") == 1
    overdue_row = re.search(r"<tr>\s*<td>ORG-X</td>(.*?)</tr>", page, re.S)
    assert overdue_row is not None and overdue_row[1].count("<td") == 6
    assert (
        "<td>Räume | *Umzug* _neu_ `x` &lt;b&gt;fett&lt;/b&gt; [Link](http://x) &amp;amp; "
        "~~alt~~ #1</td>" in page
    )
    assert "Verfasser: # Frau_Keller_</li>" in page
    assert (
        "<blockquote>\n<p># Überschrift<br />\n- Punkt<br />\n1. Punkt<br />\n&gt; Zitat<br />\n"
        "---<br />\neingerückt | Spalte</p>\n<p>Ende</p>\n</blockquote>" in page
    )


# --- JSON -------------------------------------------------------------------------


def json_keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in json_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in json_keys(v)}
    return set()


def documented_fields() -> set[str]:
    """Fields in the tables of docs/report.md and in json.md's item and go-live tables."""
    field = re.compile(r"^\| `(\w+)` \|", re.M)
    item = JSON_DOC.split("\n## item\n", 1)[1].split("\n## ", 1)[0]
    go_live = JSON_DOC.split("A go-live is:", 1)[1].split("\n## ", 1)[0]
    return {*field.findall(REPORT_DOC), *field.findall(item), *field.findall(go_live)}


def test_every_json_field_is_documented(weeks: str) -> None:
    printed: set[str] = set()
    for week in (KW38, KW39):
        data = json.loads(report_json.render(report(weeks, week, date(2011, 9, 28)), "de"))
        if week == KW38:
            assert all(data[name] for name in SECTIONS)
        printed |= json_keys(data)
    assert "(json.md#item)" in REPORT_DOC
    assert sorted(printed - documented_fields()) == []


def test_json_is_the_same_in_both_languages_but_headline_and_label(weeks: str) -> None:
    r = report(weeks, KW38, today=date(2011, 9, 28))
    de, en = (json.loads(report_json.render(r, lang)) for lang in ("de", "en"))
    assert (de["lang"], de["headline"], de["week"]) == (
        "de",
        "1 Meilenstein in den nächsten 14 Tagen fällig, 1 überfällig.",
        {
            "year": 2011,
            "number": 38,
            "monday": "2011-09-19",
            "sunday": "2011-09-25",
            "label": "KW 38/2011, 19.09.–25.09.2011",
        },
    )
    assert (en["headline"], en["week"]["label"]) == (
        "1 milestone due in the next 14 days, 1 overdue.",
        "Week 38/2011, 19.09.–25.09.2011",
    )
    for data in (de, en):
        del data["lang"], data["headline"], data["week"]["label"]
    assert de == en
    assert de["format_version"] == 2 and de["as_of"] == "2011-09-25"
    assert report_json.render(r, "de").endswith("}\n") and "Fällen" in report_json.render(r, "de")


def test_json_items_have_the_item_shape_counted_from_the_as_of_date(weeks: str) -> None:
    data = json.loads(report_json.render(report(weeks, KW38, date(2011, 9, 28)), "en"))
    assert data["overdue"] == [
        {
            "key": "ORG-RAUM",
            "kind": "milestone",
            "title": "Raumplanung Jobcenter abgestimmt",
            "workstream": "org",
            "milestone": None,
            "owner": "Amt 10",
            "state": "planned",
            "start": None,
            "due": "2011-09-19",
            "due_derived": False,
            "done_on": None,
            "days_left": -6,
            "working_days_left": -4,
            "overdue": True,
            "blocked": False,
            "days_overdue": 6,
            "working_days_overdue": 4,
        }
    ]
    assert [(d["key"], d["marked_by"]) for d in data["done_this_week"]] == [
        ("STMT-264", None),
        ("TRAIN-BASIS", "Frau Keller"),
    ]
    resch = data["rescheduled"][0]
    assert {k: resch[k] for k in ("key", "day", "actor", "old_due", "new_due", "first_agreed")} == {
        "key": "TRAIN-VERTIEFUNG",
        "day": "2011-09-22",
        "actor": "Herr Maier",
        "old_due": "2011-11-30",
        "new_due": "2011-12-16",
        "first_agreed": "2011-11-30",
    }
    assert (resch["slip_days"], resch["slip_working_days"]) == (16, 12)
    assert data["notes"] == [
        {
            "key": "MIG-PREP",
            "title": "Datenmigration: Konkretisierung und Vorbereitung",
            "day": "2011-09-21",
            "actor": "Frau Keller",
            "text": "Testlauf mit 200 Fällen: 3 Fehler.\nNächster Lauf am 05.10.2011.",
        }
    ]


@pytest.mark.parametrize(
    ("week", "today"),
    [
        (KW37, date(2011, 9, 21)),
        (KW38, date(2011, 9, 21)),
        (KW38, date(2011, 9, 28)),
        (KW39, date(2011, 9, 28)),
        (KW52, date(2012, 1, 4)),
        (KW1, date(2012, 1, 4)),
    ],
)
@pytest.mark.parametrize("lang", ["de", "en"])
def test_json_and_markdown_carry_the_same_items_per_section(
    weeks: str, week: Week, today: date, lang: str
) -> None:
    r = report(weeks, week, today)
    data = json.loads(report_json.render(r, lang))
    md = md_sections(markdown.render(r, lang), lang, r)
    assert list(md) == list(SECTIONS)
    for name in SECTIONS:
        assert table_keys(md[name]) == [e["key"] for e in data[name]], name
        assert table_keys(md[name]) == keys(getattr(r, name)), name


# --- which item lands in which section ------------------------------------------


def test_kw38_as_of_21_09_shows_what_was_recorded_by_then(weeks: str) -> None:
    r = report(weeks, KW38, today=date(2011, 9, 21))
    assert r.as_of == date(2011, 9, 21)
    assert [(d.item.key, d.item.done_on, d.actor) for d in r.done_this_week] == [
        ("STMT-264", date(2011, 9, 20), None),  # done per plan, on its Tuesday
        ("TRAIN-BASIS", date(2011, 9, 21), "Frau Keller"),
    ]
    assert [(o.item.key, o.days, o.working_days) for o in r.overdue] == [("ORG-RAUM", 2, 2)]
    assert [(u.item.key, u.days) for u in r.due_next] == [("TRAIN-RAUM", 14)]
    assert r.rescheduled == []  # TRAIN-VERTIEFUNG moved on 22.09., after the as-of date
    vertiefung = next(u for u in r.key_dates if u.item.key == "TRAIN-VERTIEFUNG")
    assert vertiefung.item.due == date(2011, 11, 30)
    assert "TRAIN-BASIS" not in keys(r.key_dates)
    assert [n.key for n in r.notes] == ["MIG-PREP"]


def test_kw38_made_in_kw39_shows_the_due_date_of_kw38(weeks: str) -> None:
    r = report(weeks, KW38, today=date(2011, 9, 28))
    assert r.as_of == date(2011, 9, 25)
    assert keys(r.rescheduled) == ["TRAIN-VERTIEFUNG"]
    sw = next(u for u in r.key_dates if u.item.key == "SW-INSTALL")
    assert (sw.item.due, sw.days, sw.working_days) == (date(2011, 10, 31), 36, 25)
    row = next(ln for ln in markdown.render(r, "de").splitlines() if ln.startswith("| SW-INSTALL"))
    assert cells(row)[2:] == ["31.10.2011*", "36", "25"]  # still derived in KW 38


@pytest.mark.parametrize(
    ("today", "key", "due"),
    [
        (date(2011, 9, 28), "SW-INSTALL", date(2011, 10, 31)),  # moved in KW 39
        (date(2011, 9, 21), "TRAIN-VERTIEFUNG", date(2011, 11, 30)),  # moved on 22.09.
    ],
    ids=["moved-in-KW39", "moved-after-as-of-in-KW38"],
)
def test_a_derived_date_moved_after_the_as_of_date_keeps_its_mark(
    weeks: str, today: date, key: str, due: date
) -> None:
    r = report(weeks, KW38, today=today)
    moved = next(u for u in r.key_dates if u.item.key == key)
    assert moved.item.due == due
    row = next(ln for ln in markdown.render(r, "de").splitlines() if ln.startswith(f"| {key}"))
    assert cells(row)[2] == format_de(due) + "*"


def test_kw39_shows_the_reschedule_and_nothing_done(weeks: str) -> None:
    r = report(weeks, KW39, today=date(2011, 9, 28))
    assert (r.as_of, r.done_this_week, r.notes) == (date(2011, 9, 28), [], [])
    assert [
        (c.item.key, c.day, c.actor, c.old_due, c.new_due, c.slip_days, c.slip_working_days)
        for c in r.rescheduled
    ] == [
        # 01.11. is All Saints' Day in Baden-Württemberg: 10 working days, not 11
        ("SW-INSTALL", date(2011, 9, 28), "Herr Maier", date(2011, 10, 31), date(2011, 11, 15),
         15, 10),
    ]  # fmt: skip
    assert [(o.item.key, o.days) for o in r.overdue] == [("ORG-RAUM", 9)]
    assert keys(r.due_next) == ["TRAIN-RAUM"]
    assert r.due_next_until == date(2011, 10, 16)
    assert keys(r.key_dates)[:3] == ["TRAIN-RAUM", "SW-INSTALL", "TRAIN-VERTIEFUNG"]


def test_an_item_done_on_21_09_is_in_kw38_and_not_in_kw37(weeks: str) -> None:
    kw37 = report(weeks, KW37, today=date(2011, 9, 21))
    assert kw37.as_of == date(2011, 9, 18)
    assert "TRAIN-BASIS" not in keys(kw37.done_this_week)
    # The plan was loaded on 20.09.2011: on 18.09. the tracker held nothing yet.
    assert (kw37.done_count, kw37.open_count, kw37.key_dates, kw37.progress[0].total) == (
        0,
        0,
        [],
        0,
    )
    assert "TRAIN-BASIS" in keys(report(weeks, KW38, today=date(2011, 9, 21)).done_this_week)


def test_with_the_plan_loaded_earlier_kw37_shows_the_item_still_open(tmp_path: Path) -> None:
    url = install(tmp_path, day=date(2011, 9, 12))
    change(url, "Frau Keller", date(2011, 9, 21), done("TRAIN-BASIS"))
    kw37 = report(url, KW37, today=date(2011, 9, 21))
    basis = next(u for u in kw37.key_dates if u.item.key == "TRAIN-BASIS")
    assert (basis.item.state, basis.days, basis.working_days) == (State.IN_PROGRESS, 22, 15)
    assert kw37.done_this_week == []
    kw38 = report(url, KW38, today=date(2011, 9, 21))
    assert keys(kw38.done_this_week) == ["STMT-264", "TRAIN-BASIS"]
    assert "TRAIN-BASIS" not in keys(kw38.key_dates)


# --- across the year end ----------------------------------------------------------


def test_kw52_2011_ends_on_new_years_day_the_go_live(tmp_path: Path) -> None:
    assert Week.of(date(2012, 1, 1)) == Week(2011, 52)
    assert (KW52.monday, KW52.sunday, KW1.monday) == (
        date(2011, 12, 26),
        date(2012, 1, 1),
        date(2012, 1, 2),
    )
    url = install(tmp_path)
    r = report(url, KW52, today=date(2012, 1, 4))
    assert r.as_of == date(2012, 1, 1)
    go_live = r.key_dates[0]
    assert (go_live.item.key, go_live.days, go_live.working_days) == ("GO-LIVE", 0, 0)
    assert (r.go_live_days, r.go_live_working_days) == (0, 0)
    assert keys(r.due_next) == ["GO-LIVE"]
    # Due 31.12.2011 (a Saturday), as of Sunday: one day overdue, no working day lost.
    late = [(o.item.key, o.days, o.working_days) for o in r.overdue if o.days == 1]
    assert late == [
        ("BEN-AGREEMENT", 1, 0),
        ("GRDRS-5", 1, 0),
        ("MIG-PREP", 1, 0),
        ("ORG-STRUCTURE", 1, 0),
    ]
    md = markdown.render(r, "de")
    assert md.startswith("# Wochenbericht ") and " – KW 52/2011, 26.12.2011–01.01.2012\n" in md
    assert "- Start 01.01.2012: heute\n" in md and "- Stand: Sonntag, 01.01.2012\n" in md
    row = next(ln for ln in sections(md)["Wichtige Termine"].splitlines() if "GO-LIVE" in ln)
    assert cells(row)[2:] == ["01.01.2012", "0", "0"]


def test_kw1_2012_shows_the_go_live_overdue_while_it_is_open(tmp_path: Path) -> None:
    url = install(tmp_path)
    r = report(url, KW1, today=date(2012, 1, 4))
    assert (r.week.monday, r.as_of) == (date(2012, 1, 2), date(2012, 1, 4))
    go_live = next(o for o in r.overdue if o.item.key == "GO-LIVE")
    assert (go_live.days, go_live.working_days) == (3, 3)  # 02., 03. and 04.01.2012
    assert "GO-LIVE" not in keys(r.key_dates)
    assert (r.go_live_days, r.go_live_working_days) == (-3, -3)
    assert "- Start 01.01.2012: seit 3 Tagen\n" in markdown.render(r, "de")
    assert "- Go-live 01.01.2012: 3 days ago\n" in markdown.render(r, "en")
    data = json.loads(report_json.render(r, "en"))
    assert data["week"] == {
        "year": 2012,
        "number": 1,
        "monday": "2012-01-02",
        "sunday": "2012-01-08",
        "label": "Week 1/2012, 02.01.–08.01.2012",
    }
    assert data["go_live"]["days_left"] == -3


def test_a_go_live_marked_done_in_kw1_is_done_there_and_still_open_in_kw52(
    tmp_path: Path,
) -> None:
    url = install(tmp_path)
    change(url, "Frau Keller", date(2012, 1, 2), done("GO-LIVE"))
    kw1 = report(url, KW1, today=date(2012, 1, 4))
    assert [(d.item.key, d.actor) for d in kw1.done_this_week] == [("GO-LIVE", "Frau Keller")]
    assert "GO-LIVE" not in keys(kw1.overdue)
    kw52 = report(url, KW52, today=date(2012, 1, 4))
    assert keys(kw52.key_dates)[0] == "GO-LIVE" and kw52.done_this_week == []


# --- the schedule: the go-live forecast and the items at risk --------------------


@pytest.fixture
def pushed(tmp_path: Path) -> str:
    """The Stuttgart plan, and on 27.09.2011 (KW 39) SW-INSTALL moved from 31.10.* to
    30.11.2011: TRAIN-VERTIEFUNG (01.11.–30.11.2011*) starts after it and slips."""
    url = install(tmp_path)
    change(url, "Herr Maier", date(2011, 9, 27), move("SW-INSTALL", date(2011, 11, 30)))
    return url


def test_the_go_live_forecast_is_on_time_on_the_plan_as_loaded(tmp_path: Path) -> None:
    r = report(install(tmp_path), KW38, today=date(2011, 9, 21))
    assert r.at_risk == []
    assert r.go_live_forecast is not None
    assert (r.go_live_forecast.item.key, r.go_live_forecast.forecast.finish) == (
        "GO-LIVE",
        date(2012, 1, 1),
    )
    summary = {
        lang: sections(markdown.render(r, lang))[t(lang, "summary")] for lang in ("de", "en")
    }
    de = "\nPrognose Start 01.01.2012 (GO-LIVE, fällig 01.01.2012): termingerecht.\n"
    assert de in summary["de"]
    assert "\nGo-live forecast 01.01.2012 (GO-LIVE, due 01.01.2012): on time.\n" in summary["en"]
    assert sections(markdown.render(r, "en"))["At risk"] == "\nNone.\n\n"


def test_an_item_pushed_late_in_kw39_is_at_risk_in_kw39(pushed: str) -> None:
    r = report(pushed, KW39, today=date(2011, 9, 28))
    assert [
        (p.item.key, p.item.due, p.forecast.finish, p.forecast.slip, p.forecast.driver)
        for p in r.at_risk
    ] == [("TRAIN-VERTIEFUNG", date(2011, 11, 30), date(2011, 12, 30), 21, "SW-INSTALL")]
    assert sections(markdown.render(r, "de"))["Gefährdet"] == dedent("""
        | Schlüssel        | Vorhaben            | Fällig      | Prognose   | Arbeitstage Verzug | Grund           |
        |------------------|---------------------|-------------|------------|-------------------:|-----------------|
        | TRAIN-VERTIEFUNG | Vertiefungsschulung | 30.11.2011* | 30.12.2011 |                 21 | nach SW-INSTALL |

        \\* abgeleitetes Datum: die Quelle nennt keines

        """)  # noqa: E501
    en = sections(markdown.render(r, "en"))["At risk"]
    row = next(ln for ln in en.splitlines() if ln.startswith("| TRAIN-VERTIEFUNG"))
    assert cells(row) == [
        "TRAIN-VERTIEFUNG", "Vertiefungsschulung", "30.11.2011*", "30.12.2011", "21",
        "after SW-INSTALL",
    ]  # fmt: skip
    assert "| Key              | Item                | Due         | Forecast   |" in en
    # GO-LIVE waits for TRAIN-VERTIEFUNG, but 30.12.2011 is still before 01.01.2012.
    assert "\nGo-live forecast 01.01.2012 (GO-LIVE, due 01.01.2012): on time.\n" in (
        markdown.render(r, "en")
    )


@pytest.mark.parametrize("lang", ["de", "en"])
def test_json_lists_the_item_at_risk_with_its_forecast(pushed: str, lang: str) -> None:
    data = json.loads(report_json.render(report(pushed, KW39, date(2011, 9, 28)), lang))
    (risky,) = data["at_risk"]
    assert {k: risky[k] for k in ("key", "due", "blocked", "state")} == {
        "key": "TRAIN-VERTIEFUNG",
        "due": "2011-11-30",
        "blocked": True,  # on SW-INSTALL, open
        "state": "planned",
    }
    assert {k: risky[k] for k in ("forecast_start", "forecast", "at_risk")} == {
        "forecast_start": "2011-12-01",
        "forecast": "2011-12-30",
        "at_risk": True,
    }
    assert (risky["slip_working_days"], risky["slip_days"]) == (21, 30)
    assert (risky["reason"], risky["driver"]) == ("predecessor", "SW-INSTALL")
    go_live = data["go_live_forecast"]
    assert (go_live["key"], go_live["forecast"], go_live["at_risk"]) == (
        "GO-LIVE",
        "2012-01-01",
        False,
    )
    assert (go_live["reason"], go_live["blocked"]) == ("dates", True)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_week_before_the_edit_has_nothing_at_risk(pushed: str, lang: str) -> None:
    r = report(pushed, KW38, today=date(2011, 9, 28))  # as of 25.09., SW-INSTALL 31.10.*
    assert r.at_risk == []
    assert sections(markdown.render(r, lang))[t(lang, "at_risk")] == (
        f"\n{t(lang, 'none').capitalize()}.\n\n"
    )
    assert json.loads(report_json.render(r, lang))["at_risk"] == []
    vertiefung = next(i for i in r.timeline if i.key == "TRAIN-VERTIEFUNG")
    assert vertiefung.blocked  # the plan's dependency on SW-INSTALL: there from the start


def test_a_go_live_forecast_after_its_due_date_says_by_how_much_and_why(pushed: str) -> None:
    # On 04.10.2011 GO-LIVE is given a lag of 30 working days after SW-INSTALL (30.11.):
    # 21 working days in December (26.12. is a holiday), 4 in January to 05.01., 06.01.
    # (Epiphany) is a holiday, 5 more to 13.01.2012; from 01.01.: 9 working days late.
    change(
        pushed,
        "Herr Maier",
        date(2011, 10, 4),
        lambda run, p, who: actions.add_dependency(run, p, who, "GO-LIVE", "SW-INSTALL", lag=30),
    )
    kw40 = report(pushed, Week(2011, 40), today=date(2011, 10, 5))
    assert (
        "\nGo-live forecast 13.01.2012 (GO-LIVE, due 01.01.2012): 9 working days late "
        "(after SW-INSTALL).\n" in markdown.render(kw40, "en")
    )
    assert (
        "\nPrognose Start 13.01.2012 (GO-LIVE, fällig 01.01.2012): 9 Arbeitstage Verzug "
        "(nach SW-INSTALL).\n" in markdown.render(kw40, "de")
    )
    assert [(p.item.key, p.forecast.slip, p.forecast.driver) for p in kw40.at_risk] == [
        ("TRAIN-VERTIEFUNG", 21, "SW-INSTALL"),
        ("GO-LIVE", 9, "SW-INSTALL"),
        ("BEN-INTERIM", 9, "GO-LIVE"),  # 01.01.–30.06.2012, starts after the go-live
    ]
    # As of KW 39 the lag was 0: the go-live holds.
    kw39 = report(pushed, KW39, today=date(2011, 10, 5))
    assert kw39.go_live_forecast is not None
    assert kw39.go_live_forecast.forecast.finish == date(2012, 1, 1)
    assert keys(kw39.at_risk) == ["TRAIN-VERTIEFUNG"]


def test_a_long_section_shows_its_first_rows_and_counts_the_rest(sqlite_tracker, tmp_path):
    rows = ["key;kind;milestone;workstream;title;due"]
    rows += [f"AKTE-{n:02d};milestone;;migration;Akte {n};03.10.2011" for n in range(55)]
    (tmp_path / "akten.csv").write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    imported = sqlite_tracker("import", str(tmp_path / "akten.csv"))
    assert imported.exit_code == 0, imported.output
    md = sqlite_tracker("report", "weekly", "--lang", "de", today="12.10.2011").stdout
    overdue = md.split("## Überfällig", 1)[1].split("\n## ", 1)[0]
    # 55 files and TRAIN-BASIS are overdue: 50 rows, then the rest counted.
    assert overdue.count("| AKTE-") + overdue.count("| TRAIN-BASIS") == 50
    assert "… und 6 weitere" in overdue
    html = sqlite_tracker("report", "weekly", "--format", "html", today="12.10.2011").stdout
    assert '<p class="more">… und 6 weitere</p>' in html  # the plan's language
    # The timeline draws 50 milestones too and counts the rest under it.
    figure = html.split('<section id="timeline"', 1)[1].split("</figure>", 1)[0]
    assert figure.count('class="title"') == 50 and "weitere</figcaption>" in figure
    # JSON lists the same 50 with the total, and every row with --all.
    data = json.loads(sqlite_tracker("report", "weekly", "-f", "json", today="12.10.2011").stdout)
    assert (len(data["overdue"]), data["overdue_count"]) == (50, 56)
    assert (len(data["timeline"]), data["timeline_total"]) == (50, 67)
    every = sqlite_tracker("report", "weekly", "-f", "json", "--all", today="12.10.2011")
    data = json.loads(every.stdout)
    assert (len(data["overdue"]), data["overdue_count"]) == (56, 56)
    assert (len(data["timeline"]), data["timeline_total"]) == (67, 67)
    refused = sqlite_tracker("report", "weekly", "--all", today="12.10.2011")
    assert (refused.exit_code, refused.stdout) == (1, "")
    assert refused.stderr == (
        "tracker: --all goes with --format json: Markdown and HTML show 50 rows a section\n"
    )
