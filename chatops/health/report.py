"""Health's part of the support daily status: one line per integration with the day's availability
from stored probes, and the Chatwoot queue."""
from __future__ import annotations

from chatops.core.report import Period, ReportPart

from .model import State
from .service import HealthService
from .store import adherence, availability, breaches_by_day


def part(health: HealthService, period: Period) -> ReportPart:
    latest = health.latest()
    with health.db.session() as session:
        seen = availability(session, period.since, period.until)
    lines, blockers, actions = [], [], []
    items = latest.items if latest else []
    by_key = {i.key: i for i in items}
    for integration in health.integrations.monitored():
        item = by_key.get(integration.key)
        total, up = seen.get(integration.key, (0, 0))
        share = f"{up / total:.1%} available ({total} probes)" if total else "no monitor probes in the period"
        if item is None:
            lines.append(f"{integration.name}: not probed yet · {share}")
            continue
        latency = f" · {item.latency_ms:,.0f} ms" if item.latency_ms is not None else ""
        lines.append(f"{item.name}: {item.state.value}{latency} · {share}"
                     + (f" · last error: {item.error}" if item.error and item.state != State.OK else ""))
        if item.state in (State.DOWN, State.DEGRADED):
            blockers.append(f"{item.name} is {item.state.value}" + (f" ({item.error})" if item.error else ""))
            actions.append(f"Follow the {item.name} outage runbook; open an incident if customers are affected")
    chatwoot = by_key.get("chatwoot")
    summary = None
    if chatwoot is not None and chatwoot.breaching is not None:
        at_least = "at least " if chatwoot.partial else ""
        lines.append(f"Chatwoot queue: {at_least}{chatwoot.breaching} of {chatwoot.open_conversations} open "
                     f"conversations breaching the {health.settings.chatwoot_sla_minutes}-min first-response SLA"
                     + (f" · {chatwoot.pending} pending (bot)" if chatwoot.pending else ""))
        if chatwoot.breaching:
            actions.append(f"Answer the {chatwoot.breaching} breaching conversations, oldest first (SOP-CX-001)")
    states = [i.state for i in items]
    if states:
        bad = [i.name for i in items if i.state in (State.DOWN, State.DEGRADED)]
        summary = ("Integrations: " + (", ".join(bad) + " not OK" if bad else "all OK or MOCK")
                   + (f"; {chatwoot.breaching} SLA breaches" if chatwoot and chatwoot.breaching else ""))
    chart: dict[str, list[float]] = {}
    if period.weekly:
        with health.db.session() as session:
            seen, breached, escalated = adherence(session, period.since, period.until)
            chart["SLA breaches"] = breaches_by_day(session, period.since, 7)
        sla = health.settings.chatwoot_sla_minutes
        lines.append(f"SLA adherence this week: {(seen - breached) / seen:.1%} of {seen} conversations seen by the "
                     f"monitor got a first reply within {sla} min ({breached} breached)" if seen
                     else "SLA adherence this week: no conversations seen by the monitor")
        lines.append(f"Escalations this week: {escalated} conversations labelled escalation")
    return ReportPart("Integration health", tuple(lines), summary, tuple(blockers), tuple(actions), chart=chart)
