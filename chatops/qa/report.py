"""Q&A's part of the support daily status: "Q&A / confusing states" — new questions, confusing
states and their tickets (filed, pending), and the follow-ups due."""
from __future__ import annotations

from sqlmodel import select

from chatops.core.report import Period, ReportPart

from .models import QAEntry
from .service import QAService


def part(svc: QAService, period: Period) -> ReportPart:
    with svc.db.session() as session:
        new = list(session.exec(select(QAEntry).where(QAEntry.created_at >= period.since)
                                .where(QAEntry.created_at < period.until).order_by(QAEntry.id)).all())
        waiting = list(session.exec(select(QAEntry).where(QAEntry.confusing == True)  # noqa: E712
                                    .where(QAEntry.ticket_identifier.is_(None))).all())  # type: ignore[union-attr]
        due = list(session.exec(select(QAEntry).where(QAEntry.follow_up_due.is_not(None))  # type: ignore[union-attr]
                                .where(QAEntry.follow_up_due <= period.until.date())).all())  # type: ignore[operator]
    confusing = [e for e in new if e.confusing]
    filed = [e for e in new if e.ticket_identifier]
    span = "this week" if period.weekly else "today"
    lines = [f"New questions {span}: {len(new)}" + (" — " + "; ".join(f"{e.ref} [{e.tile}] {e.question[:80]}"
                                                                      for e in new[:5]) if new else ""),
             f"Confusing states {span}: {len(confusing)} · tickets filed: {len(filed)}"
             + (" (" + ", ".join(e.ticket_identifier or "" for e in filed[:8]) + ")" if filed else ""),
             f"Tickets pending (not yet in Linear): {len(waiting)}"]
    follow_ups = tuple(f"{e.ref} {e.question[:80]} — owner {e.owner or 'unassigned'}, due {e.follow_up_due}"
                       for e in due[:10])
    risks = (f"{len(waiting)} confusing-state tickets are not filed in Linear yet",) if waiting else ()
    evidence = tuple(f"{e.ticket_identifier} {e.ticket_url}" for e in filed[:5] if e.ticket_url)
    summary = f"Q&A: {len(new)} new, {len(confusing)} confusing, {len(filed)} tickets filed"
    return ReportPart("Q&A / confusing states", tuple(lines), summary, risks, (), follow_ups, evidence)
