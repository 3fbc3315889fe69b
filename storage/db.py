"""Engine creation (SQLite pragmas on connect), migrations at start-up, and one session per unit of work."""
from __future__ import annotations

import fcntl
import logging
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_MIGRATION_LOCK = 724_201_101  # advisory lock key: one replica migrates at a time
SQLITE_BUSY_TIMEOUT_MS = 30_000  # ordinary work waits this long for another writer
WRITE_CHECK_TIMEOUT_MS = 500  # the health check's write waits this long, no more
MIN_FREE_BYTES = 1 << 20  # a SQLite file on a disk with less free space than this counts as full
# A write that matches no row, rolled back: it still needs the write lock (SQLite) or a read-write
# transaction (PostgreSQL), so it fails on a locked, read-only or read-only-mounted database.
_WRITE_PROBE = text("UPDATE alembic_version SET version_num = version_num WHERE 1 = 0")


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=30, pool_timeout=10)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API connection
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


@contextmanager
def _sqlite_migration_lock(engine: Engine) -> Iterator[None]:
    """Serialise migrations of one SQLite file across processes with an advisory file lock."""
    database = engine.url.database or ""
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def migrate(engine: Engine) -> None:
    """Apply every Alembic revision up to head; safe when several replicas start at once."""
    if engine.dialect.name == "sqlite":
        with _sqlite_migration_lock(engine):
            _migrate(engine)
    else:
        _migrate(engine)


def _migrate(engine: Engine) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        is_pg = engine.dialect.name == "postgresql"
        if is_pg:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            conn.commit()
        try:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            conn.commit()
        finally:
            if is_pg:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
                conn.commit()


def ping(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        log.warning("database ping failed", exc_info=False)
        return False


def writable(engine: Engine) -> bool:
    """Whether the database takes a write now, answered within about a second (see _WRITE_PROBE)."""
    sqlite = engine.dialect.name == "sqlite"
    try:
        if sqlite and _disk_full(engine.url.database):
            log.warning("database is not writable: its disk is full")
            return False
        with engine.connect() as conn:
            if sqlite:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={WRITE_CHECK_TIMEOUT_MS}")
            else:
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = {WRITE_CHECK_TIMEOUT_MS}")
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {2 * WRITE_CHECK_TIMEOUT_MS}")
            try:
                conn.execute(_WRITE_PROBE)
            finally:
                conn.rollback()
                if sqlite:
                    _restore_busy_timeout(conn)
        return True
    except Exception as exc:  # noqa: BLE001 - any failure means "cannot write"
        reason = str(getattr(exc, "orig", None) or type(exc).__name__).strip().splitlines()
        log.warning("database is not writable: %s", reason[0] if reason else type(exc).__name__)
        return False


def _disk_full(database: str | None) -> bool:
    if not database or database == ":memory:" or database.startswith("file:"):
        return False
    stat = os.statvfs(Path(database).resolve().parent)
    return stat.f_bavail * stat.f_frsize < MIN_FREE_BYTES


def _restore_busy_timeout(conn) -> None:  # noqa: ANN001 - SQLAlchemy Connection
    try:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        conn.rollback()
    except Exception:  # noqa: BLE001 - never hand a short-timeout connection back to the pool
        conn.invalidate()
        raise


class StorageError(Exception):
    """The database could not be opened or migrated (one line for people, no secrets)."""


class Database:
    """The engine plus a session factory: one session per unit of work, never shared across threads."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        migrate(self.engine)

    def ping(self) -> bool:
        return ping(self.engine)

    def writable(self) -> bool:
        return writable(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()
