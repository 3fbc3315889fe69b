"""`/occ health`, the alert buttons and the App Home health section."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from blocks.health import checking_message, health_message
from blocks.home import health_section
from chatops.core import Interaction, Reply
from chatops.core.router import Final
from chatops.core.router import Ctx
from storage.db import Database

from .alerts import Alerts
from .service import HealthService


def acknowledge(health: HealthService, ix: Interaction) -> Reply | Final:
    """The whole answer when it needs no integration call (all MOCK, or a burst with fresh stored
    results); otherwise "checking…", and the probe answers through the response_url."""
    report = health.answer_now()
    if report is not None:
        return Final(health_message(report))
    return checking_message([i.name for i in health.integrations.monitored()])


def check(health: HealthService, ctx: Ctx) -> None:
    ctx.respond(health_message(health.check_now()))


def episode_button(db: Database, alerts: Alerts | None, change: str, ctx: Ctx) -> None:
    """Acknowledge / Snooze on an alert: record who and when, and edit the alert."""
    episode_id = _positive_int(ctx.ix.value)
    if alerts is None or episode_id is None:
        return
    with db.session() as session:
        getattr(alerts, change)(session, episode_id, ctx.ix.user_id, datetime.now(timezone.utc))


def home(health: HealthService, user_id: str) -> list[dict[str, Any]]:
    return health_section(health.latest())


def _positive_int(value: str | None) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None
