"""Runbooks' part of the support daily status: the escalation playbooks and the stale ones."""
from __future__ import annotations

from chatops.core.report import Period, ReportPart

from .service import STALE_AFTER, RunbookService


def part(svc: RunbookService, period: Period) -> ReportPart:
    entries = svc.entries()
    stale = [e for e in entries if e.stale(period.until)]
    kinds = {"conversation": 0, "outage": 0}
    for e in entries:
        kinds[e.book.kind] += 1
    lines = [f"{kinds['conversation']} conversation-type and {kinds['outage']} outage runbooks, one ladder L1/L2/L3",
             "Stale (not verified for over 90 days): " + (", ".join(e.book.id for e in stale) if stale else "none")]
    actions = tuple(f"Verify runbook {e.book.id} (`/occ runbook verify {e.book.id}`, managers)" for e in stale)
    risks = (f"{len(stale)} runbooks not verified in {STALE_AFTER.days} days",) if stale else ()
    return ReportPart("Escalation playbooks", tuple(lines), None, risks, actions)
