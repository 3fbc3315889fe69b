"""Repositories: small functions over a session, one concern each."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from .models import AlertEpisode, Counter, Incident, OutboxMessage, ProbeResult, SlackEvent


def add_probe_results(session: Session, rows: list[ProbeResult]) -> None:
    session.add_all(rows)


def latest_probe_results(session: Session) -> list[ProbeResult]:
    """The newest stored result of each integration."""
    newest = (
        select(ProbeResult.integration, func.max(ProbeResult.id).label("id"))
        .group_by(ProbeResult.integration)
        .subquery()
    )
    rows = session.exec(select(ProbeResult).join(newest, ProbeResult.id == newest.c.id)).all()
    return list(rows)


def recent_probe_results(session: Session, integration: str, limit: int = 20,
                         source: str | None = None) -> list[ProbeResult]:
    query = select(ProbeResult).where(ProbeResult.integration == integration)
    if source is not None:
        query = query.where(ProbeResult.source == source)
    return list(session.exec(query.order_by(ProbeResult.id.desc()).limit(limit)).all())  # type: ignore[union-attr]


def claim_event(session: Session, event_id: str, event_type: str) -> bool:
    """Record an Events API delivery; False when that event_id was handled already."""
    try:
        with session.begin_nested():
            session.add(SlackEvent(event_id=event_id, event_type=event_type, received_at=datetime.now(timezone.utc)))
            session.flush()
        return True
    except IntegrityError:
        return False


def release_event(session: Session, event_id: str) -> None:
    """Forget a delivery whose handling failed, so that Slack's retry is handled."""
    event = session.get(SlackEvent, event_id)
    if event is not None:
        session.delete(event)


def prune(session: Session, now: datetime, *, events_days: int = 2, probes_days: int = 30,
          outbox_days: int = 30) -> dict[str, int]:
    """Retention: delivered events, old probe results and finished outbox rows."""
    counts = {}
    for model, column, days, extra in (
        (SlackEvent, SlackEvent.received_at, events_days, None),
        (ProbeResult, ProbeResult.checked_at, probes_days, None),
        (OutboxMessage, OutboxMessage.created_at, outbox_days, OutboxMessage.status.in_(("sent", "superseded", "failed"))),  # type: ignore[attr-defined]
    ):
        query = delete(model).where(column < now - timedelta(days=days))
        if extra is not None:  # announcements stay: later edits and thread replies need their ts
            query = query.where(extra).where(
                OutboxMessage.id.not_in(select(AlertEpisode.outbox_id).where(AlertEpisode.outbox_id.is_not(None))),  # type: ignore[union-attr]
                OutboxMessage.id.not_in(select(Incident.outbox_id).where(Incident.outbox_id.is_not(None))),  # type: ignore[union-attr]
            )
        counts[model.__tablename__] = session.execute(query).rowcount or 0
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
