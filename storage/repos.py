"""Small functions over a session for the platform's tables, one concern each."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select as sa_select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from .models import Counter, Installation, OutboxMessage, SlackEvent
from .types import OUTBOX_REF


def claim_event(session: Session, event_id: str, event_type: str) -> bool:
    """Record a delivery (an Events API event_id, a modal's view id); False when it was recorded
    before. One `INSERT … ON CONFLICT DO NOTHING` in the caller's transaction, so a rollback
    forgets it again (a SAVEPOINT would not: on SQLite, pysqlite commits a first-statement
    SAVEPOINT on its own)."""
    dialect = session.get_bind().dialect.name
    insert = sqlite_insert if dialect == "sqlite" else pg_insert
    statement = insert(SlackEvent).values(event_id=event_id[:64], event_type=event_type[:64],
                                          received_at=datetime.now(timezone.utc)).on_conflict_do_nothing()
    return session.connection().execute(statement.returning(SlackEvent.event_id)).first() is not None


def release_event(session: Session, event_id: str) -> None:
    """Forget a delivery whose handling failed, so that Slack's retry is handled."""
    event = session.get(SlackEvent, event_id[:64])
    if event is not None:
        session.delete(event)


def outbox_references() -> list:
    """Every column, in every feature's tables, marked as pointing at an outbox row."""
    return [column for table in SQLModel.metadata.tables.values() for column in table.columns
            if column.info.get(OUTBOX_REF)]


def prune(session: Session, now: datetime, *, events_days: int = 2, outbox_days: int = 30) -> dict[str, int]:
    """Retention of the platform's tables: handled events, and finished outbox rows that no row
    anywhere still points at (announcements stay: later edits and thread replies need their ts)."""
    counts = {"slack_event": session.execute(
        delete(SlackEvent).where(SlackEvent.received_at < now - timedelta(days=events_days))).rowcount or 0}
    query = (delete(OutboxMessage).where(OutboxMessage.created_at < now - timedelta(days=outbox_days))
             .where(OutboxMessage.status.in_(("sent", "superseded", "failed"))))  # type: ignore[attr-defined]
    for column in outbox_references():
        query = query.where(OutboxMessage.id.not_in(sa_select(column).where(column.is_not(None))))  # type: ignore[union-attr]
    query = query.where(OutboxMessage.id.not_in(  # type: ignore[union-attr]
        sa_select(OutboxMessage.parent_id).where(OutboxMessage.parent_id.is_not(None))  # type: ignore[union-attr]
        .where(OutboxMessage.status == "pending")))
    counts["outbox"] = session.execute(query).rowcount or 0
    return counts


def next_number(session: Session, name: str) -> int:
    """The next value of a gapless counter, in the caller's transaction (a rollback gives it back).
    The row lock (PostgreSQL) or the write lock (SQLite) serialises concurrent callers."""
    value = session.execute(
        update(Counter).where(Counter.name == name).values(value=Counter.value + 1).returning(Counter.value)
    ).scalar_one_or_none()
    if value is not None:
        return int(value)
    with session.begin_nested():  # a counter not seeded by a migration
        session.add(Counter(name=name, value=1))
        session.flush()
    return 1


def installation_id(session: Session) -> str:
    """A random id for this database, made once: it marks what this deployment posts, so two
    deployments posting to one channel never take each other's messages for their own."""
    row = session.get(Installation, "instance")
    if row is not None:
        return row.value
    try:
        with session.begin_nested():
            session.add(Installation(key="instance", value=uuid.uuid4().hex))
            session.flush()
    except IntegrityError:
        pass
    row = session.get(Installation, "instance")
    assert row is not None
    return row.value
