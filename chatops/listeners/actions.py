"""Buttons: on alerts (Acknowledge, Snooze 1 h, Open incident) and on incident announcements
(Acknowledge, Update status, Add note, Resolve). Acknowledge first, then hand over."""
from __future__ import annotations

import logging
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from slack_bolt import Ack, App

from blocks import alerts as alert_views
from blocks import incidents as incident_views
from chatops.commands import Ctx
from chatops.incidents import commands as incidents
from chatops.messenger import Messenger
from chatops.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Press:
    """What a button press carries, parsed once."""

    value: int | None
    user_id: str
    trigger_id: str | None = field(repr=False)
    channel_id: str | None
    response_url: str | None = field(repr=False)  # a bearer secret for 30 minutes

    @classmethod
    def parse(cls, body: dict) -> "Press":
        actions = body.get("actions") if isinstance(body.get("actions"), list) else []
        raw = actions[0].get("value") if actions and isinstance(actions[0], dict) else None
        try:
            value = int(str(raw))
        except (TypeError, ValueError):
            value = None
        if value is not None and not 0 < value < 2**31:
            value = None
        user = body.get("user") if isinstance(body.get("user"), dict) else {}
        channel = body.get("channel") if isinstance(body.get("channel"), dict) else {}
        return cls(value, str(user.get("id") or "unknown"), body.get("trigger_id"), channel.get("id"),
                   body.get("response_url"))


def register(app: App, services: Services, messenger: Messenger, executor: Executor) -> None:
    ctx = Ctx(services=services, messenger=messenger)

    def on(action_id: str, work: Callable[[Press], None]) -> None:
        def run(press: Press) -> None:
            try:
                work(press)
            except Exception:  # noqa: BLE001 - logged; the message stays as it was
                log.exception("button %s failed", action_id)

        def listener(ack: Ack, body: dict) -> None:
            ack()
            press = Press.parse(body if isinstance(body, dict) else {})
            if press.value is not None:
                executor.submit(run, press)

        listener.__name__ = f"button_{action_id}"
        app.action(action_id)(listener)

    def episode_change(change: str) -> Callable[[Press], None]:
        def work(press: Press) -> None:
            if services.alerts is not None:
                with services.db.session() as session:
                    getattr(services.alerts, change)(session, press.value, press.user_id, datetime.now(timezone.utc))
        return work

    on(alert_views.ACK, episode_change("acknowledge"))
    on(alert_views.SNOOZE, episode_change("snooze"))
    on(alert_views.OPEN_INCIDENT, lambda p: incidents.button_from_alert(p.value, p.trigger_id, ctx))
    on(incident_views.ACK, lambda p: incidents.button_acknowledge(p.value, p.user_id, ctx))
    on(incident_views.UPDATE, lambda p: incidents.button_status(p.value, p.trigger_id, ctx))
    on(incident_views.NOTE, lambda p: incidents.button_note(p.value, p.trigger_id, ctx))
    on(incident_views.RESOLVE, lambda p: incidents.button_resolve(p.value, p.user_id, ctx, p))
