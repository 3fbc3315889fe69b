"""Health's storage: probe results (every one kept for the window and the day's availability)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Sequence

from sqlalchemy import delete, func
from sqlmodel import Session, select

from .models import ConversationSeen, ProbeResult
from .sla import ESCALATION_LABELS, Conversation


def add_probe_results(session: Session, rows: list[ProbeResult]) -> None:
    session.add_all(rows)


def latest_probe_results(session: Session, integrations: Sequence[str] | None = None) -> list[ProbeResult]:
    """The newest stored result of each integration (of each of `integrations`, when named: one
    index lookup each, where grouping the whole table cost 13-22 ms at 30 days of probes)."""
    if integrations is not None:
        found = (session.exec(select(ProbeResult).where(ProbeResult.integration == key)
                              .order_by(ProbeResult.id.desc()).limit(1)).first() for key in integrations)  # type: ignore[union-attr]
        return [row for row in found if row is not None]
    newest = (select(ProbeResult.integration, func.max(ProbeResult.id).label("id"))
              .group_by(ProbeResult.integration).subquery())
    return list(session.exec(select(ProbeResult).join(newest, ProbeResult.id == newest.c.id)).all())


def recent_probe_results(session: Session, integration: str, limit: int = 20,
                         source: str | None = None) -> list[ProbeResult]:
    query = select(ProbeResult).where(ProbeResult.integration == integration)
    if source is not None:
        query = query.where(ProbeResult.source == source)
    return list(session.exec(query.order_by(ProbeResult.id.desc()).limit(limit)).all())  # type: ignore[union-attr]


def prune_probe_results(session: Session, now: datetime, days: int = 30) -> int:
    return session.execute(delete(ProbeResult).where(ProbeResult.checked_at < now - timedelta(days=days))).rowcount or 0


def availability(session: Session, since: datetime, until: datetime) -> dict[str, tuple[int, int]]:
    """Per integration: (monitor probes in the period, of which not DOWN)."""
    from sqlalchemy import case

    rows = session.exec(
        select(ProbeResult.integration, func.count(ProbeResult.id),
               func.sum(case((ProbeResult.state == "DOWN", 0), else_=1)))
        .where(ProbeResult.source == "monitor").where(ProbeResult.checked_at >= since)
        .where(ProbeResult.checked_at < until).group_by(ProbeResult.integration)).all()
    return {key: (int(total), int(up or 0)) for key, total, up in rows}


def record_seen(session: Session, conversations: Sequence[Conversation], breached: set, now: datetime) -> int:
    """Remember conversations seen open, and those breaching now; returns how many were new."""
    ids = [str(c.id)[:40] for c in conversations]
    known = {row.conversation_id: row for row in session.exec(
        select(ConversationSeen).where(ConversationSeen.conversation_id.in_(ids or ["-"]))).all()}  # type: ignore[attr-defined]
    new = 0
    for conv, cid in zip(conversations, ids):
        row = known.get(cid)
        escalated = bool(ESCALATION_LABELS & set(conv.labels))
        if row is None:
            row = ConversationSeen(conversation_id=cid, created_at=conv.created_at, first_seen_at=now)
            new += 1
        elif (row.breached_at is not None or conv.id not in breached) and row.escalated >= escalated:
            continue
        if conv.id in breached and row.breached_at is None:
            row.breached_at = now
        row.escalated = row.escalated or escalated
        session.add(row)
    return new


def adherence(session: Session, since: datetime, until: datetime) -> tuple[int, int, int]:
    """Conversations created in the period and seen: (seen, breached, escalated)."""
    rows = session.exec(select(ConversationSeen).where(ConversationSeen.created_at >= since)
                        .where(ConversationSeen.created_at < until)).all()
    return len(rows), sum(1 for r in rows if r.breached_at), sum(1 for r in rows if r.escalated)


def breaches_by_day(session: Session, since: datetime, days: int) -> list[float]:
    rows = session.exec(select(ConversationSeen.breached_at).where(ConversationSeen.breached_at >= since)).all()
    counts = [0.0] * days
    for at in rows:
        index = (at - since).days
        if 0 <= index < days:
            counts[index] += 1
    return counts
