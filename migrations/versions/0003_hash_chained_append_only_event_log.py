"""Hash-chained, append-only event log

Every event gets the hash of itself and of the project's previous event
(tracker/audit.py); existing events are chained in id order. Triggers then refuse
UPDATE and DELETE on the table, on SQLite and PostgreSQL alike.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 00:19:00.121568
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tracker.audit import Link, chain_hash
from tracker.dates import as_date, as_datetime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "the event log is append-only"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER event_no_{verb.lower()} BEFORE {verb} ON event
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""
    for verb in ("UPDATE", "DELETE")
]
POSTGRES_TRIGGERS = [
    f"""CREATE FUNCTION event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$""",
    """CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event
    FOR EACH ROW EXECUTE FUNCTION event_append_only()""",
]


def _backfill() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT id, project_id, item_id, day, recorded_at, actor, kind, field, old, new "
            "FROM event ORDER BY project_id, id"
        )
    ).all()
    last: dict[int, str] = {}
    for r in rows:
        day, recorded_at = as_date(r[3]), as_datetime(r[4])
        assert day is not None and recorded_at is not None
        link = Link(r[0], r[1], r[2], day, recorded_at, r[5], r[6], r[7], r[8], r[9], None)
        last[r[1]] = chain_hash(last.get(r[1]), link)
        conn.execute(
            sa.text("UPDATE event SET hash = :h WHERE id = :id"), {"h": last[r[1]], "id": r[0]}
        )


def upgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _backfill()
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index(batch_op.f("ix_event_project_id_id"), ["project_id", "id"])
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRES_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER event_no_update")
        op.execute("DROP TRIGGER event_no_delete")
    else:
        op.execute("DROP TRIGGER event_append_only ON event")
        op.execute("DROP FUNCTION event_append_only()")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_project_id_id"))
        batch_op.drop_column("hash")
