"""The schema, as SQLAlchemy 2 typed models: the one owner of tables and constraints.

Alembic's autogenerate compares against `Base.metadata`; the everyday commands use
the same tables through SQL text in `queries.py` and `actions.py`. Dates are `Date`
columns (ISO text on SQLite, so the fast path compares them as strings); states are
stored by value ("in_progress") and guarded by CHECK constraints.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy import ForeignKey, Index, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from tracker.fields import (
    MAX_ACTOR,
    MAX_KEY,
    MAX_LAG,
    MAX_NAME,
    MAX_OWNER,
    MAX_PROJECT_KEY,
    MAX_REFS,
    MAX_TITLE,
)
from tracker.states import EventKind, Kind, State

# Names every constraint, so that Alembic's batch mode on SQLite can find them again
# (Alembic docs, naming.rst; field notes §6).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Undated items sort last: the expression of queries.LIST_ITEMS's ORDER BY.
LIST_ORDER = "COALESCE(due, '9999-12-31')"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        # Store "in_progress", not "IN_PROGRESS": the sqlite3 fast path compares raw
        # values with State values, and the CHECK constraint guards them.
        enum.Enum: sa.Enum(
            enum.Enum,
            values_callable=lambda e: [m.value for m in e],
            native_enum=False,
            create_constraint=True,
            length=20,
        ),
        str: String(MAX_NAME),
    }


class Project(Base):
    """One changeover: a municipality's plan towards its go-live."""

    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_PROJECT_KEY), unique=True)
    name: Mapped[str]
    go_live: Mapped[date]
    # ISO 3166-2 code of the state whose public holidays count ("DE-BW").
    region: Mapped[str] = mapped_column(String(8))
    # The report language ("de", "en"); None: TRACKER_LANG or English decides.
    language: Mapped[str | None] = mapped_column(String(2))
    source: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]

    workstreams: Mapped[list[Workstream]] = relationship(
        back_populates="project", order_by="Workstream.position"
    )


class Workstream(Base):
    """A strand of the changeover (software, training, council, ...)."""

    __tablename__ = "workstream"
    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    key: Mapped[str] = mapped_column(String(MAX_KEY))
    title: Mapped[str]
    position: Mapped[int] = mapped_column(default=0)

    project: Mapped[Project] = relationship(back_populates="workstreams")


class Item(Base):
    """A milestone, or a task when milestone_id points at one."""

    __tablename__ = "item"
    __table_args__ = (
        UniqueConstraint("project_id", "key"),
        sa.CheckConstraint("start IS NULL OR due IS NULL OR start <= due", name="start_before_due"),
        sa.CheckConstraint(
            "(kind = 'task' AND milestone_id IS NOT NULL) "
            "OR (kind = 'milestone' AND milestone_id IS NULL)",
            name="task_has_milestone",
        ),
        sa.CheckConstraint("state = 'done' OR done_on IS NULL", name="done_on_only_when_done"),
        # The filters of `tracker list`: open items by due date, by workstream, by owner.
        Index(None, "project_id", "state", "due"),
        Index(None, "project_id", "due"),
        # The order of `tracker list` (undated last), so --limit reads only what it shows
        # instead of sorting the whole project (migration 0005); with the columns the
        # list filters test, so that counting a list reads the index alone (0006).
        Index(
            "ix_item_list_order",
            "project_id",
            sa.text(LIST_ORDER),
            "key",
            "state",
            "kind",
            "workstream_id",
        ),
        # What was done lately (status): the done items by date, not all done items.
        Index(None, "project_id", "state", "done_on"),
        # Progress per workstream counts states without reading the rows.
        Index(None, "workstream_id", "state"),
        Index(None, "milestone_id"),
        Index(None, "project_id", "owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    key: Mapped[str] = mapped_column(String(MAX_KEY))
    kind: Mapped[Kind]
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    description: Mapped[str] = mapped_column(Text, default="")
    workstream_id: Mapped[int] = mapped_column(ForeignKey("workstream.id"))
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"))
    owner: Mapped[str | None] = mapped_column(String(MAX_OWNER))
    start: Mapped[date | None]
    due: Mapped[date | None]
    # The first agreed due date, kept beside the current one for slip reports.
    due_baseline: Mapped[date | None]
    # True when the source gives no date and the plan derived the latest one its logic
    # implies (e.g. "before go-live"); shown with a marker.
    due_derived: Mapped[bool] = mapped_column(default=False)
    state: Mapped[State] = mapped_column(default=State.PLANNED)
    done_on: Mapped[date | None]
    # Council submissions and motions, e.g. "647/2011, 264/2011".
    refs: Mapped[str] = mapped_column(String(MAX_REFS), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    workstream: Mapped[Workstream] = relationship()
    milestone: Mapped[Item | None] = relationship(remote_side=[id], back_populates="tasks")
    tasks: Mapped[list[Item]] = relationship(back_populates="milestone")


class Event(Base):
    """One change, appended and never updated: who did what, when, old and new value.

    Triggers (migration 0003) refuse UPDATE and DELETE on this table; a migration that
    rebuilds it in batch mode must create them again.
    """

    __tablename__ = "event"
    __table_args__ = (
        Index(None, "item_id", "id"),
        Index(None, "project_id", "day"),
        Index(None, "project_id", "id"),  # the chain's predecessor, and --verify's order
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"))
    # The tracker's today when the change was made (--today replays count), and the
    # wall-clock time it was recorded.
    day: Mapped[date]
    recorded_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(MAX_ACTOR))
    kind: Mapped[EventKind]
    field: Mapped[str | None] = mapped_column(String(32))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    # sha256 over this event and the hash of the project's previous event (audit.py).
    hash: Mapped[str] = mapped_column(String(64))


class Dependency(Base):
    """Finish-to-start: `item` cannot start before `predecessor` is finished plus `lag`.

    The lag counts working days of the project's calendar (schedule.py). A task
    needs no row for its milestone: the scheduler adds that edge itself.
    """

    __tablename__ = "dependency"
    __table_args__ = (
        UniqueConstraint("item_id", "predecessor_id"),
        sa.CheckConstraint("item_id <> predecessor_id", name="not_on_itself"),
        sa.CheckConstraint(f"lag >= 0 AND lag <= {MAX_LAG}", name="lag_in_range"),
        Index(None, "predecessor_id"),
        Index(None, "project_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    predecessor_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    lag: Mapped[int] = mapped_column(default=0)
    # True when the source does not state it and the plan derived it from its logic.
    derived: Mapped[bool] = mapped_column(default=False)
    # Why it holds, e.g. "the in-depth training needs the installed software".
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class ClosedDay(Base):
    """A day the project's own offices are closed (24.12., 31.12.): not a working day."""

    __tablename__ = "closed_day"
    __table_args__ = (UniqueConstraint("project_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    day: Mapped[date]
    reason: Mapped[str] = mapped_column(String(MAX_TITLE), default="")


class Baseline(Base):
    """A named snapshot of every item's dates, to measure slips against later."""

    __tablename__ = "baseline"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    name: Mapped[str] = mapped_column(String(MAX_KEY))
    # The tracker's today when it was saved (--today replays count), and by whom.
    day: Mapped[date]
    saved_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(MAX_ACTOR))


class BaselineItem(Base):
    """One item's start, due date and state in a baseline."""

    __tablename__ = "baseline_item"

    baseline_id: Mapped[int] = mapped_column(ForeignKey("baseline.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), primary_key=True)
    start: Mapped[date | None]
    due: Mapped[date | None]
    state: Mapped[State]


class ForecastStamp(Base):
    """A project's schedule as of one day, kept so that `status` and the weekly report
    need not compute 100,000 forecasts on every call (forecast_cache.py).

    Derived data, never exported: it is valid while the project's newest event is
    `last_event_id` (every change of items, dependencies or closed days appends one)
    and the schedule's rules are `version`; otherwise it is computed again.
    """

    __tablename__ = "forecast_stamp"

    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), primary_key=True)
    as_of: Mapped[date] = mapped_column(primary_key=True)
    last_event_id: Mapped[int]
    version: Mapped[int]
    at_risk_count: Mapped[int]
    go_live_item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"))
    # Why there is no forecast (the schedule runs past the calendar), else None.
    problem: Mapped[str | None] = mapped_column(Text)
    computed_at: Mapped[datetime]
    # Every item's forecast finish, packed (forecast_cache.pack): what a later change
    # needs of the items it does not move.
    finishes: Mapped[bytes | None] = mapped_column(sa.LargeBinary)


class ForecastRow(Base):
    """One item's cached forecast: an item at risk (`rank` 0 = the largest slip) or the
    go-live milestone (rank None when it is on time)."""

    __tablename__ = "forecast_row"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["project_id", "as_of"], ["forecast_stamp.project_id", "forecast_stamp.as_of"]
        ),
        Index(None, "project_id", "as_of", "rank"),
    )

    project_id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), primary_key=True)
    rank: Mapped[int | None]
    start: Mapped[date | None]
    finish: Mapped[date | None]
    reason: Mapped[str] = mapped_column(String(20))
    driver: Mapped[str | None] = mapped_column(String(MAX_KEY))
    due: Mapped[date | None]
    slip: Mapped[int]
    slip_days: Mapped[int]
