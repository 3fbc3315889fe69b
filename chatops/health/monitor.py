"""The background monitor: every OCC_HEALTH_INTERVAL_S probe the integrations, store every result,
damp the states, and turn state changes and SLA slips into alert episodes (through the outbox)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from chatops.health.alerts import Alerts
from chatops.health.damping import Damping, damp
from chatops.health.model import IntegrationHealth, State
from chatops.health.service import HealthService
from chatops.health.sla import breach_rate
from storage.models import MonitorState, ProbeResult, aware

log = logging.getLogger(__name__)

WINDOW_AGE = timedelta(minutes=15)


class Monitor:
    def __init__(self, *, health: HealthService, alerts: Alerts | None, damping: Damping):
        self.health = health
        self.alerts = alerts  # None when no alerts channel is configured: states are still tracked
        self.damping = damping

    def tick(self) -> list[IntegrationHealth]:
        items = self.health.probe_and_record()
        now = datetime.now(timezone.utc)
        for item in items:
            self._guarded(f"state of {item.key}", lambda s, i=item: self._integration(s, i, now))
        chatwoot = next((i for i in items if i.key == "chatwoot"), None)
        if chatwoot is not None and chatwoot.state not in (State.MOCK, State.DOWN) and chatwoot.breaching is not None:
            self._guarded("SLA breaches", lambda s: self._sla(s, chatwoot, now))
        if self.alerts is not None:
            self._guarded("reminders", lambda s: self.alerts.remind(s, now))
        return items

    def _guarded(self, what: str, work) -> None:  # noqa: ANN001
        """One transaction per piece of work; a replica that lost a race simply rolls back."""
        try:
            with self.health.db.session() as session:
                work(session)
        except IntegrityError:
            log.info("monitor: %s was handled by another replica", what)
        except Exception:  # noqa: BLE001 - the next tick tries again
            log.exception("monitor: %s failed", what)

    def _integration(self, session: Session, item: IntegrationHealth, now: datetime) -> None:
        rows = session.exec(
            select(ProbeResult.state).where(ProbeResult.integration == item.key)
            .where(ProbeResult.checked_at >= now - WINDOW_AGE)
            .order_by(ProbeResult.id.desc()).limit(self.damping.window)  # type: ignore[union-attr]
        ).all()
        observed = [State(s) for s in rows]
        current = session.get(MonitorState, item.key)
        prev = State(current.state) if current else None
        state = damp(prev, observed, self.damping)
        if current is None:
            current = MonitorState(integration=item.key, state=state.value, since=now, updated_at=now)
        elif current.state != state.value:
            log.info("monitor: %s %s → %s", item.name, current.state, state.value)
            current.state, current.since = state.value, now
        current.updated_at = now
        session.add(current)
        if self.alerts is not None and state != State.MOCK:
            self.alerts.integration_state(session, item, state, now)

    def _sla(self, session: Session, chatwoot: IntegrationHealth, now: datetime) -> None:
        if self.alerts is None:
            return
        self.alerts.conversation_breaches(session, chatwoot.breaches, self.health.settings.chatwoot_sla_minutes, now)
        open_count = chatwoot.open_conversations or 0
        rate = len(chatwoot.breaches) / open_count if open_count else 0.0
        self.alerts.breach_rate(session, rate, open_count, now)


def monitor_states(session: Session) -> dict[str, tuple[State, datetime]]:
    return {m.integration: (State(m.state), aware(m.since)) for m in session.exec(select(MonitorState)).all()}


__all__ = ["Monitor", "monitor_states", "breach_rate"]
