"""Probe the three integrations concurrently within the probe timeout, and keep every result."""
from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from threading import Lock

from chatops.integrations import Integrations
from chatops.integrations.base import AsyncRuntime
from chatops.integrations.errors import IntegrationError, IntegrationTimeout
from chatops.settings import Settings
from storage.db import Database
from .models import ProbeResult
from .store import add_probe_results, latest_probe_results, recent_probe_results

from .damping import Damping, sporadic_failures
from .model import HealthReport, IntegrationHealth, State, evaluate

log = logging.getLogger(__name__)

WINDOW_AGE = timedelta(minutes=15)
BURST = 5  # /occ health requests within one second that switch answers to stored results
MOCK_REUSE_S = 1.0  # an all-MOCK report (nothing is called: it cannot change) is made at most this often


class HealthService:
    def __init__(self, *, settings: Settings, integrations: Integrations, runtime: AsyncRuntime, db: Database,
                 damping: Damping | None = None):
        self.settings = settings
        self.damping = damping or Damping()
        self.integrations = integrations
        self.runtime = runtime
        self.db = db
        self._flight: Future | None = None
        self._recent: deque[float] = deque()
        self._flight_lock = Lock()
        self._mock_lock = Lock()
        self._mock_report: tuple[float, HealthReport] | None = None
        self.slow_ms = {
            "chatwoot": settings.occ_chatwoot_slow_ms,
            "shopify": settings.occ_shopify_slow_ms,
            "google_analytics": settings.occ_ga_slow_ms,
        }

    @property
    def timeout_s(self) -> float:
        return self.settings.occ_probe_timeout_s

    async def probe_one(self, integration) -> IntegrationHealth:  # noqa: ANN001 - any adapter
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
        return evaluate(**common, outcome=outcome, mock_reason=integration.reason if integration.mock else None,
                        now=datetime.now(timezone.utc), sla_minutes=self.settings.chatwoot_sla_minutes)

    async def probe_all(self) -> list[IntegrationHealth]:
        return list(await asyncio.gather(*(self.probe_one(i) for i in self.integrations.monitored())))

    @property
    def fresh_s(self) -> float:
        """How old the monitor's results may be and still answer /occ health without probing."""
        return min(max(2.0, 1.5 * self.settings.occ_health_interval_s), 10.0)

    def probe_and_record(self) -> list[IntegrationHealth]:
        """Probe everything now, for a person who asked, and store the results."""
        items = self.runtime.run(self.probe_all(), timeout=self.timeout_s + 2)
        self.record(items, source="on_demand")
        return items

    def _shared_probe(self) -> list[IntegrationHealth]:
        """An on-demand probe that concurrent /occ health requests share (single flight)."""
        with self._flight_lock:
            flight = self._flight
            leader = flight is None
            if leader:
                flight = self._flight = Future()
        if not leader:
            return flight.result(timeout=self.timeout_s + 5)
        try:
            items = self.probe_and_record()
            flight.set_result(items)
            return items
        except BaseException as exc:
            flight.set_exception(exc)
            raise
        finally:
            with self._flight_lock:
                self._flight = None

    def answer_now(self) -> HealthReport | None:
        """A report that needs no integration call, for the acknowledgement itself: when every
        integration is MOCK (their probes call nothing), or under a burst (BURST requests within a
        second) while the monitor's stored results are fresh. None: probe after the acknowledgement."""
        if all(i.mock for i in self.integrations.monitored()):
            return self._mock_answer()
        now_mono = time.monotonic()
        with self._flight_lock:
            self._recent.append(now_mono)
            while self._recent and now_mono - self._recent[0] > 1.0:
                self._recent.popleft()
            burst = len(self._recent) >= BURST
        if burst:
            latest = self.latest()
            now = datetime.now(timezone.utc)
            if latest is not None and len(latest.items) == len(self.integrations.monitored()) and all(
                (now - i.checked_at).total_seconds() <= self.fresh_s for i in latest.items
            ):
                return latest
        return None

    def _mock_answer(self) -> HealthReport:
        """Every integration MOCK: probe (nothing is called) and record at most once a second; a
        burst shares that report (its states cannot differ) instead of writing a row per request."""
        with self._mock_lock:
            kept = self._mock_report
            if kept is not None and time.monotonic() - kept[0] <= MOCK_REUSE_S:
                return kept[1]
            started = time.monotonic()
            report = self.report(self.probe_and_record())
            self._mock_report = (started, report)
            return report

    def check_now(self) -> HealthReport:
        """Probe live (the truth now); requests that arrive while one is probing share its answer."""
        return self.report(self._shared_probe())

    def record(self, items: list[IntegrationHealth], *, source: str) -> None:
        """Store results; only the monitor's (source="monitor") feed flap damping."""
        try:  # a person waits for an on-demand probe: a locked database costs a second, not the answer
            with self.db.session(bounded=source != "monitor") as session:
                add_probe_results(session, [to_row(i, source) for i in items])
        except Exception:  # noqa: BLE001 - the answer still goes out; the gap is logged
            log.exception("could not store probe results")

    def report(self, items: list[IntegrationHealth]) -> HealthReport:
        checked = max((i.checked_at for i in items), default=datetime.now(timezone.utc))
        return HealthReport(checked, self._with_error_rate(items), self.settings.chatwoot_sla_minutes, self.timeout_s)

    def _with_error_rate(self, items: list[IntegrationHealth]) -> list[IntegrationHealth]:
        """An answer that came back fine is still DEGRADED when enough of the recent window failed."""
        out = []
        try:
            with self.db.session() as session:
                for item in items:
                    if item.state != State.OK:
                        out.append(item)
                        continue
                    since = item.checked_at - WINDOW_AGE
                    rows = [r for r in recent_probe_results(session, item.key, self.damping.window, source="monitor")
                            if r.checked_at >= since]
                    failed = sporadic_failures([State(r.state) for r in rows], self.damping.down_after)
                    if len(rows) >= self.damping.min_window and failed >= 2 and failed / len(rows) >= self.damping.error_rate:
                        item = replace(item, state=State.DEGRADED, error_class="error_rate",
                                       error=f"{failed} of the last {len(rows)} probes failed ({failed / len(rows):.0%})")
                    out.append(item)
        except Exception:  # noqa: BLE001 - the per-probe states still stand
            log.warning("could not read the recent window", exc_info=True)
            return items
        return out

    def latest(self) -> HealthReport | None:
        """The newest stored result of each integration, without calling anything."""
        monitored = self.integrations.monitored()
        with self.db.session() as session:
            rows = latest_probe_results(session, [i.key for i in monitored])
        if not rows:
            return None
        order = {i.key: n for n, i in enumerate(monitored)}
        items = sorted((from_row(r, self.integrations) for r in rows), key=lambda i: order.get(i.key, 99))
        return self.report(items)


def to_row(item: IntegrationHealth, source: str = "monitor") -> ProbeResult:
    return ProbeResult(
        source=source,
        integration=item.key, checked_at=item.checked_at, state=item.state.value,
        ok=item.state in (State.OK, State.DEGRADED, State.MOCK), latency_ms=item.latency_ms,
        error_class=item.error_class, detail=(item.error or item.note or "")[:500] or None,
        open_conversations=item.open_conversations, breaching=item.breaching,
    )


def from_row(row: ProbeResult, integrations: Integrations) -> IntegrationHealth:
    names = {i.key: i.name for i in integrations.monitored()}
    state = State(row.state)
    return IntegrationHealth(
        key=row.integration, name=names.get(row.integration, row.integration), state=state,
        checked_at=row.checked_at, latency_ms=row.latency_ms,
        error=row.detail if state in (State.DOWN, State.DEGRADED) else None, error_class=row.error_class,
        open_conversations=row.open_conversations, breaching=row.breaching,
        note=row.detail if state == State.MOCK else None,
    )
