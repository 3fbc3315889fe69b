"""Incidents' part of the support daily status: open ones, resolved ones with their resolution
time (detection → resolution), MTTR median and p90 over 7 days."""
from __future__ import annotations

from chatops.core.report import Period, ReportPart
from chatops.core.timefmt import duration

from .rules import SEVERITIES
from .service import IncidentService


def _minutes(value: float | None) -> str:
    return "—" if value is None else (f"{value:.0f} min" if value < 120 else f"{value / 60:.1f} h")


def part(svc: IncidentService, period: Period) -> ReportPart:
    now = period.until
    open_ones = svc.open_incidents()
    resolved = svc.resolved_between(period.since, period.until)
    week = svc.stats(7, now)
    lines = [f"Open: {len(open_ones)}" + (" — " + "; ".join(
        f"{i.ref} [{i.severity}] {i.title} ({i.status}, open {duration(now - i.detected_at)})" for i in open_ones[:10])
        if open_ones else "")]
    if len(open_ones) > 10:
        lines.append(f"…and {len(open_ones) - 10} more open")
    lines.append(f"Resolved {'this week' if period.weekly else 'today'}: {len(resolved)}" + (" — " + "; ".join(
        f"{i.ref} in {duration(i.resolved_at - i.detected_at)}" for i in resolved[:10]) if resolved else ""))
    median, p90, n = week.ttr
    lines.append(f"MTTR over 7 days: median {_minutes(median)} · p90 {_minutes(p90)} ({n} resolved)")
    if period.weekly:
        lines.append("By severity (7 days): " + " · ".join(f"{k} {v}" for k, v in week.by_severity.items()))
    blockers = tuple(f"{i.ref} [{i.severity}] {i.title} is still {i.status}" for i in open_ones
                     if i.severity in ("SEV1", "SEV2"))
    actions = tuple(f"{i.ref}: acknowledge it (target {duration(SEVERITIES[i.severity].respond_within)})"
                    for i in open_ones if i.acknowledged_at is None)
    summary = f"Incidents: {len(open_ones)} open, {len(resolved)} resolved" + (
        f" (median resolution {_minutes(median)} over 7 days)" if median is not None else "")
    evidence = tuple(f"{i.ref} announcement" for i in open_ones + resolved if i.ts)
    chart = {"Incidents": svc.detected_by_day(period.since, 7)} if period.weekly else {}
    return ReportPart("Incidents & resolution time", tuple(lines), summary, blockers, actions, (), evidence, chart)
