"""The background monitor: every OCC_HEALTH_INTERVAL_S probe the integrations, store every result,
damp the states, and turn state changes and SLA slips into alert episodes (through the outbox)."""
from __future__ import annotations

import logging
import threading
from typing import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from chatops.health.alerts import Alerts
from chatops.health.damping import Damping, damp
from chatops.health.model import IntegrationHealth, State
from chatops.health.service import HealthService
from .models import MonitorState, ProbeResult
from .store import record_seen

log = logging.getLogger(__name__)

WINDOW_AGE = timedelta(minutes=15)


class Monitor:
    """Each tick starts a probe of every integration not still being probed; each result is judged
    as soon as it arrives, so one hanging integration delays nobody else's alerts."""

    def __init__(self, *, health: HealthService, alerts: Alerts | None, damping: Damping):
        self.is_active: Callable[[], bool] = lambda: True  # Background: "are we still the leader?"
        self.health = health
        self.alerts = alerts  # None when no alerts channel is configured: states are still tracked
        self.damping = damping
        self._in_flight: set[str] = set()
        self._lock = threading.Lock()
        self._judges = ThreadPoolExecutor(max_workers=4, thread_name_prefix="occ-monitor")

    def tick(self) -> None:
        for integration in self.health.integrations.monitored():
            with self._lock:
                if integration.key in self._in_flight:
                    continue
                self._in_flight.add(integration.key)
            future = self.health.runtime.submit(self.health.probe_one(integration))
            future.add_done_callback(lambda f, key=integration.key: self._judges.submit(self._judge, key, f))

    def _judge(self, key: str, future: "Future[IntegrationHealth]") -> None:
        try:
            item = future.result()
            if not self.is_active():
                return  # leadership moved on while this probe ran: the new leader judges for itself
            self.health.record([item], source="monitor")
            now = datetime.now(timezone.utc)
            self._guarded(f"state of {item.key}", lambda s: self._integration(s, item, now))
            if item.key == "chatwoot" and item.state not in (State.MOCK, State.DOWN) and item.breaching is not None:
                self._guarded("SLA breaches", lambda s: self._sla(s, item, now))
        except Exception:  # noqa: BLE001 - the next tick probes again
            log.exception("monitor: judging %s failed", key)
        finally:
            with self._lock:
                self._in_flight.discard(key)

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
            .where(ProbeResult.source == "monitor").where(ProbeResult.checked_at >= now - WINDOW_AGE)
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
            self.alerts.remind(session, now, subject=item.key)  # same transaction: never after a recovery

    def _sla(self, session: Session, chatwoot: IntegrationHealth, now: datetime) -> None:
        open_now = [c for c in chatwoot.conversations if c.status == "open"]
        record_seen(session, open_now, {b.conversation.id for b in chatwoot.breaches}, now)
        if self.alerts is None:
            return
        self.alerts.conversation_breaches(session, chatwoot.breaches, self.health.settings.chatwoot_sla_minutes, now,
                                          complete=not chatwoot.partial)
        open_count = chatwoot.open_conversations or 0
        rate = len(chatwoot.breaches) / open_count if open_count else 0.0
        self.alerts.breach_rate(session, rate, open_count, now)
