"""Health's storage: probe results (every one kept for the window and the day's availability)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, select

from .models import ProbeResult


def add_probe_results(session: Session, rows: list[ProbeResult]) -> None:
    session.add_all(rows)


def latest_probe_results(session: Session) -> list[ProbeResult]:
    """The newest stored result of each integration."""
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
