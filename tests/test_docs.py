"""The README and docs/json.md keep up with the commands (after sqlite-utils'
tests/test_docs.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer.main

from tracker.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
JSON_DOC = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")


def _commands() -> list[tuple[str, object]]:
    out = []
    for name, cmd in typer.main.get_command(app).commands.items():  # type: ignore[attr-defined]
        subs = getattr(cmd, "commands", None)
        if subs:
            out += [(f"{name} {sub}", subcmd) for sub, subcmd in subs.items()]
        else:
            out.append((name, cmd))
    return out


@pytest.mark.parametrize(("name", "command"), _commands(), ids=lambda v: str(v))
def test_every_command_has_help_and_is_in_the_readme(name: str, command: object) -> None:
    assert getattr(command, "help", None), f"`tracker {name}` has no help text"
    assert f"tracker {name}" in README, f"`tracker {name}` is not in the README"


def test_the_readme_opens_with_the_two_commands() -> None:
    first_block = README.split("```sh\n", 1)[1].split("```", 1)[0]
    assert [line.split()[:2] for line in first_block.splitlines()] == [
        ["make", "demo"],
        ["make", "test"],
    ]


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_every_json_field_is_documented(tracker) -> None:
    tracker("note", "MIG-PREP", "Testlauf")
    tracker("done", "TRAIN-BASIS")
    tracker("baseline", "save", "kw38")
    documented = set(re.findall(r"^\| `(\w+)` \|", JSON_DOC, flags=re.M))
    documented |= set(re.findall(r'"(\w+)":', JSON_DOC))
    printed: set[str] = set()
    for args in (
        ["list", "--all"],
        ["show", "MIG-PREP"],
        ["show", "ORG-STRUCTURE"],
        ["countdown"],
        ["status"],
        ["history"],
        ["show", "GO-LIVE"],
        ["forecast"],
        ["critical"],
        ["whatif", "MIG-PREP", "--slip", "10"],
        ["baseline", "list"],
        ["baseline", "diff", "kw38"],
        ["calendar", "show"],
    ):
        result = tracker(*args, "--format", "json")
        assert result.exit_code == 0, result.output
        printed |= _keys(json.loads(result.stdout))
    assert sorted(printed - documented) == []
