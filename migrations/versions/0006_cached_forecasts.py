"""Cached forecasts for status and the weekly report

`status` and the weekly report show the go-live forecast and the items at risk, which
needs the whole schedule: about 2 s at 100,000 items (bench/RESULTS.md). Two new
tables keep the result per project and day, valid while the project's newest event is
the one it was computed after (tracker/forecast_cache.py); with every item's forecast
finish, packed, so that after a change only the items it can move are computed again.
Derived data: never
exported, and no table is rebuilt, so the event log's triggers (0003) stay.

The list order index (0005) also holds state, kind and workstream, the columns the
list filters test: `status` counts the overdue items (12,698 of 100,000) from the
index alone, 44 → 5 ms. A new index (project_id, state, done_on) finds what was done
lately without reading every done item (15 → 0.1 ms).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 06:24:02.216789
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

LIST_ORDER = "COALESCE(due, '9999-12-31')"


revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_item_project_id_state_done_on"), "item", ["project_id", "state", "done_on"]
    )
    op.drop_index("ix_item_list_order", table_name="item")
    op.create_index(
        "ix_item_list_order",
        "item",
        ["project_id", sa.text(LIST_ORDER), "key", "state", "kind", "workstream_id"],
    )
    op.create_table(
        "forecast_stamp",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at_risk_count", sa.Integer(), nullable=False),
        sa.Column("go_live_item_id", sa.Integer(), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("finishes", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["go_live_item_id"], ["item.id"], name=op.f("fk_forecast_stamp_go_live_item_id_item")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_forecast_stamp_project_id_project")
        ),
        sa.PrimaryKeyConstraint("project_id", "as_of", name=op.f("pk_forecast_stamp")),
    )
    op.create_table(
        "forecast_row",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("start", sa.Date(), nullable=True),
        sa.Column("finish", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("driver", sa.String(length=32), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("slip", sa.Integer(), nullable=False),
        sa.Column("slip_days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["item.id"], name=op.f("fk_forecast_row_item_id_item")
        ),
        sa.ForeignKeyConstraint(
            ["project_id", "as_of"],
            ["forecast_stamp.project_id", "forecast_stamp.as_of"],
            name=op.f("fk_forecast_row_project_id_forecast_stamp"),
        ),
        sa.PrimaryKeyConstraint("project_id", "as_of", "item_id", name=op.f("pk_forecast_row")),
    )
    with op.batch_alter_table("forecast_row", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_forecast_row_project_id_as_of_rank"),
            ["project_id", "as_of", "rank"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("forecast_row", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forecast_row_project_id_as_of_rank"))

    op.drop_table("forecast_row")
    op.drop_table("forecast_stamp")
    op.drop_index("ix_item_list_order", table_name="item")
    op.create_index("ix_item_list_order", "item", ["project_id", sa.text(LIST_ORDER), "key"])
    op.drop_index(op.f("ix_item_project_id_state_done_on"), table_name="item")
