"""Several changeovers in one database: --project and TRACKER_PROJECT choose one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker import plan

SECOND = """
[project]
key = "Kreis-Beispiel-2012"
name = "Optionskommune Kreis Beispiel"
go_live = 2012-01-01
region = "NW"

[[workstreams]]
key = "Software"
title = "Fachsoftware"

[[milestones]]
key = "KB-1"
title = "Software installiert"
workstream = "software"
due = 2011-11-30
"""


@pytest.fixture
def two_projects(tracker, tmp_path: Path):
    path = tmp_path / "kreis.toml"
    path.write_text(SECOND, encoding="utf-8")
    result = tracker("init", "--plan", str(path))
    assert result.exit_code == 0, result.output
    assert "Loaded kreis-beispiel-2012: 1 workstream, 1 milestone, 0 tasks." in result.stdout
    return tracker, path


def test_commands_ask_which_project_when_there_are_several(two_projects) -> None:
    tracker, _ = two_projects
    result = tracker("list")
    assert result.exit_code == 3
    assert result.stderr == (
        "tracker: this database holds several projects (kreis-beispiel-2012, stuttgart-2012): "
        "choose one with --project\n"
    )


def test_project_option_and_variable_choose_one(two_projects, monkeypatch) -> None:
    tracker, _ = two_projects
    data = json.loads(
        tracker("--project", "KREIS-beispiel-2012", "list", "--format", "json").stdout
    )
    assert [i["key"] for i in data["items"]] == ["KB-1"]
    # 51 weekdays after 20.09.2011 up to 30.11.2011, less 03.10. and All Saints (01.11.),
    # a holiday in North Rhine-Westphalia as in Baden-Württemberg.
    assert data["items"][0]["working_days_left"] == 49
    monkeypatch.setenv("TRACKER_PROJECT", "stuttgart-2012")
    assert "TRAIN-BASIS" in tracker("list").stdout
    assert tracker("--project", "nowhere", "list").stderr == (
        "tracker: no project 'nowhere' in this database "
        "(projects: kreis-beispiel-2012, stuttgart-2012)\n"
    )


def test_a_project_key_differing_only_in_case_is_the_same_project(two_projects) -> None:
    tracker, path = two_projects
    path.write_text(SECOND.replace("Kreis-Beispiel-2012", "KREIS-BEISPIEL-2012"), encoding="utf-8")
    result = tracker("init", "--plan", str(path))
    assert result.exit_code == 1
    assert "already holds the project 'kreis-beispiel-2012'; nothing loaded" in result.stderr


def test_plan_keys_are_stored_in_their_normal_form() -> None:
    loaded = plan.parse(SECOND, "kreis.toml")
    assert (loaded.key, loaded.workstreams[0][0], loaded.region) == (
        "kreis-beispiel-2012",
        "software",
        "DE-NW",
    )


def test_an_unreachable_postgresql_is_one_line(cli) -> None:
    result = cli("--db", "postgresql://lead:geheim@127.0.0.1:1/tracker", "db", "current")
    assert result.exit_code == 4
    assert result.stderr.startswith("tracker: cannot use postgresql://lead:***@127.0.0.1:1/tracker")
    assert result.stderr.count("\n") == 1 and "geheim" not in result.output


def test_a_file_name_with_a_question_mark_is_refused(cli, tmp_path: Path) -> None:
    result = cli("--db", f"{tmp_path}/a?b.db", "init")
    assert result.exit_code == 4
    assert "may not contain '?' or '#'" in result.stderr
    assert list(tmp_path.iterdir()) == []
