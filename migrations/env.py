"""Alembic environment: the models' metadata, batch mode on SQLite, one transaction.

`tracker init` / `tracker db upgrade` pass an open connection in
`config.attributes["connection"]` (already inside its transaction, foreign keys off on
SQLite). The `alembic` command line (alembic.ini, for writing revisions) builds its own
engine with the same SQLite recipe.
"""

from __future__ import annotations

from alembic import context

from tracker.db import make_engine
from tracker.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: object) -> None:
    # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds the table.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set sqlalchemy.url (alembic -x or alembic.ini) to run Alembic directly")
    engine = make_engine(url, foreign_keys=False)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
