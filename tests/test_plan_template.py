"""Plan templates: dates relative to go-live, resolved by `init --plan ... --go-live`.

The built-in optionskommune-template is the Stuttgart plan with its dates counted
from go-live: at go-live 01.01.2012 it must give back every date of stuttgart-2012,
and at another go-live the same plan shifted.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from conftest import invoke

from tracker.errors import BadPlan
from tracker.plan import Overrides, Plan, read

TEMPLATE = "optionskommune-template"


def dates(plan: Plan) -> dict[str, tuple[date | None, date | None]]:
    return {i.key: (i.start, i.due) for i in plan.items()}


def dependencies(plan: Plan) -> set[tuple[str, str, int, bool]]:
    return {(i.key, d.key, d.lag, d.derived) for i in plan.items() for d in i.depends_on}


def test_the_template_at_1_january_2012_gives_every_date_of_the_stuttgart_plan() -> None:
    template = read(TEMPLATE, Overrides(go_live=date(2012, 1, 1)))
    stuttgart = read("stuttgart-2012")
    assert template.go_live == stuttgart.go_live
    assert dates(template) == dates(stuttgart)
    assert dependencies(template) == dependencies(stuttgart)
    assert [k for k, _ in template.workstreams] == [k for k, _ in stuttgart.workstreams]
    derived = {i.key for i in template.items() if i.due_derived}
    assert derived == {i.key for i in stuttgart.items() if i.due_derived}
    assert template.relative and not stuttgart.relative


def test_the_template_at_another_go_live_shifts_the_whole_plan() -> None:
    plan = read(TEMPLATE, Overrides(go_live=date(2013, 1, 1)))
    got = dates(plan)
    assert got["GO-LIVE"] == (None, date(2013, 1, 1))
    assert got["BEN-INTERIM"] == (date(2013, 1, 1), date(2013, 6, 30))
    assert got["MIG-ALL"] == (None, date(2013, 6, 30))  # "BEN-INTERIM": its due date
    assert got["TRAIN-VERTIEFUNG"] == (date(2012, 11, 1), date(2012, 11, 30))
    assert got["TRAIN-BASIS"] == (date(2012, 9, 12), date(2012, 10, 10))
    assert got["SW-AWARD"] == (None, date(2012, 7, 31))
    # A go-live on 1 July: month ends move with it (31.01. is "go_live - 5 months - 1 day").
    mid_year = dates(read(TEMPLATE, Overrides(go_live=date(2013, 7, 1))))
    assert mid_year["SW-AWARD"] == (None, date(2013, 1, 31))
    assert mid_year["TRAIN-VERTIEFUNG"] == (date(2013, 5, 1), date(2013, 5, 31))


def test_a_template_needs_a_go_live_and_a_plan_of_dates_refuses_one() -> None:
    with pytest.raises(BadPlan, match="relative to go-live: say when with --go-live DATE"):
        read(TEMPLATE)
    with pytest.raises(BadPlan, match="gives every date as a date"):
        read("stuttgart-2012", Overrides(go_live=date(2013, 1, 1)))


PLAN = """
[project]
key = "t"
name = "T"
go_live = 2012-01-01
region = "DE-BW"

[[workstreams]]
key = "org"
title = "Org"

[[milestones]]
key = "A"
title = "A"
workstream = "org"
due = "{due}"

[[milestones]]
key = "B"
title = "B"
workstream = "org"
start = "{b_start}"
due = "{b_due}"
{closed}
"""


def plan_with(tmp_path: Path, due: str, b_start: str = "A + 1 day", b_due: str = "A + 2 weeks",
              closed: str = "") -> Plan:  # fmt: skip
    path = tmp_path / "plan.toml"
    path.write_text(PLAN.format(due=due, b_start=b_start, b_due=b_due, closed=closed), "utf-8")
    return read(str(path))


def test_working_days_count_the_region_and_the_closed_days(tmp_path: Path) -> None:
    # Back from 01.01.2012 (Sunday): 30., 29., 28., 27.12. (26. is a holiday), then 23.–19.,
    # 16.–12. and 09.12.: the 15th working day before.
    plan = plan_with(tmp_path, "go_live - 15 working days")
    assert plan.milestones[0].due == date(2011, 12, 9)
    closed = '[[closed_days]]\nday = 2011-12-30\nreason = "Brückentag"'
    assert plan_with(tmp_path, "go_live - 15 Arbeitstage", closed=closed).milestones[0].due == (
        date(2011, 12, 8)
    )
    # Relative to another item's date; terms apply left to right.
    b = plan_with(tmp_path, "go_live - 1 month - 1 day", "A + 1 day", "A.due + 1 week").milestones[
        1
    ]
    assert (b.start, b.due) == (date(2011, 12, 1), date(2011, 12, 7))


@pytest.mark.parametrize(
    ("due", "b_start", "b_due", "message"),
    [
        ("go_live - 3 fortnights", "A", "A",
         "milestone 'A': due: 'go_live - 3 fortnights': unknown unit 'fortnights' "
         "(use days, working days, weeks, months, years)"),
        ("go_live -- 1 day", "A", "A", "milestone 'A': due: 'go_live -- 1 day': cannot read"),
        ("go_live", "NOPE + 1 day", "A", "milestone 'B': start 'NOPE + 1 day': no item NOPE"),
        ("B.start", "A", "A", "dates that refer to each other: A.due → B.start → A.due"),
        ("go_live + 100 years", "A", "A",
         "due 01.01.2112 is outside the years the tracker's calendar knows (1995–2099)"),
        ("go_live", "A + 1 week", "A", "milestone 'B': start 08.01.2012 is after due 01.01.2012"),
    ],
)  # fmt: skip
def test_a_bad_relative_date_names_the_item_and_the_problem(
    tmp_path: Path, due: str, b_start: str, b_due: str, message: str
) -> None:
    with pytest.raises(BadPlan) as caught:
        plan_with(tmp_path, due, b_start, b_due)
    assert message in str(caught.value)


def test_init_makes_another_municipality_from_the_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path}/tracker.db")
    result = invoke(
        "--project", "kreis-x", "init", "--plan", TEMPLATE, "--go-live", "01.01.2013",
        "--name", "Optionskommune Landkreis X", "--region", "nw",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Loaded kreis-x: 7 workstreams, 15 milestones, 8 tasks." in result.stdout
    status = json.loads(invoke("--project", "kreis-x", "status", "--format", "json").stdout)
    assert (status["go_live"]["name"], status["go_live"]["due"]) == (
        "Optionskommune Landkreis X",
        "2013-01-01",
    )
    assert status["go_live"]["region"] == "DE-NW"
    # A second municipality in the same database, and Stuttgart beside them.
    again = invoke("--project", "kreis-y", "init", "--plan", TEMPLATE, "--go-live", "01.07.2013")
    assert again.exit_code == 0, again.output
    critical = json.loads(invoke("--project", "kreis-y", "critical", "--format", "json").stdout)
    assert critical["target"]["due"] == "2013-07-01"
    refused = invoke("init", "--go-live", "01.01.2013")
    assert (refused.exit_code, refused.stderr) == (
        1,
        "tracker: --go-live, --name and --region go with --plan\n",
    )


def test_a_relative_done_date_needs_the_state_done_too(tmp_path: Path) -> None:
    text = PLAN.format(due="go_live", b_start="A", b_due="A", closed="")
    text = text.replace('key = "B"\n', 'key = "B"\ndone_on = "go_live - 2 months"\n')
    (tmp_path / "plan.toml").write_text(text, encoding="utf-8")
    with pytest.raises(BadPlan, match="milestone 'B': done_on is given but the state is planned"):
        read(str(tmp_path / "plan.toml"))


def test_a_key_with_start_or_due_in_it_is_still_an_anchor(tmp_path: Path) -> None:
    text = PLAN.format(due="go_live - 1 day", b_start="A", b_due="A", closed="")
    text = text.replace('key = "A"', 'key = "TRAIN-START"').replace('"A"', '"TRAIN-START"')
    (tmp_path / "plan.toml").write_text(text, encoding="utf-8")
    plan = read(str(tmp_path / "plan.toml"))
    assert plan.milestones[1].due == date(2011, 12, 31)


def test_project_renames_a_template_but_not_a_plan_of_dates() -> None:
    assert read(TEMPLATE, Overrides(go_live=date(2013, 1, 1), key="kreis-x")).key == "kreis-x"
    assert read("stuttgart-2012", Overrides(key="Stuttgart-2012")).key == "stuttgart-2012"
    with pytest.raises(BadPlan, match="is the project 'stuttgart-2012', not 'kreis-x'"):
        read("stuttgart-2012", Overrides(key="kreis-x"))
