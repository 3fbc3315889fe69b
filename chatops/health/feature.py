"""Health: probing the integrations, the SLA rule, flap damping, the monitor and alert episodes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import partial

from blocks import alerts as alert_views
from chatops.core import Deps, Router
from chatops.outbox import ts_recorder
from chatops.scheduler import every

from . import report as health_report
from . import handlers
from .alerts import AlertRules, Alerts, conversation_episode, find_episode
from .damping import Damping
from .models import AlertEpisode
from .monitor import Monitor
from .service import HealthService
from .store import prune_probe_results


def install(r: Router, d: Deps) -> None:
    s = d.settings
    damping = Damping(down_after=s.occ_down_after, recover_after=s.occ_recover_after, degrade_after=s.occ_down_after,
                      error_rate=s.occ_error_rate, window=s.occ_alert_window)
    health = HealthService(settings=s, integrations=d.integrations, runtime=d.runtime, db=d.db, damping=damping)
    alerts = None
    if s.occ_alerts_channel:
        rules = AlertRules(channel=s.occ_alerts_channel, reminder_every=timedelta(hours=s.occ_alert_reminder_h),
                           rate_warn=s.occ_sla_warn_rate, rate_critical=s.occ_sla_critical_rate)
        alerts = Alerts(rules, {i.key: i.name for i in d.integrations.monitored()}, alert_views)
    monitor = Monitor(health=health, alerts=alerts, damping=damping)
    monitor.is_active = lambda: d.leading()
    d.expose("health", health)
    d.expose("alert_episode", partial(_episode, d))
    d.expose("conversation_episode", partial(_conversation_episode, d))

    r.command("health", summary="Shopify, Chatwoot and Google Analytics: state, latency, last error, SLA breaches",
              answer=partial(handlers.acknowledge, health), run=partial(handlers.check, health))
    r.action(alert_views.ACK, partial(handlers.episode_button, d.db, alerts, "acknowledge"))
    r.action(alert_views.SNOOZE, partial(handlers.episode_button, d.db, alerts, "snooze"))
    r.home_section("health", partial(handlers.home, health), order=10)
    r.job("health monitor", every(s.occ_health_interval_s), monitor.tick)
    r.job("probe retention", every(3600), partial(_prune, d))
    r.on_delivered(ts_recorder(AlertEpisode))
    r.report_section("health", partial(health_report.part, health), order=60)


def _episode(d: Deps, episode_id: int) -> AlertEpisode | None:
    with d.db.session() as session:
        return find_episode(session, episode_id)


def _conversation_episode(d: Deps, conversation_id: str) -> AlertEpisode | None:
    with d.db.session() as session:
        return conversation_episode(session, conversation_id)


def _prune(d: Deps) -> None:
    with d.db.session() as session:
        prune_probe_results(session, datetime.now(timezone.utc))
