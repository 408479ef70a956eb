"""Initial schema: project, workstream, item (milestones and tasks), event log

Revision ID: 0001
Revises:
Create Date: 2026-11-29 23:21:21.328759
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("go_live", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=8), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project")),
        sa.UniqueConstraint("key", name=op.f("uq_project_key")),
    )
    op.create_table(
        "workstream",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_workstream_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workstream")),
        sa.UniqueConstraint("project_id", "key", name=op.f("uq_workstream_project_id_key")),
    )
    op.create_table(
        "item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "milestone",
                "task",
                name="kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("workstream_id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=True),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("start", sa.Date(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("due_baseline", sa.Date(), nullable=True),
        sa.Column("due_derived", sa.Boolean(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "planned",
                "in_progress",
                "done",
                "cancelled",
                name="state",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("refs", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'task' AND milestone_id IS NOT NULL) "
            "OR (kind = 'milestone' AND milestone_id IS NULL)",
            name=op.f("ck_item_task_has_milestone"),
        ),
        sa.CheckConstraint(
            "state = 'done' OR done_on IS NULL", name=op.f("ck_item_done_on_only_when_done")
        ),
        sa.CheckConstraint(
            "start IS NULL OR due IS NULL OR start <= due", name=op.f("ck_item_start_before_due")
        ),
        sa.ForeignKeyConstraint(
            ["milestone_id"], ["item.id"], name=op.f("fk_item_milestone_id_item")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_item_project_id_project")
        ),
        sa.ForeignKeyConstraint(
            ["workstream_id"], ["workstream.id"], name=op.f("fk_item_workstream_id_workstream")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item")),
        sa.UniqueConstraint("project_id", "key", name=op.f("uq_item_project_id_key")),
    )
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_milestone_id"), ["milestone_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_item_project_id_due"), ["project_id", "due"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_item_project_id_owner"), ["project_id", "owner"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_item_project_id_state_due"), ["project_id", "state", "due"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_item_workstream_id"), ["workstream_id"], unique=False)

    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "created",
                "state",
                "rescheduled",
                "edited",
                "note",
                name="eventkind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("field", sa.String(length=32), nullable=True),
        sa.Column("old", sa.Text(), nullable=True),
        sa.Column("new", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_event_item_id_item")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_event_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_item_id_id"), ["item_id", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_event_project_id_day"), ["project_id", "day"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_project_id_day"))
        batch_op.drop_index(batch_op.f("ix_event_item_id_id"))

    op.drop_table("event")
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_workstream_id"))
        batch_op.drop_index(batch_op.f("ix_item_project_id_state_due"))
        batch_op.drop_index(batch_op.f("ix_item_project_id_owner"))
        batch_op.drop_index(batch_op.f("ix_item_project_id_due"))
        batch_op.drop_index(batch_op.f("ix_item_milestone_id"))

    op.drop_table("item")
    op.drop_table("workstream")
    op.drop_table("project")
