"""What users write, checked and normalised in one place: keys, titles, owners,
references, notes and names.

The command line, plan files and the schema (`models.py`) share these limits, so a
value the CLI accepts is one every backend stores: PostgreSQL refuses an over-long
VARCHAR where SQLite would silently keep it. Each function returns the normal form
or raises BadInput with a message that names the field.
"""

from __future__ import annotations

import re

from tracker.errors import BadInput

MAX_KEY = 32
MAX_PROJECT_KEY = 64
MAX_TITLE = 300
MAX_NAME = 200  # project names, workstream titles
MAX_OWNER = 100
MAX_ACTOR = 100
MAX_REFS = 300
MAX_TEXT = 4000  # notes and descriptions
MAX_LAG = 1000  # working days between two items: four years

ITEM_KEY = re.compile(r"[A-Z][A-Z0-9]*(?:[._-][A-Z0-9]+)*")
# Workstream and project keys: they become parts of item keys and appear in commands.
SHORT_KEY = re.compile(r"[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*")


def _utf8(value: str, what: str) -> str:
    # A terminal in another encoding hands Python undecodable bytes as surrogates;
    # stored, they would break every later read. PostgreSQL refuses NUL in text.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        message = f"the {what} is not valid UTF-8 text (check the terminal's encoding)"
        raise BadInput(message) from None
    if "\x00" in value:
        raise BadInput(f"the {what} contains a NUL character")
    return value


def plain(value: str, what: str) -> str:
    """Any text a command looks something up by: valid UTF-8, no NUL."""
    return _utf8(value, what)


def one_line(value: str, what: str, limit: int) -> str:
    """Whitespace (newlines too) folded to single spaces; empty is allowed."""
    text = " ".join(_utf8(value, what).split())
    if len(text) > limit:
        raise BadInput(f"the {what} is longer than {limit} characters")
    return text


def title(value: str, what: str = "title", limit: int = MAX_TITLE) -> str:
    """A non-empty title on one line."""
    text = one_line(value, what, limit)
    if not text:
        raise BadInput(f"the {what} is empty")
    return text


def item_key(value: str) -> str:
    """An item key in upper case: letters, digits and . _ -, starting with a letter."""
    key = _utf8(value, "key").strip().upper()
    if len(key) > MAX_KEY or not ITEM_KEY.fullmatch(key):
        raise BadInput(
            f"{value!r} is not a usable key (letters, digits and . _ -, starting with a letter, "
            f"at most {MAX_KEY} characters)"
        )
    return key


def short_key(value: str, what: str, limit: int) -> str:
    """A workstream or project key in lower case, e.g. `training`, `stuttgart-2012`."""
    key = _utf8(value, what).strip().lower()
    if len(key) > limit or not SHORT_KEY.fullmatch(key):
        raise BadInput(
            f"{value!r} is not a usable {what} (a-z, digits and . _ -, starting with a letter, "
            f"at most {limit} characters)"
        )
    return key


def owner(value: str) -> str | None:
    """A unit or a person on one line; empty means no owner."""
    return one_line(value, "owner", MAX_OWNER) or None


def actor(value: str) -> str:
    """Who makes a change, as the event log records it."""
    return title(value, "name of who makes the change (--as)", MAX_ACTOR)


def refs(values: list[str]) -> str:
    """References joined as stored: "GRDrs 647/2011, Antrag 264/2011"."""
    parts = [one_line(v, "reference", MAX_REFS) for v in values]
    text = ", ".join(p for p in parts if p)
    if len(text) > MAX_REFS:
        raise BadInput(f"the references are longer than {MAX_REFS} characters together")
    return text


def split_refs(text: str | None) -> list[str]:
    """ "647/2011, 264/2011" -> ["647/2011", "264/2011"]."""
    return [r.strip() for r in (text or "").split(",") if r.strip()]


def description(value: str) -> str:
    """An item's description: any text, line breaks kept (as LF), may be empty."""
    text = _utf8(value, "description").replace("\r\n", "\n").strip()
    if len(text) > MAX_TEXT:
        raise BadInput(f"the description is longer than {MAX_TEXT} characters")
    return text


def note(value: str) -> str:
    """A note: any text, line breaks kept, not empty."""
    text = _utf8(value, "note").strip()
    if not text:
        raise BadInput("the note is empty")
    if len(text) > MAX_TEXT:
        raise BadInput(f"the note is longer than {MAX_TEXT} characters")
    return text
