"""Engine creation (SQLite pragmas on connect), migrations at start-up, and one session per unit of work."""
from __future__ import annotations

import contextvars
import fcntl
import itertools
import logging
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.sql.elements import TextClause
from sqlmodel import Session, create_engine

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_MIGRATION_LOCK = 724_201_101  # advisory lock key: one replica migrates at a time
MIN_FREE_BYTES = 1 << 20  # a SQLite file on a disk with less free space than this counts as full
# A write that matches no row, rolled back: it still needs the write lock (SQLite) or a read-write
# transaction (PostgreSQL), so it fails on a locked, read-only or read-only-mounted database.
_WRITE_PROBE = text("UPDATE alembic_version SET version_num = version_num WHERE 1 = 0")


# How long a request-path read or write may wait for a lock: well under Slack's 3 s, so a locked
# database costs a person a clear "try again", never the acknowledgement.
REQUEST_WAIT_S = 1.0
BACKGROUND_WAIT_S = 30.0
_on_request_path: contextvars.ContextVar[bool] = contextvars.ContextVar("occ_request_path", default=False)


@contextmanager
def request_path() -> Iterator[None]:
    """Every session opened inside is bounded (a person is waiting for the acknowledgement)."""
    token = _on_request_path.set(True)
    try:
        yield
    finally:
        _on_request_path.reset(token)


class _Session(Session):
    """A session that notes whether it wrote anything (see writes())."""


@event.listens_for(_Session, "after_flush")
def _flushed(session: Session, _context: object) -> None:
    session.info["occ_wrote"] = True


@event.listens_for(_Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    statement = state.statement
    if state.is_insert or state.is_update or state.is_delete or (
            isinstance(statement, TextClause) and statement.text.lstrip()[:6].upper() != "SELECT"):
        state.session.info["occ_wrote"] = True


_write_counter = itertools.count(1)
_writes = 0


def writes() -> int:
    """How many units of work of this process have committed a write so far (any database). An
    answer read while this number stayed the same has missed no write made by this process."""
    return _writes


def _wrote() -> None:
    global _writes
    _writes = next(_write_counter)


def make_engine(url: str, *, wait_s: float = BACKGROUND_WAIT_S, pool_size: int = 10) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": wait_s},
                               pool_timeout=min(wait_s, 10.0))
        event.listen(engine, "connect", _sqlite_pragmas(wait_s))
        return engine
    bounded = {"options": f"-c lock_timeout={int(wait_s * 1000)} -c statement_timeout={int(wait_s * 1500)}"}
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=30, pool_timeout=min(wait_s, 10.0),
                         connect_args={"connect_timeout": max(1, int(wait_s * 2)) if wait_s < BACKGROUND_WAIT_S else 10,
                                       **(bounded if wait_s < BACKGROUND_WAIT_S else {})})


def _sqlite_pragmas(wait_s: float):  # noqa: ANN202 - a connect hook
    def on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API connection
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(wait_s * 1000)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    return on_connect


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
    """Whether the database takes a write now (see _WRITE_PROBE). Give it a bounded engine."""
    sqlite = engine.dialect.name == "sqlite"
    try:
        if sqlite and _disk_full(engine.url.database):
            log.warning("database is not writable: its disk is full")
            return False
        with engine.connect() as conn:
            try:
                conn.execute(_WRITE_PROBE)
            finally:
                conn.rollback()
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


class StorageError(Exception):
    """The database could not be opened or migrated (one line for people, no secrets)."""


class Database:
    """The engine plus a session factory: one session per unit of work, never shared across threads."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self._request_engine: Engine | None = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        migrate(self.engine)

    def ping(self) -> bool:
        return ping(self.engine)

    @property
    def request_engine(self) -> Engine:
        """The engine for work a person waits on: every lock wait bounded by REQUEST_WAIT_S."""
        if self._request_engine is None:
            self._request_engine = make_engine(self.url, wait_s=REQUEST_WAIT_S, pool_size=5)
        return self._request_engine

    def writable(self) -> bool:
        """Answered within about REQUEST_WAIT_S, even when another process holds the write lock."""
        return writable(self.request_engine)

    @contextmanager
    def session(self, *, bounded: bool | None = None) -> Iterator[Session]:
        """One unit of work, committed at the end. `bounded` (by default: inside request_path()):
        a lock is not waited out; sqlalchemy's OperationalError is raised instead."""
        engine = self.request_engine if (_on_request_path.get() if bounded is None else bounded) else self.engine
        with _Session(engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                if session.info.pop("occ_wrote", False):
                    _wrote()  # after the commit (or the rollback): a later read sees it

    def dispose(self) -> None:
        self.engine.dispose()
        if self._request_engine is not None:
            self._request_engine.dispose()
