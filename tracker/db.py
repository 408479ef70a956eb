"""Where the database is, and the one small runner every query goes through.

Everyday commands run their SQL text through `reader()` / `writer()`. On SQLite that is
the standard library's `sqlite3` (no SQLAlchemy import: it costs ~450 ms, field notes
§1); on PostgreSQL it is a SQLAlchemy connection. Both accept `:name` parameters, so
the SQL is written once.

Writes take the write lock at the start of their transaction: `BEGIN IMMEDIATE` on
SQLite, `SELECT ... FOR UPDATE` on the item row on PostgreSQL (`Runner.for_update`).
With the driver defaults eight concurrent writers lose ~88 % of their updates while
`PRAGMA integrity_check` still says ok (field notes §4, §5).

The heavy half (`make_engine`, `upgrade`, `current_revision`) imports SQLAlchemy and
Alembic inside the functions; only `init` and `db ...` commands call it.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote

from tracker.errors import DatabaseError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

# The Alembic revisions this code knows, oldest first; the last is the head. The
# fast path checks `alembic_version` against this tuple without importing Alembic.
# tests/test_migrations.py fails when a new revision is not listed here.
REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005", "0006")
HEAD = REVISIONS[-1]

BUSY_TIMEOUT_MS = 5000

Row = tuple[Any, ...]


# Rows `Runner.iterate` asks the driver for at a time: memory stays flat at any size.
STREAM_ROWS = 1000


class Runner:
    """Runs SQL text with `:named` parameters and returns all rows as tuples, or
    (`iterate`) hands them over one at a time."""

    def __init__(
        self,
        dialect: str,
        execute: Callable[[str, Mapping[str, Any]], list[Row]],
        execute_many: Callable[[str, Sequence[Mapping[str, Any]]], None] | None = None,
        iterate: Callable[[str, Mapping[str, Any]], Iterator[Row]] | None = None,
    ):
        self.dialect = dialect
        self._execute = execute
        self._execute_many = execute_many
        self._iterate = iterate
        # Appended to a SELECT that reads a row it is about to change. SQLite has no
        # row locks (and no FOR UPDATE syntax): BEGIN IMMEDIATE already holds the lock.
        self.for_update = " FOR UPDATE" if dialect == "postgresql" else ""
        # The newest event hash per project this transaction wrote (actions.append_event):
        # once the project is locked, no one else appends, so it need not be read again.
        self.chain_heads: dict[int, str] = {}
        # Work to do once this transaction has ended well, each given the database
        # URL: e.g. a read storing what it computed (forecast_cache.py) in a write of
        # its own, which must not wait on the read's own snapshot.
        self.afterwards: list[Callable[[str], None]] = []

    def __call__(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        return self._execute(sql, params or {})

    def many(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """The same statement (an INSERT, say) once per row of parameters."""
        if self._execute_many is None:
            for params in rows:
                self._execute(sql, params)
        elif rows:
            self._execute_many(sql, rows)

    def iterate(self, sql: str, params: Mapping[str, Any] | None = None) -> Iterator[Row]:
        """The rows one at a time, fetched STREAM_ROWS at a time, for answers too large
        to hold (`tracker list` of a programme). Consume it inside the session; closing
        the iterator early closes the cursor."""
        if self._iterate is None:
            return iter(self._execute(sql, params or {}))
        return self._iterate(sql, params or {})

    def one(self, sql: str, params: Mapping[str, Any] | None = None) -> Row | None:
        """The first row, or None."""
        rows = self(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row, or None."""
        row = self.one(sql, params)
        return None if row is None else row[0]


# --- where the database is -------------------------------------------------------


def resolve_url(option: str | None) -> str:
    """The database URL: --db, else TRACKER_DATABASE_URL, else the user data directory.

    A value without "://" is a file path and becomes a SQLite URL.
    """
    value = option or os.environ.get("TRACKER_DATABASE_URL", "")
    if not value:
        from platformdirs import user_data_path

        value = str(user_data_path("tracker") / "tracker.db")
    if "://" in value:
        return value
    if "?" in value or "#" in value:
        raise DatabaseError(f"a database file name may not contain '?' or '#': {value!r}")
    return "sqlite:///" + str(Path(value).expanduser().absolute())


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None for any other database."""
    m = re.fullmatch(r"sqlite(?:\+pysqlite)?:///(.+)", url)
    if m is None:
        if url.startswith("sqlite"):
            raise DatabaseError(f"unsupported SQLite URL {url!r} (use sqlite:///path/file.db)")
        return None
    return Path(m[1].split("?", 1)[0])


def dialect_of(url: str) -> str:
    """'sqlite' or 'postgresql'; anything else is refused."""
    if url.startswith("sqlite"):
        return "sqlite"
    if url.startswith(("postgresql", "postgres")):
        return "postgresql"
    raise DatabaseError(f"unsupported database URL {display_url(url)!r} (SQLite or PostgreSQL)")


def display_url(url: str) -> str:
    """The URL with any password replaced by ***, for messages and output."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def describe(url: str) -> str:
    """The database as a user knows it: a file path, or the URL without password."""
    path = sqlite_path(url)
    return str(path) if path is not None else display_url(url)


# --- the fast path ---------------------------------------------------------------


def _sqlite_value(value: Any) -> Any:
    # sqlite3's default date adapters are deprecated (3.12); store ISO text ourselves,
    # the same text SQLAlchemy's Date and DateTime write on SQLite.
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _sqlite_runner(conn: sqlite3.Connection) -> Runner:
    def execute(sql: str, params: Mapping[str, Any]) -> list[Row]:
        values = {k: _sqlite_value(v) for k, v in params.items()}
        return conn.execute(sql, values).fetchall()

    def execute_many(sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        conn.executemany(sql, ({k: _sqlite_value(v) for k, v in r.items()} for r in rows))

    def iterate(sql: str, params: Mapping[str, Any]) -> Iterator[Row]:
        values = {k: _sqlite_value(v) for k, v in params.items()}
        cursor = conn.execute(sql, values)
        try:
            while rows := cursor.fetchmany(STREAM_ROWS):
                yield from rows
        finally:
            cursor.close()

    return Runner("sqlite", execute, execute_many, iterate)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _sqlite_connect(path: Path) -> sqlite3.Connection:
    if not path.exists():
        raise DatabaseError(f"no tracker database at {path} (run `tracker init`)")
    try:
        # mode=rw: never create a new, empty database by accident.
        conn = sqlite3.connect(
            f"file:{quote(str(path))}?mode=rw", uri=True, isolation_level=None, timeout=0
        )
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys=ON")
        # SQLite's own LOWER() folds ASCII only; PostgreSQL's folds "Ü" too. Python's
        # str.lower makes `list --owner "FRAU MÜLLER"` answer the same on both.
        conn.create_function("lower", 1, _lower, deterministic=True)
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"cannot open {path}: {exc}") from None
    return conn


def _check_revision(run: Runner, where: str) -> None:
    try:
        rev = run.scalar("SELECT version_num FROM alembic_version")
    except Exception as exc:  # sqlite3 or SQLAlchemy: no table means not ours
        if "alembic_version" not in str(exc) and "not a database" not in str(exc):
            raise
        if "not a database" in str(exc):
            raise DatabaseError(f"{where} is not a tracker database") from None
        raise DatabaseError(f"{where} is not a tracker database (run `tracker init`)") from None
    check_revision(rev, where)


def check_revision(rev: str | None, where: str) -> None:
    """Refuse a database that is uninitialised, older or newer than this code."""
    if rev is None:
        raise DatabaseError(f"{where} is not initialised (run `tracker init`)")
    if rev not in REVISIONS:
        raise DatabaseError(
            f"{where} was written by a newer tracker (revision {rev}; "
            f"this one knows up to {HEAD}): upgrade tracker"
        )
    if rev != HEAD:
        raise DatabaseError(f"{where} is at revision {rev}, not {HEAD} (run `tracker db upgrade`)")


@contextmanager
def _sqlite_session(url: str, begin: str, busy_ms: int = BUSY_TIMEOUT_MS) -> Iterator[Runner]:
    path = sqlite_path(url)
    assert path is not None
    conn = _sqlite_connect(path)
    if busy_ms != BUSY_TIMEOUT_MS:
        conn.execute(f"PRAGMA busy_timeout={busy_ms}")
    try:
        with _sqlite_errors(path):
            conn.execute(begin)
            run = _sqlite_runner(conn)
            try:
                _check_revision(run, str(path))
                yield run
            except BaseException:
                _rollback(conn)
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.OperationalError:
                _rollback(conn)
                raise
    finally:
        conn.close()


@contextmanager
def _sqlite_errors(path: Path) -> Iterator[None]:
    """SQLite's errors about `path` as one-line DatabaseErrors (see `_sqlite_error`)."""
    try:
        yield
    except sqlite3.IntegrityError:
        raise  # a constraint our own checks missed: a bug, keep the traceback
    except sqlite3.DatabaseError as exc:
        raise _sqlite_error(exc, path) from None


def _rollback(conn: sqlite3.Connection) -> None:
    # SQLite has already rolled back by itself after some errors (a full disk, I/O).
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _sqlite_error(exc: sqlite3.DatabaseError, path: Path) -> Exception:
    """One line for what SQLite says about a file: busy, full, not ours or damaged."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return DatabaseError(f"the database {path} is busy, try again (nothing was changed)")
    if "full" in text:
        return DatabaseError(f"disk full while writing {path} (nothing was changed)")
    if "not a database" in text:
        return DatabaseError(f"{path} is not a tracker database")
    if "malformed" in text or "corrupt" in text:
        return _damaged(path)
    return exc


def _damaged(path: Path) -> DatabaseError:
    return DatabaseError(f"{path} is damaged: restore from a backup with `tracker db restore`")


def _first_line(exc: Any) -> str:
    """The driver's own message of a SQLAlchemy error, first line only."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@contextmanager
def _sqlalchemy_session(url: str, write: bool) -> Iterator[Runner]:
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    engine = make_engine(url)
    if not write:
        # One snapshot for all the queries of a read (status runs four).
        engine = engine.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
    try:
        with engine.begin() if write else engine.connect() as conn:

            def execute(sql: str, params: Mapping[str, Any]) -> list[Row]:
                result = conn.execute(text(sql), dict(params))
                return [tuple(r) for r in result.all()] if result.returns_rows else []

            def execute_many(sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
                conn.execute(text(sql), [dict(r) for r in rows])

            def iterate(sql: str, params: Mapping[str, Any]) -> Iterator[Row]:
                # yield_per: a server-side cursor on PostgreSQL, STREAM_ROWS a round trip.
                options = {"yield_per": STREAM_ROWS}
                with conn.execute(text(sql), dict(params), execution_options=options) as result:
                    for row in result:
                        yield tuple(row)

            run = Runner(engine.dialect.name, execute, execute_many, iterate)
            _check_revision(run, display_url(url))
            yield run
    except OperationalError as exc:
        raise DatabaseError(f"cannot use {display_url(url)}: {_first_line(exc)}") from None
    finally:
        engine.dispose()


def _session(url: str, write: bool) -> AbstractContextManager[Runner]:
    if dialect_of(url) == "sqlite":
        return _sqlite_session(url, "BEGIN IMMEDIATE" if write else "BEGIN")
    return _sqlalchemy_session(url, write=write)


@contextmanager
def reader(url: str) -> Iterator[Runner]:
    """A read-only view of the database (one consistent snapshot)."""
    with _session(url, write=False) as run:
        yield run
    for task in run.afterwards:
        task(url)


def writer(url: str) -> AbstractContextManager[Runner]:
    """One write transaction holding the write lock from its start; commits at the end.

    Any exception rolls everything back, so a failed command leaves the database
    exactly as it was.
    """
    return _session(url, write=True)


OPPORTUNISTIC_WAIT_MS = 200


def write_if_free(url: str, change: Callable[[Runner], None]) -> bool:
    """`change(run)` in one write transaction, if the database takes a write within
    OPPORTUNISTIC_WAIT_MS; False, with nothing changed, when it is busy, read-only or
    refuses. For writes a read may skip, such as storing a cache."""
    try:
        if dialect_of(url) == "sqlite":
            with _sqlite_session(url, "BEGIN IMMEDIATE", busy_ms=OPPORTUNISTIC_WAIT_MS) as run:
                change(run)
        else:
            with _sqlalchemy_session(url, write=True) as run:
                run(f"SET LOCAL lock_timeout = '{OPPORTUNISTIC_WAIT_MS}ms'")
                change(run)
    except Exception as exc:  # whatever the driver raises: skip the write
        if not _is_database_error(exc):
            raise
        return False
    return True


def _is_database_error(exc: BaseException) -> bool:
    """sqlite3's, SQLAlchemy's or our own: the database refused, not a bug of ours."""
    if isinstance(exc, DatabaseError | sqlite3.DatabaseError):
        return True
    return any(c.__module__.startswith("sqlalchemy") for c in type(exc).__mro__)


# --- the heavy path: SQLAlchemy and Alembic ---------------------------------------


def make_engine(url: str, *, foreign_keys: bool = True) -> Engine:
    """A SQLAlchemy engine with the SQLite recipe: our own BEGIN IMMEDIATE, busy timeout.

    Migrations pass foreign_keys=False: a batch migration rebuilds referenced tables
    (field notes §6), and the PRAGMA is ignored inside a transaction.
    """
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    dialect_of(url)
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, poolclass=NullPool)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # sqlite3 must not emit BEGIN itself
            dbapi_conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            dbapi_conn.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def sqlite_tables(path: Path) -> set[str]:
    """The tables of an existing SQLite file, read without changing a byte of it.

    Raises DatabaseError for a file that is not a SQLite database at all.
    """
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        raise DatabaseError(f"{path} is not a tracker database; refusing to change it") from None
    return {r[0] for r in rows}


def use_wal(path: Path) -> None:
    """Switch a tracker database to WAL, so readers never wait for a writer.

    The mode is stored in the file, so this runs once, after `init` has made sure the
    file is ours (a connect hook would switch any file it touched, ours or not).
    """
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()


def create_private_file(path: Path) -> bool:
    """Create an empty SQLite file readable by its owner only; False if it existed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def remove_sqlite_files(path: Path) -> None:
    """Remove a database file with its -wal and -shm companions."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def alembic_config(connection: Connection | None = None) -> Any:
    """An Alembic Config for the packaged migrations, without alembic.ini."""
    from importlib.resources import files

    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(files("migrations")))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade_in(conn: Connection, revision: str = "head") -> None:
    """Run the migrations up to `revision` on an open connection inside its transaction."""
    from alembic import command

    command.upgrade(alembic_config(conn), revision)
    if conn.dialect.name == "sqlite":
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise DatabaseError(f"migration left broken references: {broken[:3]}")


def current_revision(url: str) -> str | None:
    """The revision stored in the database, or None if it has none."""
    from sqlalchemy import inspect, text

    path = sqlite_path(url)
    if path is not None:
        if not path.exists():
            raise DatabaseError(f"no tracker database at {path} (run `tracker init`)")
        if "alembic_version" not in sqlite_tables(path):
            return None
    from sqlalchemy.exc import OperationalError

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            return None if rev is None else str(rev)
    except OperationalError as exc:
        raise DatabaseError(f"cannot use {display_url(url)}: {_first_line(exc)}") from None
    finally:
        engine.dispose()


def migrate(
    url: str, *, load: Callable[[Connection], None] | None = None, create: bool = False
) -> tuple[str | None, bool]:
    """Bring the database to the head revision and run `load`, in one transaction.

    Returns (revision before, whether the SQLite file was created). Refuses a file
    that is not a tracker database (checked read-only first, so it stays untouched)
    and a database written by a newer tracker. A SQLite file created here is removed
    again if anything fails. Without `create`, a missing SQLite file is an error.
    """
    from sqlalchemy import inspect, text
    from sqlalchemy.exc import DatabaseError as SQLAlchemyDatabaseError

    where = describe(url)
    path = sqlite_path(url)
    if path is not None and not create and not path.exists():
        raise DatabaseError(f"no tracker database at {path} (run `tracker init`)")
    created = create_private_file(path) if path is not None else False
    if path is not None and not created:
        tables = sqlite_tables(path)
        if tables and "alembic_version" not in tables:
            raise DatabaseError(f"{where} is not a tracker database; refusing to change it")
    engine = make_engine(url, foreign_keys=False)
    try:
        with engine.begin() as conn:
            tables = set(inspect(conn).get_table_names())
            before = None
            if "alembic_version" in tables:
                before = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            elif tables:
                raise DatabaseError(f"{where} is not a tracker database; refusing to change it")
            if before is not None and before not in REVISIONS:
                check_revision(str(before), where)
            upgrade_in(conn)
            if load is not None:
                load(conn)
    except SQLAlchemyDatabaseError as exc:
        if created and path is not None:
            remove_sqlite_files(path)
        raise DatabaseError(f"cannot set up {where}: {_first_line(exc)}") from None
    except BaseException:
        if created and path is not None:
            remove_sqlite_files(path)
        raise
    finally:
        engine.dispose()
    if path is not None:
        use_wal(path)
    return (None if before is None else str(before)), created


class Upgraded(NamedTuple):
    before: str | None
    after: str
    backup: Path | None  # the copy taken before migrating (SQLite)


def upgrade(url: str) -> Upgraded:
    """Migrate an existing database to the head revision, backing it up first (SQLite).

    The copy is `<file>.<revision>.bak` beside the database; it is only taken when
    there is something to migrate.
    """
    copy = None
    path = sqlite_path(url)
    current = current_revision(url)
    if path is not None and current is not None and current != HEAD and current in REVISIONS:
        copy = backup(url, _free_name(Path(f"{path}.{current}.bak")), check=False).path
    before, _ = migrate(url)
    return Upgraded(before, HEAD, copy)


def _free_name(path: Path) -> Path:
    n = 1
    candidate = path
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.{n}")
    return candidate


# --- backups (SQLite) ------------------------------------------------------------


class Backup(NamedTuple):
    path: Path
    revision: str
    size: int


def _pg_dump_hint(url: str, verb: str) -> DatabaseError:
    # libpq reads postgresql:// URIs, not SQLAlchemy's postgresql+psycopg://.
    url = re.sub(r"^postgres(?:ql)?(?:\+\w+)?://", "postgresql://", url)
    if verb == "backup":
        how = f"pg_dump --format=custom --file=FILE '{display_url(url)}'"
    else:
        how = f"pg_restore --clean --dbname='{display_url(url)}' FILE"
    return DatabaseError(f"on PostgreSQL, {verb} with the server's own tools: {how}")


def _check_copy(conn: sqlite3.Connection, where: str) -> str:
    """The revision of a tracker database copy, after its integrity check."""
    try:
        ok = conn.execute("PRAGMA integrity_check").fetchone()
        if ok is None or ok[0] != "ok":
            raise DatabaseError(f"{where} is damaged ({ok[0] if ok else 'no answer'})")
        rev = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        text = str(exc)
        if "no such table" in text or "not a database" in text:
            raise DatabaseError(f"{where} is not a tracker database") from None
        raise DatabaseError(f"{where} is damaged ({text})") from None
    if rev is None:
        raise DatabaseError(f"{where} is not a tracker database")
    if rev[0] not in REVISIONS:
        raise DatabaseError(f"{where} was written by a newer tracker (revision {rev[0]})")
    return str(rev[0])


def backup(url: str, dest: Path, *, check: bool = True) -> Backup:
    """A consistent copy of a live SQLite database in one step of SQLite's backup API.

    Others may keep writing: the copy is one snapshot. It is written to a temporary
    name beside `dest`, checked, and renamed, so `dest` is whole or absent. Refuses an
    existing `dest`. `check` verifies the source's revision first.
    """
    path = sqlite_path(url)
    if path is None:
        raise _pg_dump_hint(url, "backup")
    if dest.exists():
        raise DatabaseError(f"{dest} exists already (choose another name or remove it)")
    if not dest.parent.is_dir():
        raise DatabaseError(f"cannot write {dest}: the folder {dest.parent} does not exist")
    src = _sqlite_connect(path)
    tmp = dest.with_name(f".{dest.name}.tmp")
    try:
        with _sqlite_errors(path):
            if check:
                _check_revision(_sqlite_runner(src), str(path))
            create_private_file(tmp)
            out = sqlite3.connect(tmp)
            try:
                src.backup(out)  # pages=-1: the whole database in one step
                # One self-contained file: no -wal or -shm appears beside a backup.
                out.execute("PRAGMA journal_mode=DELETE")
                try:
                    revision = _check_copy(out, str(path))
                except DatabaseError as exc:
                    # A damaged copy means a damaged source: say how to recover it.
                    raise (_damaged(path) if "damaged" in str(exc) else exc) from None
            finally:
                out.close()
            os.replace(tmp, dest)
    finally:
        src.close()
        tmp.unlink(missing_ok=True)
    return Backup(dest, revision, dest.stat().st_size)


def restore(url: str, source: Path) -> tuple[Backup, Path | None]:
    """Replace the database with the backup `source`, after checking `source`.

    `source` must be an intact tracker database of a revision this tracker knows.
    A healthy current database is first copied to `<file>.before-restore.bak`; the
    backup is then written into it with SQLite's backup API, under its write lock.
    A missing or damaged current file is replaced whole. Returns the restored copy's
    description and the safety copy, if one was taken.
    """
    path = sqlite_path(url)
    if path is None:
        raise _pg_dump_hint(url, "restore")
    if not source.is_file():
        raise DatabaseError(f"no backup at {source}")
    try:
        src = sqlite3.connect(f"file:{quote(str(source))}?mode=ro", uri=True)
    except sqlite3.DatabaseError:
        raise DatabaseError(f"{source} is not a tracker database") from None
    try:
        with _sqlite_errors(path):
            revision = _check_copy(src, str(source))
            safety = None
            healthy = False
            if path.exists():
                try:
                    check = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
                    try:
                        _check_copy(check, str(path))
                    finally:
                        check.close()
                    healthy = True
                except DatabaseError:
                    healthy = False
            if healthy:
                safety = backup(
                    url, _free_name(Path(f"{path}.before-restore.bak")), check=False
                ).path
                live = _sqlite_connect(path)
                try:
                    src.backup(live)
                finally:
                    live.close()
            else:
                tmp = path.with_name(f".{path.name}.restore.tmp")
                create_private_file(tmp)
                out = sqlite3.connect(tmp)
                try:
                    src.backup(out)
                finally:
                    out.close()
                for suffix in ("-wal", "-shm"):
                    Path(str(path) + suffix).unlink(missing_ok=True)
                os.replace(tmp, path)
    finally:
        src.close()
    use_wal(path)  # the backup's pages carry its journal mode; the live file uses WAL
    return Backup(path, revision, path.stat().st_size), safety


def downgrade(url: str, revision: str) -> None:
    """Migrate down to `revision` ("base" for an empty schema), in one transaction."""
    from alembic import command

    engine = make_engine(url, foreign_keys=False)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), revision)
    finally:
        engine.dispose()


def revision_names() -> Sequence[str]:
    """The revisions of the packaged migrations, oldest first (from Alembic)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]
