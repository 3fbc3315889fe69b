"""The application's parts, built once from settings and shared by every transport."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from blocks.help import help_message
from chatops.commands import Invocation, Registry, Subcommand
from chatops.health import commands as health_commands
from chatops.background import Job
from chatops.health.alerts import AlertRules, Alerts
from chatops.health.damping import Damping
from chatops.health.monitor import Monitor
from chatops.health.service import HealthService
from chatops import memory
from chatops.incidents import commands as incident_commands
from chatops.incidents.service import IncidentService
from chatops.integrations import Integrations, build_integrations
from chatops.integrations.base import AsyncRuntime
from chatops.settings import Settings
from chatops.views import ViewRegistry
from chatops.outbox import ts_recorder
from storage.db import Database, StorageError
from storage.models import AlertEpisode, Incident
from storage.repos import prune

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    db: Database
    runtime: AsyncRuntime
    integrations: Integrations
    health: HealthService
    commands: Registry
    views: ViewRegistry
    damping: Damping
    alerts: Alerts | None
    monitor: Monitor
    incidents: IncidentService
    jobs: list = field(default_factory=list)  # background.Job: scheduled work run by the leader
    outbox_hooks: list = field(default_factory=list)  # called when an outbox row is delivered

    def command_list(self) -> list[tuple[str, str]]:
        return [(c.synopsis, c.summary) for c in self.commands.all()]

    def help(self, unknown: str | None = None) -> dict:
        return help_message(self.command_list(), unknown=unknown)

    def close(self) -> None:
        self.runtime.close(self.integrations.aclose)
        self.db.dispose()


def build_registry(views: ViewRegistry) -> Registry:
    registry = Registry()
    registry.add(Subcommand(name="help", summary="this list", ack=lambda inv, s: s.help()))
    health_commands.register(registry)
    incident_commands.register(registry, views)
    memory.register(registry)
    return registry


def build_services(settings: Settings, *, migrate: bool = True) -> Services:
    """Raises ConfigError for a configuration that cannot work, StorageError for the database."""
    integrations = build_integrations(settings)
    try:
        db = Database(settings.database_url)
        if migrate:
            db.migrate()
    except Exception as exc:
        raise StorageError(f"{type(exc).__name__}: {exc}".splitlines()[0]) from exc
    runtime = AsyncRuntime()
    damping = Damping(down_after=settings.occ_down_after, recover_after=settings.occ_recover_after,
                      degrade_after=settings.occ_down_after, error_rate=settings.occ_error_rate,
                      window=settings.occ_alert_window)
    health = HealthService(settings=settings, integrations=integrations, runtime=runtime, db=db, damping=damping)
    alerts = None
    if settings.occ_alerts_channel:
        rules = AlertRules(channel=settings.occ_alerts_channel,
                           reminder_every=timedelta(hours=settings.occ_alert_reminder_h),
                           rate_warn=settings.occ_sla_warn_rate, rate_critical=settings.occ_sla_critical_rate)
        alerts = Alerts(rules, {i.key: i.name for i in integrations.monitored()})
    monitor = Monitor(health=health, alerts=alerts, damping=damping)
    incidents = IncidentService(db, settings.occ_incidents_channel)
    views = ViewRegistry()
    services = Services(settings=settings, db=db, runtime=runtime, integrations=integrations, health=health,
                        commands=build_registry(views), views=views, damping=damping, alerts=alerts,
                        monitor=monitor, incidents=incidents)
    services.jobs.append(Job("incident reminders", 15, incidents.remind_due))
    services.jobs.append(Job("retention", 3600, lambda: _prune(db)))
    services.outbox_hooks += [ts_recorder(AlertEpisode), ts_recorder(Incident)]
    return services


def _prune(db: Database) -> None:
    with db.session() as session:
        counts = prune(session, datetime.now(timezone.utc))
    if any(counts.values()):
        log.info("retention: removed %s", counts)


def answer_command(services: Services, inv: Invocation) -> tuple[Subcommand | None, Invocation, dict | None]:
    """Resolve `inv` and compute its immediate acknowledgement (pure: no I/O).
    Blank or unknown text answers with help."""
    command, resolved = services.commands.resolve(inv)
    if command is None:
        return None, resolved, services.help(unknown=inv.text or None)
    return command, resolved, command.ack(resolved, services) if command.ack else None
