"""The event log's hash chain: each event's hash covers the event and the hash before it.

    hash(e) = sha256(hash(previous event of the project) + canonical(e))

so editing, deleting or reordering any event changes every hash after it. One chain
per project, in id order; the first event of a project chains to GENESIS. Writers
lock the project row first (PostgreSQL) or hold BEGIN IMMEDIATE (SQLite), so two
writers never chain to the same predecessor. `verify` recomputes the chain and
names the first event whose stored hash does not match.

The canonical form is JSON of the stored values as text (dates ISO, timestamps ISO
with microseconds), identical on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import NamedTuple

from tracker.dates import format_de
from tracker.errors import TrackerError

GENESIS = "0" * 64


class Link(NamedTuple):
    """One event as the chain sees it."""

    id: int
    project_id: int
    item_id: int | None
    day: date
    recorded_at: datetime
    actor: str
    kind: str
    field: str | None
    old: str | None
    new: str | None
    hash: str | None


def _canonical(link: Link) -> bytes:
    values = [
        link.project_id,
        link.item_id,
        link.day.isoformat(),
        link.recorded_at.isoformat(sep=" ", timespec="microseconds"),
        link.actor,
        link.kind,
        link.field,
        link.old,
        link.new,
    ]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def chain_hash(previous: str | None, link: Link) -> str:
    """The hash of `link` after the event whose hash is `previous` (None: the first)."""
    digest = hashlib.sha256((previous or GENESIS).encode("ascii"))
    digest.update(_canonical(link))
    return digest.hexdigest()


class Verdict(NamedTuple):
    """The result of checking a chain: how many events, and the first broken one."""

    checked: int  # events whose hash matched, in order
    last_hash: str
    broken: Link | None


def verify(links: Iterable[Link]) -> Verdict:
    """Recompute the chain in id order; the first event whose hash differs is broken."""
    previous: str | None = None
    checked = 0
    for link in links:
        expected = chain_hash(previous, link)
        if link.hash != expected:
            return Verdict(checked, previous or GENESIS, link)
        previous = expected
        checked += 1
    return Verdict(checked, previous or GENESIS, None)


class BrokenChain(TrackerError):
    """The event log was changed after it was written."""

    def __init__(self, verdict: Verdict) -> None:
        b = verdict.broken
        assert b is not None
        what = f"{b.kind}" + (f" {b.field}" if b.field else "")
        super().__init__(
            f"the history is broken at event {b.id} ({format_de(b.day)}, {b.actor}, {what}): "
            f"it or an event before it was changed, deleted or reordered after it was "
            f"written ({verdict.checked} events before it are intact)"
        )
