"""Indexes for the order of `tracker list` and for progress per workstream

`list --limit N` at 100,000 items sorted the whole project before it returned N rows
(196 ms); with an index in its order it reads N (0.4 ms). Progress per workstream
counts states from an index instead of the rows (bench/RESULTS.md). Indexes only: no
table is rebuilt, so the event log's triggers (0003) stay as they are.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIST_ORDER = "COALESCE(due, '9999-12-31')"


def upgrade() -> None:
    op.create_index("ix_item_list_order", "item", ["project_id", sa.text(LIST_ORDER), "key"])
    op.create_index(op.f("ix_item_workstream_id_state"), "item", ["workstream_id", "state"])
    op.drop_index(op.f("ix_item_workstream_id"), table_name="item")


def downgrade() -> None:
    op.create_index(op.f("ix_item_workstream_id"), "item", ["workstream_id"])
    op.drop_index(op.f("ix_item_workstream_id_state"), table_name="item")
    op.drop_index("ix_item_list_order", table_name="item")
