"""Probe the three integrations concurrently within the probe timeout, and keep every result."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

from chatops.integrations import Integrations
from chatops.integrations.base import AsyncRuntime
from chatops.integrations.errors import IntegrationError, IntegrationTimeout
from chatops.settings import Settings
from storage.db import Database
from storage.models import ProbeResult
from storage.repos import add_probe_results, latest_probe_results

from .model import HealthReport, IntegrationHealth, State, evaluate

log = logging.getLogger(__name__)


class HealthService:
    def __init__(self, *, settings: Settings, integrations: Integrations, runtime: AsyncRuntime, db: Database):
        self.settings = settings
        self.integrations = integrations
        self.runtime = runtime
        self.db = db
        self.slow_ms = {
            "chatwoot": settings.occ_chatwoot_slow_ms,
            "shopify": settings.occ_shopify_slow_ms,
            "google_analytics": settings.occ_ga_slow_ms,
        }

    @property
    def timeout_s(self) -> float:
        return self.settings.occ_probe_timeout_s

    async def _probe_one(self, integration) -> IntegrationHealth:  # noqa: ANN001 - any adapter
        now = datetime.now(timezone.utc)
        common = dict(key=integration.key, name=integration.name, checked_at=now,
                      slow_ms=self.slow_ms.get(integration.key, 2000))
        try:
            outcome = await asyncio.wait_for(integration.probe(), timeout=self.timeout_s)
        except (asyncio.TimeoutError, TimeoutError):
            failure = IntegrationTimeout(integration.name, f"no answer within {self.timeout_s:g} s")
            return evaluate(**common, failure=failure)
        except IntegrationError as exc:
            return evaluate(**common, failure=exc)
        except Exception as exc:  # noqa: BLE001 - a bug in one adapter must not sink the others
            log.exception("probe of %s failed unexpectedly", integration.name)
            failure = IntegrationError(integration.name, f"unexpected error ({type(exc).__name__})")
            return evaluate(**common, failure=failure)
        return evaluate(**common, outcome=outcome, mock_reason=integration.reason if integration.mock else None)

    async def probe_all(self) -> list[IntegrationHealth]:
        return list(await asyncio.gather(*(self._probe_one(i) for i in self.integrations.monitored())))

    def check_now(self) -> HealthReport:
        """Probe everything now (each bounded by the probe timeout), store the results, report."""
        items = self.runtime.run(self.probe_all(), timeout=self.timeout_s + 2)
        self.record(items)
        return self.report(items)

    def record(self, items: list[IntegrationHealth]) -> None:
        try:
            with self.db.session() as session:
                add_probe_results(session, [to_row(i) for i in items])
        except Exception:  # noqa: BLE001 - the answer still goes out; the gap is logged
            log.exception("could not store probe results")

    def report(self, items: list[IntegrationHealth]) -> HealthReport:
        checked = max((i.checked_at for i in items), default=datetime.now(timezone.utc))
        return HealthReport(checked, items, self.settings.chatwoot_sla_minutes, self.timeout_s)

    def latest(self) -> HealthReport | None:
        """The newest stored result of each integration, without calling anything."""
        with self.db.session() as session:
            rows = latest_probe_results(session)
        if not rows:
            return None
        order = {i.key: n for n, i in enumerate(self.integrations.monitored())}
        items = sorted((from_row(r, self.integrations) for r in rows), key=lambda i: order.get(i.key, 99))
        return self.report(items)


def to_row(item: IntegrationHealth) -> ProbeResult:
    return ProbeResult(
        integration=item.key, checked_at=item.checked_at, state=item.state.value,
        ok=item.state in (State.OK, State.DEGRADED, State.MOCK), latency_ms=item.latency_ms,
        error_class=item.error_class, detail=(item.error or item.note or "")[:500] or None,
        open_conversations=item.open_conversations, breaching=item.breaching,
    )


def from_row(row: ProbeResult, integrations: Integrations) -> IntegrationHealth:
    names = {i.key: i.name for i in integrations.monitored()}
    state = State(row.state)
    checked = row.checked_at if row.checked_at.tzinfo else row.checked_at.replace(tzinfo=timezone.utc)
    return IntegrationHealth(
        key=row.integration, name=names.get(row.integration, row.integration), state=state,
        checked_at=checked, latency_ms=row.latency_ms,
        error=row.detail if state in (State.DOWN, State.DEGRADED) else None, error_class=row.error_class,
        open_conversations=row.open_conversations, breaching=row.breaching,
        note=row.detail if state == State.MOCK else None,
    )
