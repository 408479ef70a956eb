"""Dependencies, closed days and baselines for the schedule

Three new tables and one for baseline rows; nothing existing changes, so the
event log's triggers (0003) stay as they are.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 01:31:48.240100
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "baseline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_baseline_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_baseline")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_baseline_project_id_name")),
    )
    op.create_table(
        "closed_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_closed_day_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closed_day")),
        sa.UniqueConstraint("project_id", "day", name=op.f("uq_closed_day_project_id_day")),
    )
    op.create_table(
        "baseline_item",
        sa.Column("baseline_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Date(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["baseline_id"], ["baseline.id"], name=op.f("fk_baseline_item_baseline_id_baseline")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["item.id"], name=op.f("fk_baseline_item_item_id_item")
        ),
        sa.PrimaryKeyConstraint("baseline_id", "item_id", name=op.f("pk_baseline_item")),
    )
    op.create_table(
        "dependency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("predecessor_id", sa.Integer(), nullable=False),
        sa.Column("lag", sa.Integer(), nullable=False),
        sa.Column("derived", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("item_id <> predecessor_id", name=op.f("ck_dependency_not_on_itself")),
        sa.CheckConstraint("lag >= 0 AND lag <= 1000", name=op.f("ck_dependency_lag_in_range")),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_dependency_item_id_item")),
        sa.ForeignKeyConstraint(
            ["predecessor_id"], ["item.id"], name=op.f("fk_dependency_predecessor_id_item")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_dependency_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dependency")),
        sa.UniqueConstraint(
            "item_id", "predecessor_id", name=op.f("uq_dependency_item_id_predecessor_id")
        ),
    )
    with op.batch_alter_table("dependency", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dependency_predecessor_id"), ["predecessor_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_dependency_project_id"), ["project_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dependency", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dependency_project_id"))
        batch_op.drop_index(batch_op.f("ix_dependency_predecessor_id"))

    op.drop_table("dependency")
    op.drop_table("baseline_item")
    op.drop_table("closed_day")
    op.drop_table("baseline")
