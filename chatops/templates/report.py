"""Templates' part of the support daily status: each template's state and last review, and the
day's update log from Memory `ops`."""
from __future__ import annotations

from chatops.core.report import Period, ReportPart
from chatops.memory.log import between

from .service import DUE, NEVER, TemplateService


def part(svc: TemplateService, period: Period) -> ReportPart:
    states = svc.states(period.until)
    lines = []
    for s in states:
        r = s.review
        last = (f" (last review {r.created_at:%Y-%m-%d %H:%M} by {r.reviewer}: {r.decision.replace('_', ' ')} "
                f"v{r.version})" if r else "")
        published = f" · published v{s.published_version}" if s.published_version else ""
        lines.append(f"{s.key} v{s.version} — {s.state}{last}{published}")
    with svc.db.session() as session:
        log = between(session, "ops", period.since, period.until, action_prefix="template.")
    lines.append(f"Update log ({'this week' if period.weekly else 'today'}, Memory ops): "
                 + ("; ".join(f"{e.action} by {e.actor} ({e.external_ref or '-'})" for e in log[:10]) or "no updates"))
    due = [s.key for s in states if s.state in (DUE, NEVER)]
    actions = (f"Review the templates due: {', '.join(due)} (`/occ template review <id>`)",) if due else ()
    risks = tuple(f"Publishing {s.key} to Chatwoot failed: {s.publish_error}" for s in states if s.publish_error)
    summary = f"Templates: {len(states) - len(due)} of {len(states)} reviewed today or approved; {len(log)} updates"
    evidence = tuple(f"Memory {e.external_ref}" for e in log[:5] if e.external_ref)
    return ReportPart("Templates", tuple(lines), summary, risks, actions, (), evidence)
