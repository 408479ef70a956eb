"""Errors the user can fix. The core raises them; `cli.py` prints them once.

Exit codes (also in the README):

- 1: a domain error (bad date, bad plan, a transition that is not allowed, ...)
- 2: a usage error (Typer/Click's own: unknown option, missing argument)
- 3: not found (unknown key, workstream or project)
- 4: the database is missing, too old or too new
"""

from __future__ import annotations


class TrackerError(Exception):
    """A failure the user can fix; str(exc) is the whole message."""

    exit_code = 1


class BadDate(TrackerError):
    """A date or span the tracker cannot read for sure."""


class BadPlan(TrackerError):
    """A plan file that cannot be loaded; the message names file, item and problem."""


class InvalidTransition(TrackerError):
    """A state change the item's current state does not allow."""


class BadInput(TrackerError):
    """Any other invalid value given on the command line."""


class UnknownRegion(TrackerError):
    """A holiday region the tracker does not know."""


class NotFound(TrackerError):
    """An item, workstream or project that does not exist."""

    exit_code = 3


class DatabaseError(TrackerError):
    """The database is missing, of the wrong revision, or busy."""

    exit_code = 4
