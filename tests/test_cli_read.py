"""What the read commands print on the Stuttgart plan, on both backends."""

from __future__ import annotations

import json
from pathlib import Path
from textwrap import dedent


def test_list_shows_open_items_soonest_first_with_german_dates_and_countdowns(tracker) -> None:
    result = tracker("list", "--due-within", "21d")
    assert result.exit_code == 0, result.output
    assert result.stdout == dedent("""\
        KEY          TITLE                                         WORKSTREAM  OWNER                   DUE         DAYS  WDAYS  STATE
        TRAIN-BASIS  Schulung Leistung und persönlicher Ansprech…  training    Projektgruppe Options…  10.10.2011    20     13  in progress
    """)  # noqa: E501


def test_list_puts_undated_items_last_and_explains_derived_dates(tracker) -> None:
    keys = [line.split()[0] for line in tracker("list").stdout.splitlines()[1:]]
    assert keys[:3] == ["TRAIN-BASIS", "SW-INSTALL", "TRAIN-VERTIEFUNG"]
    assert keys[-1] == "*"  # the footnote on derived dates
    assert "ORG-AMT" in keys and keys.index("MIG-ALL") < keys.index("ORG-AMT")
    assert "30.11.2011*" in tracker("list").stdout


def test_list_hides_closed_items_unless_all(tracker) -> None:
    assert "STMT-264" not in tracker("list").stdout
    everything = tracker("list", "--all").stdout
    assert "STMT-264" in everything and "done 20.09.2011" in everything


def test_list_filters_combine(tracker) -> None:
    def keys(*args: str) -> list[str]:
        data = json.loads(tracker("list", "--format", "json", *args).stdout)
        return [i["key"] for i in data["items"]]

    assert keys("--workstream", "COUNCIL", "--all") == ["STMT-264", "GRDRS-5", "GRDRS-647"]
    assert keys("--owner", "agentur für arbeit stuttgart") == ["BEN-INTERIM", "ORG-PG"]
    assert keys("--state", "in progress", "--workstream", "software") == ["SW-INSTALL"]
    assert keys("--state", "done") == ["SW-AWARD", "STMT-264", "GRDRS-647"]
    assert keys("--tasks", "--workstream", "training") == []
    assert len(keys("--tasks")) == 8
    assert "ORG-AMT" not in keys("--milestones")
    assert keys("--overdue") == []
    assert keys("--due-within", "3w") == ["TRAIN-BASIS"]


def test_overdue_lists_open_items_past_due_with_negative_countdowns(tracker) -> None:
    data = json.loads(tracker("list", "--overdue", "--format", "json", today="15.10.2011").stdout)
    (item,) = data["items"]
    assert (item["key"], item["days_left"], item["working_days_left"]) == ("TRAIN-BASIS", -5, -4)
    assert item["overdue"] is True
    table = tracker("list", "--overdue", today="15.10.2011").stdout
    assert "in progress OVERDUE" in table


def test_list_json_has_the_documented_fields(tracker) -> None:
    data = json.loads(tracker("list", "--format", "json").stdout)
    assert data["today"] == "2011-09-20"
    first = data["items"][0]
    assert first == {
        "key": "TRAIN-BASIS",
        "kind": "milestone",
        "title": "Schulung Leistung und persönlicher Ansprechpartner",
        "workstream": "training",
        "milestone": None,
        "owner": "Projektgruppe Optionskommune",
        "state": "in_progress",
        "start": "2011-09-12",
        "due": "2011-10-10",
        "due_derived": False,
        "done_on": None,
        "days_left": 20,
        "working_days_left": 13,
        "overdue": False,
        "blocked": False,
    }


def test_show_prints_everything_about_an_item(tracker) -> None:
    tracker("note", "ORG-STRUCTURE", "Vorlage an den Verwaltungsausschuss im Oktober")
    out = tracker("show", "org-structure").stdout
    assert out.startswith(
        "ORG-STRUCTURE  Offene Fragen des Antrags 264/2011 zu Organisation und Ausrichtung klären\n"
    )
    for line in [
        "  Kind          milestone",
        "  Workstream    org (Organisation und Abwicklung der gemeinsamen Einrichtung)",
        "  Due           31.12.2011*  (102 days, 70 working days left)",
        "  References    Antrag 264/2011",
        "  20.09.2011  test-lead: Vorlage an den Verwaltungsausschuss im Oktober",
    ]:
        assert line + "\n" in out
    assert out.count("  ORG-") == 8  # its tasks
    assert "History:" in out and "note: Vorlage an den Verwaltungsausschuss" in out


def test_show_json_has_tasks_notes_and_history(tracker) -> None:
    data = json.loads(tracker("show", "ORG-STRUCTURE", "--format", "json").stdout)
    assert data["refs"] == ["Antrag 264/2011"]
    assert data["due_baseline"] == "2011-12-31"
    assert len(data["tasks"]) == 8 and data["tasks"][0]["milestone"] == "ORG-STRUCTURE"
    assert [e["kind"] for e in data["history"]] == ["created"]


def test_countdown_lists_dated_milestones_and_go_live(tracker) -> None:
    out = tracker("countdown", "--working-days").stdout
    lines = out.splitlines()
    assert lines[1] == "Today 20.09.2011. Go-live 01.01.2012: 103 days, 70 working days left."
    assert lines[3].split() == ["KEY", "MILESTONE", "DUE", "DAYS", "WDAYS"]
    assert lines[4].split()[0] == "TRAIN-BASIS" and lines[4].split()[-2:] == ["20", "13"]
    assert "ORG-PG" not in out  # undated
    assert "STMT-264" not in out  # done


def test_countdown_puts_overdue_milestones_first_and_marks_them(tracker) -> None:
    out = tracker("countdown", today="05.01.2012").stdout
    assert "Go-live 01.01.2012: 4 days ago." in out
    rows = [ln.split() for ln in out.splitlines()[4:] if ln.strip() and not ln.startswith("*")]
    overdue = [r[1] for r in rows if r[0] == "OVERDUE"]
    assert overdue[0] == "TRAIN-BASIS" and overdue[-1] == "GO-LIVE"
    assert [r[0] for r in rows[-2:]] == ["BEN-INTERIM", "MIG-ALL"]


def test_status_is_one_screen_with_progress_and_sections(tracker) -> None:
    tracker("done", "TRAIN-BASIS", "--on", "19.09.2011", today="21.09.2011")
    out = tracker("status", today="26.09.2011").stdout
    assert out.splitlines()[:7] == [
        "Optionskommune Stuttgart: Jobcenter in kommunaler Trägerschaft ab 01.01.2012",
        "Today 26.09.2011 (DE-BW). Go-live 01.01.2012: 97 days, 66 working days left.",
        "Go-live forecast 01.01.2012 (GO-LIVE due 01.01.2012): on time.",
        "",
        "No milestone due in the next 14 days, nothing overdue.",
        "",
        "Progress: 4 of 23 items done, 0 overdue",
    ]
    assert "  training    Schulungen" in out and " 1/2  #####....." in out
    done_section = out.split("Done since 12.09.2011\n", 1)[1]
    assert "TRAIN-BASIS" in done_section and "done 19.09.2011" in done_section
    assert "STMT-264" in done_section
    assert "Due until 10.10.2011\n  nothing due in the next 14 days" in out


def test_status_json_counts_match_the_table(tracker) -> None:
    data = json.loads(tracker("status", "--format", "json", today="12.10.2011").stdout)
    assert data["go_live"]["days_left"] == 81
    assert (data["done"], data["open"]) == (3, 20)
    assert [i["key"] for i in data["overdue"]] == ["TRAIN-BASIS"]
    assert {p["workstream"]: (p["done"], p["total"]) for p in data["progress"]}["council"] == (2, 3)


def test_history_shows_who_did_what_newest_first(tracker) -> None:
    tracker("--as", "Frau Keller", "done", "TRAIN-BASIS", today="10.10.2011")
    tracker("edit", "MIG-PREP", "--due", "15.12.2011", today="11.10.2011")
    lines = tracker("history", "--limit", "4").stdout.splitlines()
    assert lines[0].split()[:4] == ["DAY", "RECORDED", "(UTC)", "WHO"]
    assert lines[1].startswith("11.10.2011") and "test-lead" in lines[1]
    assert lines[1].endswith("MIG-PREP     due: 31.12.2011 → 15.12.2011")
    assert lines[2].endswith("MIG-PREP     due date agreed (it was derived from the plan's logic)")
    assert "Frau Keller  TRAIN-BASIS  done on: - → 10.10.2011" in lines[3]
    assert "Frau Keller  TRAIN-BASIS  state: in progress → done" in lines[4]


def test_history_of_one_item_and_json(tracker) -> None:
    tracker("note", "GO-LIVE", "Pressetermin geplant")
    data = json.loads(tracker("history", "GO-LIVE", "--format", "json").stdout)
    assert [(e["kind"], e["new"]) for e in data["events"]] == [
        ("note", "Pressetermin geplant"),
        ("created", "Start der Optionskommune Stuttgart (zugelassener kommunaler Träger, SGB II)"),
    ]
    assert data["events"][0]["actor"] == "test-lead" and data["events"][0]["day"] == "2011-09-20"


def test_limit_keeps_the_soonest_due(tracker) -> None:
    data = json.loads(tracker("list", "--limit", "2", "--format", "json").stdout)
    assert [i["key"] for i in data["items"]] == ["TRAIN-BASIS", "SW-INSTALL"]


def test_a_long_list_on_a_terminal_goes_through_the_pager_and_never_when_piped(
    sqlite_tracker, tmp_path: Path
) -> None:
    import os
    import pty
    import subprocess
    import sys

    paged = tmp_path / "paged.txt"
    env = {
        **os.environ,
        "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path}/tracker.db",
        "PAGER": f"cat > {paged}",
        "LINES": "10",
        "COLUMNS": "200",
    }
    argv = [sys.executable, "-m", "tracker", "--today", "20.09.2011", "list", "--all"]
    leader, follower = pty.openpty()
    try:
        subprocess.run(
            argv, env=env, stdin=follower, stdout=follower, stderr=follower, check=True, timeout=60
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert "GO-LIVE" in paged.read_text(encoding="utf-8")  # 24 lines > 10: paged
    paged.unlink()
    piped = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    assert "GO-LIVE" in piped.stdout and not paged.exists()


def test_status_stays_one_screen_and_says_how_many_more(sqlite_tracker) -> None:
    for n in range(17):
        added = sqlite_tracker("add", f"Akte {n}", "--milestone", "MIG-PREP", "--due", "01.10.2011")
        assert added.exit_code == 0, added.output
    out = sqlite_tracker("status", today="11.10.2011").stdout
    overdue = out.split("\nOverdue\n", 1)[1].split("\n\n", 1)[0]
    # The 17 files and TRAIN-BASIS (due 10.10.) are overdue: 15 rows, the rest counted.
    assert overdue.count("MIG-PREP.") == 15
    assert overdue.splitlines()[-1] == "  … and 3 more: tracker list --overdue"
    data = json.loads(sqlite_tracker("status", "--format", "json", today="11.10.2011").stdout)
    assert (len(data["overdue"]), data["overdue_count"]) == (15, 18)  # the same 15, counted
    every = sqlite_tracker("status", "--format", "json", "--all", today="11.10.2011")
    data = json.loads(every.stdout)
    assert (len(data["overdue"]), data["overdue_count"]) == (18, 18)
    assert [i["key"] for i in data["overdue"][:2]] == ["MIG-PREP.1", "MIG-PREP.10"]
    refused = sqlite_tracker("status", "--all", today="11.10.2011")
    assert (refused.exit_code, refused.stdout) == (1, "")
    assert refused.stderr.startswith("tracker: --all goes with --format json")


def test_countdown_limit_keeps_the_soonest(tracker) -> None:
    data = json.loads(tracker("countdown", "--limit", "2", "--format", "json").stdout)
    assert [i["key"] for i in data["ahead"]] == ["TRAIN-BASIS", "SW-INSTALL"]
    late = json.loads(
        tracker("countdown", "--limit", "1", "--format", "json", today="12.10.2011").stdout
    )
    assert ([i["key"] for i in late["overdue"]], late["ahead"]) == (["TRAIN-BASIS"], [])
