"""A whole project as JSON: export → import → export is the same file, on SQLite and
PostgreSQL, the hash chain stays verifiable, and a file changed by hand, a project
the database holds already or a broken file are refused with nothing written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import invoke
from test_cli_write import ok

from tracker.db import sqlite_path


def busy_project(tracker: Any) -> None:
    """The Stuttgart plan after a week of work: every kind of record the file holds."""
    ok(tracker("depend", "MIG-ALL", "--on", "BEN-AGREEMENT", "--lag", "3", "--note", "erst"))
    ok(tracker("calendar", "close", "30.12.2011", "--reason", "Brückentag"))
    ok(tracker("baseline", "save", "kw38"))
    ok(tracker("done", "TRAIN-BASIS", "--note", "Alle geschult", today="10.10.2011"))
    ok(tracker("edit", "MIG-PREP", "--due", "15.12.2011", "--owner", "Amt 10", today="11.10.2011"))


def export(url: str, path: Path, project: str = "") -> str:
    result = invoke("--db", url, "--project", project, "export", "-o", str(path))
    assert result.exit_code == 0, result.output
    return path.read_text(encoding="utf-8")


def without_ids(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    data["project"].pop("id")
    for item in data["items"]:
        item.pop("id")
    for event in data["events"]:
        event.pop("hash")
    return data


def test_export_import_export_gives_the_same_file(tracker, db_url, tmp_path: Path) -> None:
    busy_project(tracker)
    first = export(db_url, tmp_path / "first.json")
    assert (tmp_path / "first.json").stat().st_mode & 0o777 == 0o600  # like the database
    data = json.loads(first)
    assert (data["format"], data["version"], data["project"]["key"]) == (
        "tracker-project",
        1,
        "stuttgart-2012",
    )
    assert {(d["item"], d["predecessor"], d["lag"]) for d in data["dependencies"]} >= {
        ("MIG-ALL", "BEN-AGREEMENT", 3)
    }
    assert data["closed_days"] == [{"day": "2011-12-30", "reason": "Brückentag"}]
    assert [b["name"] for b in data["baselines"]] == ["kw38"]
    # 23 created; depend + its note; closed day; baseline; done: state, done_on, note;
    # edit: due, due agreed (it was derived), owner.
    assert len(data["events"]) == 23 + 2 + 1 + 1 + 3 + 3

    target = f"sqlite:///{tmp_path}/moved.db"
    result = invoke("--db", target, "import", str(tmp_path / "first.json"))
    assert result.exit_code == 0, result.output
    assert "Imported stuttgart-2012 into" in result.stdout
    assert "23 items, 11 dependencies, 1 closed day, 1 baseline, 33 events" in result.stdout
    assert export(target, tmp_path / "second.json") == first
    verified = invoke("--db", target, "history", "--verify")
    assert "is intact: 33 events" in verified.stdout
    # The moved project works like the original: the forecast, the baseline, a new write.
    assert "MIG-PREP" in invoke("--db", target, "baseline", "diff", "kw38").stdout
    added = invoke("--db", target, "add", "Neu", "-w", "org", "--key", "NEW")
    assert added.exit_code == 0, added.output


def test_a_project_can_move_from_sqlite_into_postgresql(
    sqlite_tracker, tmp_path: Path, pg_url: str
) -> None:
    busy_project(sqlite_tracker)
    source = f"sqlite:///{tmp_path}/tracker.db"
    first = export(source, tmp_path / "first.json")
    result = invoke("--db", pg_url, "import", str(tmp_path / "first.json"))
    assert result.exit_code == 0, result.output
    assert export(pg_url, tmp_path / "second.json") == first
    # The id sequences moved past the imported ids: new rows do not collide.
    added = invoke("--db", pg_url, "add", "Neu", "-w", "org", "--key", "NEW")
    assert added.exit_code == 0, added.output
    assert "intact" in invoke("--db", pg_url, "history", "--verify").stdout


def test_into_a_database_whose_ids_are_taken_the_chain_is_made_anew(
    tracker, db_url, tmp_path: Path
) -> None:
    busy_project(tracker)
    first = export(db_url, tmp_path / "first.json")
    target = f"sqlite:///{tmp_path}/shared.db"
    made = invoke("--db", target, "--project", "kreis-x", "init", "--plan",
                  "optionskommune-template", "--go-live", "01.01.2013")  # fmt: skip
    assert made.exit_code == 0, made.output
    result = invoke("--db", target, "import", str(tmp_path / "first.json"))
    assert result.exit_code == 0, result.output
    assert "chained anew over new ids" in result.stdout
    again = export(target, tmp_path / "again.json", project="stuttgart-2012")
    assert without_ids(again) == without_ids(first)
    verified = invoke("--db", target, "--project", "stuttgart-2012", "history", "--verify")
    assert "is intact: 33 events" in verified.stdout


def snapshot(url: str) -> bytes | None:
    path = sqlite_path(url)
    assert path is not None
    return path.read_bytes() if path.exists() else None


def test_a_file_changed_after_export_is_refused(sqlite_tracker, tmp_path: Path) -> None:
    first = export(f"sqlite:///{tmp_path}/tracker.db", tmp_path / "first.json")
    data = json.loads(first)
    data["events"][3]["actor"] = "Mallory"
    (tmp_path / "changed.json").write_text(json.dumps(data), encoding="utf-8")
    target = f"sqlite:///{tmp_path}/new.db"
    result = invoke("--db", target, "import", str(tmp_path / "changed.json"))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"tracker: {tmp_path}/changed.json, event #4: its hash does not match the history "
        "before it: the file was changed after it was exported; nothing imported\n"
    )
    assert snapshot(target) is None  # no database was created


def test_a_project_the_database_holds_is_refused_unless_merged(
    sqlite_tracker, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/tracker.db"
    export(url, tmp_path / "first.json")
    before = snapshot(url)
    result = invoke("import", str(tmp_path / "first.json"))
    assert result.exit_code == 1
    assert "already holds the project 'stuttgart-2012'; nothing imported" in result.stderr
    assert snapshot(url) == before


def test_merge_updates_by_key_and_dry_run_shows_it_first(sqlite_tracker, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/tracker.db"
    data = json.loads(export(url, tmp_path / "first.json"))
    mig = next(i for i in data["items"] if i["key"] == "MIG-PREP")
    mig["due"], mig["owner"] = "2012-01-31", "Amt 10"
    new = dict(mig, id=999, key="MIG-TEST", title="Testmigration", due="2011-11-30")
    data["items"].append(new)
    data["dependencies"].append({"item": "MIG-TEST", "predecessor": "SW-INSTALL", "lag": 2,
                                 "derived": False, "note": "", "created_at": None})  # fmt: skip
    (tmp_path / "changed.json").write_text(json.dumps(data), encoding="utf-8")
    before = snapshot(url)
    dry = invoke("import", str(tmp_path / "changed.json"), "--merge", "--dry-run")
    assert dry.exit_code == 0, dry.output
    # MIG-TEST counts once, as new, its dependency among its lines; 1 + 1 + 22 = 24 items.
    assert dry.stdout.endswith(
        'MIG-TEST: created "Testmigration"\n'
        "MIG-TEST: state planned → in progress\n"
        "MIG-TEST: depends on - → SW-INSTALL+2\n"
        f"Dry run of {tmp_path}/changed.json: 1 new, 1 updated (due, owner), "
        "22 unchanged; nothing was written.\n"
    )
    assert snapshot(url) == before
    done = invoke("import", str(tmp_path / "changed.json"), "--merge")
    assert done.exit_code == 0, done.output
    shown = json.loads(invoke("show", "MIG-TEST", "--format", "json").stdout)
    assert [(d["key"], d["lag"]) for d in shown["depends_on"]] == [("SW-INSTALL", 2)]
    assert json.loads(invoke("show", "MIG-PREP", "--format", "json").stdout)["owner"] == "Amt 10"


def test_a_dependency_merged_into_a_known_item_counts_it_once_as_updated(
    sqlite_tracker, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/tracker.db"
    data = json.loads(export(url, tmp_path / "first.json"))
    data["dependencies"].append({"item": "ORG-NETZWERK", "predecessor": "ORG-MARKT", "lag": 2,
                                 "derived": False, "note": "", "created_at": None})  # fmt: skip
    (tmp_path / "changed.json").write_text(json.dumps(data), encoding="utf-8")
    done = invoke("import", str(tmp_path / "changed.json"), "--merge")
    assert done.exit_code == 0, done.output
    assert done.stdout == (
        "ORG-NETZWERK: depends on - → ORG-MARKT+2\n"
        f"Imported {tmp_path}/changed.json: 0 new, 1 updated (depends on), 22 unchanged.\n"
    )
    again = invoke("import", str(tmp_path / "changed.json"), "--merge")
    assert again.stdout == f"Imported {tmp_path}/changed.json: 0 new, 0 updated, 23 unchanged.\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not JSON"),
        ('{"format": "x"}', "top level: baselines is missing"),
        ("[]", "top level: must be an object"),
    ],
)
def test_a_broken_file_is_one_line_and_nothing_is_written(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "bad.json").write_text(text, encoding="utf-8")
    target = f"sqlite:///{tmp_path}/new.db"
    result = invoke("--db", target, "import", str(tmp_path / "bad.json"))
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith(f"tracker: {tmp_path}/bad.json") and message in result.stderr
    assert result.stderr.count("\n") == 1
    assert snapshot(target) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(version=2), "version 2; this tracker reads version 1"),
        (lambda d: d.update(format="sqlite-utils"), "not a tracker project file"),
        (lambda d: d["items"][0].update(state="erledigt"), "state 'erledigt' is not a state"),
        (lambda d: d["items"][0].update(due="09/20/2011"), "'09/20/2011' is not an ISO date"),
        (lambda d: d["dependencies"][0].update(predecessor="NOPE"), "predecessor 'NOPE' is not"),
        (lambda d: d["items"][1].update(key=d["items"][0]["key"]), "the key is in the file twice"),
        (lambda d: d["items"][0].pop("title"), "title is missing"),
        # What the database's constraints or the everyday commands would only find later:
        (lambda d: d["dependencies"].append(dict(d["dependencies"][0], item="SW-INSTALL",
                                                 predecessor="GO-LIVE")), "a cycle: "),
        (lambda d: d["dependencies"].append(d["dependencies"][0]), "twice"),
        (lambda d: d["items"][0].update(due_derived="yes"), "due_derived: must be true or"),
        (lambda d: d["workstreams"].append(d["workstreams"][0]), "not a workstream key or twice"),
        (lambda d: d["project"].update(language="xyz"), "language 'xyz' is not de, en or null"),
        (lambda d: d["project"].update(go_live="9999-12-31"), "outside the years"),
        (lambda d: d["items"][0].update(owner=7), "owner: must be text or null"),
        (lambda d: d["baselines"].append({"name": "x" * 40, "day": "2011-09-20",
                                          "saved_at": "2011-09-20T10:00:00", "actor": "a",
                                          "items": []}), "longer than 32"),
        (lambda d: d["baselines"].append({"name": "b", "day": "nope", "saved_at": None,
                                          "actor": "a", "items": []}), "'nope' is not an ISO"),
    ],
)  # fmt: skip
def test_a_file_with_a_bad_value_names_where(
    sqlite_tracker, tmp_path: Path, change: Any, message: str
) -> None:
    data = json.loads(export(f"sqlite:///{tmp_path}/tracker.db", tmp_path / "first.json"))
    change(data)
    (tmp_path / "bad.json").write_text(json.dumps(data), encoding="utf-8")
    result = invoke("--db", f"sqlite:///{tmp_path}/new.db", "import", str(tmp_path / "bad.json"))
    assert result.exit_code == 1
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_the_file_is_written_in_chunks_and_reads_as_one_object(
    sqlite_tracker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker import db, queries
    from tracker.exchange import project_json

    busy_project(sqlite_tracker)
    monkeypatch.setattr(project_json, "CHUNK", 7)  # 33 events: five chunks, the last short
    url = f"sqlite:///{tmp_path}/tracker.db"
    text = export(url, tmp_path / "chunked.json")
    with db.reader(url) as run:
        whole = project_json.collect(run, queries.find_project(run, ""), db.HEAD)
    assert text == project_json.dumps(whole)
    assert len(json.loads(text)["events"]) == 33
